"""The matcher's faust app gets the same Kafka TLS and SASL as the platform's own clients."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import faust
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

from ecocirc_matcher.adapters.faust_security import broker_credentials
from ecocirc_matcher.entrypoints.worker import create_app
from ecocirc_shared.kafka_security import client_security
from ecocirc_shared.settings import Settings
from tests.unit.shared.test_kafka_security import SASL_SSL, TLS, settings


def without_context(kwargs: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    rest = dict(kwargs)
    return rest, rest.pop("ssl_context", None)


def test_plaintext_has_no_credentials() -> None:
    assert broker_credentials(settings()) is None


def test_sasl_ssl_becomes_sasl_credentials_that_faust_passes_on_unchanged() -> None:
    s = settings(**{**SASL_SSL, "kafka_sasl_mechanism": "SCRAM-SHA-256"})
    credentials = broker_credentials(s)
    assert isinstance(credentials, faust.SASLCredentials)
    assert credentials.mechanism.value == "SCRAM-SHA-256" and credentials.username == "ecocirc"
    # What faust's aiokafka driver will hand its producer and consumers: the same as our own clients.
    faust_kwargs, faust_context = without_context(credentials_to_aiokafka_auth(credentials))
    ours, our_context = without_context(client_security(s))
    assert faust_kwargs == ours
    assert isinstance(faust_context, ssl.SSLContext) and isinstance(our_context, ssl.SSLContext)
    assert faust_context.verify_mode is ssl.CERT_REQUIRED and faust_context.check_hostname


def test_ssl_alone_becomes_ssl_credentials() -> None:
    s = settings(kafka_security_protocol="SSL", kafka_ssl_cafile=str(TLS / "ca.pem"))
    credentials = broker_credentials(s)
    assert isinstance(credentials, faust.SSLCredentials)
    assert credentials_to_aiokafka_auth(credentials)["security_protocol"] == "SSL"


def test_sasl_plaintext_scram() -> None:
    s = settings(**{**SASL_SSL, "kafka_security_protocol": "SASL_PLAINTEXT", "kafka_ssl_cafile": None})
    auth = credentials_to_aiokafka_auth(broker_credentials(s))
    assert auth["security_protocol"] == "SASL_PLAINTEXT" and auth["ssl_context"] is None


def test_the_matcher_app_is_configured_with_them(tmp_path: Path) -> None:
    s: Settings = settings(**SASL_SSL, var_dir=str(tmp_path))
    app = create_app(s)
    auth = credentials_to_aiokafka_auth(app.conf.broker_credentials, app.conf.ssl_context)
    assert auth["security_protocol"] == "SASL_SSL" and auth["sasl_plain_password"] == "kafka-secret"
