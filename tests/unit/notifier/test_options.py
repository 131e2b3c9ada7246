"""Settings read with defaults until the shared Settings has them, and the unsubscribe key."""

from __future__ import annotations

import uuid
from datetime import timedelta

from ecocirc_notifier.domain.headers import token_for, token_matches
from ecocirc_notifier.options import notifier_options, unsubscribe_base, unsubscribe_secret
from ecocirc_shared.settings import Settings

ADMIN = "an-admin-token-long-enough-for-tests"


def test_defaults_before_the_settings_exist() -> None:
    options = notifier_options(Settings(embedded=True, advisor_digest_minutes=15))
    assert options.advisor_digest == timedelta(minutes=15)
    assert options.hold == timedelta(seconds=2) and options.max_hold == timedelta(seconds=10)
    assert options.max_attempts == 8


def test_the_unsubscribe_key_is_derived_from_the_admin_token_and_does_not_reveal_it() -> None:
    secret = unsubscribe_secret(Settings(embedded=True, admin_token=ADMIN))
    assert secret and ADMIN not in secret and len(secret) >= 16
    assert unsubscribe_secret(Settings(embedded=True)) is None
    assert unsubscribe_base(Settings(embedded=True, public_base_url="https://eco.example/")) == (
        "https://eco.example/v1/unsubscribe"
    )


def test_a_token_is_bound_to_one_recipient() -> None:
    someone, other = uuid.uuid4(), uuid.uuid4()
    token = token_for("k" * 32, "company", someone)
    assert token_matches("k" * 32, "company", someone, token)
    assert not token_matches("k" * 32, "company", other, token)
    assert not token_matches("k" * 32, "advisor", someone, token)
    assert not token_matches("j" * 32, "company", someone, token)
