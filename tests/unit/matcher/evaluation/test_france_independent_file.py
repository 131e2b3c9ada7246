"""The independent French territory is well formed, frozen, packaged, and each answer cites its source.

The file (`ecocirc_matcher/evaluation/data/france_independent/territory.json`) measures the matcher on
declarations its knowledge was never tuned on. These tests read the file only: they never run the matcher,
so nothing about the matcher's behaviour leaks into the set.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from ecocirc_shared.reference import get_ewc, get_naf
from tests.unit import territory_checks as checks

REPO_ROOT = Path(__file__).resolve().parents[4]
DATA_DIR = (
    REPO_ROOT / "services" / "matcher" / "ecocirc_matcher" / "evaluation" / "data" / "france_independent"
)
TERRITORY_FILE = DATA_DIR / "territory.json"
README_FILE = DATA_DIR / "README.md"
GERS_FILE = REPO_ROOT / "demo" / "gers" / "territory.json"

# The set is frozen: built before any tuning, only for measuring. Changing it is a deliberate act that
# updates this digest and says why in the README (see "Frozen").
FROZEN_SHA256 = "bef4404a86a2d171b1a9cca1ec18f947e8f028ee4b4e0f0209b551c0f8e9b016"
# Aube (Club d'écologie industrielle de l'Aube), Dunkerquois (Ecopal), vallée de la Drôme (Biovallée).
DEPARTMENTS = {"10", "59", "26"}
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


# ------------------------------------------------------------------------------------------------ file


def test_file_is_frozen() -> None:
    digest = hashlib.sha256(TERRITORY_FILE.read_bytes()).hexdigest()
    assert digest == FROZEN_SHA256, "the independent set is frozen: do not edit it to suit the matcher"
    assert FROZEN_SHA256 in README_FILE.read_text(encoding="utf-8"), "the README records the digest"


def test_file_ships_with_the_matcher_package() -> None:
    # The evaluation reads package data; the file must be reachable the way maestri_exchanges_dev.csv is.
    packaged = resources.files("ecocirc_matcher.evaluation.data").joinpath(
        "france_independent/territory.json"
    )
    assert packaged.read_bytes() == TERRITORY_FILE.read_bytes()


def test_file_has_the_four_sections_and_the_size_asked_for() -> None:
    data = territory()
    assert set(data) == {"territory", "companies", "expected", "traps"}
    assert data["territory"].strip()
    assert 30 <= len(companies()) <= 40
    assert 90 <= len(flows()) <= 115
    assert len(substitutions()) >= 40
    assert len(mutualisations()) >= 8
    assert len(data["traps"]) >= 25


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


def test_three_territories_far_apart_so_distance_matters() -> None:
    by_department = Counter(c["territory"] for c in companies())
    assert set(by_department) == DEPARTMENTS
    assert all(count >= 8 for count in by_department.values()), by_department
    for a, b in itertools.combinations(companies(), 2):
        if a["territory"] != b["territory"]:
            assert checks.distance_km(a, b) > 280, (a["key"], b["key"])


# ------------------------------------------------------------------------------------------------ flows


@pytest.mark.parametrize("ref", sorted(flows()))
def test_flow_fields(ref: str) -> None:
    checks.check_flow_fields(flows()[ref][1])


@pytest.mark.parametrize("ref", sorted(r for r, (_, f) in flows().items() if f.get("ewc_code")))
def test_flow_ewc_code_is_a_waste_entry_of_the_repo_table(ref: str) -> None:
    checks.check_flow_ewc(flows()[ref][1])


def test_declarations_are_written_the_way_small_businesses_write() -> None:
    all_flows = [f for _, f in flows().values()]
    # Mostly no EWC code: only a minority, as an advisor would add it.
    assert sum(bool(f.get("ewc_code")) for f in all_flows) <= len(all_flows) // 4
    assert any(not f.get("quantity") for f in all_flows), "vague flows without a quantity"
    assert any(f.get("months") for f in all_flows), "seasonal flows"
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


@pytest.mark.parametrize("item", mutualisations(), ids=lambda i: " + ".join(i["flows"]))
def test_expected_mutualisation_groups_like_flows(item: dict[str, Any]) -> None:
    # A shared training session is a skills group without months; seasonal staff declares its months.
    checks.check_mutualisation(item, flows(), skills_need_months=False)


@pytest.mark.parametrize("item", mutualisations(), ids=lambda i: " + ".join(i["flows"]))
def test_expected_mutualisation_members_are_neighbours(item: dict[str, Any]) -> None:
    members = [flows()[ref][0] for ref in item["flows"]]
    for a, b in itertools.combinations(members, 2):
        assert checks.distance_km(a, b) <= 40, (a["key"], b["key"])


@pytest.mark.parametrize("trap", territory()["traps"], ids=lambda t: " x ".join(t["flows"]))
def test_trap_is_well_formed_and_really_wrong(trap: dict[str, Any]) -> None:
    # Hazards here are mostly said in words only (asbestos, treated wood, polluted soil...), unticked.
    checks.check_trap(trap, flows(), checks.pair_sets(territory()), hazardous_ticked=False)


def test_traps_cover_every_kind_and_mostly_legal_and_health_refusals() -> None:
    kinds = Counter(t["type"] for t in territory()["traps"])
    assert set(kinds) == checks.TRAP_TYPES
    assert kinds["hazardous"] + kinds["regulatory"] >= 15
    assert kinds["lookalike"] >= 6


def test_most_refused_offers_say_their_hazard_only_in_words() -> None:
    offers = {t["flows"][0] for t in territory()["traps"] if t["type"] in {"hazardous", "regulatory"}}
    in_words_only = [
        r for r in offers if not flows()[r][1].get("hazardous") and not flows()[r][1].get("ewc_code")
    ]
    assert len(in_words_only) >= 10, in_words_only


# ------------------------------------------------------------------------------------------------ sources


def source_table() -> dict[frozenset[str], set[str]]:
    """The README's table: the flows of each answer (second column) -> the source ids it cites (last)."""
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


def test_repo_reference_tables_are_the_ones_read() -> None:
    # Guard against a silently empty table making every lookup above vacuous.
    assert get_naf("10.51C") is not None
    assert get_ewc("02 01 06") is not None
