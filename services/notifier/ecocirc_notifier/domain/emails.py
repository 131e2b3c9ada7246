"""Rendering news into emails: subject, plain-text and HTML parts, and per-recipient headers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field

from ecocirc_notifier.domain import reminders
from ecocirc_notifier.domain.headers import (
    UnsubscribeSettings,
    check_header_value,
    list_unsubscribe_headers,
    one_line,
    unsubscribe_mailto,
    unsubscribe_url,
)
from ecocirc_notifier.domain.news import News, NewsKind
from ecocirc_notifier.domain.recipients import Recipient, RecipientKind, contact_advisor
from ecocirc_notifier.domain.reminders import Why
from ecocirc_shared import french
from ecocirc_shared.answers import ANSWER_LABELS, Answer
from ecocirc_shared.directory import Directory, synergy_territories
from ecocirc_shared.followup import STATUS_LABELS
from ecocirc_shared.links import lead_url
from ecocirc_shared.pages import OVERDUE_QUERY, dashboard_url, lead_page_url, pipeline_url
from ecocirc_shared.synergies import SynergyKind, SynergySnapshot
from ecocirc_shared.wording import SynergyView, synergy_view, withdrawal_reason

NO_TERRITORY = "Territoire non renseigné"


class LeadLinkSettings(BaseModel):
    """Where a lead's page is (the web front end), and how its signed answer links are made."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str
    # None (embedded mode without ECOCIRC_LINK_SECRET): pages are linked, answers are not.
    secret: str | None = Field(default=None, repr=False)
    days: int = Field(default=30, ge=1)


class EmailSettings(BaseModel):
    """What rendering needs from configuration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    programme_name: str = "Eco'circulaire"
    programme_email: str
    unsubscribe: UnsubscribeSettings
    leads: LeadLinkSettings | None = None


@dataclass(frozen=True)
class LeadLinks:
    """A lead's page, and for a company the links of its two answers (each to a confirmation page)."""

    page: str
    interested: str | None = None
    declined: str | None = None


def lead_links(
    synergy_id: Any, recipient: Recipient, settings: EmailSettings, now: datetime | None
) -> LeadLinks | None:
    """The links of one lead for one recipient: signed for a company (it may answer from the email,
    signed in or not), plain for an advisor (who signs in to read it)."""
    if settings.leads is None:
        return None
    base, secret = settings.leads.base_url, settings.leads.secret
    if recipient.kind is not RecipientKind.COMPANY or secret is None or now is None:
        return LeadLinks(page=lead_page_url(base, synergy_id))
    expires = int((now + timedelta(days=settings.leads.days)).timestamp())

    def url(answer: Answer | None = None) -> str:
        return lead_url(
            base, secret, synergy_id, recipient.id, expires, None if answer is None else answer.value
        )

    return LeadLinks(page=url(), interested=url(Answer.INTERESTED), declined=url(Answer.DECLINED))


@dataclass(frozen=True)
class Lead:
    """One lead of an email: what the recipient may read of it, and its links."""

    synergy: SynergyView
    links: LeadLinks | None


@dataclass(frozen=True)
class RenderedEmail:
    """An email's content; the caller adds From, To, Date and Message-ID."""

    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Contact:
    name: str
    email: str


def contact_for(viewer: Recipient, directory: Directory, programme: Contact) -> Contact:
    """Whom a company should call about a lead: its territory's advisor, else the programme mailbox."""
    territory = viewer.territories[0] if viewer.territories else None
    advisor = contact_advisor(territory, directory) if viewer.kind is RecipientKind.COMPANY else None
    if advisor is None or not advisor.email:
        return programme
    return Contact(name=advisor.name, email=advisor.email)


@dataclass(frozen=True)
class DigestEntry:
    news_kind: str
    synergy: SynergyView
    reason: str | None
    links: LeadLinks | None = None


@dataclass(frozen=True)
class DigestGroup:
    territory: str
    entries: tuple[DigestEntry, ...]


