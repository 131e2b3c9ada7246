"""Sign-in links: only the key's holder makes one, and any change to it is refused."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from ecocirc_shared.links import link_key, read_sign_in_value, sign_in_token, sign_in_url
from ecocirc_shared.settings import Settings


def test_a_link_carries_its_id_and_a_token_the_key_checks() -> None:
    key, link_id = b"k" * 32, uuid.uuid4()
    url = urlsplit(sign_in_url("https://eco.example.org/", key, link_id))
    assert (url.scheme, url.netloc, url.path) == ("https", "eco.example.org", "/connexion/lien")
    [value] = parse_qs(url.query)["jeton"]
    assert read_sign_in_value(key, value) == (link_id, sign_in_token(key, link_id))
    assert read_sign_in_value(b"x" * 32, value) is None  # another key
    link_hex, token = value.split(".")
    other = uuid.uuid4().hex
    for forged in (
        f"{other}.{token}",
        f"{link_hex}.{token[:-1]}A",
        f"{link_hex}.",
        "",
        "é.é",
        f"{link_hex}.{token}é",
    ):
        assert read_sign_in_value(key, forged) is None, forged


def test_the_key_is_the_secret_else_derived_from_the_admin_token() -> None:
    configured = Settings(
        embedded=True, link_secret="a-link-secret", admin_token="an-admin-token-long-enough"
    )
    assert link_key(configured) == b"a-link-secret"
    derived = link_key(Settings(embedded=True, admin_token="an-admin-token-long-enough"))
    assert derived != b"an-admin-token-long-enough" and len(derived) == 32
    with pytest.raises(RuntimeError, match="ECOCIRC_LINK_SECRET"):
        link_key(Settings(embedded=True))


def test_the_public_address_follows_the_api_port_unless_given() -> None:
    assert Settings(embedded=True, api_port=8123).public_base_url == "http://127.0.0.1:8123"
    given = Settings(embedded=True, api_port=8123, public_base_url="https://eco.example.org/")
    assert given.public_base_url == "https://eco.example.org"
