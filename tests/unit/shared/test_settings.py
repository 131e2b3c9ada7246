"""Each service refuses to start outside embedded mode without what it needs, and needs nothing else."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ecocirc_shared.settings import IntakeSettings, MatcherSettings, NotifierSettings, Settings

DATABASE = {"database_url": "postgresql://u:p@db/ecocirc", "kafka_bootstrap": "kafka:9092"}
INTAKE = {**DATABASE, "admin_token": "a" * 12 + "B" * 12 + "c" * 8, "link_secret": "L" * 40}
NOTIFIER = {
    **DATABASE,
    "smtp_host": "smtp.example.org",
    "mail_from": "eco@example.org",
    "programme_contact": "contact@example.org",
    "link_secret": "L" * 40,
}
# Everything every service needs: what the whole platform starts with outside embedded mode.
COMPLETE = {**INTAKE, **NOTIFIER}


@pytest.fixture(autouse=True)
def _no_ecocirc_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in [k for k in os.environ if k.startswith("ECOCIRC_")]:
        monkeypatch.delenv(key)


def test_embedded_mode_needs_nothing() -> None:
    assert Settings(_env_file=None, embedded=True).api_port == 8000  # type: ignore[call-arg]


def test_the_matcher_starts_with_a_database_and_a_broker_only() -> None:
    """No SMTP server, no admin token, no link key: the matcher sends no email and serves no API."""
    assert not MatcherSettings(**DATABASE).embedded
    assert "admin_token" not in MatcherSettings.model_fields
    assert "smtp_host" not in MatcherSettings.model_fields


def test_the_notifier_needs_no_admin_token_and_intake_no_smtp() -> None:
    assert NotifierSettings(**NOTIFIER).programme_contact == "contact@example.org"
    assert "admin_token" not in NotifierSettings.model_fields
    assert IntakeSettings(**INTAKE).api_port == 8000
    assert "smtp_host" not in IntakeSettings.model_fields


@pytest.mark.parametrize(
    ("settings", "values", "left_out", "named"),
    [
        (
            MatcherSettings,
            DATABASE,
            ("database_url", "kafka_bootstrap"),
            "ECOCIRC_DATABASE_URL, ECOCIRC_KAFKA_BOOTSTRAP",
        ),
        (IntakeSettings, INTAKE, ("link_secret",), "ECOCIRC_LINK_SECRET"),
        (IntakeSettings, INTAKE, ("admin_token",), "ECOCIRC_ADMIN_TOKEN"),
        (NotifierSettings, NOTIFIER, ("programme_contact",), "ECOCIRC_PROGRAMME_CONTACT"),
        (NotifierSettings, NOTIFIER, ("smtp_host", "link_secret"), "ECOCIRC_LINK_SECRET, ECOCIRC_SMTP_HOST"),
    ],
)
def test_missing_variables_are_listed_by_name(
    settings: type[Settings], values: dict[str, str], left_out: tuple[str, ...], named: str
) -> None:
    with pytest.raises(ValidationError, match=named):
        settings(**{k: v for k, v in values.items() if k not in left_out})


@pytest.mark.parametrize("token", ["changeme", "short-token", "admin"])
def test_insecure_admin_token_is_refused(token: str) -> None:
    with pytest.raises(ValidationError, match="ECOCIRC_ADMIN_TOKEN is insecure"):
        IntakeSettings(**{**INTAKE, "admin_token": token})


@pytest.mark.parametrize("secret", ["changeme", "short-secret-of-31-characters!!"])
def test_insecure_link_secret_is_refused(secret: str) -> None:
    with pytest.raises(ValidationError, match="ECOCIRC_LINK_SECRET is insecure"):
        NotifierSettings(**{**NOTIFIER, "link_secret": secret})


def test_the_link_secret_is_not_the_admin_token() -> None:
    """Rotating the admin token must break no link already sent: they are two secrets."""
    with pytest.raises(ValidationError, match="must differ"):
        IntakeSettings(
            **{
                **INTAKE,
                "link_secret": INTAKE["admin_token"] + "x" * 8,
                "admin_token": INTAKE["admin_token"] + "x" * 8,
            }
        )


def test_the_admin_email_must_be_an_address() -> None:
    with pytest.raises(ValidationError, match="ECOCIRC_ADMIN_EMAIL"):
        IntakeSettings(**{**INTAKE, "admin_email": "admin"})
    assert IntakeSettings(**{**INTAKE, "admin_email": "eit@cci.example.fr"}).admin_email


def test_complete_production_settings_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOCIRC_API_PORT", "9000")
    settings = Settings(**{**INTAKE, **NOTIFIER})
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


def test_the_programme_day_is_the_programme_zone_s_day_for_the_pages_as_for_the_reminders() -> None:
    """Kiritimati (UTC+14) is always a day or two ahead of Pago Pago (UTC-11): a UTC day would be the same."""
    ahead = IntakeSettings(**INTAKE, programme_timezone="Pacific/Kiritimati").today()
    behind = NotifierSettings(**NOTIFIER, programme_timezone="Pacific/Pago_Pago").today()
    assert 1 <= (ahead - behind).days <= 2
    with pytest.raises(ValidationError, match="unknown time zone"):
        IntakeSettings(**INTAKE, programme_timezone="Europe/Gers")
