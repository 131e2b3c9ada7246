"""The Kubernetes manifests checked offline against the API schemas (kubernetes-validate) and the settings."""

from __future__ import annotations

import copy
import secrets
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from ecocirc_shared.settings import SERVICE_SETTINGS
from tests.unit.deploy._support import (
    APP_SERVICES,
    DEPLOY,
    K8S,
    REQUIRED_VARIABLES,
    SETTINGS_VARIABLES,
    k8s_documents,
)
from tests.unit.deploy.conftest import SettingsFrom

# The oldest Kubernetes release still commonly run, and the newest the installed schemas know.
KUBERNETES_VERSIONS = ("1.30", kubernetes_validate.latest_version())
SECRET_EXAMPLE = "secret.example.yaml"


def resources() -> list[tuple[Path, dict[str, Any]]]:
    return [(p, d) for p, d in k8s_documents() if d["kind"] != "Kustomization"]


def find(kind: str, name: str) -> dict[str, Any]:
    for _path, doc in resources():
        if doc["kind"] == kind and doc["metadata"]["name"] == name:
            return doc
    raise AssertionError(f"no {kind} {name}")


def config_map() -> dict[str, str]:
    return {k: str(v) for k, v in find("ConfigMap", "ecocirc-config")["data"].items()}


def secret_keys() -> set[str]:
    return set(find("Secret", "ecocirc-secrets")["stringData"])


def container(service: str) -> dict[str, Any]:
    containers = find("Deployment", f"ecocirc-{service}")["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]  # type: ignore[no-any-return]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_is_valid_for_the_kubernetes_api(version: str) -> None:
    docs = resources()
    assert {d["kind"] for _p, d in docs} >= {"ConfigMap", "Secret", "Deployment", "Service"}
    for path, doc in docs:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{path.name} {doc['kind']} {doc['metadata']['name']}: {exc}")


def test_strict_validation_catches_a_misspelt_field() -> None:
    deployment = copy.deepcopy(find("Deployment", "ecocirc-intake"))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)


def test_the_kustomization_applies_every_manifest_but_the_secret_example() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", SECRET_EXAMPLE}
    assert listed == on_disk
    assert [i["name"] for i in kustomization["images"]] == ["ecocirculaire"]


def test_every_ecocirc_variable_set_is_one_the_settings_class_reads() -> None:
    names = set(config_map()) | secret_keys()
    for service in APP_SERVICES:
        names |= {e["name"] for e in container(service).get("env", [])}
    assert {n for n in names if n.startswith("ECOCIRC_")} == names, "only ECOCIRC_ settings expected"
    assert names <= SETTINGS_VARIABLES, sorted(names - SETTINGS_VARIABLES)


def test_settings_in_the_secret_are_not_also_in_the_config_map() -> None:
    assert not set(config_map()) & secret_keys()
    assert {"ECOCIRC_DATABASE_URL", "ECOCIRC_ADMIN_TOKEN"} <= secret_keys()


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_service_gets_every_required_setting_and_they_validate(
    settings_from: SettingsFrom, service: str
) -> None:
    spec = container(service)
    sources = {ref.get("configMapRef", ref.get("secretRef", {})).get("name") for ref in spec["envFrom"]}
    assert sources == {"ecocirc-config", "ecocirc-secrets"}
    # The example Secret holds empty placeholders: stand in for what the operator provides.
    provided = {
        "ECOCIRC_DATABASE_URL": "postgresql://ecocirc:pw@postgres:5432/ecocirc",
        "ECOCIRC_ADMIN_TOKEN": secrets.token_hex(24),
        "ECOCIRC_LINK_SECRET": secrets.token_hex(24),
    }
    assert set(provided) == secret_keys()
    environment = {**config_map(), **provided}
    assert set(environment) >= REQUIRED_VARIABLES
    settings = settings_from(environment, SERVICE_SETTINGS[service])
    assert settings.api_host == "0.0.0.0"


def test_the_unedited_secret_example_is_refused_at_start(settings_from: SettingsFrom) -> None:
    example = find("Secret", "ecocirc-secrets")["stringData"]
    with pytest.raises(ValueError, match="missing required settings"):
        settings_from({**config_map(), **example})


def test_consumers_do_not_outnumber_their_topic_partitions() -> None:
    data = config_map()
    matcher = find("Deployment", "ecocirc-matcher")["spec"]
    notifier = find("Deployment", "ecocirc-notifier")["spec"]
    assert 1 <= matcher["replicas"] <= int(data["ECOCIRC_FLOW_PARTITIONS"])
    assert 1 <= notifier["replicas"] <= int(data["ECOCIRC_SYNERGY_PARTITIONS"])
    # A rolling update must not add a consumer beyond the partitions either.
    assert matcher["strategy"]["rollingUpdate"]["maxSurge"] == 0
    readme = (DEPLOY / "README.md").read_text()
    assert "ECOCIRC_FLOW_PARTITIONS" in readme and "replicas" in readme


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_container_is_probed_bounded_and_unprivileged(service: str) -> None:
    deployment = find("Deployment", f"ecocirc-{service}")
    pod = deployment["spec"]["template"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    spec = container(service)
    assert spec["image"] == "ecocirculaire"
    assert spec["args"] == [service]
    assert "livenessProbe" in spec and "readinessProbe" in spec
    for part in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(spec["resources"][part])
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert pod["spec"]["securityContext"]["runAsUser"] != 0
    assert spec["securityContext"]["readOnlyRootFilesystem"] is True
    assert spec["securityContext"]["allowPrivilegeEscalation"] is False
    mounts = {m["mountPath"] for m in spec["volumeMounts"]}
    assert {"/srv/ecocirc", "/tmp"} <= mounts, "faust and Python need these writable"


def test_the_intake_probes_and_service_use_its_http_endpoints() -> None:
    spec = container("intake")
    assert spec["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert spec["readinessProbe"]["httpGet"]["path"] == "/readyz"
    port = spec["ports"][0]
    assert port["name"] == "http"
    assert str(port["containerPort"]) == config_map()["ECOCIRC_API_PORT"]
    service = find("Service", "ecocirc-intake")["spec"]
    labels = find("Deployment", "ecocirc-intake")["spec"]["template"]["metadata"]["labels"]
    assert service["selector"].items() <= labels.items()
    assert service["ports"][0]["targetPort"] == "http"
