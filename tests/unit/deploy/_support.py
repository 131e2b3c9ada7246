"""What the deploy tests share: file locations, compose-style interpolation, the Settings variables."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ecocirc_shared.config_reference import all_variables, required_outside_embedded

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = ROOT / "docker-compose.yml"
K8S = DEPLOY / "k8s"
APP_SERVICES = ("intake", "matcher", "notifier")

SETTINGS_VARIABLES = frozenset(all_variables())
REQUIRED_VARIABLES = frozenset(required_outside_embedded())
ECOCIRC = re.compile(r"\bECOCIRC_[A-Z0-9_]+\b")

# The compose interpolation syntax (compose specification, "Interpolation"): $$, $VAR, ${VAR},
# ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, ${VAR+alt}.
_TOKEN = re.compile(
    r"\$\$|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


class MissingVariable(KeyError):
    """A ${VAR:?message} whose variable is not set, as `docker compose` would refuse it."""


def interpolate_text(text: str, env: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        value = env.get(name)
        empty = value is None or value == ""
        if op == ":-":
            return arg if empty else str(value)
        if op == "-":
            return arg if value is None else value
        if op in (":?", "?"):
            if (op == ":?" and empty) or value is None:
                raise MissingVariable(f"{name}: {arg}")
            return str(value)
        if op == ":+":
            return "" if empty else arg
        if op == "+":
            return "" if value is None else arg
        return value or ""

    return _TOKEN.sub(replace, text)


def interpolate(node: Any, env: Mapping[str, str]) -> Any:
    """Interpolate every string value of a parsed compose file (keys are left as they are)."""
    if isinstance(node, str):
        return interpolate_text(node, env)
    if isinstance(node, list):
        return [interpolate(item, env) for item in node]
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    return node


def interpolated_variables(text: str) -> dict[str, str | None]:
    """Each ${VAR...} used in a text, with its operator (None for a bare reference)."""
    found: dict[str, str | None] = {}
    for match in _TOKEN.finditer(text):
        name = match.group("braced") or match.group("bare")
        if name:
            found.setdefault(name, match.group("op"))
    return found


def strings(node: Any) -> list[str]:
    """Every string value of a parsed YAML document (what compose interpolates; comments are not)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [s for item in node for s in strings(item)]
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    return []


def load_compose_raw() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def environment_dict(environment: Any) -> dict[str, Any]:
    """A compose `environment` (mapping or list of KEY=VALUE) as a mapping; bare keys map to None."""
    if environment is None:
        return {}
    if isinstance(environment, dict):
        return dict(environment)
    result: dict[str, Any] = {}
    for item in environment:
        key, sep, value = str(item).partition("=")
        result[key] = value if sep else None
    return result


def k8s_documents() -> list[tuple[Path, dict[str, Any]]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                docs.append((path, doc))
    return docs
