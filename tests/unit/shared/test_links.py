"""Signed links: a token is bound to one purpose and one recipient, and the key is its own secret."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

from ecocirc_shared.links import (
    link_secret,
    read_sign_in_value,
    sign,
    sign_in_token,
    sign_in_url,
    unsubscribe_base,
    unsubscribe_token,
    unsubscribe_token_matches,
)
from ecocirc_shared.settings import IntakeSettings, LinkSettings

ADMIN = "an-admin-token-long-enough-for-tests"


def test_a_token_is_bound_to_one_recipient_and_one_key() -> None:
    someone, other = uuid.uuid4(), uuid.uuid4()
    token = unsubscribe_token("k" * 32, "company", someone)
    assert unsubscribe_token_matches("k" * 32, "company", someone, token)
    assert not unsubscribe_token_matches("k" * 32, "company", other, token)
    assert not unsubscribe_token_matches("k" * 32, "advisor", someone, token)
    assert not unsubscribe_token_matches("j" * 32, "company", someone, token)


def test_a_token_made_for_one_purpose_is_worth_nothing_for_another() -> None:
    someone = str(uuid.uuid4())
    assert sign("k" * 32, "unsubscribe", "company", someone) != sign("k" * 32, "sign-in", "company", someone)


def test_rotating_the_admin_token_keeps_links_valid() -> None:
    """The key is ECOCIRC_LINK_SECRET alone: nothing in it comes from the admin token."""
    someone = uuid.uuid4()
    before = IntakeSettings(embedded=True, admin_token=ADMIN, link_secret="l" * 40)
    after = IntakeSettings(embedded=True, admin_token=ADMIN + "-rotated", link_secret="l" * 40)
    secret_before, secret_after = link_secret(before), link_secret(after)
    assert secret_before and secret_after
    token = unsubscribe_token(secret_before, "company", someone)
    assert unsubscribe_token_matches(secret_after, "company", someone, token)
    # With no link secret there is no key at all (embedded mode only): emails then carry no link.
    assert link_secret(IntakeSettings(embedded=True, admin_token=ADMIN)) is None


def test_links_point_at_the_public_address() -> None:
    assert unsubscribe_base(LinkSettings(embedded=True, public_base_url="https://eco.example/")) == (
        "https://eco.example/v1/unsubscribe"
    )


def test_a_sign_in_link_carries_its_id_and_a_token_only_the_key_makes() -> None:
    key, link_id = "k" * 32, uuid.uuid4()
    url = urlsplit(sign_in_url("https://eco.example.org/", key, link_id))
    assert (url.scheme, url.netloc, url.path) == ("https", "eco.example.org", "/connexion/lien")
    [value] = parse_qs(url.query)["jeton"]
    assert read_sign_in_value(key, value) == (link_id, sign_in_token(key, link_id))
    assert read_sign_in_value("j" * 32, value) is None  # another key
    link_hex, token = value.split(".")
    assert token != unsubscribe_token(key, "company", link_id)
    forgeries = (
        f"{uuid.uuid4().hex}.{token}",
        f"{link_hex}.{token[:-1]}{'A' if token[-1] != 'A' else 'B'}",
        f"{link_hex}.",
        "",
        "é.é",
        f"{value}é",
    )
    for forged in forgeries:
        assert read_sign_in_value(key, forged) is None, forged


def test_the_public_address_follows_the_api_port_unless_given() -> None:
    assert LinkSettings(embedded=True, api_port=8123).public_base_url == "http://127.0.0.1:8123"
    given = LinkSettings(embedded=True, api_port=8123, public_base_url="https://eco.example.org/")
    assert given.public_base_url == "https://eco.example.org"
