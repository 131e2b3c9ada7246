"""`make demo` shows something real on the map at once: on the platform as `make run` starts it, the
demo loader (as `make demo` calls it) registers the Gers advisor, the companies and their flows; the
matcher's leads arrive and the story moves some of them along the pipeline. The advisor signs in
with the address the loader prints and reads, on « Carte », the companies, the leads at every step
and the groups. Photographed under var/screenshots/<test>/advisor-map-demo-*.png."""

from __future__ import annotations

import asyncio
import email
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.platform import ADMIN_TOKEN, Platform
from tests.e2e.web.conftest import LAPTOP, PHONE

pytestmark = pytest.mark.e2e

Shoot = Callable[[Page, str], Any]
ROOT = Path(__file__).resolve().parents[3]
STORY = ROOT / "demo" / "gers" / "story.json"
TERRITORY = ROOT / "demo" / "gers" / "territory.json"


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    running = Platform(tmp_path / "var")
    running.start()
    try:
        yield running
    finally:
        assert running.interrupt() == 0, running.log()


def make_demo(platform: Platform) -> str:
    """What `make demo` runs (its recipe reads the port and token of `make run`'s environment)."""
    recipe = next(
        line for line in (ROOT / "Makefile").read_text().splitlines() if line.strip().startswith("--story")
    )
    assert recipe.split()[1] == "demo/gers/story.json"
    done = subprocess.run(
        [sys.executable, "demo/load.py", "--api", platform.api, "--token", ADMIN_TOKEN,
         "--state", str(platform.var_dir / "demo-gers.json"), "--story", "demo/gers/story.json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def sign_in_link(platform: Platform, address: str, timeout_s: float = 45.0) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for path in platform.mails():
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(message, EmailMessage)
            if str(message["To"]) == address and "votre lien de connexion" in str(message["Subject"]):
                body = message.get_body(preferencelist=("plain",))
                assert body is not None
                match = re.search(r"^(http\S+/connexion/lien\?jeton=\S+?)\r?$", body.get_content(), re.M)
                assert match, body.get_content()
                return match.group(1)
        await asyncio.sleep(0.2)
    raise AssertionError(f"no sign-in link for {address}:\n{platform.log()}")


async def test_make_demo_fills_the_gers_map(platform: Platform, browser: Browser, shoot: Shoot) -> None:
    story = json.loads(STORY.read_text(encoding="utf-8"))
    output = make_demo(platform)
    moved = len(story["leads"])
    assert f"story: {moved} leads moved" in output, output
    address = story["advisor"]["email"]
    assert f"<{address}>" in output and "Carte" in output
    gers = sum(
        1 for c in json.loads(TERRITORY.read_text(encoding="utf-8"))["companies"] if c["territory"] == "32"
    )

    laptop = await browser.new_context(viewport=LAPTOP, locale="fr-FR")
    page = await laptop.new_page()
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(f"{m.text} {m.location['url']}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    await page.goto(platform.api)
    await page.get_by_label("Adresse e-mail").fill(address)
    await page.get_by_role("button", name="Recevoir un lien de connexion").click()
    await page.goto(await sign_in_link(platform, address))
    await page.get_by_role("navigation", name="Espace conseiller").get_by_role("link", name="Carte").click()
    await expect(page.get_by_role("region", name="Carte de Gers (32)")).to_be_visible()

    await expect(page.locator(".leaflet-contours-pane path")).to_have_count(96)
    await expect(page.locator(".leaflet-entreprises-pane path.entreprise")).to_have_count(gers)
    # The leads at once, the story's steps among them, and the groups as badges.
    lines = page.locator("path.piste-substitution")
    badges = page.locator(".groupe-badge")
    assert await lines.count() >= 35 and await badges.count() >= 8
    for step in ("done", "in_progress", "study", "in_contact", "abandoned", "proposed"):
        assert await page.locator(
            f".leaflet-overlay-pane path.statut-{step}, .groupe-badge.statut-{step}"
        ).count(), step
    status = await page.get_by_role("status").inner_text()
    shown = int(status.split()[0])
    assert shown == await page.locator("#pistes tbody tr").count() >= 45
    await expect(page.get_by_label("Réalisée")).to_have_accessible_name(re.compile(r"Réalisée \(2\)"))
    await shoot(page, "advisor-map-demo-desktop")

    # A done lead of the story, from the list: its popup and its page.
    row = page.locator("#pistes tbody tr", has=page.get_by_text("Réalisée", exact=True)).first
    await row.get_by_role("button", name=re.compile("^Voir sur la carte")).click()
    popup = page.locator(".leaflet-popup")
    await expect(popup).to_contain_text("Étape : Réalisée")
    await expect(popup).to_contain_text("Réalisé :")
    await expect(popup).to_have_css("opacity", "1")
    await shoot(page, "advisor-map-demo-popup")
    await popup.get_by_role("link", name="Ouvrir la piste").click()
    await expect(page.get_by_role("heading", name="Pourquoi cette piste")).to_be_visible()
    assert problems == []

    phone = await browser.new_context(
        viewport=PHONE,
        locale="fr-FR",
        has_touch=True,
        is_mobile=True,
        storage_state=await laptop.storage_state(),
    )
    small = await phone.new_page()
    await small.goto(f"{platform.api}/carte")
    await expect(small.locator(".leaflet-entreprises-pane path.entreprise")).to_have_count(gers)
    await shoot(small, "advisor-map-demo-phone")
