"""Checks shared by the tests of territory files (the Gers demo, the independent French set).

A territory file (format in demo/gers/README.md) lists fictitious companies and their flows, the synergies an
expert would accept (`expected`) and tempting mistakes (`traps`). Each check takes the parsed JSON objects and
fails with an assertion, so each test file decides which checks and which thresholds apply to its file.
"""

from __future__ import annotations

import itertools
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from ecocirc_shared.flows import Category, Confidentiality, Direction, Quantity
from ecocirc_shared.reference import (
    Commune,
    ewc_waste_entry,
    get_naf,
    great_circle_km,
    resolve_commune,
)

Json = dict[str, Any]
# Every flow by its reference "company-key/flow-key", with its company.
Flows = dict[str, tuple[Json, Json]]

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
# Far enough that no bulk or heat exchange is sensible whatever the flows declare.
FAR_KM = 300


def load(path: Path) -> Json:
    with path.open(encoding="utf-8") as handle:
        data: Json = json.load(handle)
    return data


def flows_of(data: Json) -> Flows:
    return {f"{c['key']}/{f['key']}": (c, f) for c in data["companies"] for f in c["flows"]}


@cache
def commune_of(postcode: str, city: str) -> Commune:
    return resolve_commune(postcode, city)


def distance_km(a: Json, b: Json) -> float:
    """Straight line between the communes' centres of two companies."""
    ca, cb = commune_of(a["postcode"], a["city"]), commune_of(b["postcode"], b["city"])
    return great_circle_km(ca.lat, ca.lon, cb.lat, cb.lon)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def months_overlap(a: Json, b: Json) -> bool:
    """No months means all year."""
    return not a.get("months") or not b.get("months") or bool(set(a["months"]) & set(b["months"]))


def pair_sets(data: Json) -> set[frozenset[str]]:
    """Every pair of flows an expected synergy puts together."""
    return {frozenset(pair) for item in data["expected"] for pair in itertools.combinations(item["flows"], 2)}


# ------------------------------------------------------------------------------------------------ companies


def check_company_fields(company: Json, *, max_flows: int) -> None:
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
    assert 1 <= len(company["flows"]) <= max_flows


def check_company_naf(company: Json) -> None:
    entry = get_naf(company["naf_code"])
    assert entry is not None, f"unknown NAF code {company['naf_code']!r}"
    assert entry.code == company["naf_code"], "write NAF codes in the canonical form, e.g. 16.10A"


def check_company_siret(company: Json) -> None:
    siret = company["siret"]
    assert re.fullmatch(r"\d{14}", siret)
    assert luhn_valid(siret), "SIRET fails the Luhn check"
    assert luhn_valid(siret[:9]), "SIREN fails the Luhn check"
    # SIRENs starting with 000 are not allocated by INSEE: no real company can be hit by a test file.
    assert siret.startswith("000")


def check_company_commune(company: Json) -> None:
    commune = commune_of(company["postcode"], company["city"])
    assert commune.department == company["territory"]
    assert company["postcode"] in commune.postcodes


def check_keys_and_sirets_unique(companies: list[Json]) -> None:
    keys = [c["key"] for c in companies]
    sirets = [c["siret"] for c in companies if "siret" in c]
    assert len(keys) == len(set(keys))
    assert len(sirets) == len(set(sirets))
    # demo/load.py is idempotent through the SIRET (409 on the second run): every company needs one.
    assert len(sirets) == len(keys)
    for company in companies:
        flow_keys = [f["key"] for f in company["flows"]]
        assert len(flow_keys) == len(set(flow_keys)), company["key"]


# ------------------------------------------------------------------------------------------------ flows


def check_flow_fields(flow: Json) -> None:
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


def check_flow_ewc(flow: Json) -> None:
    """An EWC code is a waste entry of the repository's table, starred exactly when hazardous."""
    entry = ewc_waste_entry(flow["ewc_code"])
    starred = flow["ewc_code"].rstrip().endswith("*")
    assert starred == entry.hazardous, "write the * exactly when the list marks the entry hazardous"
    if flow["direction"] == "offer":
        assert flow.get("hazardous", False) == entry.hazardous, "a hazardous waste offer must say hazardous"


