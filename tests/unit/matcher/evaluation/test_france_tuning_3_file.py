"""The third French tuning territory is well formed, packaged, apart from the other sets, and each answer is sourced.

The file (`ecocirc_matcher/evaluation/data/france_tuning_3/territory.json`) was written from public
industrial-symbiosis cases without reading the matcher's knowledge, and committed before the matcher was run on it. These
tests read the file only; how the matcher does on it is what `python -m ecocirc_matcher.evaluation demo
--file ...` measures.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit import territory_checks as checks
from tests.unit.matcher.evaluation.french_sets import GERS_FILE, FrenchSet

SET = FrenchSet("france_tuning_3")
FIRST_TUNING = FrenchSet("france_tuning")
SECOND_TUNING = FrenchSet("france_tuning_2")

# Étang de Berre and Crau (13), Aunis-Saintonge (17), Moselle Sud (57): none is the Gers (32), a department of
# the independent set (10, 59, 26), of the first tuning set (29, 67, 68, 63) or of the second (85, 76, 38).
OTHER_SETS_DEPARTMENTS = {"32", "10", "59", "26", "29", "67", "68", "63", "85", "76", "38"}
CLUSTERS = ({"13"}, {"17"}, {"57"})
# Saintes-Maries-de-la-Mer and Jonzac, the nearest pair of two clusters, are 444 km apart: far beyond any bulk or
# heat exchange.
CLUSTERS_APART_KM = 400


# ------------------------------------------------------------------------------------------------ file


def test_file_ships_with_the_matcher_package() -> None:
    SET.check_ships_with_the_matcher_package()


def test_file_has_the_four_sections_and_the_size_asked_for() -> None:
    SET.check_sections_and_size(
        companies=(40, 50), flows=(110, 150), substitutions=55, mutualisations=12, traps=40
    )


# ------------------------------------------------------------------------------------------------ companies


@pytest.mark.parametrize("company", SET.companies, ids=lambda c: c["key"])
def test_company_fields(company: dict[str, Any]) -> None:
    checks.check_company_fields(company, max_flows=6)


@pytest.mark.parametrize("company", SET.companies, ids=lambda c: c["key"])
def test_company_naf_code_exists_in_the_repo_table(company: dict[str, Any]) -> None:
    checks.check_company_naf(company)


@pytest.mark.parametrize("company", SET.companies, ids=lambda c: c["key"])
def test_company_siret_is_luhn_valid_and_fictitious(company: dict[str, Any]) -> None:
    checks.check_company_siret(company)


@pytest.mark.parametrize("company", SET.companies, ids=lambda c: c["key"])
def test_company_postcode_and_city_resolve_to_a_commune_of_its_territory(company: dict[str, Any]) -> None:
    checks.check_company_commune(company)


def test_keys_and_sirets_are_unique_and_apart_from_the_other_tuning_sets() -> None:
    checks.check_keys_and_sirets_unique(SET.companies)
    # The tuning sets may be loaded into one platform (demo/load.py is idempotent through the SIRET).
    sirets = {c["siret"] for c in SET.companies}
    assert not sirets & {c["siret"] for c in FIRST_TUNING.companies}
    assert not sirets & {c["siret"] for c in SECOND_TUNING.companies}


def test_regions_apart_from_the_other_sets_and_clusters_far_apart() -> None:
    assert not {c["territory"] for c in SET.companies} & OTHER_SETS_DEPARTMENTS
    SET.check_clusters_far_apart(CLUSTERS, min_companies=12, min_km=CLUSTERS_APART_KM)


# ------------------------------------------------------------------------------------------------ flows


@pytest.mark.parametrize("ref", sorted(SET.flows))
def test_flow_fields(ref: str) -> None:
    checks.check_flow_fields(SET.flows[ref][1])


@pytest.mark.parametrize("ref", sorted(r for r, (_, f) in SET.flows.items() if f.get("ewc_code")))
def test_flow_ewc_code_is_a_waste_entry_of_the_repo_table(ref: str) -> None:
    checks.check_flow_ewc(SET.flows[ref][1])


def test_declarations_are_written_the_way_small_businesses_write() -> None:
    SET.check_written_like_small_businesses(label_only=True, declared_distance=True)


def test_no_wording_is_copied_from_the_gers_demo_or_the_other_tuning_sets() -> None:
    SET.check_no_wording_copied_from(GERS_FILE, FIRST_TUNING.territory_file, SECOND_TUNING.territory_file)


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


def test_groups_cover_purchase_training_collection_transport_and_staff() -> None:
    categories = {SET.flows[g["flows"][0]][1]["category"] for g in SET.mutualisations}
    assert categories >= {"material", "skills", "service", "logistics"}


@pytest.mark.parametrize("trap", SET.traps, ids=lambda t: " x ".join(t["flows"]))
def test_trap_is_well_formed_and_really_wrong(trap: dict[str, Any]) -> None:
    # Most hazards are said in words only (antifouling, styrène, ammonitrate, traité autoclave), unticked.
    checks.check_trap(trap, SET.flows, checks.pair_sets(SET.territory), hazardous_ticked=False)


def test_traps_cover_every_kind_and_mostly_legal_and_health_refusals() -> None:
    SET.check_traps_cover_every_kind(legal_and_health=24, lookalike=8)


def test_most_refused_offers_say_their_hazard_only_in_words() -> None:
    in_words_only = SET.refused_offers_in_words_only()
    assert len(in_words_only) >= 10, in_words_only


# ------------------------------------------------------------------------------------------------ sources


@pytest.mark.parametrize("entry", SET.answers, ids=lambda e: " / ".join(e["flows"]))
def test_every_answer_cites_a_defined_public_source(entry: dict[str, Any]) -> None:
    SET.check_cites_a_defined_public_source(entry)
