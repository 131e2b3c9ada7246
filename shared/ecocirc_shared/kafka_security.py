"""How every Kafka client authenticates and encrypts: TLS and SASL settings as client arguments.

One function for the aiokafka clients the platform builds itself (outbox relay, notifier consumer,
topic administration); the matcher turns the same settings into faust credentials, and a test checks
that faust hands aiokafka the same arguments.
"""

from __future__ import annotations

import ssl
from typing import Any

from aiokafka.helpers import create_ssl_context

from ecocirc_shared.settings import KafkaSecurityProtocol, KafkaSettings

TLS_PROTOCOLS = frozenset({KafkaSecurityProtocol.SSL, KafkaSecurityProtocol.SASL_SSL})
SASL_PROTOCOLS = frozenset({KafkaSecurityProtocol.SASL_PLAINTEXT, KafkaSecurityProtocol.SASL_SSL})


def uses_tls(settings: KafkaSettings) -> bool:
    return settings.kafka_security_protocol in TLS_PROTOCOLS


def uses_sasl(settings: KafkaSettings) -> bool:
    return settings.kafka_security_protocol in SASL_PROTOCOLS


def ssl_context(settings: KafkaSettings) -> ssl.SSLContext:
    """A client TLS context that verifies the brokers (hostname included), with a client certificate if set."""
    password = settings.kafka_ssl_key_password.get_secret_value() if settings.kafka_ssl_key_password else None
    context: ssl.SSLContext = create_ssl_context(
        cafile=settings.kafka_ssl_cafile,
        certfile=settings.kafka_ssl_certfile,
        keyfile=settings.kafka_ssl_keyfile,
        password=password,
    )
    return context


def sasl_login(settings: KafkaSettings) -> tuple[str, str, str]:
    """(mechanism, user name, password); the settings validator made sure all three are set."""
    mechanism, username, password = (
        settings.kafka_sasl_mechanism,
        settings.kafka_sasl_username,
        settings.kafka_sasl_password,
    )
    assert mechanism is not None and username and password is not None
    return mechanism.value, username, password.get_secret_value()


def client_security(settings: KafkaSettings) -> dict[str, Any]:
    """Keyword arguments for AIOKafkaProducer, AIOKafkaConsumer and AIOKafkaAdminClient."""
    kwargs: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol.value}
    if uses_tls(settings):
        kwargs["ssl_context"] = ssl_context(settings)
    if uses_sasl(settings):
        mechanism, username, password = sasl_login(settings)
        kwargs.update(sasl_mechanism=mechanism, sasl_plain_username=username, sasl_plain_password=password)
    return kwargs
