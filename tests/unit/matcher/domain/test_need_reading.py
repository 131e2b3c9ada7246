"""How a need is read: what the receiver takes in, not what it makes or what it is."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_shared.flows import Category
from tests.unit.matcher.factories import need, offer


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


@pytest.mark.parametrize("label", ["Fuel", "fuel", "Combustible"])
def test_fuel_in_a_need_is_any_fuel(kb: Knowledge, label: str) -> None:
    # "fuel" is heating oil in French only when the text says so: a need for "fuel" is a use, so the
    # receiver links of its activity (sludge or biomass burnt at a power plant) still reach it.
    wanted = need(label, description="Power plant", naf="35.11Z", category=Category.ENERGY)
    read = kb.classification(wanted)
    assert "use_fuel" in read.confidence
    assert "liquid_fuel" not in read.named_resources
    assert kb.takes_in_by_activity(wanted)


def test_fioul_in_a_need_is_still_heating_oil(kb: Knowledge) -> None:
    assert (
        "liquid_fuel" in kb.classification(need("Fioul domestique", category=Category.ENERGY)).named_resources
    )
    # and an offer of "fuel" is the oil it is in French
    assert "liquid_fuel" in kb.classify(offer("Fuel en cuve, fin de stock", category=Category.ENERGY))
