"""Per-recipient List-Unsubscribe headers and header-safe text."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from ecocirc_notifier.domain import UnsubscribeSettings, unsubscribe_token
from ecocirc_notifier.domain.headers import list_unsubscribe_headers, one_line
from tests.unit.notifier.factories import advisor, as_recipient, company

SECRET = "s3cret-for-unit-tests-only"


def test_list_unsubscribe_has_a_mailto_and_a_signed_one_click_url() -> None:
    reader = as_recipient(company())
    settings = UnsubscribeSettings(
        mailto="desinscription@cci.example.fr",
        url_base="https://eco.example.fr/v1/unsubscribe",
        secret=SECRET,
    )

    headers = list_unsubscribe_headers(settings, reader)

    mailto, url = (t.strip().strip("<>") for t in headers["List-Unsubscribe"].split(","))
    assert mailto == f"mailto:desinscription@cci.example.fr?subject=unsubscribe%20company%20{reader.id}"
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("https://eco.example.fr/v1/unsubscribe?")
    assert query == {
        "kind": ["company"],
        "id": [str(reader.id)],
        "token": [unsubscribe_token(SECRET, reader)],
    }
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_tokens_differ_per_recipient_and_per_secret() -> None:
    one, two = as_recipient(company()), as_recipient(advisor())
    assert unsubscribe_token(SECRET, one) == unsubscribe_token(SECRET, one)
    assert unsubscribe_token(SECRET, one) != unsubscribe_token(SECRET, two)
    assert unsubscribe_token(SECRET, one) != unsubscribe_token(SECRET + "x", one)


def test_a_mailto_alone_gives_no_one_click_header() -> None:
    headers = list_unsubscribe_headers(UnsubscribeSettings(mailto="stop@example.fr"), as_recipient(company()))
    assert headers["List-Unsubscribe"].startswith("<mailto:stop@example.fr?subject=")
    assert "List-Unsubscribe-Post" not in headers


def test_an_existing_query_string_is_extended() -> None:
    settings = UnsubscribeSettings(url_base="https://eco.example.fr/u?lang=fr", secret=SECRET)
    header = list_unsubscribe_headers(settings, as_recipient(company()))["List-Unsubscribe"]
    assert header.startswith("<https://eco.example.fr/u?lang=fr&kind=company&id=")


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"url_base": "https://eco.example.fr/u"},  # no secret: anyone could unsubscribe anyone
        {"url_base": "https://eco.example.fr/u", "secret": "short"},
        {"url_base": "ftp://eco.example.fr/u", "secret": SECRET},
        {"mailto": "stop@example.fr\r\nBcc: victim@example.org"},
        {"mailto": "stop@example.fr>, <http://evil"},
    ],
)
def test_unusable_unsubscribe_settings_are_refused(options: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        UnsubscribeSettings(**options)


def test_one_line_keeps_french_no_break_spaces_and_drops_controls() -> None:
    assert one_line("a\r\n\tb  \x00c\u00a0km") == "a b c\u00a0km"
    assert one_line("  padded  ") == "padded"
