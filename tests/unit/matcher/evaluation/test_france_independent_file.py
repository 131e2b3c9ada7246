"""The independent French territory is well formed, frozen, packaged, and each answer cites its source.

The file (`ecocirc_matcher/evaluation/data/france_independent/territory.json`) measures the matcher on
declarations its knowledge was never tuned on. These tests read the file only: they never run the matcher,
so nothing about the matcher's behaviour leaks into the set.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from ecocirc_shared.reference import get_ewc, get_naf
from tests.unit import territory_checks as checks
from tests.unit.matcher.evaluation.french_sets import GERS_FILE, FrenchSet

SET = FrenchSet("france_independent")

# The set is frozen: built before any tuning, only for measuring. Changing it is a deliberate act that
# updates this digest and says why in the README (see "Frozen").
FROZEN_SHA256 = "bef4404a86a2d171b1a9cca1ec18f947e8f028ee4b4e0f0209b551c0f8e9b016"
# Aube (Club d'écologie industrielle de l'Aube), Dunkerquois (Ecopal), vallée de la Drôme (Biovallée).
CLUSTERS = ({"10"}, {"59"}, {"26"})


# ------------------------------------------------------------------------------------------------ file


def test_file_is_frozen() -> None:
    digest = hashlib.sha256(SET.territory_file.read_bytes()).hexdigest()
    assert digest == FROZEN_SHA256, "the independent set is frozen: do not edit it to suit the matcher"
    assert FROZEN_SHA256 in SET.readme_file.read_text(encoding="utf-8"), "the README records the digest"


def test_file_ships_with_the_matcher_package() -> None:
    SET.check_ships_with_the_matcher_package()


def test_file_has_the_four_sections_and_the_size_asked_for() -> None:
    SET.check_sections_and_size(
        companies=(30, 40), flows=(90, 115), substitutions=40, mutualisations=8, traps=25
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


def test_three_territories_far_apart_so_distance_matters() -> None:
    SET.check_clusters_far_apart(CLUSTERS, min_companies=8, min_km=280)


# ------------------------------------------------------------------------------------------------ flows


@pytest.mark.parametrize("ref", sorted(SET.flows))
def test_flow_fields(ref: str) -> None:
    checks.check_flow_fields(SET.flows[ref][1])


@pytest.mark.parametrize("ref", sorted(r for r, (_, f) in SET.flows.items() if f.get("ewc_code")))
def test_flow_ewc_code_is_a_waste_entry_of_the_repo_table(ref: str) -> None:
    checks.check_flow_ewc(SET.flows[ref][1])


def test_declarations_are_written_the_way_small_businesses_write() -> None:
    SET.check_written_like_small_businesses(label_only=False, declared_distance=False)


def test_no_wording_is_copied_from_the_gers_demo() -> None:
    SET.check_no_wording_copied_from(GERS_FILE)


# ------------------------------------------------------------------------------------------------ answer key


def test_expected_entries_are_well_formed() -> None:
    for item in SET.territory["expected"]:
        checks.check_expected_entry(item, SET.flows)


@pytest.mark.parametrize("item", SET.substitutions, ids=lambda i: " -> ".join(i["flows"]))
def test_expected_substitution_is_an_offer_meeting_a_need_it_can_reach(item: dict[str, Any]) -> None:
    checks.check_substitution(item, SET.flows)


@pytest.mark.parametrize("item", SET.mutualisations, ids=lambda i: " + ".join(i["flows"]))
def test_expected_mutualisation_groups_like_flows(item: dict[str, Any]) -> None:
    # A shared training session is a skills group without months; seasonal staff declares its months.
    checks.check_mutualisation(item, SET.flows, skills_need_months=False)


@pytest.mark.parametrize("item", SET.mutualisations, ids=lambda i: " + ".join(i["flows"]))
def test_expected_mutualisation_members_are_neighbours(item: dict[str, Any]) -> None:
    SET.check_members_are_neighbours(item, max_km=40)


@pytest.mark.parametrize("trap", SET.traps, ids=lambda t: " x ".join(t["flows"]))
def test_trap_is_well_formed_and_really_wrong(trap: dict[str, Any]) -> None:
    # Hazards here are mostly said in words only (asbestos, treated wood, polluted soil...), unticked.
    checks.check_trap(trap, SET.flows, checks.pair_sets(SET.territory), hazardous_ticked=False)


def test_traps_cover_every_kind_and_mostly_legal_and_health_refusals() -> None:
    SET.check_traps_cover_every_kind(legal_and_health=15, lookalike=6)


def test_most_refused_offers_say_their_hazard_only_in_words() -> None:
    in_words_only = SET.refused_offers_in_words_only()
    assert len(in_words_only) >= 10, in_words_only


# ------------------------------------------------------------------------------------------------ sources


@pytest.mark.parametrize("entry", SET.answers, ids=lambda e: " / ".join(e["flows"]))
def test_every_answer_cites_a_defined_public_source(entry: dict[str, Any]) -> None:
    SET.check_cites_a_defined_public_source(entry)


def test_repo_reference_tables_are_the_ones_read() -> None:
    # Guard against a silently empty table making every lookup above vacuous.
    assert get_naf("10.51C") is not None
    assert get_ewc("02 01 06") is not None
