"""ECOCIRC_MAP_TILES_URL: unset or empty means no tiles; otherwise an http(s) template with {z}, {x}
and {y} whose host is plain enough to be written into the pages' Content-Security-Policy."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ecocirc_shared.settings import IntakeSettings, MatcherSettings, NotifierSettings


@pytest.fixture(autouse=True)
def _no_ecocirc_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in [k for k in os.environ if k.startswith("ECOCIRC_")]:
        monkeypatch.delenv(key)


def intake(**values: object) -> IntakeSettings:
    return IntakeSettings(_env_file=None, embedded=True, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize("unset", [None, "", "   "])
def test_no_tiles_by_default_or_when_empty(unset: str | None) -> None:
    assert intake(map_tiles_url=unset).map_tiles_url is None
    assert intake().map_tiles_url is None and intake().map_tiles_attribution == ""


def test_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOCIRC_MAP_TILES_URL", " https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png ")
    monkeypatch.setenv("ECOCIRC_MAP_TILES_ATTRIBUTION", "© OpenStreetMap")
    settings = intake()
    assert settings.map_tiles_url == "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert settings.map_tiles_attribution == "© OpenStreetMap"


@pytest.mark.parametrize(
    "template",
    [
        "https://tile.example.org/{z}/{x}/{y}.png",
        "http://127.0.0.1:8081/tiles/{z}/{x}/{y}{r}.png?key=abc",
        "https://{s}.basemaps.example.com/light_all/{z}/{x}/{y}.png",
    ],
)
def test_tile_templates_accepted(template: str) -> None:
    assert intake(map_tiles_url=template).map_tiles_url == template


@pytest.mark.parametrize(
    "template",
    [
        "tile.example.org/{z}/{x}/{y}.png",  # no scheme
        "ftp://tile.example.org/{z}/{x}/{y}.png",
        "https://tile.example.org/{z}/{x}.png",  # no {y}
        "https://tile.example.org/{z}/{x}/{y}.png; script-src *",  # would widen the CSP
        "https://tile.example.org https://evil.example/{z}/{x}/{y}.png",
        "https://*.example.org/{z}/{x}/{y}.png",
        "https://a.{s}.example.org/{z}/{x}/{y}.png",
        "https://user@tile.example.org/{z}/{x}/{y}.png",
        "https://tile.example.org/{z}/{x}/{y}.png'",
    ],
)
def test_tile_templates_refused(template: str) -> None:
    with pytest.raises(ValidationError, match="ECOCIRC_MAP_TILES_URL"):
        intake(map_tiles_url=template)


def test_only_intake_reads_it() -> None:
    assert "map_tiles_url" in IntakeSettings.model_fields
    assert "map_tiles_url" not in MatcherSettings.model_fields
    assert "map_tiles_url" not in NotifierSettings.model_fields
