"""The emails about access, in French, with no unsubscribe (each is about the person's own account):
a sign-in link they asked for, and the welcome of a company its advisor registered."""

from __future__ import annotations

from ecocirc_notifier.domain.emails import Contact, EmailSettings, RenderedEmail, render_parts
from ecocirc_notifier.domain.headers import check_header_value, one_line
from ecocirc_notifier.domain.recipients import contact_advisor
from ecocirc_shared.directory import Directory
from ecocirc_shared.events import SignInLinkRequested, WelcomeRequested

ADVISOR_ACCOUNT = "conseiller"


def render_sign_in(event: SignInLinkRequested, url: str, settings: EmailSettings) -> RenderedEmail:
    minutes = max(1, round((event.expires_at - event.occurred_at).total_seconds() / 60))
    context = {
        "programme": settings.programme_name,
        "programme_email": settings.programme_email,
        "url": url,
        "minutes": minutes,
        "companies": [name for name in event.accounts if name != ADVISOR_ACCOUNT],
        "advisor": ADVISOR_ACCOUNT in event.accounts,
    }
    text, html = render_parts("sign_in", context)
    headers = {"Auto-Submitted": "auto-generated", "Content-Language": "fr"}
    return RenderedEmail(
        subject=one_line(f"{settings.programme_name} — votre lien de connexion"),
        text=text,
        html=html,
        headers={name: check_header_value(value) for name, value in headers.items()},
    )


def render_welcome(
    event: WelcomeRequested, url: str, directory: Directory, settings: EmailSettings, site_url: str
) -> RenderedEmail:
    """What the programme is, who the company's advisor is (else the programme's contact), and a link
    that signs its contact in once (valid days, not minutes: nobody asked for it this minute)."""
    entry = directory.companies.get(event.company_id)
    advisor = contact_advisor(entry.territory if entry else None, directory)
    contact = (
        Contact(name=advisor.name, email=advisor.email)
        if advisor is not None and advisor.email
        else Contact(name=f"l'équipe {settings.programme_name}", email=settings.programme_email)
    )
    days = max(1, round((event.expires_at - event.occurred_at).total_seconds() / 86400))
    context = {
        "programme": settings.programme_name,
        "programme_email": settings.programme_email,
        "company": entry.name if entry else event.company_name,
        "has_advisor": advisor is not None and bool(advisor.email),
        "contact": contact,
        "url": url,
        "site_url": site_url.rstrip("/"),
        "days": days,
    }
    text, html = render_parts("welcome", context)
    headers = {"Auto-Submitted": "auto-generated", "Content-Language": "fr"}
    return RenderedEmail(
        subject=one_line(f"Bienvenue dans le programme {settings.programme_name}"),
        text=text,
        html=html,
        headers={name: check_header_value(value) for name, value in headers.items()},
    )
