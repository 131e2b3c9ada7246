"""Planning an import: French headers and values, continuation rows, every problem located."""

from __future__ import annotations

import pytest

from ecocirc_intake.domain.import_rows import ImportRejected, map_header, normalise, plan_import
from ecocirc_shared.flows import Category, Confidentiality, Direction, Period

HEADER = ["Entreprise", "Code NAF", "Courriel", "Code postal", "Commune", "Sens", "Catégorie", "Libellé",
          "Quantité", "Unité", "Période", "Mois", "Dangereux", "Confidentialité"]  # fmt: skip


def row(*cells: object) -> list[object]:
    return list(cells)


def test_normalise() -> None:
    assert normalise(" Catégorie  du flux ") == "categorie_du_flux"
    assert normalise("E-mail") == "e_mail"


def test_french_values_and_continuation_rows() -> None:
    plan = plan_import(
        HEADER,
        [
            (2, row("Scierie", "16.10A", "s@x.example.fr", "32130", "Samatan", "Offre", "Déchets", "Sciure",
                    "1 200,5", "t", "par mois", "nov-fév", "oui", "conseiller")),
            (3, row("scierie", None, None, None, None, "besoin", "énergie", "Chaleur",
                    None, None, None, "mars, avril", None, None)),
        ],
    )  # fmt: skip
    assert len(plan.companies) == 1 and plan.companies[0].company.site.commune_insee
    first, second = plan.flows
    assert (first.flow.direction, first.flow.category) == (Direction.OFFER, Category.WASTE)
    assert first.flow.quantity is not None and first.flow.quantity.amount == 1200.5
    assert first.flow.quantity.period is Period.MONTH
    assert first.flow.months == (1, 2, 11, 12) and first.flow.hazardous
    assert first.flow.confidentiality is Confidentiality.ADVISOR_ONLY
    assert second.company_key == first.company_key and second.flow.months == (3, 4)


def test_header_problems() -> None:
    _, _, problems = map_header(["Entreprise", "Couleur", "Sens", "sens"])
    assert [(p.field, p.column) for p in problems] == [
        ("Couleur", "Couleur"),
        ("direction", "sens"),
        ("category", None),
        ("label", None),
    ]


def test_every_problem_is_located() -> None:
    with pytest.raises(ImportRejected) as rejected:
        plan_import(
            HEADER,
            [
                (2, row("A", "16.10A", "a@x.example.fr", "32130", "Samatan", "offre", "déchet", "Sciure",
                        "12", None, None, "13", "bof", None)),
                (3, row("B", "16.10A", "b@x.example.fr", "32130", "Samatan", "offre", "déchet", "Sciure",
                        None, None, None, None, None, None)),
                (4, row("B", "16.10A", "b@x.example.fr", "32130", "Samatan", "offre", "déchet", "sciure",
                        None, None, None, None, None, None)),
                (5, row("A", "16.10A", "autre@x.example.fr", "32130", "Samatan", "need", "waste", "Bois",
                        None, None, None, None, None, None)),
            ],
        )  # fmt: skip
    got = {(p.row, p.field) for p in rejected.value.problems}
    assert got == {(2, "quantity_unit"), (2, "months"), (2, "hazardous"), (4, "label"), (5, "contact_email")}
