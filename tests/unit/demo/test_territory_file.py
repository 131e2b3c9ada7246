"""The demo territory file is well formed, uses the repo's reference tables, and its answer key is coherent.

The file serves both `make demo` (loaded through the public API) and the matcher's evaluation (expected
synergies and traps), so these checks cover the API-facing fields and the evaluation-facing ones.
"""

from __future__ import annotations

import itertools
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from ecocirc_shared.flows import Category, Confidentiality, Direction, Quantity
from ecocirc_shared.reference import (
    Commune,
    ewc_waste_entry,
    get_ewc,
    get_naf,
    great_circle_km,
    resolve_commune,
)

TERRITORY_FILE = Path(__file__).resolve().parents[3] / "demo" / "gers" / "territory.json"

KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
COMPANY_FIELDS = {
    "key",
    "name",
    "naf_code",
    "siret",
    "contact_email",
    "postcode",
    "city",
    "territory",
    "flows",
}
COMPANY_REQUIRED = COMPANY_FIELDS - {"siret"}
FLOW_FIELDS = {
    "key",
    "direction",
    "category",
    "label",
    "description",
    "ewc_code",
    "quantity",
    "months",
    "hazardous",
    "max_distance_km",
    "confidentiality",
}
FLOW_REQUIRED = {"key", "direction", "category", "label"}
TRAP_TYPES = {"hazardous", "distance", "season", "lookalike", "regulatory", "same_company"}
# The five communautés de communes of the Pays Portes de Gascogne, by their main towns' postcodes.
PAYS_POSTCODES = {"32600", "32200", "32130", "32220", "32700", "32500", "32120"}
# Far enough that no bulk or heat exchange is sensible whatever the flows declare.
FAR_KM = 300


@cache
def territory() -> dict[str, Any]:
    with TERRITORY_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def companies() -> list[dict[str, Any]]:
    return territory()["companies"]


