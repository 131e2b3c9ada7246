"""The French tuning territory is well formed, packaged, apart from the other sets, and each answer cites a source.

The file (`ecocirc_matcher/evaluation/data/france_tuning/territory.json`) is the set the knowledge may be tuned
on, in regions the Gers demo and the independent set do not cover. These tests read the file only; whether the
matcher does well on it is what `python -m ecocirc_matcher.evaluation demo --file ...` measures.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit import territory_checks as checks
from tests.unit.matcher.evaluation.french_sets import GERS_FILE, FrenchSet

SET = FrenchSet("france_tuning")

# Cornouaille (29), Centre-Alsace (68, and Sélestat in 67), Thiers-Livradois (63): none is the Gers (32) nor a
# department of the independent set (10, 59, 26), whose answers must stay unseen by whoever tunes.
OTHER_SETS_DEPARTMENTS = {"32", "10", "59", "26"}
# Three clusters far apart, so distance matters between them and not inside them.
CLUSTERS = ({"29"}, {"68", "67"}, {"63"})


# ------------------------------------------------------------------------------------------------ file


def test_file_ships_with_the_matcher_package() -> None:
    SET.check_ships_with_the_matcher_package()


def test_file_has_the_four_sections_and_the_size_asked_for() -> None:
    SET.check_sections_and_size(
        companies=(30, 40), flows=(90, 120), substitutions=40, mutualisations=8, traps=30
    )


# ------------------------------------------------------------------------------------------------ companies


@pytest.mark.parametrize("company", SET.companies, ids=lambda c: c["key"])
def test_company_fields(company: dict[str, Any]) -> None:
    checks.check_company_fields(company, max_flows=5)


@pytest.mark.parametrize("company", SET.companies, ids=lambda c: c["key"])
def test_company_naf_code_exists_in_the_repo_table(company: dict[str, Any]) -> None:
    checks.check_company_naf(company)


@pytest.mark.parametrize("company", SET.companies, ids=lambda c: c["key"])
def test_company_siret_is_luhn_valid_and_fictitious(company: dict[str, Any]) -> None:
    checks.check_company_siret(company)


@pytest.mark.parametrize("company", SET.companies, ids=lambda c: c["key"])
def test_company_postcode_and_city_resolve_to_a_commune_of_its_territory(company: dict[str, Any]) -> None:
    checks.check_company_commune(company)


def test_keys_and_sirets_are_unique() -> None:
    checks.check_keys_and_sirets_unique(SET.companies)


def test_regions_apart_from_the_other_sets_and_clusters_far_apart() -> None:
    assert not {c["territory"] for c in SET.companies} & OTHER_SETS_DEPARTMENTS
    SET.check_clusters_far_apart(CLUSTERS, min_companies=10, min_km=checks.FAR_KM)


def test_a_group_crosses_a_department_border() -> None:
    # Sélestat (67) is 16 km from Colmar (68): neighbours do not stop at a department's edge.
    crossing = [g for g in SET.mutualisations if len({SET.flows[r][0]["territory"] for r in g["flows"]}) > 1]
    assert crossing


# ------------------------------------------------------------------------------------------------ flows


@pytest.mark.parametrize("ref", sorted(SET.flows))
def test_flow_fields(ref: str) -> None:
    checks.check_flow_fields(SET.flows[ref][1])


@pytest.mark.parametrize("ref", sorted(r for r, (_, f) in SET.flows.items() if f.get("ewc_code")))
def test_flow_ewc_code_is_a_waste_entry_of_the_repo_table(ref: str) -> None:
    checks.check_flow_ewc(SET.flows[ref][1])


def test_declarations_are_written_the_way_small_businesses_write() -> None:
    SET.check_written_like_small_businesses(label_only=True, declared_distance=True)


def test_no_wording_is_copied_from_the_gers_demo() -> None:
    SET.check_no_wording_copied_from(GERS_FILE)


# ------------------------------------------------------------------------------------------------ answer key


def test_expected_entries_are_well_formed() -> None:
    for item in SET.territory["expected"]:
        checks.check_expected_entry(item, SET.flows)


@pytest.mark.parametrize("item", SET.substitutions, ids=lambda i: " -> ".join(i["flows"]))
def test_expected_substitution_is_an_offer_meeting_a_need_it_can_reach(item: dict[str, Any]) -> None:
    checks.check_substitution(item, SET.flows)


def test_expected_substitutions_stay_inside_a_cluster() -> None:
    SET.check_substitutions_stay_inside_a_cluster(CLUSTERS)


@pytest.mark.parametrize("item", SET.mutualisations, ids=lambda i: " + ".join(i["flows"]))
def test_expected_mutualisation_groups_like_flows(item: dict[str, Any]) -> None:
    checks.check_mutualisation(item, SET.flows, skills_need_months=False)


@pytest.mark.parametrize("item", SET.mutualisations, ids=lambda i: " + ".join(i["flows"]))
def test_expected_mutualisation_members_are_neighbours(item: dict[str, Any]) -> None:
    SET.check_members_are_neighbours(item, max_km=30)


@pytest.mark.parametrize("trap", SET.traps, ids=lambda t: " x ".join(t["flows"]))
def test_trap_is_well_formed_and_really_wrong(trap: dict[str, Any]) -> None:
    # Several hazards are said in words only (treated wood, asbestos, polluted soil, oily sludge), unticked.
    checks.check_trap(trap, SET.flows, checks.pair_sets(SET.territory), hazardous_ticked=False)


def test_traps_cover_every_kind() -> None:
    SET.check_traps_cover_every_kind(legal_and_health=15, lookalike=6)


# ------------------------------------------------------------------------------------------------ sources


@pytest.mark.parametrize("entry", SET.answers, ids=lambda e: " / ".join(e["flows"]))
def test_every_answer_cites_a_defined_public_source(entry: dict[str, Any]) -> None:
    SET.check_cites_a_defined_public_source(entry)