def render(
    news: News,
    recipient: Recipient,
    directory: Directory,
    settings: EmailSettings,
    now: datetime | None = None,
) -> RenderedEmail:
    """One email for one news and one recipient; `now` dates the signed links' expiry (none without it)."""
    if news.kind is NewsKind.WITHDRAWN:
        return render_withdrawal(news, recipient, directory, settings)
    if news.kind is NewsKind.INTRODUCED:
        return render_introduction(news, recipient, directory, settings, now)
    return render_proposal(news, recipient, directory, settings, now)


def _scope(recipient: Recipient, view: SynergyView) -> str:
    if recipient.kind is RecipientKind.ADVISOR and view.territories:
        return f" ({', '.join(view.territories)})"
    return ""


def render_proposal(
    news: News,
    recipient: Recipient,
    directory: Directory,
    settings: EmailSettings,
    now: datetime | None = None,
) -> RenderedEmail:
    view = synergy_view(news.synergy, directory, recipient, introduced=news.introduced)
    where = ""
    if view.distance and news.synergy.kind is SynergyKind.MUTUALISATION:
        where = f", dans un rayon de {view.distance}"
    elif view.distance:
        where = f" à {view.distance}"
    subject = f"{settings.programme_name} — nouvelle piste de synergie{_scope(recipient, view)} : {view.resource}{where}"
    return _render(
        "proposal",
        subject,
        recipient,
        settings,
        synergy=view,
        links=lead_links(news.synergy.synergy_id, recipient, settings, now),
        synergy_where=french.territories(view.territories),
        contact=_contact(recipient, directory, settings),
    )


def render_leads(
    news: Sequence[News],
    recipient: Recipient,
    directory: Directory,
    settings: EmailSettings,
    now: datetime | None = None,
) -> RenderedEmail:
    """Several new leads for one person in one email, best first, each with its own page and answers.

    What reaches one person within the hold leaves together: loading a territory must not send a
    company a dozen emails in a minute.
    """
    if not news:
        raise ValueError("an email of leads carries at least one lead")
    if len(news) == 1:
        return render_proposal(news[0], recipient, directory, settings, now)
    ordered = sorted(news, key=lambda item: (-item.synergy.score, str(item.synergy.synergy_id)))
    leads = tuple(
        Lead(
            synergy_view(item.synergy, directory, recipient),
            lead_links(item.synergy.synergy_id, recipient, settings, now),
        )
        for item in ordered
    )
    whom = "" if recipient.kind is RecipientKind.ADVISOR else f" pour {recipient.name}"
    scope = " sur vos territoires" if recipient.kind is RecipientKind.ADVISOR else ""
    subject = f"{settings.programme_name} — {len(leads)} nouvelles pistes de synergie{whom}{scope}"
    return _render(
        "leads",
        subject,
        recipient,
        settings,
        leads=leads,
        contact=_contact(recipient, directory, settings),
    )


def render_introduction(
    news: News,
    recipient: Recipient,
    directory: Directory,
    settings: EmailSettings,
    now: datetime | None = None,
) -> RenderedEmail:
    """Every company of the lead said yes: each reads the others' names and contacts; advisors are told."""
    view = synergy_view(news.synergy, directory, recipient, introduced=True)
    subject = f"{settings.programme_name} — mise en relation{_scope(recipient, view)} : {view.resource}"
    return _render(
        "introduction",
        subject,
        recipient,
        settings,
        synergy=view,
        links=lead_links(news.synergy.synergy_id, recipient, settings, now),
        synergy_where=french.territories(view.territories),
        contact=_contact(recipient, directory, settings),
    )


def _advisor_page(synergy_id: Any, recipient: Recipient, settings: EmailSettings) -> str | None:
    """A lead's page for an advisor (the plain link `lead_links` gives them); None for a company."""
    if recipient.kind is not RecipientKind.ADVISOR:
        return None
    links = lead_links(synergy_id, recipient, settings, None)
    return None if links is None else links.page


