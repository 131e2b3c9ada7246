"""A Settings factory that reads only the environment a deploy file gives, never the test runner's."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

import pytest

from ecocirc_shared.settings import RuntimeSettings, Settings

SettingsFrom = Callable[..., Settings]


@pytest.fixture
def settings_from(monkeypatch: pytest.MonkeyPatch) -> SettingsFrom:
    def build(environment: Mapping[str, str], settings: type[RuntimeSettings] = Settings) -> RuntimeSettings:
        for name in list(os.environ):
            if name.startswith("ECOCIRC_"):
                monkeypatch.delenv(name)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return settings(_env_file=None)

    return build
