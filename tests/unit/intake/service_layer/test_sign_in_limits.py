"""Sign-in link limits count one request per address and per client, not one per character."""

from __future__ import annotations

import pytest

from ecocirc_intake.service_layer.auth_failures import FailureLimiter
from ecocirc_intake.service_layer.sign_in import SendLimits


def test_an_address_gets_its_links_up_to_the_limit() -> None:
    # "connue@example.fr" has four "e": counted per character, the second request was already refused.
    limits = SendLimits(per_address=5, per_client=30)
    assert [limits.allow("connue@example.fr", "192.0.2.1") for _ in range(6)] == [True] * 5 + [False]


def test_a_client_asks_up_to_its_limit_whatever_the_addresses() -> None:
    limits = SendLimits(per_address=5, per_client=3)
    assert [limits.allow(f"p{i}@example.fr", "192.0.2.1") for i in range(4)] == [True] * 3 + [False]


def test_a_bare_string_is_refused_as_keys() -> None:
    with pytest.raises(TypeError):
        FailureLimiter().record_failure("client:192.0.2.1")