def render_withdrawal(
    news: News, recipient: Recipient, directory: Directory, settings: EmailSettings
) -> RenderedEmail:
    view = synergy_view(news.synergy, directory, recipient, introduced=news.introduced)
    reason = withdrawal_reason(news.reason, news.synergy, directory, recipient, introduced=news.introduced)
    subject = f"{settings.programme_name} — piste de synergie retirée : {view.resource}"
    return _render(
        "withdrawal",
        subject,
        recipient,
        settings,
        synergy=view,
        reason=reason,
        contact=_contact(recipient, directory, settings),
        # The advisor follows the lead on its page (a lead taken up outlives the matcher's withdrawal).
        lead_link=_advisor_page(news.synergy.synergy_id, recipient, settings),
    )


def render_digest(
    news: Sequence[News], recipient: Recipient, directory: Directory, settings: EmailSettings
) -> RenderedEmail:
    """Several news in one email for an advisor, grouped by the territories of theirs they touch."""
    if not news:
        raise ValueError("a digest carries at least one news")
    groups: dict[str, list[tuple[News, DigestEntry]]] = defaultdict(list)
    for item in news:
        territories = [t for t in synergy_territories(item.synergy, directory) if recipient.follows(t)]
        reason = None
        if item.kind is NewsKind.WITHDRAWN:
            reason = withdrawal_reason(
                item.reason, item.synergy, directory, recipient, introduced=item.introduced
            )
        entry = DigestEntry(
            item.kind.value,
            synergy_view(
                item.synergy,
                directory,
                recipient,
                introduced=item.introduced or item.kind is NewsKind.INTRODUCED,
            ),
            reason,
            lead_links(item.synergy.synergy_id, recipient, settings, None),
        )
        groups[" / ".join(territories) or NO_TERRITORY].append((item, entry))
    ordered = tuple(
        DigestGroup(
            territory=name,
            entries=tuple(entry for _, entry in sorted(pairs, key=_digest_order)),
        )
        for name, pairs in sorted(groups.items(), key=lambda kv: (kv[0] == NO_TERRITORY, kv[0]))
    )
    proposed = sum(1 for item in news if item.kind is NewsKind.PROPOSED)
    withdrawn = sum(1 for item in news if item.kind is NewsKind.WITHDRAWN)
    introduced = sum(1 for item in news if item.kind is NewsKind.INTRODUCED)
    parts = []
    if proposed:
        parts.append(
            f"{proposed} {french.plural(proposed, 'nouvelle piste', 'nouvelles pistes')} de synergie"
        )
    if introduced:
        parts.append(f"{introduced} {french.plural(introduced, 'mise en relation', 'mises en relation')}")
    if withdrawn:
        parts.append(f"{withdrawn} {french.plural(withdrawn, 'piste retirée', 'pistes retirées')}")
    listing = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]
    subject = f"{settings.programme_name} — récapitulatif : {listing} sur vos territoires"
    return _render(
        "digest", subject, recipient, settings, groups=ordered, proposed=proposed, withdrawn=withdrawn
    )


@dataclass(frozen=True)
class ReminderItem:
    """One lead in an advisor's weekly reminder, worded for them."""

    resource: str
    reference: str
    status: str
    why: str
    link: str | None


def reminder_item(
    lead: reminders.Lead,
    synergy: SynergySnapshot,
    directory: Directory,
    recipient: Recipient,
    settings: EmailSettings,
) -> ReminderItem:
    view = synergy_view(synergy, directory, recipient)
    if lead.why is Why.OVERDUE and lead.next_action_on is not None:
        why = f"prochaine action prévue le {french.day(lead.next_action_on)}, date dépassée"
    else:
        moved = lead.moved_at.date()
        why = f"aucun mouvement depuis le {french.day(moved)}"
    link = _advisor_page(lead.synergy_id, recipient, settings)
    return ReminderItem(view.resource, view.reference, STATUS_LABELS[lead.status], why, link)