def flows() -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Every flow by its reference "company-key/flow-key", with its company."""
    return {f"{c['key']}/{f['key']}": (c, f) for c in companies() for f in c["flows"]}


@cache
def commune_of(postcode: str, city: str) -> Commune:
    return resolve_commune(postcode, city)


def distance_km(a: dict[str, Any], b: dict[str, Any]) -> float:
    ca, cb = commune_of(a["postcode"], a["city"]), commune_of(b["postcode"], b["city"])
    return great_circle_km(ca.lat, ca.lon, cb.lat, cb.lon)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def months_overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """No months means all year."""
    return not a.get("months") or not b.get("months") or bool(set(a["months"]) & set(b["months"]))


# ------------------------------------------------------------------------------------------------ file


def test_file_is_utf8_json_with_the_four_sections() -> None:
    data = territory()
    assert set(data) == {"territory", "companies", "expected", "traps"}
    assert data["territory"].strip()
    assert 25 <= len(data["companies"]) <= 45


# ------------------------------------------------------------------------------------------------ companies


@pytest.mark.parametrize("company", companies(), ids=lambda c: c["key"])
def test_company_fields(company: dict[str, Any]) -> None:
    assert set(company) <= COMPANY_FIELDS, set(company) - COMPANY_FIELDS
    assert set(company) >= COMPANY_REQUIRED, COMPANY_REQUIRED - set(company)
    assert KEY.match(company["key"])
    # Fictitious companies only, and said so in their name.
    assert "(fictive)" in company["name"] or "(fictif)" in company["name"]
    assert 1 <= len(company["name"]) <= 200
    local, _, domain = company["contact_email"].partition("@")
    assert local, "contact_email has no local part"
    assert (
        domain == "example"
        or domain.endswith(".example")
        or domain in {"example.com", "example.net", "example.org"}
    ), "contact_email must use an RFC 2606 example domain"
    assert 1 <= len(company["flows"]) <= 4


@pytest.mark.parametrize("company", companies(), ids=lambda c: c["key"])
def test_company_naf_code_exists_in_the_repo_table(company: dict[str, Any]) -> None:
    entry = get_naf(company["naf_code"])
    assert entry is not None, f"unknown NAF code {company['naf_code']!r}"
    assert entry.code == company["naf_code"], "write NAF codes in the canonical form, e.g. 16.10A"


@pytest.mark.parametrize("company", companies(), ids=lambda c: c["key"])
def test_company_siret_is_luhn_valid_and_fictitious(company: dict[str, Any]) -> None:
    siret = company["siret"]
    assert re.fullmatch(r"\d{14}", siret)
    assert luhn_valid(siret), "SIRET fails the Luhn check"
    assert luhn_valid(siret[:9]), "SIREN fails the Luhn check"
    # SIRENs starting with 000 are not allocated by INSEE: no real company can be hit by the demo.
    assert siret.startswith("000")


def test_sirets_and_keys_are_unique() -> None:
    keys = [c["key"] for c in companies()]
    sirets = [c["siret"] for c in companies() if "siret" in c]
    assert len(keys) == len(set(keys))
    assert len(sirets) == len(set(sirets))
    # load.py is idempotent through the SIRET (409 on the second run): every company needs one.
    assert len(sirets) == len(keys)


@pytest.mark.parametrize("company", companies(), ids=lambda c: c["key"])
def test_company_postcode_and_city_resolve_to_a_commune_of_its_territory(company: dict[str, Any]) -> None:
    commune = commune_of(company["postcode"], company["city"])
    assert commune.department == company["territory"]
    assert company["postcode"] in commune.postcodes


def test_companies_are_in_the_gers_and_cover_the_pays_portes_de_gascogne() -> None:
    outside = [c["key"] for c in companies() if c["territory"] != "32"]
    assert len(outside) <= 3, outside
    gers_postcodes = {c["postcode"] for c in companies() if c["territory"] == "32"}
    assert gers_postcodes >= PAYS_POSTCODES, PAYS_POSTCODES - gers_postcodes


# ------------------------------------------------------------------------------------------------ flows


@pytest.mark.parametrize("ref", sorted(flows()))
def test_flow_fields(ref: str) -> None:
    _, flow = flows()[ref]
    assert set(flow) <= FLOW_FIELDS, set(flow) - FLOW_FIELDS
    assert set(flow) >= FLOW_REQUIRED, FLOW_REQUIRED - set(flow)
    assert KEY.match(flow["key"])
    Direction(flow["direction"])
    Category(flow["category"])
    assert 1 <= len(flow["label"].strip()) <= 200
    if flow.get("description") is not None:
        assert len(flow["description"]) <= 2000
    if flow.get("quantity") is not None:
        Quantity.model_validate(flow["quantity"])
    months = flow.get("months") or []
    assert all(isinstance(m, int) and 1 <= m <= 12 for m in months), months
    assert len(months) == len(set(months)) < 12, "months: distinct, and leave it empty for all year"
    assert isinstance(flow.get("hazardous", False), bool)
    if flow.get("max_distance_km") is not None:
        assert 0 < flow["max_distance_km"] <= 1000
    Confidentiality(flow.get("confidentiality", "public"))


@pytest.mark.parametrize("ref", sorted(r for r, (_, f) in flows().items() if f.get("ewc_code")))
def test_flow_ewc_code_is_a_waste_entry_of_the_repo_table(ref: str) -> None:
    _, flow = flows()[ref]
    entry = ewc_waste_entry(flow["ewc_code"])
    starred = flow["ewc_code"].rstrip().endswith("*")
    assert starred == entry.hazardous, "write the * exactly when the list marks the entry hazardous"
    if flow["direction"] == "offer":
        assert flow.get("hazardous", False) == entry.hazardous, "a hazardous waste offer must say hazardous"


def test_flow_keys_are_unique_within_each_company() -> None:
    for company in companies():
        keys = [f["key"] for f in company["flows"]]
        assert len(keys) == len(set(keys)), company["key"]


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
    refs = flows()
    for item in territory()["expected"]:
        assert set(item) == {"kind", "flows", "why"}, item
        assert item["kind"] in {"substitution", "mutualisation"}
        assert item["why"].strip()
        for ref in item["flows"]:
            assert ref in refs, f"unknown flow {ref!r}"
        assert len(item["flows"]) == len(set(item["flows"]))
        owners = [refs[ref][0]["key"] for ref in item["flows"]]
        assert len(owners) == len(set(owners)), f"a synergy is between companies: {item['flows']}"


@pytest.mark.parametrize(
    "item",
    [i for i in territory()["expected"] if i["kind"] == "substitution"],
    ids=lambda i: " -> ".join(i["flows"]),
)
def test_expected_substitution_is_an_offer_meeting_a_need_it_can_reach(item: dict[str, Any]) -> None:
    (supplier, offer), (receiver, need) = (flows()[ref] for ref in item["flows"])
    assert offer["direction"] == "offer" and need["direction"] == "need", "write [offer, need]"
    assert months_overlap(offer, need), "no month in common"
    distance = distance_km(supplier, receiver)
    for flow in (offer, need):
        if flow.get("max_distance_km") is not None:
            assert distance <= flow["max_distance_km"], f"{distance:.0f} km > {flow['max_distance_km']} km"
    if offer.get("hazardous"):
        assert need.get("hazardous"), "a hazardous offer needs a receiver that accepts hazardous waste"


@pytest.mark.parametrize(
    "item",
    [i for i in territory()["expected"] if i["kind"] == "mutualisation"],
    ids=lambda i: " + ".join(i["flows"]),
)
def test_expected_mutualisation_groups_like_flows(item: dict[str, Any]) -> None:
    members = [flows()[ref] for ref in item["flows"]]
    assert len(members) >= 2
    assert len({f["direction"] for _, f in members}) == 1
    assert len({f["category"] for _, f in members}) == 1
    if members[0][1]["category"] == "skills":
        # Seasonal staff is shared only between seasons that do not overlap.
        for (_, a), (_, b) in itertools.combinations(members, 2):
            assert a.get("months") and b.get("months")
            assert not set(a["months"]) & set(b["months"]), (a["key"], b["key"])


def pair_sets() -> set[frozenset[str]]:
    """Every pair of flows an expected synergy puts together."""
    return {
        frozenset(pair)
        for item in territory()["expected"]
        for pair in itertools.combinations(item["flows"], 2)
    }


@pytest.mark.parametrize("trap", territory()["traps"], ids=lambda t: " x ".join(t["flows"]))
def test_trap_is_well_formed_and_really_wrong(trap: dict[str, Any]) -> None:
    assert set(trap) == {"type", "flows", "why"}, trap
    assert trap["type"] in TRAP_TYPES
    assert trap["why"].strip()
    assert len(trap["flows"]) == 2
    for ref in trap["flows"]:
        assert ref in flows(), f"unknown flow {ref!r}"
    assert frozenset(trap["flows"]) not in pair_sets(), "a trap cannot also be expected"
    (ca, a), (cb, b) = (flows()[ref] for ref in trap["flows"])
    if trap["type"] == "same_company":
        assert ca["key"] == cb["key"]
    else:
        assert ca["key"] != cb["key"]
    if trap["type"] == "hazardous":
        assert a["direction"] == "offer" and b["direction"] == "need"
        assert a.get("hazardous") and not b.get("hazardous")
    elif trap["type"] == "distance":
        distance = distance_km(ca, cb)
        limits = [f["max_distance_km"] for f in (a, b) if f.get("max_distance_km") is not None]
        assert distance > FAR_KM or any(distance > limit for limit in limits), f"{distance:.0f} km"
    elif trap["type"] == "season":
        assert a.get("months") and b.get("months")
        assert not months_overlap(a, b) or a["direction"] == b["direction"] == "need"


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
