"""A counterpart is named to a company only when the rules allow it; advisors see their territory."""

from __future__ import annotations

from typing import Any

import pytest

from ecocirc_notifier.domain import CompanyEntry, Recipient, RenderedEmail, proposed, render, withdrawn
from ecocirc_shared.directory import AdvisorEntry, RecipientKind
from ecocirc_shared.flows import Confidentiality
from ecocirc_shared.synergies import Impact, Role, SynergySnapshot
from tests.unit.notifier.factories import (
    LOMAGNE,
    advisor,
    as_recipient,
    company,
    directory,
    participant,
    settings,
    synergy,
)
from tests.unit.shared import confidential_pairs as pairs
from tests.unit.shared.test_visibility import PUBLIC_FARMS, SAWMILL_SIDE, SECRET_FARMS

HIDDEN_LABEL = "Copeaux de la scierie Dupont-Lacoste"


def _everything(email: RenderedEmail) -> str:
    return "\n".join([email.subject, email.text, email.html, *email.headers.values()])


def _pair(
    confidentiality: Confidentiality = Confidentiality.ADVISOR_ONLY, consent: bool = True
) -> tuple[CompanyEntry, CompanyEntry, SynergySnapshot]:
    secretive = company(
        "Scierie Dupont-Lacoste", city="Lombez", consent=consent, email="direction@dupont-lacoste.fr"
    )
    reader = company("Haras du Gers", naf_code="01.43Z")
    snapshot = synergy(
        participant(secretive, Role.SUPPLIER, HIDDEN_LABEL, confidentiality),
        participant(reader, Role.RECEIVER, "litière pour chevaux"),
    )
    return secretive, reader, snapshot


def test_a_company_never_sees_an_advisor_only_counterpart() -> None:
    secretive, reader, snapshot = _pair(Confidentiality.ADVISOR_ONLY, consent=True)

    email = render(proposed(snapshot), as_recipient(reader), directory(secretive, reader), settings())

    everything = _everything(email)
    for secret in ("Dupont-Lacoste", "Lombez", "direction@dupont-lacoste.fr", HIDDEN_LABEL):
        assert secret not in everything
    assert "une entreprise de la filière bois à environ 5\u00a0km" in email.text
    assert "une entreprise de la filière bois à environ 5\u00a0km" in email.html


def test_a_public_counterpart_that_did_not_consent_is_described_not_named() -> None:
    secretive, reader, snapshot = _pair(Confidentiality.PUBLIC, consent=False)

    email = render(proposed(snapshot), as_recipient(reader), directory(secretive, reader), settings())

    assert "Scierie Dupont-Lacoste" not in email.text
    assert "Lombez" not in email.text
    assert "direction@dupont-lacoste.fr" not in _everything(email)
    # Its flow is public, so what it offers may be shown.
    assert HIDDEN_LABEL in email.text


def test_a_public_counterpart_that_consented_is_named_without_contact_details() -> None:
    secretive, reader, snapshot = _pair(Confidentiality.PUBLIC, consent=True)

    email = render(proposed(snapshot), as_recipient(reader), directory(secretive, reader), settings())

    assert "Scierie Dupont-Lacoste (Lombez)" in email.text
    assert "<strong>Scierie Dupont-Lacoste</strong>" in email.html
    assert "direction@dupont-lacoste.fr" not in _everything(email)


def test_advisors_see_names_contacts_and_confidential_flows_of_their_territory() -> None:
    secretive, reader, snapshot = _pair(Confidentiality.ADVISOR_ONLY, consent=False)
    local = advisor()

    email = render(proposed(snapshot), as_recipient(local), directory(secretive, reader, local), settings())

    for part in (email.text, email.html):
        assert "Scierie Dupont-Lacoste" in part
        assert "Haras du Gers" in part
        assert "direction@dupont-lacoste.fr" in part
        assert reader.contact_email is not None and reader.contact_email in part
        assert HIDDEN_LABEL in part


def test_an_advisor_does_not_see_companies_outside_their_territories_in_full() -> None:
    outsider = company("Distillerie Secrète", territory=LOMAGNE, naf_code="11.01Z", email="boss@secrete.fr")
    local_company = company("Haras du Gers")
    local = advisor()
    snapshot = synergy(
        participant(outsider, Role.SUPPLIER, "vinasses", Confidentiality.ADVISOR_ONLY),
        participant(local_company, Role.RECEIVER, "amendement"),
    )

    email = render(
        proposed(snapshot), as_recipient(local), directory(outsider, local_company, local), settings()
    )

    assert "Distillerie Secrète" not in _everything(email)
    assert "boss@secrete.fr" not in _everything(email)
    assert "une entreprise de la filière boissons" in email.text
    assert "Haras du Gers" in email.text


