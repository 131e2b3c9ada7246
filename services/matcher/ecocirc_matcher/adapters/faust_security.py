"""The platform's Kafka TLS and SASL settings as faust broker credentials."""

from __future__ import annotations

import faust
from faust.types.auth import CredentialsT

from ecocirc_shared.kafka_security import sasl_login, ssl_context, uses_sasl, uses_tls
from ecocirc_shared.settings import KafkaSettings


def broker_credentials(settings: KafkaSettings) -> CredentialsT | None:
    """None for PLAINTEXT; faust derives the security protocol from the credentials' kind.

    SASLCredentials with an SSL context is SASL_SSL, without one SASL_PLAINTEXT; SSLCredentials is SSL.
    """
    context = ssl_context(settings) if uses_tls(settings) else None
    if uses_sasl(settings):
        mechanism, username, password = sasl_login(settings)
        return faust.SASLCredentials(
            username=username, password=password, ssl_context=context, mechanism=mechanism
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None
