"""The advisor pages' pure parts: the search read from an address, the numbers typed in the results
form, the workshop form turned into the API's body, the charts' bars, and the navigation's sections."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from starlette.datastructures import QueryParams

from ecocirc_intake.entrypoints.web.charts import bar_chart
from ecocirc_intake.entrypoints.web.context import nav_section
from ecocirc_intake.entrypoints.web.followup_pages import outcome_body, parse_number
from ecocirc_intake.entrypoints.web.search import LeadSearch, Pages
from ecocirc_intake.entrypoints.web.workshop_pages import _body, _place


def test_a_search_keeps_known_values_and_drops_the_rest() -> None:
    search = LeadSearch.read(
        QueryParams(
            "etape=study&nature=pillage&score=75&entreprise=  Scierie   du  Savès &retard=oui&ressource=wood"
        )
    )
    assert (search.status, search.kind, search.score, search.company, search.overdue) == (
        "study",
        "",
        "75",
        "Scierie du Savès",
        True,
    )
    company = uuid.uuid4()
    filters = search.filters((company,), date(2026, 12, 1))
    assert filters.statuses == ("study",) and filters.kind is None and filters.min_score == 0.75
    assert filters.resource_class == "wood" and filters.company_ids == (company,)
    assert filters.overdue_on == date(2026, 12, 1)
    assert search.query() == {
        "entreprise": "Scierie du Savès",
        "etape": "study",
        "ressource": "wood",
        "score": "75",
        "retard": "oui",
    }
    for score in ("120", "-3", "beaucoup", "75.5"):
        assert LeadSearch.read(QueryParams({"score": score})).score == "", score
    assert LeadSearch.read(QueryParams({"score": "60 %"})).score == "60"
    unnarrowed = LeadSearch().filters(None, date(2026, 12, 1))
    assert not LeadSearch().narrowed and unnarrowed.company_ids is None and unnarrowed.overdue_on is None


def test_pages_keep_the_search_in_their_links() -> None:
    pages = Pages(number=2, size=25, total=51, parameter="pf", kept={"commune": "Samatan"})
    assert (pages.offset, pages.count) == (25, 3)
    assert pages.href(3) == "?commune=Samatan&pf=3"
    assert Pages(1, 25, 0, "pe").count == 1


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("", None),
        ("  ", None),
        ("12", 12.0),
        ("12,5", 12.5),
        ("1 200,5", 1200.5),
        ("1\u202f200", 1200.0),
        ("-3", -3.0),
    ],
)
def test_numbers_are_read_as_people_type_them(typed: str, value: float | None) -> None:
    assert parse_number(typed) == value


@pytest.mark.parametrize("typed", ["beaucoup", "12,5,3", "nan", "inf"])
def test_what_is_not_a_number_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_number(typed)


def test_the_results_form_becomes_the_apis_outcome() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    body, errors = outcome_body(
        {"tonnes": "37,5", "co2e": "", "euros": "", f"euros_{a}": "1 000", f"euros_{b}": "", "emplois": "0,5",
         "demarrage": "2025-04-01", "commentaire_resultats": "  Benne dédiée  "},
        [a, b],
    )  # fmt: skip
    assert errors == {}
    # A split without a total: the total is left to the split; an emptied figure is unknown (None).
    assert body == {
        "tonnes_per_year": 37.5,
        "co2e_t_per_year": None,
        "jobs": 0.5,
        "eur_by_company": [{"company_id": str(a), "eur_per_year": 1000.0}],
        "started_on": date(2025, 4, 1),
        "comment": "Benne dédiée",
    }
    body, errors = outcome_body({"tonnes": "40", "euros": "3400", "demarrage": "1er avril"}, [a])
    assert body["eur_per_year"] == 3400 and "eur_by_company" not in body
    assert set(errors) == {"demarrage"}


def test_the_workshop_form_becomes_the_apis_body() -> None:
    a, b, flow = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    fields = {
        "nature": "substitution",
        "p1_entreprise": str(a), "p1_role": "supplier", "p1_flux": str(flow),
        "p2_entreprise": "", "p2_libelle": "oublié",
        "p3_entreprise": str(b), "p3_role": "receiver", "p3_libelle": "Litière",
        "description": "Atelier", "etape": "",
    }  # fmt: skip
    body, rows, errors = _body(fields)
    assert rows == [1, 3] and errors == {"p2_entreprise": ["Choisissez l'entreprise de ce participant."]}
    assert body["participants"] == [
        {"company_id": str(a), "role": "supplier", "flow_id": str(flow), "label": None},
        {"company_id": str(b), "role": "receiver", "flow_id": None, "label": "Litière"},
    ]
    assert body["status"] == "idea"
    # In a mutualisation every participant is a member, whatever the role field says.
    body, _, _ = _body({**fields, "nature": "mutualisation", "p2_libelle": ""})
    assert {p["role"] for p in body["participants"]} == {"member"}
    # An error of the body goes back to the row it came from.
    assert _place("participants.1.flow_id", rows) == "p3_flux"
    assert _place("participants.0.company_id", rows) == "p1_entreprise"
    assert _place("participants", rows) == "participants"
    assert _place("description", rows) == "description"


def test_bars_are_scaled_to_the_largest_and_a_small_value_stays_visible() -> None:
    chart = bar_chart(
        "t", [("a", 200, "200", "x"), ("b", 50, "50", "y"), ("c", 1, "1", "z"), ("d", 0, "0", "z")]
    )
    assert [bar.percent for bar in chart.bars] == [100.0, 25.0, 1.0, 0.0]
    assert [bar.percent for bar in bar_chart("t", [("a", 0, "0", "x")]).bars] == [0.0]


@pytest.mark.parametrize(
    ("path", "section"),
    [("/", "tableau"), ("/entreprises/x", "tableau"), ("/pistes", "pistes"), ("/pistes/nouvelle", "pistes"),
     ("/rapports", "rapports"), ("/carte", "carte"), ("/flux/nouveau", None)],
)  # fmt: skip
def test_the_navigation_marks_the_current_section(path: str, section: str | None) -> None:
    assert nav_section(path) == section
