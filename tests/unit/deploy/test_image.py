"""deploy/Dockerfile, its entry point and .dockerignore, read as text: no Docker engine runs here."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.unit.deploy._support import APP_SERVICES, DEPLOY, ROOT, SETTINGS_VARIABLES

DOCKERFILE = DEPLOY / "Dockerfile"
ENTRYPOINT = DEPLOY / "docker" / "entrypoint.sh"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for keyword, rest in instructions():
        if keyword == "FROM":
            found.append([])
        if found:
            found[-1].append((keyword, rest))
    return found


def test_the_image_is_multi_stage_on_pinned_slim_bases() -> None:
    bases = [rest.split()[0] for keyword, rest in instructions() if keyword == "FROM"]
    assert len(bases) >= 3
    for base in bases:
        assert re.match(r"^[\w./-]+:\d+\.\d+\.\d+[-\w.]*(@sha256:[0-9a-f]{64})?$", base), base
    assert bases[-1].startswith("python:3.11.") and "-slim" in bases[-1]
    uv_pin = re.search(r"uv==([\d.]+)", (ROOT / "Makefile").read_text())
    assert uv_pin and f"ghcr.io/astral-sh/uv:{uv_pin.group(1)}" in bases, "same uv as the Makefile"


def test_the_lock_file_is_installed_without_dev_tools_or_the_devstack() -> None:
    runs = [rest for keyword, rest in instructions() if keyword == "RUN" and "uv sync" in rest]
    assert runs
    for run in runs:
        assert "--frozen" in run and "--no-dev" in run
        assert "--all-packages" not in run and "devstack" not in run.replace("import ecocirc_devstack", "")
        for service in APP_SERVICES:
            assert f"--package ecocirc-{service}" in run
    copies = [rest for keyword, rest in instructions() if keyword == "COPY"]
    assert any(c.startswith("uv.lock ") for c in copies)
    assert not any(c.startswith("devstack/ ") or c == "devstack devstack" for c in copies)


def test_the_runtime_stage_runs_as_a_non_root_user_and_selects_the_service_by_command() -> None:
    runtime = stages()[-1]
    users = [rest for keyword, rest in runtime if keyword == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0")
    assert [rest for keyword, rest in runtime if keyword == "ENTRYPOINT"] == ['["ecocirc"]']
    assert [rest for keyword, rest in runtime if keyword == "CMD"] == ['["intake"]']
    assert any(keyword == "HEALTHCHECK" for keyword, _ in runtime)
    assert not any(keyword == "RUN" and "uv " in rest for keyword, rest in runtime), "no uv at run time"


def test_ecocirc_variables_in_the_image_are_settings() -> None:
    env_lines = " ".join(rest for keyword, rest in instructions() if keyword == "ENV")
    names = set(re.findall(r"\b(ECOCIRC_[A-Z0-9_]+)=", env_lines))
    assert names == {"ECOCIRC_API_HOST"}
    assert names <= SETTINGS_VARIABLES


def test_the_build_context_leaves_local_data_and_environments_out() -> None:
    rules = [r for r in (ROOT / ".dockerignore").read_text().splitlines() if r and not r.startswith("#")]
    assert rules[0] == "**", "exclude everything, then allow what the Dockerfile copies"
    included = {r[1:] for r in rules if r.startswith("!")}
    copied = set()
    for keyword, rest in instructions():
        if keyword == "COPY" and "--from=" not in rest:
            sources = [s for s in shlex.split(rest) if not s.startswith("--")][:-1]
            copied |= {s.rstrip("/") for s in sources}
    excluded = {c for c in copied if not any(c == i or c.startswith(f"{i}/") for i in included)}
    assert not excluded, f"COPY sources left out of the build context: {excluded}"
    assert not any(name in included for name in (".venv", "var", ".git", ".env"))


@pytest.mark.parametrize("service", APP_SERVICES)
def test_the_entry_point_starts_the_service_named_by_the_command(tmp_path: Path, service: str) -> None:
    fake_python = tmp_path / "python"
    fake_python.write_text('#!/bin/sh\necho "python $*"\n')
    fake_python.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:/usr/bin:/bin"}
    out = subprocess.run(
        ["sh", str(ENTRYPOINT), service], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"python -m ecocirc_{service}"


def test_the_entry_point_defaults_to_the_api_and_runs_other_commands_as_given(tmp_path: Path) -> None:
    fake_python = tmp_path / "python"
    fake_python.write_text('#!/bin/sh\necho "python $*"\n')
    fake_python.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:/usr/bin:/bin"}
    default = subprocess.run(["sh", str(ENTRYPOINT)], env=env, capture_output=True, text=True, check=True)
    assert default.stdout.strip() == "python -m ecocirc_intake"
    other = subprocess.run(
        ["sh", str(ENTRYPOINT), "echo", "hello"], env=env, capture_output=True, text=True, check=True
    )
    assert other.stdout.strip() == "hello"
