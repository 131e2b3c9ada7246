"""The sign-in email on a real SMTP server: French, a link only the key could make, sent once, and not
at all once the link has expired or when the event comes again."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from ecocirc_notifier.bootstrap import build_access_mailer
from ecocirc_shared.events import SignInLinkRequested
from ecocirc_shared.links import link_secret, read_sign_in_value
from tests.conftest import Mailbox
from tests.integration.notifier.conftest import FlakySender, Notifier, sent_to

pytestmark = pytest.mark.integration


def request(
    n: Notifier, email: str, minutes: float = 15, accounts: tuple[str, ...] = ("Scierie du Savès",)
) -> SignInLinkRequested:
    now = n.clock()
    return SignInLinkRequested(
        link_id=uuid.uuid4(),
        email=email,
        accounts=accounts,
        occurred_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )


async def test_the_link_arrives_once_in_french(notifier: Notifier, smtp: Mailbox) -> None:
    mailer = build_access_mailer(notifier.settings, notifier.pool, clock=notifier.clock)
    email = f"contact-{uuid.uuid4().hex[:8]}@scierie.example.fr"
    event = request(notifier, email, accounts=("Scierie <du> Savès", "conseiller"))
    assert await mailer.handle(event) == "sent"
    assert await mailer.handle(event) == "duplicate"  # a replayed event sends nothing
    [mail] = sent_to(smtp, email)
    assert str(mail["Subject"]) == "Eco'circulaire — votre lien de connexion"
    assert mail["Content-Language"] == "fr" and "List-Unsubscribe" not in mail
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    plain, markup = text.get_content(), html.get_content()
    base = notifier.settings.public_base_url
    link = next(line for line in plain.splitlines() if line.startswith(f"{base}/connexion/lien?jeton="))
    assert read_sign_in_value(str(link_secret(notifier.settings)), link.split("jeton=", 1)[1]) is not None
    assert str(event.link_id.hex) in link
    for content in (plain, markup):
        assert "valable 15 minutes" in content and "ne sert qu'une fois" in content
        assert "votre espace conseiller" in content
    assert "Scierie <du> Savès" in plain and "Scierie &lt;du&gt; Savès" in markup
    assert f'href="{link}"' in markup
    row = await notifier.pool.fetchrow("SELECT * FROM access_emails WHERE event_id = $1", event.event_id)
    assert row["status"] == "sent" and row["attempts"] == 1


async def test_an_expired_link_is_not_sent(notifier: Notifier, smtp: Mailbox) -> None:
    mailer = build_access_mailer(notifier.settings, notifier.pool, clock=notifier.clock)
    email = f"late-{uuid.uuid4().hex[:8]}@example.fr"
    event = request(notifier, email)
    notifier.clock.advance(minutes=16)  # e.g. the broker lost its data and the relay replays old keys
    assert await mailer.handle(event) == "expired"
    assert sent_to(smtp, email) == []


async def test_smtp_failures_are_retried_a_few_times_then_given_up(notifier: Notifier) -> None:
    naps: list[float] = []

    async def nap(seconds: float) -> None:
        naps.append(seconds)

    flaky = FlakySender(failures=2)
    mailer = build_access_mailer(notifier.settings, notifier.pool, flaky, clock=notifier.clock)
    mailer.sleep = nap
    assert await mailer.handle(request(notifier, "a@example.fr")) == "sent"
    assert len(flaky.sent) == 1 and naps == [2.0, 4.0]

    down = FlakySender(failures=10)
    mailer = build_access_mailer(notifier.settings, notifier.pool, down, clock=notifier.clock)
    mailer.sleep = nap
    event = request(notifier, "b@example.fr")
    assert await mailer.handle(event) == "failed"
    row = await notifier.pool.fetchrow("SELECT * FROM access_emails WHERE event_id = $1", event.event_id)
    assert row["status"] == "failed" and row["attempts"] == 3 and "SMTP down" in row["last_error"]
