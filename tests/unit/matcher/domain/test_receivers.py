"""Receiver links: an activity that takes a waste in is proposed it from the offer's EWC code alone."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.index import MatchIndex
from ecocirc_matcher.domain.knowledge import Knowledge, _read_packaged, load_knowledge
from ecocirc_matcher.domain.pairing import evaluate_substitution
from ecocirc_shared.flows import Category
from tests.unit.matcher.factories import need, offer

# Words no keyword knows: only the codes can make these pairs.
UNKNOWN_WORDS = "Résidu XR-42"


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


def test_a_waste_nobody_wrote_a_keyword_for_reaches_the_activity_that_takes_its_code(kb: Knowledge) -> None:
    fly_ash = offer(UNKNOWN_WORDS, ewc="10 01 02")
    cement = need("Matière première", category=Category.MATERIAL, naf="23.51Z", road_km=20)
    assert kb.classification(fly_ash).confidence.keys() == {"ash"}  # from the code only

    proposal = evaluate_substitution(fly_ash, cement, kb)

    assert proposal is not None
    assert proposal.resource_class == "ash"
    assert proposal.score_parts["resource"] == 0.8  # the row's weight
    assert "Code déchet 10 01 02 : Les cimenteries" in proposal.explanation


def test_an_activity_not_listed_as_receiver_is_not_proposed_the_waste(kb: Knowledge) -> None:
    fly_ash = offer(UNKNOWN_WORDS, ewc="10 01 02")
    restaurant = need("Matière première", category=Category.MATERIAL, naf="56.10A", road_km=20)
    assert evaluate_substitution(fly_ash, restaurant, kb) is None


def test_the_most_precise_naf_prefix_counts(kb: Knowledge) -> None:
    """A division-level receiver (agriculture, "01") fits less well than a class-level one."""
    digestate = offer(UNKNOWN_WORDS, ewc="19 06 06")
    farm = need("Intrants", category=Category.MATERIAL, naf="01.11Z", road_km=5)
    proposal = evaluate_substitution(digestate, farm, kb)
    assert proposal is not None
    scrap = offer(UNKNOWN_WORDS, ewc="12 01 01")
    foundry = need("Intrants", category=Category.MATERIAL, naf="24.51Z", road_km=5)
    precise = evaluate_substitution(scrap, foundry, kb)
    assert precise is not None
    assert precise.score_parts["activity"] > proposal.score_parts["activity"]


def test_an_entry_the_link_leaves_out_is_not_proposed(kb: Knowledge) -> None:
    """Section 02 03 feeds animals, but not its sludges (02 03 05)."""
    feed_mill = need("Matières premières", category=Category.MATERIAL, naf="10.91Z", road_km=10)
    assert evaluate_substitution(offer(UNKNOWN_WORDS, ewc="02 03 04"), feed_mill, kb) is not None
    assert evaluate_substitution(offer(UNKNOWN_WORDS, ewc="02 03 05"), feed_mill, kb) is None


def test_catering_waste_is_never_taken_in_by_animal_feed(kb: Knowledge) -> None:
    """Regulation (EC) 1069/2009 art. 11: no receiver link sends kitchen waste to farm animals."""
    for farm_animals in ("10.91Z", "01.46Z", "01.47Z"):
        assert not [link for link in kb.receivers_of_entry("20 01 08") if link.prefix_for(farm_animals)]


def test_a_need_that_names_what_it_wants_is_not_fed_by_what_its_trade_takes_in(kb: Knowledge) -> None:
    spent_grain = offer(UNKNOWN_WORDS, ewc="02 07 04")
    steam = need("Vapeur 3 bar pour la granulation", category=Category.ENERGY, naf="10.91Z", road_km=10)
    raw = need("Matières premières", category=Category.MATERIAL, naf="10.91Z", road_km=10)
    assert evaluate_substitution(spent_grain, steam, kb) is None
    assert evaluate_substitution(spent_grain, raw, kb) is not None


def test_an_energy_need_takes_a_waste_in_only_as_a_fuel(kb: Knowledge) -> None:
    wood_packaging = offer(UNKNOWN_WORDS, ewc="15 01 03")
    heat = need("Chauffage des bâtiments", category=Category.ENERGY, naf="35.30Z", road_km=10)
    fuel = need("Combustible", category=Category.ENERGY, naf="35.30Z", road_km=10)
    assert evaluate_substitution(wood_packaging, heat, kb) is None
    proposal = evaluate_substitution(wood_packaging, fuel, kb)
    assert proposal is not None
    assert "chaufferies biomasse" in proposal.explanation


def test_a_receiver_link_keeps_to_the_reach_of_its_waste(kb: Knowledge) -> None:
    reach = kb.reach_km("ewc:10 01 02")
    cement = need("Matière première", category=Category.MATERIAL, naf="23.51Z", road_km=reach + 5)
    assert evaluate_substitution(offer(UNKNOWN_WORDS, ewc="10 01 02"), cement, kb) is None


def test_the_index_finds_what_receiver_links_accept(kb: Knowledge) -> None:
    fly_ash = offer(UNKNOWN_WORDS, ewc="10 01 02")
    cement = need("Matière première", category=Category.MATERIAL, naf="23.51Z", road_km=60)
    index = MatchIndex(kb)
    index.upsert(cement)
    found = index.upsert(fly_ash)
    assert {frozenset(f.flow_id for f in p.flows) for p in found} == {
        frozenset({fly_ash.flow_id, cement.flow_id})
    }


def test_the_strongest_evidence_wins(kb: Knowledge) -> None:
    """Words that link weakly do not hide a stronger receiver link, and the reverse."""
    ash = offer("cendres volantes", ewc="10 01 02")
    cement = need("Matière première", category=Category.MATERIAL, naf="23.51Z", road_km=10)
    proposal = evaluate_substitution(ash, cement, kb)
    assert proposal is not None
    receiver = evaluate_substitution(offer(UNKNOWN_WORDS, ewc="10 01 02"), cement, kb)
    assert receiver is not None
    assert proposal.score_parts["resource"] >= receiver.score_parts["resource"]


def test_a_receiver_row_with_an_unknown_code_is_refused() -> None:
    data = _read_packaged()
    bad = data["ewc_receivers.csv"] + b'10 99 98,,23.51,mati\xc3\xa8re,0.5,"x",y\n'
    with pytest.raises(ValueError, match="10 99 98"):
        Knowledge({**data, "ewc_receivers.csv": bad})


def test_every_receiver_link_has_a_source_and_a_reason(kb: Knowledge) -> None:
    assert kb.receivers
    for link in kb.receivers:
        assert link.source.strip() and link.reason_fr.strip()
        assert 0 < link.weight <= 1
        assert link.naf_prefixes and link.entries


def test_an_energy_need_is_fed_only_by_what_its_trade_burns(kb: Knowledge) -> None:
    """A paper mill takes waste paper in as a raw material, not as its process energy."""
    paper = offer(UNKNOWN_WORDS, ewc="15 01 01")
    energy = need("Combustible pour la chaudière", category=Category.ENERGY, naf="17.12Z", road_km=10)
    assert kb.takes_in_by_activity(energy)
    raw = need("Matière première", category=Category.MATERIAL, naf="17.12Z", road_km=10)
    as_fuel = evaluate_substitution(paper, energy, kb)
    as_material = evaluate_substitution(paper, raw, kb)
    # Paper may still go to a boiler through its words' class link ("papiers souillés" in SRF, 0.3),
    # never through the paper mill's receiver link.
    assert as_fuel is None or "Code déchet" not in as_fuel.explanation
    assert as_material is not None
    assert "Code déchet 15 01 01" in as_material.explanation


def test_a_receiver_row_with_an_unknown_use_is_refused() -> None:
    data = _read_packaged()
    bad = data["ewc_receivers.csv"] + b'10 01 02,,23.51,engrais,0.5,"x",y\n'
    with pytest.raises(ValueError, match="engrais"):
        Knowledge({**data, "ewc_receivers.csv": bad})


@pytest.mark.parametrize(
    ("ewc", "naf", "weight"),
    [
        ("10 09 08", "42.11Z", 0.5),  # foundry sand to road works (Cerema guide)
        ("10 02 08", "24.43Z", 0.7),  # electric arc furnace dust to zinc recovery (Waelz)
        ("10 02 02", "01.11Z", 0.4),  # steel slag as a liming material (NF U 44-001, class 4)
        ("17 05 04", "81.30Z", 0.5),  # excavated soil to landscaping
    ],
)
def test_documented_outlets_are_proposed_from_the_code(
    kb: Knowledge, ewc: str, naf: str, weight: float
) -> None:
    waste = offer(UNKNOWN_WORDS, ewc=ewc)
    receiver = need("Matière première", category=Category.MATERIAL, naf=naf, road_km=10)
    proposal = evaluate_substitution(waste, receiver, kb)
    assert proposal is not None
    assert proposal.score_parts["resource"] == weight  # the receiver row, not a guess from the activity
    assert f"Code déchet {ewc}" in proposal.explanation


@pytest.mark.parametrize(
    ("ewc", "naf"),
    [
        ("19 01 02", "38.32Z"),  # ferrous metal picked out of bottom ash, to a scrap dealer
        ("11 05 02", "24.43Z"),  # zinc ash of galvanising, to zinc recovery
        ("19 02 10", "23.51Z"),  # combustible waste (SRF), to a cement kiln
        ("17 09 04", "38.32Z"),  # mixed construction waste, to a sorting centre
    ],
)
def test_sourced_outlets_of_entries_that_had_none(kb: Knowledge, ewc: str, naf: str) -> None:
    assert kb.receivers_of_entry(ewc)
    waste = offer(UNKNOWN_WORDS, ewc=ewc)
    receiver = need("Matière première", category=Category.MATERIAL, naf=naf, road_km=10)
    proposal = evaluate_substitution(waste, receiver, kb)
    assert proposal is not None and f"Code déchet {ewc}" in proposal.explanation


@pytest.mark.parametrize(
    ("offer_class", "need_class"),
    [
        # The outlets the issue names, class to use: cement kilns, paper mills, feed, digestion and
        # composting, metallurgy, road works, building products.
        ("ash", "use_cement_kiln"),
        ("slag", "use_cement_kiln"),
        ("foundry_sand", "use_cement_kiln"),
        ("tyres_rubber", "use_cement_kiln"),
        ("solvents", "use_cement_kiln"),
        ("animal_by_products", "use_cement_kiln"),
        ("plastics", "use_cement_kiln"),
        ("treated_wood", "use_cement_kiln"),
        ("paper_cardboard", "use_paper_recycling"),
        ("whey", "use_animal_feed"),
        ("spent_grain", "use_animal_feed"),
        ("bakery_waste", "use_animal_feed"),
        ("food_waste", "use_anaerobic_digestion"),
        ("manure", "use_anaerobic_digestion"),
        ("green_waste", "use_composting"),
        ("ferrous_scrap", "use_metal_recycling"),
        ("metal_chips", "use_metal_recycling"),
        ("inert_rubble", "use_construction_aggregates"),
        ("slag", "use_construction_aggregates"),
        ("ash", "use_construction_aggregates"),
        ("glass_cullet", "use_building_products"),
        ("textiles", "use_building_products"),
    ],
)
def test_documented_outlets_are_linked(kb: Knowledge, offer_class: str, need_class: str) -> None:
    link = kb.link(offer_class, need_class)
    assert link is not None and link.weight >= 0.4
