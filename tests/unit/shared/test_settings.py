"""Settings refuse to start a production service that is missing something or insecure."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ecocirc_shared.settings import Settings

COMPLETE = {
    "database_url": "postgresql://u:p@db/ecocirc",
    "kafka_bootstrap": "kafka:9092",
    "smtp_host": "smtp.example.org",
    "mail_from": "eco@example.org",
    "admin_token": "a" * 12 + "B" * 12 + "c" * 8,
}


def test_embedded_mode_needs_nothing() -> None:
    assert Settings(_env_file=None, embedded=True).api_port == 8000  # type: ignore[call-arg]


def test_missing_variables_are_listed_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("ECOCIRC_DATABASE_URL", "ECOCIRC_KAFKA_BOOTSTRAP", "ECOCIRC_EMBEDDED"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(ValidationError, match="ECOCIRC_DATABASE_URL, ECOCIRC_KAFKA_BOOTSTRAP"):
        Settings(**{k: v for k, v in COMPLETE.items() if k not in ("database_url", "kafka_bootstrap")})


@pytest.mark.parametrize("token", ["changeme", "short-token", "admin"])
def test_insecure_admin_token_is_refused(token: str) -> None:
    with pytest.raises(ValidationError, match="ECOCIRC_ADMIN_TOKEN is insecure"):
        Settings(**{**COMPLETE, "admin_token": token})


def test_complete_production_settings_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOCIRC_API_PORT", "9000")
    settings = Settings(**COMPLETE)
    assert settings.api_port == 9000 and not settings.embedded


# ---- SMTP: a password never travels in clear ---------------------------------------------------
@pytest.mark.parametrize("embedded", [False, True])
def test_an_smtp_password_without_tls_is_refused(embedded: bool) -> None:
    with pytest.raises(ValidationError, match=r"ECOCIRC_SMTP_PASSWORD.*ECOCIRC_SMTP_TLS"):
        Settings(
            **{**COMPLETE, "embedded": embedded, "smtp_user": "u", "smtp_password": "p", "smtp_tls": "none"}
        )


@pytest.mark.parametrize("tls", ["starttls", "tls"])
def test_an_smtp_password_over_tls_is_accepted(tls: str) -> None:
    settings = Settings(**{**COMPLETE, "smtp_user": "u", "smtp_password": "p", "smtp_tls": tls})
    assert settings.smtp_password is not None


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.53", "::1", "localhost"])
def test_an_smtp_password_to_a_loopback_relay_may_go_without_tls(host: str) -> None:
    # The password does not leave the machine (or the pod): a local relay or a TLS sidecar.
    settings = Settings(**{**COMPLETE, "smtp_host": host, "smtp_password": "p", "smtp_tls": "none"})
    assert settings.smtp_tls == "none"


def test_no_password_needs_no_tls() -> None:
    assert Settings(**{**COMPLETE, "smtp_tls": "none"}).smtp_password is None


# ---- intake: trusted proxies ---------------------------------------------------------------------
def test_trusted_proxies_are_read_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOCIRC_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.10,2001:db8::/32")
    assert Settings(**COMPLETE).trusted_proxies == ("10.0.0.0/8", "192.0.2.10", "2001:db8::/32")
    monkeypatch.delenv("ECOCIRC_TRUSTED_PROXIES")
    assert Settings(**COMPLETE).trusted_proxies == ()


@pytest.mark.parametrize("entry", ["*", "proxy.internal", "10.0.0.0/33"])
def test_a_trusted_proxy_must_be_an_address_or_a_network(entry: str) -> None:
    with pytest.raises(ValidationError, match="ECOCIRC_TRUSTED_PROXIES"):
        Settings(**{**COMPLETE, "trusted_proxies": entry})