# ------------------------------------------------------------------------------------------------ answer key


def check_expected_entry(item: Json, refs: Flows) -> None:
    assert set(item) == {"kind", "flows", "why"}, item
    assert item["kind"] in {"substitution", "mutualisation"}
    assert item["why"].strip()
    for ref in item["flows"]:
        assert ref in refs, f"unknown flow {ref!r}"
    assert len(item["flows"]) == len(set(item["flows"]))
    owners = [refs[ref][0]["key"] for ref in item["flows"]]
    assert len(owners) == len(set(owners)), f"a synergy is between companies: {item['flows']}"


def check_substitution(item: Json, refs: Flows) -> None:
    """[offer, need]: the offer meets the need in a common month, within both declared distances."""
    assert len(item["flows"]) == 2
    (supplier, offer), (receiver, need) = (refs[ref] for ref in item["flows"])
    assert offer["direction"] == "offer" and need["direction"] == "need", "write [offer, need]"
    assert months_overlap(offer, need), "no month in common"
    distance = distance_km(supplier, receiver)
    for flow in (offer, need):
        if flow.get("max_distance_km") is not None:
            assert distance <= flow["max_distance_km"], f"{distance:.0f} km > {flow['max_distance_km']} km"
    if offer.get("hazardous"):
        assert need.get("hazardous"), "a hazardous offer needs a receiver that accepts hazardous waste"


def check_mutualisation(item: Json, refs: Flows, *, skills_need_months: bool) -> None:
    """Like flows of one direction and category; seasonal staff is shared only between disjoint seasons.

    With `skills_need_months`, every skills group is seasonal staff and must declare its months; without
    it, a skills group without months (a shared training session, say) is accepted.
    """
    members = [refs[ref] for ref in item["flows"]]
    assert len(members) >= 2
    assert len({f["direction"] for _, f in members}) == 1
    assert len({f["category"] for _, f in members}) == 1
    if members[0][1]["category"] != "skills":
        return
    for (_, a), (_, b) in itertools.combinations(members, 2):
        if skills_need_months:
            assert a.get("months") and b.get("months")
        if a.get("months") and b.get("months"):
            assert not set(a["months"]) & set(b["months"]), (a["key"], b["key"])


def check_trap(
    trap: Json, refs: Flows, expected_pairs: set[frozenset[str]], *, hazardous_ticked: bool
) -> None:
    """A trap is well formed and really wrong for the reason its type gives.

    A `hazardous` trap is a hazardous offer going to a receiver that does not accept hazardous waste. With
    `hazardous_ticked` the offer must also say so in its `hazardous` field; without it the hazard may be in
    the words only (asbestos, treated wood...), which is what a matcher must learn to read.
    """
    assert set(trap) == {"type", "flows", "why"}, trap
    assert trap["type"] in TRAP_TYPES
    assert trap["why"].strip()
    assert len(trap["flows"]) == 2
    for ref in trap["flows"]:
        assert ref in refs, f"unknown flow {ref!r}"
    assert frozenset(trap["flows"]) not in expected_pairs, "a trap cannot also be expected"
    (ca, a), (cb, b) = (refs[ref] for ref in trap["flows"])
    if trap["type"] == "same_company":
        assert ca["key"] == cb["key"]
    else:
        assert ca["key"] != cb["key"]
    if trap["type"] in {"hazardous", "regulatory"}:
        assert a["direction"] == "offer" and b["direction"] == "need"
    if trap["type"] == "hazardous":
        assert not b.get("hazardous"), "the receiver must not be one that accepts hazardous waste"
        if hazardous_ticked:
            assert a.get("hazardous")
    elif trap["type"] == "distance":
        distance = distance_km(ca, cb)
        limits = [f["max_distance_km"] for f in (a, b) if f.get("max_distance_km") is not None]
        assert distance > FAR_KM or any(distance > limit for limit in limits), f"{distance:.0f} km"
    elif trap["type"] == "season":
        assert a.get("months") and b.get("months")
        assert not months_overlap(a, b) or a["direction"] == b["direction"] == "need"
