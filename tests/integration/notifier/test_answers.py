"""Companies answer their leads through intake (the API, a signed link of their email), the answers
travel as decision events to the notifier, and the last yes introduces the companies to each other:
one email each naming the others with their contacts, the advisors told, the lead in contact."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest

from ecocirc_intake.service_layer.principals import hash_token
from ecocirc_notifier.options import NotifierOptions
from ecocirc_shared.events import SynergyProposed, SynergyWithdrawn
from tests.conftest import Mailbox
from tests.integration.notifier.conftest import Api, MakeNotifier, Notifier, sent_to, synergy

pytestmark = pytest.mark.integration

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def body(message: EmailMessage, kind: str = "plain") -> str:
    part = message.get_body(preferencelist=(kind,))
    assert part is not None
    return str(part.get_content())


def answer_links(message: EmailMessage) -> dict[str, list[str]]:
    """The links of a lead email's plain text, by what they say (« Ça m'intéresse », ...)."""
    links: dict[str, list[str]] = {}
    for label, url in re.findall(
        r"^(Ça m'intéresse|Pas pour nous|Voir la piste en détail) : (\S+)\r?$", body(message), re.M
    ):
        links.setdefault(label, []).append(url)
    return links


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_two_yeses_introduce_the_companies_to_each_other(
    setup: tuple[Notifier, Api], smtp: Mailbox
) -> None:
    n, api = setup
    scierie, elevage = await n.people.company("Scierie"), await n.people.company("Elevage")
    _, advisor_token = await n.people.advisor("Claire", ["32"])
    s = synergy(scierie, elevage)
    await n.recorder.handle(SynergyProposed(synergy=s))
    await n.deliverer.deliver_due()
    scierie_token, elevage_token = (
        await n.people.company_token(scierie),
        await n.people.company_token(elevage),
    )
    answer = f"/v1/synergies/{s.synergy_id}/answer"

    first = await api.post(answer, {"answer": "interested"}, scierie_token)
    assert first.status_code == 200, first.text
    assert first.json()["introduced"] is False and first.json()["applied"] is True
    item = await api.get(f"/v1/synergies/{s.synergy_id}", scierie_token)
    assert [p["company_id"] for p in item["participants"]][1] is None  # not named yet

    last = await api.post(
        answer, {"answer": "interested", "comment": "Livraison possible le vendredi."}, elevage_token
    )
    assert last.status_code == 200 and last.json()["introduced"] is True

    follow = await api.get(f"/v1/synergies/{s.synergy_id}/followup", advisor_token)
    assert follow["status"] == "in_contact"  # in contact, by itself
    assert [(h["source"], h["status"]) for h in follow["history"]] == [
        ("matcher", "proposed"),
        ("company", "proposed"),
        ("company", "proposed"),
        ("company", "in_contact"),
    ]
    assert "Livraison possible le vendredi." in follow["history"][2]["note"]
    assert {(a["company_id"], a["answer"], a["channel"]) for a in follow["answers"]} == {
        (str(scierie), "interested", "api"),
        (str(elevage), "interested", "api"),
    }

    await n.deliverer.deliver_due()
    people = {p.company_id: p for p in s.participants}
    for me, other in ((scierie, elevage), (elevage, scierie)):
        intros = [m for m in sent_to(smtp, me.hex[:6]) if "mise en relation" in str(m["Subject"])]
        assert len(intros) == 1, [str(m["Subject"]) for m in sent_to(smtp, me.hex[:6])]
        other_row = await n.pool.fetchrow(
            "SELECT name, contact_email FROM intake_read.companies_v1 WHERE id = $1", other
        )
        for content in (body(intros[0]), html.unescape(body(intros[0], "html"))):
            assert other_row["name"] in content and other_row["contact_email"] in content
            assert people[other].flow_label in content
    # The advisors of the territory are told (here the admin, with a mailbox, and Claire).
    told = [m for m in sent_to(smtp, "@cci.example") if "mise en relation" in str(m["Subject"])]
    assert len(told) == 2
    # Now each reads the other named, through the API as in the emails.
    item = await api.get(f"/v1/synergies/{s.synergy_id}", scierie_token)
    assert {p["company_id"] for p in item["participants"]} == {str(scierie), str(elevage)}
    # The introduction is made: answers are closed, and nothing is sent twice.
    late = await api.post(answer, {"answer": "declined", "reason": "cost"}, scierie_token)
    assert late.status_code == 409 and "déjà faite" in late.json()["detail"]
    assert await n.deliverer.deliver_due() == 0


async def test_a_no_is_kept_with_its_reason_and_a_company_may_change_its_mind(
    setup: tuple[Notifier, Api], smtp: Mailbox
) -> None:
    n, api = setup
    scierie, elevage = await n.people.company("Scierie"), await n.people.company("Elevage")
    _, local_token = await n.people.advisor("Claire", ["32"])
    s = synergy(scierie, elevage)
    await n.recorder.handle(SynergyProposed(synergy=s))
    token = await n.people.company_token(scierie)
    answer = f"/v1/synergies/{s.synergy_id}/answer"

    no = await api.post(
        answer, {"answer": "declined", "reason": "distance", "comment": "Nous livrons à Auch."}, token
    )
    assert no.status_code == 200 and no.json()["reason"] == "distance"
    again = await api.post(
        answer, {"answer": "declined", "reason": "distance", "comment": "Nous livrons à Auch."}, token
    )
    assert again.status_code == 200  # the same answer twice is one line of history
    follow = await api.get(f"/v1/synergies/{s.synergy_id}/followup", local_token)
    assert follow["status"] == "proposed"  # a no does not move the lead: the advisor decides
    company_lines = [h for h in follow["history"] if h["source"] == "company"]
    assert len(company_lines) == 1
    assert company_lines[0]["note"] == "« Pas pour nous » (raison : Trop loin) : Nous livrons à Auch."
    assert company_lines[0]["changed_by"] == str(scierie)
    [given] = follow["answers"]
    assert (given["answer"], given["reason"], given["comment"]) == (
        "declined",
        "distance",
        "Nous livrons à Auch.",
    )

    yes = await api.post(answer, {"answer": "interested"}, token)
    assert yes.status_code == 200
    follow = await api.get(f"/v1/synergies/{s.synergy_id}/followup", local_token)
    assert [a["answer"] for a in follow["answers"]] == ["interested"]


async def test_who_may_answer_and_what_an_answer_may_say(setup: tuple[Notifier, Api]) -> None:
    n, api = setup
    scierie, elevage, garage = [await n.people.company(x) for x in ("Scierie", "Elevage", "Garage")]
    _, advisor_token = await n.people.advisor("Claire", ["32"])
    s = synergy(scierie, elevage)
    await n.recorder.handle(SynergyProposed(synergy=s))
    token = await n.people.company_token(scierie)
    answer = f"/v1/synergies/{s.synergy_id}/answer"

    by_advisor = await api.post(answer, {"answer": "interested"}, advisor_token)
    assert by_advisor.status_code == 403
    outsider = await api.post(answer, {"answer": "interested"}, await n.people.company_token(garage))
    assert outsider.status_code == 404
    unknown = await api.post(f"/v1/synergies/{uuid.uuid4()}/answer", {"answer": "interested"}, token)
    assert unknown.status_code == 404
    reason_with_yes = await api.post(answer, {"answer": "interested", "reason": "cost"}, token)
    assert reason_with_yes.status_code == 422
    assert reason_with_yes.json()["errors"][0]["field"] == "reason"
    for wrong in (
        {"answer": "maybe"},
        {"answer": "declined", "reason": "weather"},
        {"answer": "declined", "x": 1},
    ):
        assert (await api.post(answer, wrong, token)).status_code == 422, wrong
    control = await api.post(answer, {"answer": "declined", "comment": "a\u0007b"}, token)
    assert control.status_code == 422 and control.json()["errors"][0]["field"] == "comment"

    await n.recorder.handle(SynergyWithdrawn(synergy_id=s.synergy_id, revision=2, reason="flow_withdrawn"))
    gone = await api.post(answer, {"answer": "interested"}, token)
    assert gone.status_code == 409 and "retirée" in gone.json()["detail"]


async def test_an_answer_link_shows_a_confirmation_and_records_only_when_pressed(
    setup: tuple[Notifier, Api], smtp: Mailbox
) -> None:
    n, api = setup
    scierie, elevage = await n.people.company("Scierie"), await n.people.company("Elevage")
    s = synergy(scierie, elevage)
    await n.recorder.handle(SynergyProposed(synergy=s))
    await n.deliverer.deliver_due()
    [proposal] = sent_to(smtp, scierie.hex[:6])
    links = answer_links(proposal)
    [declined] = links["Pas pour nous"]
    assert f"/pistes/{s.synergy_id}/repondre?reponse=declined" in declined

    # What a mail scanner does: fetch every link. Nothing is recorded.
    for url in (*links["Ça m'intéresse"], declined, *links["Voir la piste en détail"]):
        page = await api.http.get(path_of(url))
        assert page.status_code == 200, page.text
    assert await n.pool.fetchval("SELECT count(*) FROM answers") == 0
    page = await api.http.get(path_of(declined))
    assert "Pas pour nous" in page.text and "Ça m&#39;intéresse" in page.text
    assert "Raison" in page.text and "Trop loin" in page.text

    # The person presses the button: no sign-in needed, the signed fields travel with the form.
    fields = dict(
        re.findall(r'<input type="hidden" name="(entreprise|expire|jeton)" value="([^"]+)"', page.text)
    )
    assert set(fields) == {"entreprise", "expire", "jeton"}
    csrf = _CSRF.search(page.text)
    assert csrf is not None
    sent = await api.http.post(
        f"/pistes/{s.synergy_id}/repondre",
        data={
            **fields,
            "csrf": csrf.group(1),
            "reponse": "declined",
            "raison": "quality",
            "commentaire": "Trop humide.",
        },
    )
    assert sent.status_code == 303, sent.text
    done = await api.http.get(sent.headers["location"])
    assert "est enregistrée" in html.unescape(done.text)
    row = await n.pool.fetchrow("SELECT answer, reason, comment, channel FROM answers")
    assert tuple(row) == ("declined", "quality", "Trop humide.", "email")

    # A link is bound to its company and lead, and expires.
    wrong_lead = path_of(declined).replace(str(s.synergy_id), str(uuid.uuid4()))
    assert (await api.http.get(wrong_lead)).status_code == 400
    other = await n.people.company("Garage")
    forged = re.sub(r"entreprise=[0-9a-f]+", f"entreprise={other.hex}", path_of(declined))
    assert (await api.http.get(forged)).status_code == 400
    expired = re.sub(r"expire=\d+", "expire=1000000000", path_of(declined))
    page = await api.http.get(expired)
    assert page.status_code == 400 and "Ce lien ne fonctionne plus" in page.text


async def test_leads_reaching_one_person_within_the_hold_leave_as_one_email_best_first(
    make_notifier: MakeNotifier, smtp: Mailbox
) -> None:
    n: Notifier = await make_notifier(
        options=NotifierOptions(hold=timedelta(seconds=2), max_hold=timedelta(seconds=10))
    )
    me = await n.people.company("Methaniseur")
    others = [await n.people.company(name) for name in ("Laiterie", "Abattoir", "Serres")]
    leads = [synergy(me, other, score=score) for other, score in zip(others, (0.62, 0.91, 0.75), strict=True)]
    await n.recorder.handle(SynergyProposed(synergy=leads[0]))
    n.clock.advance(seconds=1.5)
    await n.recorder.handle(SynergyProposed(synergy=leads[1]))
    n.clock.advance(seconds=1)  # the first lead's hold is over, but another lead reached me meanwhile
    await n.deliverer.deliver_due()
    assert sent_to(smtp, me.hex[:6]) == []
    assert len(sent_to(smtp, others[0].hex[:6])) == 1  # its only lead: it waited its hold, no more
    await n.recorder.handle(SynergyProposed(synergy=leads[2]))
    n.clock.advance(seconds=2.1)
    await n.deliverer.deliver_due()

    [email] = sent_to(smtp, me.hex[:6])
    assert str(email["Subject"]) == "Eco'circulaire — 3 nouvelles pistes de synergie pour Methaniseur"
    text = body(email)
    order = [
        text.index(f"fiabilité {score}\u00a0%") for score in (90, 75, 60)
    ]  # a company reads the score to 5 points
    assert order == sorted(order)  # best first
    links = answer_links(email)
    assert (
        len(links["Ça m'intéresse"])
        == len(links["Pas pour nous"])
        == len(links["Voir la piste en détail"])
        == 3
    )
    by_lead = [urlsplit(url).path for url in links["Ça m'intéresse"]]
    assert by_lead == [f"/pistes/{lead.synergy_id}/repondre" for lead in (leads[1], leads[2], leads[0])]
    # Each counterpart gets its single lead; the admin (a mailbox of every territory) one email too.
    for other in others:
        assert len(sent_to(smtp, other.hex[:6])) == 1
    assert (
        len([m for m in sent_to(smtp, "admin@cci.example") if "nouvelles pistes" in str(m["Subject"])]) >= 1
    )
    rows = await n.pool.fetch(
        "SELECT DISTINCT sent_message_id FROM deliveries WHERE recipient_id = $1 AND status = 'sent'", me
    )
    assert [r["sent_message_id"] for r in rows] == [str(email["Message-ID"])]


async def session(
    n: Notifier, api: Api, *, company: uuid.UUID | None = None, advisor: uuid.UUID | None = None
) -> None:
    """A signed-in browser on `api.http`: a session row as the emailed link opens it."""
    token = f"session-{uuid.uuid4().hex}"
    # The session's address is the account's: a session ends when its account's address changes.
    await n.pool.execute(
        """INSERT INTO intake.web_sessions (token_hash, email, company_id, advisor_id, expires_at)
           VALUES ($1, lower(coalesce((SELECT contact_email FROM intake.companies WHERE id = $2),
                                      (SELECT email FROM intake.advisors WHERE id = $3))),
                   $2, $3, now() + interval '1 hour')""",
        hash_token(token),
        company,
        advisor,
    )
    api.http.cookies.set("ecocirc_session", token)


async def test_a_signed_in_company_answers_on_the_lead_page_and_its_advisor_reads_the_answers(
    setup: tuple[Notifier, Api],
) -> None:
    n, api = setup
    scierie, elevage, garage = [await n.people.company(x) for x in ("Scierie", "Elevage", "Garage")]
    claire, _ = await n.people.advisor("Claire", ["32"])
    s = synergy(scierie, elevage)
    await n.recorder.handle(SynergyProposed(synergy=s))
    page_path = f"/pistes/{s.synergy_id}"

    await session(n, api, company=garage)
    assert (await api.http.get(page_path)).status_code == 404  # not its lead

    await session(n, api, company=scierie)
    page = await api.http.get(page_path)
    assert page.status_code == 200 and "Votre réponse" in page.text
    csrf = _CSRF.search(page.text)
    assert csrf is not None
    wrong = await api.http.post(
        f"{page_path}/reponse", data={"csrf": csrf.group(1), "reponse": "declined", "commentaire": "a\u0007b"}
    )
    assert wrong.status_code == 422 and "caractère de contrôle" in html.unescape(wrong.text)
    assert "a\u0007b" in wrong.text  # what was typed is kept
    sent = await api.http.post(
        f"{page_path}/reponse",
        data={
            "csrf": csrf.group(1),
            "reponse": "declined",
            "raison": "already_solved",
            "commentaire": "Merci.",
        },
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"{page_path}?fait=non"
    home = await api.http.get("/")
    assert "Votre réponse\u00a0: Pas pour nous" in html.unescape(home.text)

    await session(n, api, advisor=claire)
    seen = html.unescape((await api.http.get(page_path)).text)
    assert "Réponse : Pas pour nous — Nous avons déjà une solution — Merci." in " ".join(
        re.sub(r"<[^>]+>", " ", seen).split()
    )
    assert "pas encore de réponse" in seen  # the élevage has not answered
    assert "Ça m'intéresse</button>" not in seen  # advisors read, companies answer
    row = await n.pool.fetchrow("SELECT channel FROM answers WHERE company_id = $1", scierie)
    assert row["channel"] == "web"
