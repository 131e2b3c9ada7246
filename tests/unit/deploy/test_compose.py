"""docker-compose.yml checked offline: the compose specification's schema, settings, ordering, pins."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ecocirc_shared.settings import SERVICE_SETTINGS, Settings
from ecocirc_shared.topics import all_topics
from tests.unit.deploy._support import (
    APP_SERVICES,
    DEPLOY,
    REQUIRED_VARIABLES,
    SETTINGS_VARIABLES,
    MissingVariable,
    environment_dict,
    interpolate,
    interpolated_variables,
    load_compose_raw,
    strings,
)
from tests.unit.deploy.conftest import SettingsFrom

SCHEMA = DEPLOY / "schemas" / "compose-spec.json"
CREATE_TOPICS = DEPLOY / "kafka" / "create-topics.sh"
# What `docker compose up` needs from the person who runs it; everything else has a default.
MUST_BE_GIVEN = {"POSTGRES_PASSWORD", "ECOCIRC_ADMIN_TOKEN", "ECOCIRC_LINK_SECRET"}
# Defaults that deliberately differ from the Settings class: Mailpit listens on 1025; the public address
# is the published port's, while the Settings default follows the port the API listens on (8000 inside).
DIFFERENT_DEFAULTS = {"ECOCIRC_SMTP_PORT", "ECOCIRC_PUBLIC_BASE_URL"}
# An exact release: PostgreSQL numbers them major.minor, Kafka and Mailpit major.minor.patch.
PINNED_IMAGE = re.compile(r"^[a-z0-9./-]+:v?\d+\.\d+(\.\d+)?(-[a-z]+)?$")


def load_schema() -> dict[str, Any]:
    """The vendored schema declares draft 2019-09 under a URI jsonschema does not know by that spelling."""
    schema: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"].startswith("http://json-schema.org/draft/2019-09/schema")
    return schema


def host_environment() -> dict[str, str]:
    return {
        "POSTGRES_PASSWORD": secrets.token_hex(16),
        "ECOCIRC_ADMIN_TOKEN": secrets.token_hex(24),
        "ECOCIRC_LINK_SECRET": secrets.token_hex(24),
    }


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return interpolate(load_compose_raw(), host_environment())  # type: ignore[no-any-return]


def container_environment(service: dict[str, Any], host: dict[str, str]) -> dict[str, str]:
    """The variables a container gets: bare keys pass the host's value through, or nothing."""
    result = {}
    for key, value in environment_dict(service.get("environment")).items():
        if value is None:
            if key in host:
                result[key] = host[key]
        else:
            result[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return result


def test_the_compose_file_follows_the_compose_specification_schema(compose: dict[str, Any]) -> None:
    schema = load_schema()
    jsonschema.Draft201909Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft201909Validator(schema).iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schema_catches_a_misspelt_key(compose: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(compose))
    broken["services"]["intake"]["healthchek"] = broken["services"]["intake"].pop("healthcheck")
    assert list(jsonschema.Draft201909Validator(load_schema()).iter_errors(broken))


def test_only_the_secrets_must_be_given_and_they_stop_compose_when_missing() -> None:
    text = "\n".join(strings(load_compose_raw()))
    required = {name for name, op in interpolated_variables(text).items() if op in (":?", "?")}
    assert required == MUST_BE_GIVEN
    for name in MUST_BE_GIVEN:
        host = host_environment()
        del host[name]
        with pytest.raises(MissingVariable, match=name):
            interpolate(load_compose_raw(), host)


def test_every_ecocirc_variable_set_is_one_the_settings_class_reads(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        unknown = {k for k in environment_dict(service.get("environment")) if k.startswith("ECOCIRC_")}
        unknown -= SETTINGS_VARIABLES
        assert not unknown, f"{name} sets variables Settings does not read: {sorted(unknown)}"
    used_on_host = {
        v for v in interpolated_variables("\n".join(strings(load_compose_raw()))) if v.startswith("ECOCIRC_")
    }
    assert used_on_host <= SETTINGS_VARIABLES


@pytest.mark.parametrize("name", APP_SERVICES)
def test_each_service_gets_every_required_setting_and_they_validate(
    compose: dict[str, Any], settings_from: SettingsFrom, name: str
) -> None:
    environment = container_environment(compose["services"][name], {})
    missing = REQUIRED_VARIABLES - {k for k, v in environment.items() if v}
    assert not missing, f"{name} lacks {sorted(missing)}"
    settings = settings_from(environment, SERVICE_SETTINGS[name])
    assert not settings.embedded
    assert settings.api_host == "0.0.0.0"  # reachable from the other containers and the published port


def test_the_required_set_is_what_the_settings_validator_demands() -> None:
    # Guards the helper: if the validator's message changed shape, the set would come out empty.
    assert {"ECOCIRC_DATABASE_URL", "ECOCIRC_KAFKA_BOOTSTRAP", "ECOCIRC_ADMIN_TOKEN"} <= REQUIRED_VARIABLES


def test_compose_defaults_agree_with_the_settings_defaults() -> None:
    text = "\n".join(strings(load_compose_raw()))
    for match in re.finditer(r"\$\{(ECOCIRC_[A-Z0-9_]+):-([^}]*)\}", text):
        name, default = match.groups()
        field = Settings.model_fields[name.removeprefix("ECOCIRC_").lower()]
        if field.default is None or name in DIFFERENT_DEFAULTS:
            continue
        expected = field.default
        expected_text = str(getattr(expected, "value", expected))
        if isinstance(expected, bool):
            expected_text = str(expected).lower()
        assert default == expected_text, f"{name}: compose default {default!r}, Settings {expected_text!r}"


def test_services_start_after_their_dependencies_are_healthy_and_topics_exist(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["kafka"]["condition"] == "service_healthy"
        assert depends["kafka-topics"]["condition"] == "service_completed_successfully"
        assert services[name]["command"] == [name]
        assert "ecocirc-probe" in services[name]["healthcheck"]["test"]
    assert services["notifier"]["depends_on"]["mailpit"]["condition"] == "service_healthy"
    for name, service in services.items():
        for dependency, rule in service.get("depends_on", {}).items():
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], f"{name} waits on {dependency}'s healthcheck"


def test_third_party_images_are_pinned_and_kafka_runs_in_kraft_mode(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        if name in APP_SERVICES:
            continue
        assert PINNED_IMAGE.match(service["image"]), f"{name}: {service['image']} is not pinned"
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["mailpit"]["image"].startswith("axllent/mailpit:")
    kafka_env = environment_dict(services["kafka"]["environment"])
    assert kafka_env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert not any("zookeeper" in str(v).lower() for v in kafka_env.values())
    assert str(kafka_env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]) == "false"


def test_topic_init_uses_the_kafka_image_and_the_configured_partitions(
    compose: dict[str, Any], settings_from: SettingsFrom
) -> None:
    init = compose["services"]["kafka-topics"]
    assert init["image"] == compose["services"]["kafka"]["image"]
    assert any(volume.startswith("./deploy/kafka/create-topics.sh:") for volume in init["volumes"])
    environment = container_environment(init, {})
    for name in (
        "ECOCIRC_FLOW_PARTITIONS",
        "ECOCIRC_SYNERGY_PARTITIONS",
        "ECOCIRC_DECISION_PARTITIONS",
        "ECOCIRC_REPLICATION_FACTOR",
    ):
        assert name in environment
    app_environment = container_environment(compose["services"]["matcher"], {})
    assert {k: app_environment[k] for k in environment} == environment, "services and topics disagree"
    script_topics = set(re.findall(r"^ensure_topic (\S+)", CREATE_TOPICS.read_text(), re.MULTILINE))
    assert script_topics == {t.name for t in all_topics(settings_from({"ECOCIRC_EMBEDDED": "true"}))}


def run_create_topics(tmp_path: Path, existing_partitions: int | None) -> list[str]:
    """Run the script against a stand-in kafka-topics.sh that logs its arguments."""
    log = tmp_path / "calls.log"
    stub = tmp_path / "kafka-topics.sh"
    count = f"echo 'Topic: x\tTopicId: y\tPartitionCount: {existing_partitions or 0}\tReplicationFactor: 1'"
    stub.write_text(
        "#!/bin/bash\n"
        f'echo "$*" >> {log}\n'
        f'case "$*" in *--describe*) {count if existing_partitions else "echo PartitionCount: 0"} ;; esac\n'
    )
    stub.chmod(0o755)
    env = {
        "PATH": "/usr/bin:/bin",
        "TOPICS_CMD": str(stub),
        "ECOCIRC_KAFKA_BOOTSTRAP": "kafka:9092",
        "ECOCIRC_FLOW_PARTITIONS": "6",
        "ECOCIRC_SYNERGY_PARTITIONS": "2",
    }
    subprocess.run(["bash", str(CREATE_TOPICS)], env=env, check=True, capture_output=True, timeout=30)
    return log.read_text().splitlines()


def test_create_topics_script_creates_each_topic_with_its_partitions(tmp_path: Path) -> None:
    calls = run_create_topics(tmp_path, existing_partitions=None)
    creates = [c for c in calls if "--create" in c]
    assert any("--topic ecocirc.flow-events.v1 --partitions 6 --replication-factor 1" in c for c in creates)
    assert any("--topic ecocirc.synergy-events.v1 --partitions 2" in c for c in creates)
    assert any("--topic ecocirc.dead-letters.v1 --partitions 1" in c for c in creates)
    assert all("--if-not-exists" in c and "--bootstrap-server kafka:9092" in c for c in creates)


def test_create_topics_script_grows_a_topic_with_too_few_partitions(tmp_path: Path) -> None:
    calls = run_create_topics(tmp_path, existing_partitions=3)
    alters = [c for c in calls if "--alter" in c]
    assert alters == ["--bootstrap-server kafka:9092 --alter --topic ecocirc.flow-events.v1 --partitions 6"]


def test_the_vendored_schema_is_the_one_the_readme_names() -> None:
    digest = hashlib.sha256(SCHEMA.read_bytes()).hexdigest()
    assert digest in (DEPLOY / "README.md").read_text(), (
        "schema changed: update its source in deploy/README.md"
    )
    assert (DEPLOY / "schemas" / "compose-spec.LICENSE").read_text().lstrip().startswith("Apache License")
