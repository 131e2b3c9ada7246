"""The demo territory file is well formed, uses the repo's reference tables, and its answer key is coherent.

The file serves both `make demo` (loaded through the public API) and the matcher's evaluation (expected
synergies and traps), so these checks cover the API-facing fields and the evaluation-facing ones.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from ecocirc_shared.flows import Category, Direction
from ecocirc_shared.reference import get_ewc, get_naf
from tests.unit import territory_checks as checks

TERRITORY_FILE = Path(__file__).resolve().parents[3] / "demo" / "gers" / "territory.json"

# The five communautés de communes of the Pays Portes de Gascogne, by their main towns' postcodes.
PAYS_POSTCODES = {"32600", "32200", "32130", "32220", "32700", "32500", "32120"}


@cache
def territory() -> dict[str, Any]:
    return checks.load(TERRITORY_FILE)


def companies() -> list[dict[str, Any]]:
    return territory()["companies"]


def flows() -> checks.Flows:
    """Every flow by its reference "company-key/flow-key", with its company."""
    return checks.flows_of(territory())


# ------------------------------------------------------------------------------------------------ file


def test_file_is_utf8_json_with_the_four_sections() -> None:
    data = territory()
    assert set(data) == {"territory", "companies", "expected", "traps"}
    assert data["territory"].strip()
    assert 25 <= len(data["companies"]) <= 45


# ------------------------------------------------------------------------------------------------ companies


@pytest.mark.parametrize("company", companies(), ids=lambda c: c["key"])
def test_company_fields(company: dict[str, Any]) -> None:
    checks.check_company_fields(company, max_flows=4)


@pytest.mark.parametrize("company", companies(), ids=lambda c: c["key"])
def test_company_naf_code_exists_in_the_repo_table(company: dict[str, Any]) -> None:
    checks.check_company_naf(company)


@pytest.mark.parametrize("company", companies(), ids=lambda c: c["key"])
def test_company_siret_is_luhn_valid_and_fictitious(company: dict[str, Any]) -> None:
    checks.check_company_siret(company)


def test_sirets_and_keys_are_unique() -> None:
    checks.check_keys_and_sirets_unique(companies())


@pytest.mark.parametrize("company", companies(), ids=lambda c: c["key"])
def test_company_postcode_and_city_resolve_to_a_commune_of_its_territory(company: dict[str, Any]) -> None:
    checks.check_company_commune(company)


def test_companies_are_in_the_gers_and_cover_the_pays_portes_de_gascogne() -> None:
    outside = [c["key"] for c in companies() if c["territory"] != "32"]
    assert len(outside) <= 3, outside
    gers_postcodes = {c["postcode"] for c in companies() if c["territory"] == "32"}
    assert gers_postcodes >= PAYS_POSTCODES, PAYS_POSTCODES - gers_postcodes


# ------------------------------------------------------------------------------------------------ flows


@pytest.mark.parametrize("ref", sorted(flows()))
def test_flow_fields(ref: str) -> None:
    checks.check_flow_fields(flows()[ref][1])


@pytest.mark.parametrize("ref", sorted(r for r, (_, f) in flows().items() if f.get("ewc_code")))
def test_flow_ewc_code_is_a_waste_entry_of_the_repo_table(ref: str) -> None:
    checks.check_flow_ewc(flows()[ref][1])


def test_every_category_is_offered_and_needed() -> None:
    seen = {(f["direction"], f["category"]) for _, f in flows().values()}
    for category in Category:
        for direction in Direction:
            assert (direction.value, category.value) in seen, (direction.value, category.value)


def test_the_file_exercises_partial_and_messy_declarations() -> None:
    all_flows = [f for _, f in flows().values()]
    assert any(not f.get("quantity") and not f.get("description") for f in all_flows), "a vague flow"
    assert any(f.get("months") for f in all_flows), "a seasonal flow"
    assert any(f.get("confidentiality") == "advisor_only" for f in all_flows)
    assert any(f.get("hazardous") and f["direction"] == "need" for f in all_flows), "a receiver of hazardous"


# ------------------------------------------------------------------------------------------------ answer key


def test_expected_entries_are_well_formed() -> None:
    for item in territory()["expected"]:
        checks.check_expected_entry(item, flows())


@pytest.mark.parametrize(
    "item",
    [i for i in territory()["expected"] if i["kind"] == "substitution"],
    ids=lambda i: " -> ".join(i["flows"]),
)
def test_expected_substitution_is_an_offer_meeting_a_need_it_can_reach(item: dict[str, Any]) -> None:
    checks.check_substitution(item, flows())


@pytest.mark.parametrize(
    "item",
    [i for i in territory()["expected"] if i["kind"] == "mutualisation"],
    ids=lambda i: " + ".join(i["flows"]),
)
def test_expected_mutualisation_groups_like_flows(item: dict[str, Any]) -> None:
    # Every skills group here is seasonal staff.
    checks.check_mutualisation(item, flows(), skills_need_months=True)


@pytest.mark.parametrize("trap", territory()["traps"], ids=lambda t: " x ".join(t["flows"]))
def test_trap_is_well_formed_and_really_wrong(trap: dict[str, Any]) -> None:
    # Every hazardous offer of the demo says so in its `hazardous` field.
    checks.check_trap(trap, flows(), checks.pair_sets(territory()), hazardous_ticked=True)


def test_traps_cover_every_kind_of_mistake() -> None:
    kinds = {t["type"] for t in territory()["traps"]}
    assert kinds >= {"hazardous", "distance", "season", "lookalike", "same_company"}


def test_answer_key_size() -> None:
    expected = territory()["expected"]
    assert sum(i["kind"] == "substitution" for i in expected) >= 20
    assert sum(i["kind"] == "mutualisation" for i in expected) >= 5
    assert len(territory()["traps"]) >= 10


def test_repo_reference_tables_are_the_ones_read() -> None:
    # Guard against a silently empty table making every lookup above vacuous.
    assert get_naf("16.10A") is not None
    assert get_ewc("03 01 05") is not None
