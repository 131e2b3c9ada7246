"""What the map page ships: the outline of the departments (valid GeoJSON, every metropolitan
department, small), the vendored Leaflet with its licence, and the CSP source a tile template gives."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi import FastAPI

from ecocirc_intake.entrypoints.web import STATIC
from ecocirc_intake.entrypoints.web.map_pages import OUTLINE_FILE, company_page, territory_label, tiles_source

LEAFLET = STATIC / "vendor" / "leaflet"
# Metropolitan France with Corsica, generously.
WEST, SOUTH, EAST, NORTH = -5.5, 41.0, 10.0, 51.5


def outline() -> dict[str, Any]:
    with OUTLINE_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    assert geometry["type"] == "MultiPolygon"
    return [ring for polygon in geometry["coordinates"] for ring in polygon]


def test_the_outline_is_a_feature_collection_of_the_96_metropolitan_departments() -> None:
    data = outline()
    assert data["type"] == "FeatureCollection"
    codes = [f["properties"]["code"] for f in data["features"]]
    expected = {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B"}
    assert len(codes) == len(set(codes)) == 96 and set(codes) == expected
    names = {f["properties"]["code"]: f["properties"]["nom"] for f in data["features"]}
    assert names["32"] == "Gers" and names["65"] == "Hautes-Pyrénées"


@pytest.mark.parametrize("feature", outline()["features"], ids=lambda f: f["properties"]["code"])
def test_each_department_is_closed_rings_in_france(feature: dict[str, Any]) -> None:
    assert feature["type"] == "Feature"
    for ring in rings(feature["geometry"]):
        assert len(ring) >= 4 and ring[0] == ring[-1]
        for lon, lat in ring:  # RFC 7946: [longitude, latitude]
            assert WEST < lon < EAST and SOUTH < lat < NORTH


def test_the_outline_is_small_and_its_source_and_licence_are_named() -> None:
    assert OUTLINE_FILE.stat().st_size < 1_000_000
    readme = (OUTLINE_FILE.parent / "README.md").read_text(encoding="utf-8")
    assert "gregoiredavid/france-geojson" in readme and "Licence Ouverte" in readme and "IGN" in readme


def test_leaflet_is_vendored_with_its_licence_and_version() -> None:
    header = (LEAFLET / "leaflet.js").read_text(encoding="utf-8")[:200]
    assert "Leaflet 1.9.4" in header
    assert (LEAFLET / "leaflet.css").stat().st_size > 0
    assert {p.name for p in (LEAFLET / "images").iterdir()} >= {"layers.png", "marker-icon.png"}
    assert "BSD 2-Clause" in (LEAFLET / "LICENSE").read_text(encoding="utf-8")
    assert "1.9.4" in (LEAFLET / "README.md").read_text(encoding="utf-8")


def test_the_page_loads_nothing_from_elsewhere() -> None:
    """No CDN: the map's script and style name no other site (tiles aside, which the page is given)."""
    for name in ("map.js", "map.css"):
        text = (STATIC / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://", text), name


@pytest.mark.parametrize(
    ("template", "source"),
    [
        ("https://tile.example.org/{z}/{x}/{y}.png", "https://tile.example.org"),
        ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
        ("http://127.0.0.1:8081/t/{z}/{x}/{y}{r}.png?key=a", "http://127.0.0.1:8081"),
    ],
)
def test_the_csp_source_of_a_tile_template(template: str, source: str) -> None:
    assert tiles_source(template) == source


def test_territories_are_named_from_the_outline() -> None:
    assert territory_label("32") == "Gers (32)"
    assert territory_label("*") == "Tous les territoires"
    assert territory_label("975") == "975"  # no outline, no name: the code


def test_companies_link_to_their_page_only_where_the_app_serves_one() -> None:
    app = FastAPI()
    assert company_page(app) == ""

    @app.get("/entreprises/{company_id}")
    async def company(company_id: str) -> str:
        return company_id

    assert company_page(app) == "/entreprises/{id}"
