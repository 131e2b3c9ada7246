"""A fixed input, declared at a steady rate with or without a fault, and what came out of it.

The input is the Gers demo territory (34 companies, 95 flows, demo/gers/territory.json) in a fixed
shuffled order. Flow ids are random, so two runs are compared through canonical forms: a flow is
(company contact email, direction, label), a synergy is (kind, its participants' flows and roles),
an email is (recipient, the canonical synergy it is about, proposal or withdrawal).
"""

from __future__ import annotations

import functools
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.faults.harness import KB_VARIANT_MODULE, Declarer, Harness

TERRITORY = Path(__file__).resolve().parents[2] / "demo" / "gers" / "territory.json"
COMPANY_FIELDS = ("name", "naf_code", "contact_email", "postcode", "city", "siret", "territory")
RATE_PER_S = 6.0
FAULT_AT_S = 4.0
CONVERGE_TIMEOUT_S = 120.0

FlowKey = tuple[str, str, str]
SynergyKey = tuple[str, tuple[tuple[FlowKey, str], ...]]
EmailKey = tuple[str, SynergyKey, str]
# Emails about access (a company's welcome, a sign-in link) are not in the synergy ledger.
ACCESS_SUBJECTS = ("Bienvenue dans le programme", "Eco'circulaire — votre lien de connexion")


def load_territory() -> list[dict[str, Any]]:
    companies: list[dict[str, Any]] = json.loads(TERRITORY.read_text())["companies"]
    return companies


def register(harness: Harness) -> list[tuple[str, dict[str, Any]]]:
    """Create the companies; return the flows to declare, (company id, body), in a fixed order."""
    flows: list[tuple[str, dict[str, Any]]] = []
    with harness.client() as client:
        for company in load_territory():
            body = {k: company[k] for k in COMPANY_FIELDS if company.get(k) is not None}
            r = client.post("/v1/companies", json=body)
            assert r.status_code == 201, r.text
            cid = str(r.json()["id"])
            for flow in company["flows"]:
                flows.append((cid, {k: v for k, v in flow.items() if k != "key" and v is not None}))
    random.Random(20250601).shuffle(flows)
    return flows


# ---- faults -----------------------------------------------------------------------------------
def _kill_restart(name: str, down_s: float = 1.0) -> Callable[[Harness], None]:
    def fault(h: Harness) -> None:
        h.kill_service(name)
        time.sleep(down_s)
        h.start_service(name)

    return fault


def _broker(h: Harness) -> None:
    h.stop_broker()
    time.sleep(5)
    h.start_broker()


def _postgres(h: Harness) -> None:
    h.stop_postgres()
    time.sleep(5)
    h.start_postgres()


def _smtp(h: Harness) -> None:
    # Nothing listening (connection refused), then a server that answers 451 to every recipient.
    h.stop_smtp()
    time.sleep(2)
    h.start_refusing_smtp()
    time.sleep(5)
    h.stop_refusing_smtp()
    h.start_smtp()


def _knowledge(h: Harness) -> None:
    h.stop_service("matcher")
    h.start_service("matcher", KB_VARIANT_MODULE)


FAULTS: dict[str, Callable[[Harness], None]] = {
    "broker stopped 5 s, restarted empty": _broker,
    "PostgreSQL stopped 5 s, restarted": _postgres,
    "SMTP down 2 s, then 451 for 5 s": _smtp,
    "intake SIGKILL, restarted": _kill_restart("intake"),
    "matcher SIGKILL, restarted": _kill_restart("matcher"),
    "notifier SIGKILL, restarted": _kill_restart("notifier"),
    "matcher restarted, new knowledge": _knowledge,
}


# ---- what came out ----------------------------------------------------------------------------
@dataclass
class Outcome:
    fault: str
    declarations: int
    not_in_db: int
    not_matched: int
    synergies: set[SynergyKey]
    read_model_mismatch: int
    emails: Counter[EmailKey]
    duplicated_emails: int
    pending_emails: int
    refused_requests: Counter[str]
    client_side_duplicates: int
    recovery_s: float | None
    wall_s: float
    notes: list[str] = field(default_factory=list)

    def told(self) -> set[tuple[str, SynergyKey]]:
        """Who heard of each synergy still active at the end (the final state, not the path to it:
        how revisions coalesce within the hold depends on timing, who must know does not)."""
        return {(r, s) for (r, s, kind) in self.emails if kind == "proposed" and s in self.synergies}

    def lost_emails(self, reference: Outcome) -> int:
        return len(reference.told() - self.told())

    def extra_emails(self, reference: Outcome) -> int:
        return len(self.told() - reference.told())

    def synergy_diff(self, reference: Outcome) -> tuple[int, int]:
        return len(reference.synergies - self.synergies), len(self.synergies - reference.synergies)


