"""Kafka TLS and SASL: settings refuse inconsistent combinations and become the clients' arguments."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from ecocirc_shared import kafka
from ecocirc_shared.kafka_security import client_security
from ecocirc_shared.settings import Settings
from tests.unit.shared.test_settings import COMPLETE

TLS = Path(__file__).parent / "tls"
SASL_SSL = {
    "kafka_security_protocol": "SASL_SSL",
    "kafka_sasl_mechanism": "SCRAM-SHA-512",
    "kafka_sasl_username": "ecocirc",
    "kafka_sasl_password": "kafka-secret",
    "kafka_ssl_cafile": str(TLS / "ca.pem"),
}


def settings(**overrides: Any) -> Settings:
    return Settings(**{**COMPLETE, **overrides})


def test_plaintext_by_default() -> None:
    assert client_security(settings()) == {"security_protocol": "PLAINTEXT"}


def test_sasl_ssl_gives_a_verifying_tls_context_and_the_login() -> None:
    kwargs = client_security(settings(**SASL_SSL))
    context = kwargs.pop("ssl_context")
    assert kwargs == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "ecocirc",
        "sasl_plain_password": "kafka-secret",
    }
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    # The configured CA, not (only) the system's.
    assert any("test CA" in str(ca.get("subject")) for ca in context.get_ca_certs())


def test_ssl_with_a_client_certificate() -> None:
    kwargs = client_security(
        settings(
            kafka_security_protocol="SSL",
            kafka_ssl_cafile=str(TLS / "ca.pem"),
            kafka_ssl_certfile=str(TLS / "client.pem"),
            kafka_ssl_keyfile=str(TLS / "client.key"),
        )
    )
    assert kwargs["security_protocol"] == "SSL" and isinstance(kwargs["ssl_context"], ssl.SSLContext)
    assert "sasl_mechanism" not in kwargs


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_every_supported_mechanism(mechanism: str) -> None:
    kwargs = client_security(settings(**{**SASL_SSL, "kafka_sasl_mechanism": mechanism}))
    assert kwargs["sasl_mechanism"] == mechanism


class Recorder:
    """Stands for an aiokafka client class: records the keyword arguments it was built with."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return kwargs


def test_producer_consumer_and_admin_are_built_with_the_security(monkeypatch: pytest.MonkeyPatch) -> None:
    recorders = {name: Recorder() for name in ("AIOKafkaProducer", "AIOKafkaConsumer", "AIOKafkaAdminClient")}
    for name, recorder in recorders.items():
        monkeypatch.setattr(kafka, name, recorder)
    s = settings(**SASL_SSL)
    kafka.make_producer(s)
    kafka.make_consumer(s, "topic", group_id="g")
    kafka.make_admin(s)
    for name, recorder in recorders.items():
        [kwargs] = recorder.calls
        assert kwargs["security_protocol"] == "SASL_SSL", name
        assert kwargs["sasl_mechanism"] == "SCRAM-SHA-512", name
        assert kwargs["sasl_plain_password"] == "kafka-secret", name
        assert isinstance(kwargs["ssl_context"], ssl.SSLContext), name


# ---- inconsistent combinations are refused at start, naming the variables ----------------------
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kafka_security_protocol": "SASL_SSL"}, "needs ECOCIRC_KAFKA_SASL_MECHANISM, ECOCIRC_KAFKA_SASL_USERNAME"),
        ({**SASL_SSL, "kafka_sasl_password": ""}, "needs ECOCIRC_KAFKA_SASL_PASSWORD"),
        ({**SASL_SSL, "kafka_sasl_mechanism": None}, "needs ECOCIRC_KAFKA_SASL_MECHANISM"),
        ({"kafka_sasl_username": "u", "kafka_sasl_password": "p"}, "does not use SASL"),
        ({**SASL_SSL, "kafka_security_protocol": "SSL"}, "does not use SASL"),
        ({"kafka_ssl_cafile": str(TLS / "ca.pem")}, "does not use TLS"),
        ({**SASL_SSL, "kafka_security_protocol": "SASL_PLAINTEXT"}, "does not use TLS"),
        (
            {"kafka_security_protocol": "SSL", "kafka_ssl_keyfile": str(TLS / "client.key")},
            "KEYFILE is set without ECOCIRC_KAFKA_SSL_CERTFILE",
        ),
        ({**SASL_SSL, "kafka_ssl_cafile": "/nonexistent/ca.pem"}, "ECOCIRC_KAFKA_SSL_CAFILE: no file"),
        (
            {**SASL_SSL, "kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_mechanism": "PLAIN",
             "kafka_ssl_cafile": None},
            "sends the password in clear",
        ),
        ({"kafka_security_protocol": "TLS"}, "kafka_security_protocol"),
        ({**SASL_SSL, "kafka_sasl_mechanism": "GSSAPI"}, "kafka_sasl_mechanism"),
    ],
)  # fmt: skip
def test_inconsistent_combinations_are_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        settings(**overrides)


def test_scram_over_sasl_plaintext_and_plain_to_a_loopback_broker_are_accepted() -> None:
    # SCRAM never sends the password; PLAIN to a broker on this machine does not cross a network.
    scram = {**SASL_SSL, "kafka_security_protocol": "SASL_PLAINTEXT", "kafka_ssl_cafile": None}
    assert client_security(settings(**scram))["security_protocol"] == "SASL_PLAINTEXT"
    local = {**scram, "kafka_sasl_mechanism": "PLAIN", "kafka_bootstrap": "127.0.0.1:9092,localhost:9093"}
    assert client_security(settings(**local))["sasl_mechanism"] == "PLAIN"
