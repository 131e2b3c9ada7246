"""The French tuning territory is well formed, packaged, apart from the other sets, and each answer cites a source.

The file (`ecocirc_matcher/evaluation/data/france_tuning/territory.json`) is the set the knowledge may be tuned
on, in regions the Gers demo and the independent set do not cover. These tests read the file only; whether the
matcher does well on it is what `python -m ecocirc_matcher.evaluation demo --file ...` measures.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from tests.unit import territory_checks as checks

REPO_ROOT = Path(__file__).resolve().parents[4]
DATA_DIR = REPO_ROOT / "services" / "matcher" / "ecocirc_matcher" / "evaluation" / "data" / "france_tuning"
TERRITORY_FILE = DATA_DIR / "territory.json"
README_FILE = DATA_DIR / "README.md"
GERS_FILE = REPO_ROOT / "demo" / "gers" / "territory.json"

# Cornouaille (29), Centre-Alsace (68, and Sélestat in 67), Thiers-Livradois (63): none is the Gers (32) nor a
# department of the independent set (10, 59, 26), whose answers must stay unseen by whoever tunes.
DEPARTMENTS = {"29", "68", "67", "63"}
OTHER_SETS_DEPARTMENTS = {"32", "10", "59", "26"}
# Three clusters far apart, so distance matters between them and not inside them.
CLUSTERS = ({"29"}, {"68", "67"}, {"63"})
SOURCE_ID = re.compile(r"\b[SR]\d+\b")


@cache
def territory() -> dict[str, Any]:
    return checks.load(TERRITORY_FILE)


def companies() -> list[dict[str, Any]]:
    return territory()["companies"]


def flows() -> checks.Flows:
    return checks.flows_of(territory())


def substitutions() -> list[dict[str, Any]]:
    return [i for i in territory()["expected"] if i["kind"] == "substitution"]


def mutualisations() -> list[dict[str, Any]]:
    return [i for i in territory()["expected"] if i["kind"] == "mutualisation"]


def cluster_of(company: dict[str, Any]) -> int:
    return next(i for i, departments in enumerate(CLUSTERS) if company["territory"] in departments)


# ------------------------------------------------------------------------------------------------ file


def test_file_ships_with_the_matcher_package() -> None:
    packaged = resources.files("ecocirc_matcher.evaluation.data").joinpath("france_tuning/territory.json")
    assert packaged.read_bytes() == TERRITORY_FILE.read_bytes()


def test_file_has_the_four_sections_and_the_size_asked_for() -> None:
    data = territory()
    assert set(data) == {"territory", "companies", "expected", "traps"}
    assert data["territory"].strip()
    assert 30 <= len(companies()) <= 40
    assert 90 <= len(flows()) <= 120
    assert len(substitutions()) >= 40
    assert len(mutualisations()) >= 8
    assert len(data["traps"]) >= 30


# ------------------------------------------------------------------------------------------------ companies


@pytest.mark.parametrize("company", companies(), ids=lambda c: c["key"])
def test_company_fields(company: dict[str, Any]) -> None:
    checks.check_company_fields(company, max_flows=5)


@pytest.mark.parametrize("company", companies(), ids=lambda c: c["key"])
def test_company_naf_code_exists_in_the_repo_table(company: dict[str, Any]) -> None:
    checks.check_company_naf(company)


@pytest.mark.parametrize("company", companies(), ids=lambda c: c["key"])
def test_company_siret_is_luhn_valid_and_fictitious(company: dict[str, Any]) -> None:
    checks.check_company_siret(company)


@pytest.mark.parametrize("company", companies(), ids=lambda c: c["key"])
def test_company_postcode_and_city_resolve_to_a_commune_of_its_territory(company: dict[str, Any]) -> None:
    checks.check_company_commune(company)


def test_keys_and_sirets_are_unique() -> None:
    checks.check_keys_and_sirets_unique(companies())


def test_regions_apart_from_the_other_sets_and_clusters_far_apart() -> None:
    by_department = Counter(c["territory"] for c in companies())
    assert set(by_department) <= DEPARTMENTS
    assert not set(by_department) & OTHER_SETS_DEPARTMENTS
    by_cluster = Counter(cluster_of(c) for c in companies())
    assert all(count >= 10 for count in by_cluster.values()), by_cluster
    for a, b in itertools.combinations(companies(), 2):
        if cluster_of(a) != cluster_of(b):
            assert checks.distance_km(a, b) > checks.FAR_KM, (a["key"], b["key"])


def test_a_group_crosses_a_department_border() -> None:
    # Sélestat (67) is 16 km from Colmar (68): neighbours do not stop at a department's edge.
    crossing = [g for g in mutualisations() if len({flows()[r][0]["territory"] for r in g["flows"]}) > 1]
    assert crossing


# ------------------------------------------------------------------------------------------------ flows


@pytest.mark.parametrize("ref", sorted(flows()))
def test_flow_fields(ref: str) -> None:
    checks.check_flow_fields(flows()[ref][1])


@pytest.mark.parametrize("ref", sorted(r for r, (_, f) in flows().items() if f.get("ewc_code")))
def test_flow_ewc_code_is_a_waste_entry_of_the_repo_table(ref: str) -> None:
    checks.check_flow_ewc(flows()[ref][1])


def test_declarations_are_written_the_way_small_businesses_write() -> None:
    all_flows = [f for _, f in flows().values()]
    assert sum(bool(f.get("ewc_code")) for f in all_flows) <= len(all_flows) // 4
    assert any(not f.get("quantity") for f in all_flows), "vague flows without a quantity"
    assert any(not f.get("description") for f in all_flows), "flows with a label only"
    assert any(f.get("months") for f in all_flows), "seasonal flows"
    assert any(f.get("max_distance_km") for f in all_flows), "a declared distance limit"
    assert any(f.get("confidentiality") == "advisor_only" for f in all_flows)
    assert any(f.get("hazardous") and f["direction"] == "need" for f in all_flows), "a receiver of hazardous"


def test_no_wording_is_copied_from_the_gers_demo() -> None:
    gers = checks.flows_of(checks.load(GERS_FILE))
    gers_texts = {
        t.strip().lower() for _, f in gers.values() for t in (f["label"], f.get("description")) if t
    }
    for ref, (_, flow) in flows().items():
        for text in (flow["label"], flow.get("description")):
            assert not text or text.strip().lower() not in gers_texts, ref


# ------------------------------------------------------------------------------------------------ answer key


def test_expected_entries_are_well_formed() -> None:
    for item in territory()["expected"]:
        checks.check_expected_entry(item, flows())


@pytest.mark.parametrize("item", substitutions(), ids=lambda i: " -> ".join(i["flows"]))
def test_expected_substitution_is_an_offer_meeting_a_need_it_can_reach(item: dict[str, Any]) -> None:
    checks.check_substitution(item, flows())


def test_expected_substitutions_stay_inside_a_cluster() -> None:
    for item in substitutions():
        (a, _), (b, _) = (flows()[r] for r in item["flows"])
        assert cluster_of(a) == cluster_of(b), item["flows"]


@pytest.mark.parametrize("item", mutualisations(), ids=lambda i: " + ".join(i["flows"]))
def test_expected_mutualisation_groups_like_flows(item: dict[str, Any]) -> None:
    checks.check_mutualisation(item, flows(), skills_need_months=False)


@pytest.mark.parametrize("item", mutualisations(), ids=lambda i: " + ".join(i["flows"]))
def test_expected_mutualisation_members_are_neighbours(item: dict[str, Any]) -> None:
    members = [flows()[ref][0] for ref in item["flows"]]
    for a, b in itertools.combinations(members, 2):
        assert checks.distance_km(a, b) <= 30, (a["key"], b["key"])


@pytest.mark.parametrize("trap", territory()["traps"], ids=lambda t: " x ".join(t["flows"]))
def test_trap_is_well_formed_and_really_wrong(trap: dict[str, Any]) -> None:
    # Several hazards are said in words only (treated wood, asbestos, polluted soil, oily sludge), unticked.
    checks.check_trap(trap, flows(), checks.pair_sets(territory()), hazardous_ticked=False)


def test_traps_cover_every_kind() -> None:
    kinds = Counter(t["type"] for t in territory()["traps"])
    assert set(kinds) == checks.TRAP_TYPES
    assert kinds["hazardous"] + kinds["regulatory"] >= 15
    assert kinds["lookalike"] >= 6


# ------------------------------------------------------------------------------------------------ sources


def source_table() -> dict[frozenset[str], set[str]]:
    """The README's tables: the flows of each answer (second column) -> the source ids it cites (last)."""
    table: dict[frozenset[str], set[str]] = {}
    for line in README_FILE.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 3:
            refs = frozenset(re.findall(r"`([^`]+)`", cells[1]))
            if refs:
                table[refs] = set(SOURCE_ID.findall(cells[-1]))
    return table


def defined_sources() -> set[str]:
    text = README_FILE.read_text(encoding="utf-8")
    return set(re.findall(r"^- \*\*([SR]\d+)\*\*", text, flags=re.MULTILINE))


@pytest.mark.parametrize(
    "entry",
    [*territory()["expected"], *territory()["traps"]],
    ids=lambda e: " / ".join(e["flows"]),
)
def test_every_answer_cites_a_defined_public_source(entry: dict[str, Any]) -> None:
    cited = source_table().get(frozenset(entry["flows"]))
    assert cited, f"no row (or no source) in the README's source table for {entry['flows']}"
    assert cited <= defined_sources(), cited - defined_sources()
