"""The production Kafka block the ConfigMap carries in comments is valid once uncommented."""

from __future__ import annotations

import secrets

import yaml

from ecocirc_shared.kafka_security import client_security
from tests.unit.deploy._support import K8S
from tests.unit.deploy.conftest import SettingsFrom
from tests.unit.deploy.test_kubernetes import config_map
from tests.unit.shared.test_kafka_security import TLS


def commented_kafka_block() -> dict[str, str]:
    lines = (K8S / "configmap.yaml").read_text(encoding="utf-8").splitlines()
    uncommented = [line.replace("# ", "", 1) for line in lines if line.strip().startswith("# ECOCIRC_KAFKA_")]
    block: dict[str, str] = yaml.safe_load("\n".join(line.strip() for line in uncommented))
    return block


def test_the_commented_production_block_gives_sasl_ssl(settings_from: SettingsFrom) -> None:
    block = commented_kafka_block()
    assert block["ECOCIRC_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    environment = {
        **config_map(),
        **block,
        # What the operator provides: the Secret's values and the mounted CA (here, the test CA).
        "ECOCIRC_DATABASE_URL": "postgresql://ecocirc:pw@postgres:5432/ecocirc",
        "ECOCIRC_ADMIN_TOKEN": secrets.token_hex(24),
        "ECOCIRC_LINK_SECRET": secrets.token_hex(24),
        "ECOCIRC_KAFKA_SASL_PASSWORD": secrets.token_hex(16),
        "ECOCIRC_KAFKA_SSL_CAFILE": str(TLS / "ca.pem"),
    }
    kwargs = client_security(settings_from(environment))
    assert kwargs["security_protocol"] == "SASL_SSL" and kwargs["sasl_mechanism"] == "SCRAM-SHA-512"