def render_reminder(
    items: Sequence[ReminderItem], recipient: Recipient, settings: EmailSettings, stale_days: int = 30
) -> RenderedEmail:
    """An advisor's weekly reminder of the leads that wait on someone."""
    if not items:
        raise ValueError("a reminder lists at least one lead")
    count = len(items)
    subject = (
        f"{settings.programme_name} — rappel de la semaine : {count} "
        f"{french.plural(count, 'piste attend', 'pistes attendent')} une action sur vos territoires"
    )
    overdue = pipeline_url(settings.leads.base_url, OVERDUE_QUERY) if settings.leads else None
    return _render(
        "reminder",
        subject,
        recipient,
        settings,
        items=items,
        count=count,
        stale_days=stale_days,
        overdue_url=overdue,
    )


_DIGEST_ORDER = {NewsKind.INTRODUCED: 0, NewsKind.PROPOSED: 1, NewsKind.WITHDRAWN: 2}


def _digest_order(pair: tuple[News, DigestEntry]) -> tuple[int, float]:
    """Introductions first, then proposals, best first; withdrawals after them."""
    news = pair[0]
    return (_DIGEST_ORDER[news.kind], -news.synergy.score)


def _contact(recipient: Recipient, directory: Directory, settings: EmailSettings) -> Contact:
    programme = Contact(name=f"l'équipe {settings.programme_name}", email=settings.programme_email)
    return contact_for(recipient, directory, programme)


def _render(
    template: str, subject: str, recipient: Recipient, settings: EmailSettings, **context: Any
) -> RenderedEmail:
    context.update(
        labels={answer.value: label for answer, label in ANSWER_LABELS.items()},
        programme=settings.programme_name,
        programme_email=settings.programme_email,
        recipient=recipient,
        is_advisor=recipient.kind is RecipientKind.ADVISOR,
        followed=french.territories(recipient.territories),
        # Every advisor email ends on their Tableau de bord (each lead in it links its own page).
        dashboard_url=(
            dashboard_url(settings.leads.base_url)
            if settings.leads is not None and recipient.kind is RecipientKind.ADVISOR
            else None
        ),
        unsubscribe_url=unsubscribe_url(settings.unsubscribe, recipient),
        unsubscribe_mailto=unsubscribe_mailto(settings.unsubscribe, recipient),
        unsubscribe_address=settings.unsubscribe.mailto,
    )
    headers = {
        **list_unsubscribe_headers(settings.unsubscribe, recipient),
        # RFC 3834: tells mail servers and out-of-office robots not to reply.
        "Auto-Submitted": "auto-generated",
        "Content-Language": "fr",
    }
    return RenderedEmail(
        subject=one_line(subject),
        text=_environment(html=False).get_template(f"{template}.txt.j2").render(context),
        html=_environment(html=True).get_template(f"{template}.html.j2").render(context),
        headers={name: check_header_value(value) for name, value in headers.items()},
    )


def render_parts(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """The plain-text and HTML parts of a template pair, for emails that are not about a synergy."""
    text = _environment(html=False).get_template(f"{template}.txt.j2").render(context)
    html = _environment(html=True).get_template(f"{template}.html.j2").render(context)
    return text, html


@pass_eval_context
def _quoted(eval_ctx: EvalContext, value: object) -> str:
    """French quotation marks with no-break spaces, escaping the quoted text in HTML."""
    if eval_ctx.autoescape:
        return Markup("«\u00a0{}\u00a0»").format(value)
    return f"«\u00a0{value}\u00a0»"


@cache
def _environment(*, html: bool) -> Environment:
    # Two environments rather than extension sniffing: escaping must never depend on a file name.
    env = Environment(
        loader=PackageLoader("ecocirc_notifier", "templates"),
        # Plain text is never parsed as markup, so only the HTML environment escapes.
        autoescape=html,  # noqa: S701
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["quoted"] = _quoted
    return env
