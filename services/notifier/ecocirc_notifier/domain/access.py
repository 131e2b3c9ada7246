"""The emails people ask for themselves: a sign-in link, in French, with no unsubscribe (it was asked for)."""

from __future__ import annotations

from ecocirc_notifier.domain.emails import EmailSettings, RenderedEmail, render_parts
from ecocirc_notifier.domain.headers import check_header_value, one_line
from ecocirc_shared.events import SignInLinkRequested

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