def _flow_keys(h: Harness) -> dict[str, FlowKey]:
    rows = h.query(
        """SELECT f.id, c.contact_email, f.snapshot->>'direction' AS direction, f.snapshot->>'label' AS label
           FROM intake.flows f JOIN intake.companies c ON c.id = f.company_id"""
    )
    return {str(r["id"]): (r["contact_email"], r["direction"], r["label"]) for r in rows}


def _canonical(snapshot: dict[str, Any], flows: dict[str, FlowKey]) -> SynergyKey:
    parts = sorted(
        (flows.get(p["flow_id"], ("?", "?", p["flow_id"])), p["role"]) for p in snapshot["participants"]
    )
    return (snapshot["kind"], tuple(parts))


def _synergy_keys(h: Harness, flows: dict[str, FlowKey]) -> dict[str, SynergyKey]:
    rows = h.query("SELECT synergy_id, snapshot FROM matcher.synergies")
    return {str(r["synergy_id"]): _canonical(json.loads(r["snapshot"]), flows) for r in rows}


def settled(h: Harness, accepted: set[str]) -> bool:
    """Everything accepted is applied, the read model agrees, no email waits, the sink has them all."""
    applied = {str(r["flow_id"]) for r in h.query("SELECT flow_id FROM matcher.flows")}
    if not accepted <= applied:
        return False
    unpublished = h.query(
        """SELECT (SELECT count(*) FROM intake.outbox WHERE published_at IS NULL)
                + (SELECT count(*) FROM matcher.outbox WHERE published_at IS NULL) AS n"""
    )[0]["n"]
    if unpublished:
        return False
    mismatch = h.query(
        """SELECT count(*) AS n FROM matcher.synergies m FULL JOIN notifier.synergies n USING (synergy_id)
           WHERE m.revision IS DISTINCT FROM n.revision"""
    )[0]["n"]
    if mismatch:
        return False
    waiting = h.query("SELECT count(*) AS n FROM notifier.deliveries WHERE status = 'pending'")[0]["n"]
    if waiting:
        return False
    # One email per Message-ID: several proposals for one person may have left as one email.
    sent = h.query(
        """SELECT count(DISTINCT coalesce(sent_message_id, message_id)) AS n FROM notifier.deliveries
           WHERE status = 'sent'"""
    )[0]["n"]
    return bool(sent <= len(list(h.mail_dir.glob("*.eml"))))


def _safe(check: Callable[[], bool]) -> bool:
    try:
        return check()
    except Exception:  # the database may be down while the fault lasts
        return False


def caught_up(h: Harness, accepted_before: set[str], since: float, accepted_after: bool) -> bool:
    """The API answers and accepts again, everything accepted before the repair is applied, the read
    model holds every synergy revision written before it, and no email queued before it still waits."""
    if not accepted_after or not h.ready():
        return False
    applied = {str(r["flow_id"]) for r in h.query("SELECT flow_id FROM matcher.flows")}
    if not accepted_before <= applied:
        return False
    ago = time.monotonic() - since
    behind = h.query(
        """SELECT count(*) AS n FROM matcher.synergies m LEFT JOIN notifier.synergies n USING (synergy_id)
           WHERE m.updated_at < now() - make_interval(secs => $1) AND coalesce(n.revision, 0) < m.revision""",
        ago,
    )[0]["n"]
    if behind:
        return False
    late = h.query(
        """SELECT count(*) AS n FROM notifier.deliveries
           WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1)""",
        ago,
    )[0]["n"]
    return bool(late == 0)