def test_a_matcher_sentence_or_label_echoing_a_hidden_flow_is_replaced() -> None:
    secretive, reader, snapshot = _pair(Confidentiality.ADVISOR_ONLY)
    echoing = snapshot.model_copy(
        update={
            "resource_label": HIDDEN_LABEL,
            "explanation": f"Les {HIDDEN_LABEL.lower()} conviennent en litière.",
            "impact": Impact(notes=("Estimation fournie par Scierie Dupont-Lacoste", "Prix non connu")),
        }
    )

    email = render(proposed(echoing), as_recipient(reader), directory(secretive, reader), settings())

    assert "Dupont-Lacoste" not in _everything(email)
    assert "nouvelle piste de synergie : litière pour chevaux à 5\u00a0km" in email.subject
    assert (
        "Pourquoi : Vous recherchez «\u00a0litière pour chevaux\u00a0». Une entreprise de la filière bois à "
        "environ 5\u00a0km propose une ressource de ce type." in email.text
    )
    # The impact of an advisor_only counterpart's flow is withheld, notes included.
    assert "Prix non connu" not in email.text


def test_impact_notes_naming_an_unnamed_counterpart_are_dropped() -> None:
    secretive, reader, snapshot = _pair(Confidentiality.PUBLIC, consent=False)
    echoing = snapshot.model_copy(
        update={"impact": Impact(notes=("Estimation fournie par Scierie Dupont-Lacoste", "Prix non connu"))}
    )

    email = render(proposed(echoing), as_recipient(reader), directory(secretive, reader), settings())

    # Its flow's label is public (and says "scierie Dupont-Lacoste"), its name is not.
    assert "Scierie Dupont-Lacoste" not in _everything(email)
    assert "Estimation fournie" not in _everything(email)
    assert "Prix non connu" in email.text


def test_a_withdrawal_reason_naming_a_hidden_counterpart_is_replaced() -> None:
    secretive, reader, snapshot = _pair(Confidentiality.ADVISOR_ONLY)
    notice = withdrawn(snapshot, "Scierie Dupont-Lacoste a retiré son offre")

    email = render(notice, as_recipient(reader), directory(secretive, reader), settings())

    assert "Dupont-Lacoste" not in _everything(email)
    assert "les informations déclarées ont changé" in email.text


def _sawmill_reads(farm: pairs.Side, km: float, reader: Recipient, *, withdrawal: bool = False) -> str:
    snapshot, people = pairs.pair(SAWMILL_SIDE, farm, km)
    news = withdrawn(snapshot, "flow_revised") if withdrawal else proposed(snapshot)
    return _everything(render(news, reader, people, settings()))


SAWMILL = Recipient(
    kind=RecipientKind.COMPANY,
    id=pairs.SAWMILL_ID,
    email="scierie@example.org",
    name="S",
    territories=("82",),
)


def _advisor(entry: AdvisorEntry) -> Recipient:
    assert entry.email is not None
    return Recipient(
        kind=RecipientKind.ADVISOR,
        id=entry.id,
        email=entry.email,
        name=entry.name,
        territories=entry.territories,
    )


@pytest.mark.parametrize("farms", [SECRET_FARMS, PUBLIC_FARMS], ids=["advisor_only", "public"])
@pytest.mark.parametrize("withdrawal", [False, True], ids=["proposal", "withdrawal"])
def test_a_company_s_emails_do_not_tell_two_counterparts_apart(farms: Any, withdrawal: bool) -> None:
    """Two farms differing in quantity, months, NAF class and distance to 0.1 km (within one band for a
    public flow, in anything for an advisor_only one): the sawmill gets the same email, to the letter."""
    (one, km_one), (other, km_other) = farms
    email = _sawmill_reads(one, km_one, SAWMILL, withdrawal=withdrawal)
    assert email == _sawmill_reads(other, km_other, SAWMILL, withdrawal=withdrawal)
    for secret in ("37", "01.47Z", "31,4", "avril", "élevage de volailles"):
        assert secret not in email, secret


def test_the_counterpart_s_advisor_reads_the_exact_figures_in_the_email() -> None:
    (one, km_one), (other, km_other) = SECRET_FARMS
    email = _sawmill_reads(one, km_one, _advisor(pairs.FARM_ADVISOR))
    assert email != _sawmill_reads(other, km_other, _advisor(pairs.FARM_ADVISOR))
    for exact in ("37\u00a0t/an", "NAF 01.47Z", "31,4", "d'avril à mai"):
        assert exact in email, exact
    # The sawmill's advisor, of another territory, reads the farm's flow as its company does.
    outsider = _sawmill_reads(one, km_one, _advisor(pairs.SAWMILL_ADVISOR))
    assert outsider == _sawmill_reads(other, km_other, _advisor(pairs.SAWMILL_ADVISOR))
