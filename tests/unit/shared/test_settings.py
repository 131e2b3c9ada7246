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
