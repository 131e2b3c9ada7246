"""Answers to a lead: who must say yes for an introduction, how a no reads in the history, what a yes
reveals, and the signed links of the emails that carry the answers."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

from ecocirc_shared.answers import Answer, DeclineReason, answer_note, everyone_interested
from ecocirc_shared.directory import RecipientKind, Viewer
from ecocirc_shared.events import SynergyAnswered, WelcomeRequested, decision_key, decode, encode
from ecocirc_shared.flows import Confidentiality
from ecocirc_shared.links import lead_url, read_lead_link, sign
from ecocirc_shared.synergies import Role
from ecocirc_shared.visibility import party_views
from ecocirc_shared.wording import synergy_view
from tests.unit.notifier.factories import company, directory, participant, synergy

KEY = "k" * 32


def test_an_introduction_needs_a_yes_from_every_company_once() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    assert not everyone_interested([a, b], {a: Answer.INTERESTED})
    assert not everyone_interested([a, b], {a: Answer.INTERESTED, b: Answer.DECLINED})
    assert everyone_interested([a, b, a], {a: Answer.INTERESTED, b: Answer.INTERESTED})
    assert not everyone_interested([], {})


def test_a_no_reads_with_its_reason_and_comment_in_french() -> None:
    assert answer_note(Answer.INTERESTED, None, None) == "« Ça m'intéresse »"
    assert answer_note(Answer.DECLINED, DeclineReason.DISTANCE, "Nous livrons à Auch.") == (
        "« Pas pour nous » (raison : Trop loin) : Nous livrons à Auch."
    )
    assert answer_note(Answer.DECLINED, None, None) == "« Pas pour nous » (raison : Autre raison)"


def test_answers_and_welcomes_travel_as_events_keyed_by_their_subject() -> None:
    answered = SynergyAnswered(
        synergy_id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        answer=Answer.DECLINED,
        reason=DeclineReason.COST,
        comment="Trop cher à transporter",
        channel="email",
    )
    assert decode(encode(answered)) == answered
    assert decision_key(answered) == str(answered.synergy_id)  # in order with the lead's other decisions
    welcome = WelcomeRequested(
        company_id=uuid.uuid4(),
        company_name="Scierie",
        link_id=uuid.uuid4(),
        email="contact@scierie.example",
        expires_at=answered.occurred_at,
    )
    assert decode(encode(welcome)) == welcome


def test_a_lead_link_speaks_for_one_company_on_one_lead_until_it_expires() -> None:
    lead, me, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    url = urlsplit(lead_url("https://eco.example/", KEY, lead, me, 2_000_000_000, answer="declined"))
    assert url.path == f"/pistes/{lead}/repondre"
    query = {name: values[0] for name, values in parse_qs(url.query).items()}
    assert query["reponse"] == "declined"
    company, expires, token = query["entreprise"], query["expire"], query["jeton"]
    assert read_lead_link(KEY, lead, company, expires, token, now=1_900_000_000) == me
    assert read_lead_link(KEY, lead, company, expires, token, now=2_000_000_000) is None  # expired
    assert read_lead_link(KEY, uuid.uuid4(), company, expires, token, now=0) is None  # another lead
    assert read_lead_link(KEY, lead, other.hex, expires, token, now=0) is None  # another company
    assert read_lead_link(KEY, lead, company, "2000000001", token, now=0) is None  # a later expiry
    assert read_lead_link("j" * 32, lead, company, expires, token, now=0) is None  # another key
    assert read_lead_link(KEY, lead, company, expires, token + "é", now=0) is None
    assert read_lead_link(KEY, lead, "not-hex", expires, token, now=0) is None
    # A token made for the sign-in or unsubscribe purpose is worth nothing here.
    forged = sign(KEY, "sign-in", str(lead), str(me), expires)
    assert read_lead_link(KEY, lead, company, expires, forged, now=0) is None


def test_once_introduced_every_company_is_named_with_its_contact() -> None:
    hidden = company("Scierie Dupont-Lacoste", email="direction@dupont-lacoste.fr", consent=False)
    reader = company("Haras du Gers", naf_code="01.43Z")
    snapshot = synergy(
        participant(hidden, Role.SUPPLIER, "Copeaux", Confidentiality.ADVISOR_ONLY),
        participant(reader, Role.RECEIVER, "Litière"),
    )
    people = directory(hidden, reader)
    viewer = Viewer(kind=RecipientKind.COMPANY, id=reader.id, territories=("Savès",))
    [before] = [p for p in party_views(snapshot, people, viewer) if not p.is_viewer]
    assert (before.named, before.contact_email, before.flow_label) == (False, None, None)
    view = synergy_view(snapshot, people, viewer, introduced=True)
    [after] = view.others
    assert (after.name, after.contact_email, after.flow_label) == (
        "Scierie Dupont-Lacoste",
        "direction@dupont-lacoste.fr",
        "Copeaux",
    )