def collect(h: Harness, fault: str, declarer: Declarer, recovery_s: float | None, wall_s: float) -> Outcome:
    accepted = {fid for fid, _ in declarer.accepted}
    flows = _flow_keys(h)
    in_db = {str(r["id"]) for r in h.query("SELECT id FROM intake.flows WHERE active")}
    applied = {str(r["flow_id"]) for r in h.query("SELECT flow_id FROM matcher.flows WHERE active")}
    synergies = _synergy_keys(h, flows)
    active = {
        synergies[str(r["synergy_id"])]
        for r in h.query("SELECT synergy_id FROM matcher.synergies WHERE active")
    }
    mismatch = h.query(
        """SELECT count(*) AS n FROM matcher.synergies m FULL JOIN notifier.synergies n USING (synergy_id)
           WHERE m.revision IS DISTINCT FROM n.revision OR m.active IS DISTINCT FROM n.active"""
    )[0]["n"]
    # An email carries one news, or several proposals for one person (sent together within the hold):
    # the ledger records the Message-ID each news went out with.
    ledger: dict[str, list[tuple[str, str]]] = {}
    for r in h.query(
        "SELECT coalesce(sent_message_id, message_id) AS mid, synergy_id, news_kind FROM notifier.deliveries"
    ):
        ledger.setdefault(r["mid"], []).append((str(r["synergy_id"]), r["news_kind"]))
    pairs: Counter[tuple[str, str]] = Counter()
    emails: Counter[EmailKey] = Counter()
    notes: list[str] = []
    for msg in h.mails():
        mid = str(msg["Message-ID"])
        for rcpt in msg.get_all("X-Envelope-To") or [str(msg["To"])]:
            pairs[(str(rcpt), mid)] += 1
            if mid in ledger:
                for sid, kind in ledger[mid]:
                    emails[(str(rcpt), synergies.get(sid, ("?", ())), kind)] += 1
            elif not str(msg["Subject"]).startswith(ACCESS_SUBJECTS):
                notes.append(f"email {mid} to {rcpt} not in the ledger")
    pending = h.query("SELECT count(*) AS n FROM notifier.deliveries WHERE status IN ('pending', 'failed')")
    return Outcome(
        fault=fault,
        declarations=len(accepted),
        not_in_db=len(accepted - in_db),
        not_matched=len(accepted - applied),
        synergies=active,
        read_model_mismatch=int(mismatch),
        emails=emails,
        duplicated_emails=sum(n - 1 for n in pairs.values() if n > 1),
        pending_emails=int(pending[0]["n"]),
        refused_requests=declarer.refused,
        client_side_duplicates=declarer.duplicates_created,
        recovery_s=recovery_s,
        wall_s=wall_s,
        notes=notes,
    )


def run_scenario(var_dir: Path, fault_name: str | None) -> Outcome:
    """Start a platform, declare the territory at a steady rate, break it once, wait, count."""
    started = time.monotonic()
    h = Harness(var_dir)
    try:
        h.start()
        declarer = Declarer(h, register(h), rate_per_s=RATE_PER_S)
        declarer.start()
        recovery: float | None = None
        if fault_name is not None:
            time.sleep(FAULT_AT_S)
            FAULTS[fault_name](h)
            ended = time.monotonic()
            before = {fid for fid, _ in declarer.accepted}
            result: list[float] = []

            def watch() -> None:
                while time.monotonic() - ended < CONVERGE_TIMEOUT_S:
                    after = bool(declarer.accepted_at) and declarer.accepted_at[-1] > ended
                    if _safe(functools.partial(caught_up, h, before, ended, after)):
                        result.append(time.monotonic() - ended)
                        return
                    time.sleep(0.2)

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            declarer.join()
            watcher.join(CONVERGE_TIMEOUT_S)
            recovery = result[0] if result else None
        else:
            declarer.join()
        accepted = {fid for fid, _ in declarer.accepted}
        try:
            deadline = time.monotonic() + CONVERGE_TIMEOUT_S
            while not _safe(lambda: settled(h, accepted)):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.25)
            time.sleep(1.0)  # anything still in flight lands before counting
        finally:
            outcome = collect(h, fault_name or "none (reference)", declarer, recovery, 0.0)
        outcome.wall_s = time.monotonic() - started
        return outcome
    finally:
        h.stop()


# ---- the table ----------------------------------------------------------------------------------
HEADER = (
    "fault",
    "declarations",
    "lost",
    "synergies -/+",
    "emails missing/extra",
    "duplicated emails",
    "recovery s",
    "client retries",
)


def row(outcome: Outcome, reference: Outcome) -> tuple[str, ...]:
    missing, extra = outcome.synergy_diff(reference)
    lost = outcome.not_in_db + outcome.not_matched
    recovery = "-" if outcome.recovery_s is None else f"{outcome.recovery_s:.1f}"
    if outcome.fault != reference.fault and outcome.recovery_s is None:
        recovery = "never"
    return (
        outcome.fault,
        str(outcome.declarations),
        str(lost),
        f"{missing}/{extra}",
        f"{outcome.lost_emails(reference)}/{outcome.extra_emails(reference)}",
        str(outcome.duplicated_emails),
        recovery,
        ", ".join(f"{n}x{what}" for what, n in sorted(outcome.refused_requests.items())) or "0",
    )


def table(outcomes: list[Outcome], reference: Outcome) -> str:
    rows = [HEADER, *(row(o, reference) for o in [reference, *outcomes])]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)
