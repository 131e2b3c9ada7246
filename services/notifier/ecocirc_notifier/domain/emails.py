"""Rendering news into emails: subject, plain-text and HTML parts, and per-recipient headers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict

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
from ecocirc_shared import french
from ecocirc_shared.directory import Directory, synergy_territories
from ecocirc_shared.synergies import SynergyKind
from ecocirc_shared.wording import SynergyView, synergy_view, withdrawal_reason

NO_TERRITORY = "Territoire non renseigné"


class EmailSettings(BaseModel):
    """What rendering needs from configuration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    programme_name: str = "Eco'circulaire"
    programme_email: str
    unsubscribe: UnsubscribeSettings


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


@dataclass(frozen=True)
class DigestGroup:
    territory: str
    entries: tuple[DigestEntry, ...]


def render(news: News, recipient: Recipient, directory: Directory, settings: EmailSettings) -> RenderedEmail:
    """One email for one news and one recipient."""
    if news.kind is NewsKind.WITHDRAWN:
        return render_withdrawal(news, recipient, directory, settings)
    return render_proposal(news, recipient, directory, settings)


def render_proposal(
    news: News, recipient: Recipient, directory: Directory, settings: EmailSettings
) -> RenderedEmail:
    view = synergy_view(news.synergy, directory, recipient, introduced=news.introduced)
    where = ""
    if view.distance and news.synergy.kind is SynergyKind.MUTUALISATION:
        where = f", dans un rayon de {view.distance}"
    elif view.distance:
        where = f" à {view.distance}"
    scope = ""
    if recipient.kind is RecipientKind.ADVISOR and view.territories:
        scope = f" ({', '.join(view.territories)})"
    subject = f"{settings.programme_name} — nouvelle piste de synergie{scope} : {view.resource}{where}"
    return _render(
        "proposal",
        subject,
        recipient,
        settings,
        synergy=view,
        synergy_where=french.territories(view.territories),
        contact=_contact(recipient, directory, settings),
    )


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
        view = synergy_view(item.synergy, directory, recipient, introduced=item.introduced)
        entry = DigestEntry(item.kind.value, view, reason)
        groups[" / ".join(territories) or NO_TERRITORY].append((item, entry))
    ordered = tuple(
        DigestGroup(
            territory=name,
            entries=tuple(entry for _, entry in sorted(pairs, key=_digest_order)),
        )
        for name, pairs in sorted(groups.items(), key=lambda kv: (kv[0] == NO_TERRITORY, kv[0]))
    )
    proposed = sum(1 for item in news if item.kind is NewsKind.PROPOSED)
    withdrawn = len(news) - proposed
    parts = []
    if proposed:
        parts.append(
            f"{proposed} {french.plural(proposed, 'nouvelle piste', 'nouvelles pistes')} de synergie"
        )
    if withdrawn:
        parts.append(f"{withdrawn} {french.plural(withdrawn, 'piste retirée', 'pistes retirées')}")
    subject = f"{settings.programme_name} — récapitulatif : {' et '.join(parts)} sur vos territoires"
    return _render(
        "digest", subject, recipient, settings, groups=ordered, proposed=proposed, withdrawn=withdrawn
    )


def _digest_order(pair: tuple[News, DigestEntry]) -> tuple[bool, float]:
    """Proposals first, best first; withdrawals after them."""
    news = pair[0]
    return (news.kind is NewsKind.WITHDRAWN, -news.synergy.score)


def _contact(recipient: Recipient, directory: Directory, settings: EmailSettings) -> Contact:
    programme = Contact(name=f"l'équipe {settings.programme_name}", email=settings.programme_email)
    return contact_for(recipient, directory, programme)


def _render(
    template: str, subject: str, recipient: Recipient, settings: EmailSettings, **context: Any
) -> RenderedEmail:
    context.update(
        programme=settings.programme_name,
        programme_email=settings.programme_email,
        recipient=recipient,
        is_advisor=recipient.kind is RecipientKind.ADVISOR,
        followed=french.territories(recipient.territories),
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
