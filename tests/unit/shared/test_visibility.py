"""What each reader may see of a synergy's figures: a company, before the introduction, cannot tell
its counterpart's exact quantity, months, NAF code or distance from anything it reads; the advisor of
the counterpart's territory can."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from ecocirc_shared.bands import Band
from ecocirc_shared.directory import RecipientKind, Viewer
from ecocirc_shared.flows import Confidentiality
from ecocirc_shared.visibility import Disclosure, disclosure
from ecocirc_shared.wording import SynergyView, synergy_view
from tests.unit.shared.confidential_pairs import (
    FARM,
    FARM_ADVISOR,
    FARM_ID,
    SAWMILL,
    SAWMILL_ADVISOR,
    Side,
    advisor,
    pair,
)

ADVISOR_ONLY = Confidentiality.ADVISOR_ONLY
SAWMILL_SIDE = Side(120, (3, 4, 5, 6, 7, 8, 9, 10), "16.10A")
ADMIN = Viewer(kind=RecipientKind.ADVISOR, id=SAWMILL_ADVISOR.id, territories=("*",))


def _read(viewer: Viewer, sawmill: Side, farm: Side, km: float, introduced: bool = False) -> SynergyView:
    snapshot, people = pair(sawmill, farm, km)
    return synergy_view(snapshot, people, viewer, introduced=introduced)


def _every_value(view: SynergyView) -> str:
    """Every field the API or an email may show, as one text."""
    return repr(dataclasses.asdict(view))


# Two farms that differ in everything an advisor_only flow holds: quantity (another band), months
# (another season), NAF class (same division), distance (same 5 km).
SECRET_FARMS = (
    (Side(37, (4, 5), "01.47Z", ADVISOR_ONLY), 31.4),
    (Side(80, (6, 7), "01.41Z", ADVISOR_ONLY), 30.2),
)
# Two public farms that differ within the bands a company reads.
PUBLIC_FARMS = ((Side(37, (4, 5), "01.47Z"), 31.4), (Side(42, (4,), "01.41Z"), 30.2))
# Two public sawmills, read by a farm needing 200 t in April and May.
NEEDY_FARM = Side(200, (4, 5), "01.47Z")
PUBLIC_SAWMILLS = ((Side(120, (3, 4, 5, 6), "16.10A"), 31.4), (Side(130, (4, 5, 6, 7), "16.24Z"), 30.2))


@pytest.mark.parametrize("reader", [SAWMILL, advisor(SAWMILL_ADVISOR)], ids=["sawmill", "its advisor"])
def test_nothing_of_an_advisor_only_counterpart_reaches_the_other_side(reader: Viewer) -> None:
    (one, km_one), (other, km_other) = SECRET_FARMS
    seen = _read(reader, SAWMILL_SIDE, one, km_one)
    assert seen == _read(reader, SAWMILL_SIDE, other, km_other), "two different farms read differently"
    assert seen.figures.disclosure is Disclosure.WITHHELD
    assert seen.figures.quantity is None and seen.figures.months is None and seen.figures.impact is None
    assert seen.figures.distance_km == 30
    text = _every_value(seen)
    for secret in ("37", "01.47Z", "31,4", "31.4", "avril", "élevage de volailles", "Litière pour poulets"):
        assert secret not in text, secret
    assert "Une exploitation agricole à environ 30\u00a0km" in seen.explanation  # sector in words
    assert "confidentiel, à voir avec" in seen.explanation


def test_the_farm_s_advisor_reads_its_exact_figures() -> None:
    (one, km_one), (other, km_other) = SECRET_FARMS
    seen = _read(advisor(FARM_ADVISOR), SAWMILL_SIDE, one, km_one)
    assert seen != _read(advisor(FARM_ADVISOR), SAWMILL_SIDE, other, km_other)
    assert seen.figures.disclosure is Disclosure.EXACT
    assert seen.figures.distance_km == 31.4 and seen.figures.months == (4, 5)
    assert seen.figures.quantity is not None and seen.figures.quantity.amount_per_year == 37
    assert "NAF 01.47Z" in seen.explanation  # the matcher's sentence


def test_a_company_reads_a_public_counterpart_in_ranges_only() -> None:
    (one, km_one), (other, km_other) = PUBLIC_FARMS
    seen = _read(SAWMILL, SAWMILL_SIDE, one, km_one)
    assert seen == _read(SAWMILL, SAWMILL_SIDE, other, km_other), "two different farms read differently"
    facts = seen.figures
    assert facts.disclosure is Disclosure.RANGES
    assert facts.quantity is not None and facts.quantity.amount_per_year == Band(20, 50)
    assert facts.months == (3, 4, 5) and seen.when == "au printemps"
    assert facts.distance_km == 30 and facts.score == 0.6
    assert set(facts.score_parts) == {"resource", "activity", "hazard", "text_confidence"}
    assert all(value * 4 == int(value * 4) for value in facts.score_parts.values())
    text = _every_value(seen)
    for secret in ("37", "01.47Z", "31,4", "31.4", "avril", "élevage de volailles"):
        assert secret not in text, secret
    # Its flow is public: what it needs is shown, with whatever figures the company may read.
    assert "Litière pour poulets" in seen.explanation and "entre 20 et 50\u00a0t/an" in seen.explanation


def test_a_company_reads_a_public_supplier_in_ranges_only() -> None:
    (one, km_one), (other, km_other) = PUBLIC_SAWMILLS
    seen = _read(FARM, one, NEEDY_FARM, km_one)
    assert seen == _read(FARM, other, NEEDY_FARM, km_other)
    assert seen.figures.quantity is not None and seen.figures.quantity.coverage == Band(0.5, 0.75)
    text = _every_value(seen)
    for secret in ("120", "16.10A", "sciage", "31,4", "31.4", "376"):
        assert secret not in text, secret
    assert "une entreprise de la filière bois" in text


def test_once_introduced_everyone_is_named_with_exact_figures() -> None:
    (one, km_one), _ = SECRET_FARMS
    seen = _read(SAWMILL, SAWMILL_SIDE, one, km_one, introduced=True)
    assert seen.figures.disclosure is Disclosure.EXACT
    [farm] = seen.others
    assert farm.name == "Élevage Agenais" and farm.contact_email == "elevage@example.org"
    assert farm.flow_label == "Litière pour poulets"
    assert seen.figures.quantity is not None and seen.figures.quantity.amount_per_year == 37


def _reader(name: str) -> Viewer:
    readers = {
        "sawmill": SAWMILL,
        "farm": FARM,
        "sawmill's advisor": advisor(SAWMILL_ADVISOR),
        "farm's advisor": advisor(FARM_ADVISOR),
        "admin": ADMIN,
        "advisor of both": Viewer(kind=RecipientKind.ADVISOR, id=FARM_ID, territories=("47", "82")),
    }
    return readers[name]


@pytest.mark.parametrize(
    ("farm_flow", "reader", "expected"),
    [
        (ADVISOR_ONLY, "sawmill", Disclosure.WITHHELD),
        (ADVISOR_ONLY, "sawmill's advisor", Disclosure.WITHHELD),
        (ADVISOR_ONLY, "farm", Disclosure.RANGES),  # its own flow: the sawmill's is public
        (ADVISOR_ONLY, "farm's advisor", Disclosure.EXACT),
        (ADVISOR_ONLY, "admin", Disclosure.EXACT),
        (ADVISOR_ONLY, "advisor of both", Disclosure.EXACT),
        (Confidentiality.PUBLIC, "sawmill", Disclosure.RANGES),
        (Confidentiality.PUBLIC, "farm", Disclosure.RANGES),
        (Confidentiality.PUBLIC, "sawmill's advisor", Disclosure.EXACT),
        (Confidentiality.PUBLIC, "farm's advisor", Disclosure.EXACT),
    ],
)
def test_who_reads_what(farm_flow: Confidentiality, reader: str, expected: Any) -> None:
    snapshot, people = pair(SAWMILL_SIDE, Side(37, (4, 5), "01.47Z", farm_flow), 31.4)
    assert disclosure(snapshot, people, _reader(reader)) is expected
    assert disclosure(snapshot, people, _reader(reader), introduced=True) is Disclosure.EXACT
