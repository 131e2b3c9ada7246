"""What every page needs: the session's user, the CSRF token of its forms, cookies, and rendering."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ecocirc_intake.adapters.store import IntakeStore
from ecocirc_intake.service_layer import sign_in
from ecocirc_intake.service_layer.principals import Advisor
from ecocirc_intake.service_layer.sign_in import SignInPolicy, WebUser
from ecocirc_shared import french
from ecocirc_shared.settings import IntakeSettings

TEMPLATES = Path(__file__).parent / "templates"
R = TypeVar("R", bound=Response)
templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
)

# « 1 piste », « 2 pistes »: {{ count | plural("piste", "pistes") }}.
templates.env.filters["plural"] = lambda count, singular, plural_form: french.plural(
    count, singular, plural_form
)


def content_security_policy(image_sources: tuple[str, ...] = ()) -> str:
    """Everything from this site only; `image_sources` adds hosts images may come from (map tiles)."""
    images = " ".join(("'self'", "data:", *image_sources))
    return (
        f"default-src 'self'; img-src {images}; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )


# Pages carry personal data and a CSRF token: no cache keeps them, no other site frames them,
# and no Referer carries a sign-in link's token to another site.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": content_security_policy(),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


# An advisor's sections, by the first part of the address.
_SECTIONS = {
    "": "tableau",
    "entreprises": "tableau",
    "carte": "carte",
    "pistes": "pistes",
    "rapports": "rapports",
}


def nav_section(path: str) -> str | None:
    return _SECTIONS.get(path.strip("/").split("/", 1)[0])


class CsrfRejected(Exception):
    """A form came without the token of this browser's session: another site may have sent it."""


@dataclass(frozen=True)
class Cookies:
    session: str
    anonymous: str
    secure: bool

    @classmethod
    def for_settings(cls, settings: IntakeSettings) -> Cookies:
        secure = settings.public_base_url.startswith("https://")
        # __Host- cookies are refused by browsers unless Secure, host-only and for the whole site.
        prefix = "__Host-" if secure else ""
        return cls(f"{prefix}ecocirc_session", f"{prefix}ecocirc_csrf", secure)


@dataclass
class WebContext:
    request: Request
    store: IntakeStore
    settings: IntakeSettings
    policy: SignInPolicy
    cookies: Cookies
    session: str | None
    user: WebUser | None
    anonymous: str
    set_anonymous: bool = False
    clear_session: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    # Hosts a page may load images from besides this site (the map's tiles), for its CSP.
    image_sources: tuple[str, ...] = ()

    @property
    def csrf(self) -> str:
        """The forms' token: tied to the session once signed in, to a random cookie before."""
        base = self.session or self.anonymous
        return hmac.new(self.policy.key.encode(), b"csrf\x00" + base.encode(), hashlib.sha256).hexdigest()

    async def check_csrf(self) -> list[tuple[str, str]]:
        """The submitted form's fields, once its token is checked."""
        form = await self.request.form()
        sent = form.get("csrf")
        if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), self.csrf.encode()):
            raise CsrfRejected
        return [(name, value) for name, value in form.multi_items() if isinstance(value, str)]

    def client(self) -> str:
        return self.request.client.host if self.request.client else "unknown"

    @property
    def advisor(self) -> Advisor | None:
        principal = self.user.principal if self.user else None
        return principal if isinstance(principal, Advisor) else None

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        base = {
            "user": self.user,
            "csrf": self.csrf,
            "notice": None,
            # The advisor's sections, the current one marked (aria-current) in the navigation.
            "advisor_nav": self.advisor is not None,
            "nav_current": nav_section(self.request.url.path),
        }
        response = templates.TemplateResponse(
            self.request, template, {**base, **self.extra, **context}, status_code=status
        )
        return self.finish(response)

    def redirect(self, path: str) -> RedirectResponse:
        return self.finish(RedirectResponse(path, status_code=303))

    def finish(self, response: R) -> R:
        response.headers.update(SECURITY_HEADERS)
        if self.image_sources:
            response.headers["Content-Security-Policy"] = content_security_policy(self.image_sources)
        if self.set_anonymous:
            self._set_cookie(response, self.cookies.anonymous, self.anonymous, max_age=None)
        if self.clear_session:
            response.delete_cookie(
                self.cookies.session, path="/", secure=self.cookies.secure, httponly=True, samesite="lax"
            )
        return response

    def start_session(self, response: Response, session: str) -> None:
        self._set_cookie(
            response, self.cookies.session, session, max_age=int(self.policy.session_ttl.total_seconds())
        )

    def _set_cookie(self, response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(
            name, value, max_age=max_age, path="/", secure=self.cookies.secure, httponly=True, samesite="lax"
        )


async def get_context(request: Request) -> WebContext:
    settings: IntakeSettings = request.app.state.settings
    store: IntakeStore = request.app.state.store
    cookies = Cookies.for_settings(settings)
    session = request.cookies.get(cookies.session) or None
    user = await sign_in.session_user(store, session) if session else None
    anonymous = request.cookies.get(cookies.anonymous) or ""
    context = WebContext(
        request=request,
        store=store,
        settings=settings,
        policy=request.app.state.sign_in_policy,
        cookies=cookies,
        session=session if user else None,
        user=user,
        anonymous=anonymous or secrets.token_urlsafe(32),
        set_anonymous=not anonymous,
        clear_session=bool(session and user is None),
    )
    return context


ContextDep = Annotated[WebContext, Depends(get_context)]
