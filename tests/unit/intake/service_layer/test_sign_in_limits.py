"""Sign-in link limits count addresses and clients, not the characters of an address."""

from __future__ import annotations

from ecocirc_intake.service_layer.sign_in import SendLimits


def test_two_addresses_sharing_letters_have_limits_of_their_own() -> None:
    limits = SendLimits(per_address=2, per_client=100)
    assert limits.allow("connue@example.fr", "10.0.0.1")
    assert limits.allow("connue@example.fr", "10.0.0.1")
    assert not limits.allow("connue@example.fr", "10.0.0.1")  # its own third link this hour
    assert limits.allow("inconnue@example.fr", "10.0.0.1")  # same letters, another address


def test_a_client_is_limited_whatever_the_addresses() -> None:
    limits = SendLimits(per_address=100, per_client=2)
    assert limits.allow("a@example.fr", "10.0.0.1")
    assert limits.allow("b@example.fr", "10.0.0.1")
    assert not limits.allow("c@example.fr", "10.0.0.1")
    assert limits.allow("c@example.fr", "10.0.0.2")
