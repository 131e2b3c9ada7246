"""An advisor's outcome merged with the platform's estimate: left out confirms, given corrects, null is unknown."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from ecocirc_intake.domain.errors import BodyValidationError
from ecocirc_intake.domain.outcomes import merge
from ecocirc_shared.outcomes import Estimate, Source

A, B, C = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
ESTIMATE = Estimate(
    tonnes_per_year=40, eur_per_year=3400, co2e_t_per_year=1.2, factors=("Transport : 0,083",)
)


def test_figures_left_out_confirm_the_estimate() -> None:
    outcome = merge({"jobs": 0.5, "started_on": date(2025, 4, 1)}, ESTIMATE, {A, B})
    assert (outcome.tonnes_per_year, outcome.eur_per_year, outcome.co2e_t_per_year) == (40, 3400, 1.2)
    assert set(outcome.sources.values()) == {Source.ESTIMATE} and len(outcome.sources) == 3
    assert outcome.jobs == 0.5 and outcome.started_on == date(2025, 4, 1)


def test_figures_given_correct_it_and_null_says_unknown() -> None:
    outcome = merge({"tonnes_per_year": 35, "co2e_t_per_year": None, "eur_per_year": 3400}, ESTIMATE, {A, B})
    assert outcome.tonnes_per_year == 35 and outcome.sources["tonnes_per_year"] is Source.ADVISOR
    assert outcome.co2e_t_per_year is None and "co2e_t_per_year" not in outcome.sources
    assert outcome.sources["eur_per_year"] is Source.ESTIMATE  # the same figure sent back: confirmed


def test_without_an_estimate_nothing_is_invented() -> None:
    outcome = merge({}, Estimate(), {A, B})
    assert outcome.tonnes_per_year is None and outcome.sources == {}


def test_a_split_per_company_gives_the_total_when_none_is_given() -> None:
    shares = [{"company_id": A, "eur_per_year": 2000}, {"company_id": B, "eur_per_year": 1000}]
    outcome = merge({"eur_by_company": shares}, ESTIMATE, {A, B})
    assert outcome.eur_per_year == 3000 and outcome.sources["eur_per_year"] is Source.ADVISOR
    assert [s.company_id for s in outcome.eur_by_company] == [A, B]


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"eur_by_company": [{"company_id": C, "eur_per_year": 10}]}, "eur_by_company.0.company_id"),
        (
            {"eur_per_year": 5000, "eur_by_company": [{"company_id": A, "eur_per_year": 10}]},
            "eur_by_company",
        ),
        (
            {"eur_by_company": [{"company_id": A, "eur_per_year": 1}, {"company_id": A, "eur_per_year": 2}]},
            "eur_by_company",
        ),
        ({"started_on": date(1900, 1, 1)}, "started_on"),
    ],
)
def test_a_split_naming_an_outsider_twice_or_not_adding_up_is_refused(
    given: dict[str, object], field: str
) -> None:
    with pytest.raises(BodyValidationError) as failed:
        merge(given, ESTIMATE, {A, B})
    assert field in failed.value.fields()
