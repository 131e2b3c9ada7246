#!/usr/bin/env python3
"""Load a demo territory into a running Eco'circulaire platform, through the public API only.

    python demo/load.py --api http://127.0.0.1:8000 --token "$ECOCIRC_ADMIN_TOKEN"
    python demo/load.py --api ... --token ... --file demo/gers/territory.json --state var/demo-gers.json
    python demo/load.py --api ... --token ... --state var/demo-gers.json --story demo/gers/story.json

Each company is created with POST /v1/companies, then each of its flows with
POST /v1/companies/{id}/flows; the ids are printed as they come.

With --story, the story's advisor is registered first (POST /v1/advisors, or found by address among
GET /v1/advisors), so that the companies' welcome emails name them; once the flows are in, the
script waits for the matcher's leads (GET /v1/synergies) and plays what the advisor did with some
of them: moves along the pipeline (PATCH /v1/synergies/{id}/followup) and what the done ones
achieve (POST /v1/synergies/{id}/outcome). A lead is named by the flows it joins; one that someone
already moved past « proposed » is left as it is. The advisor signs in on the web pages with the
story's address (the sign-in link arrives in var/mail/ under `make run`).

Running it twice is safe: a company whose SIRET already exists answers 409 and is skipped. With --state,
the ids (and the company tokens, shown once by the API) are kept in a JSON file; on a later run a skipped
company's flows are compared with GET /v1/companies/{id}/flows and only the missing ones are sent, so an
interrupted load can be completed. Without --state, a skipped company's flows are not sent again.

Only the standard library and httpx: it must run from a fresh clone against any deployment.
Exit status: 0 all done, 1 some companies or flows were refused, 2 the API could not be used at all.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

DEFAULT_FILE = Path(__file__).resolve().parent / "gers" / "territory.json"
# A lead nobody has moved yet: the matcher's idea or proposal.
UNTOUCHED = frozenset({"idea", "proposed"})
PAGE = 200
COMPANY_FIELDS = ("name", "naf_code", "contact_email", "postcode", "city", "siret", "territory")
FLOW_FIELDS = (
    "direction",
    "category",
    "label",
    "description",
    "ewc_code",
    "quantity",
    "months",
    "hazardous",
    "max_distance_km",
    "confidentiality",
)


class ApiUnusable(Exception):
    """The platform is unreachable or refuses the token: nothing can be loaded."""


@dataclass
class Report:
    companies_created: int = 0
    companies_skipped: int = 0
    flows_created: int = 0
    flows_present: int = 0
    leads_moved: int = 0
    leads_left: int = 0
    errors: list[str] = field(default_factory=list)


def company_body(company: dict[str, Any]) -> dict[str, Any]:
    return {name: company[name] for name in COMPANY_FIELDS if company.get(name) is not None}


def flow_body(flow: dict[str, Any]) -> dict[str, Any]:
    return {name: flow[name] for name in FLOW_FIELDS if flow.get(name) not in (None, [])}


def flow_identity(flow: dict[str, Any]) -> tuple[str, str, str]:
    """How a flow already stored is recognised on a re-run (the API gives flows no client-side key)."""
    return (flow["direction"], flow["category"], " ".join(flow["label"].split()))


def describe(response: httpx.Response) -> str:
    """The server's own explanation, short enough for one line."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
    else:
        text = json.dumps(body, ensure_ascii=False)
    return f"HTTP {response.status_code}: {text[:400]}"


def check_usable(response: httpx.Response) -> None:
    if response.status_code in (401, 403):
        raise ApiUnusable(f"the API refused the token ({describe(response)}); pass an advisor or admin token")
    if response.request.url.path.endswith("/v1/companies") and response.status_code in (404, 405):
        raise ApiUnusable(f"no POST /v1/companies at this address ({describe(response)}); check --api")


class Loader:
    def __init__(self, client: httpx.Client, state: dict[str, Any], out: Any = print) -> None:
        self.client = client
        self.state = state
        self.state.setdefault("companies", {})
        self.state.setdefault("flows", {})
        self.out = out
        self.report = Report()

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        try:
            response = self.client.post(path, json=body)
        except httpx.TransportError as exc:
            raise ApiUnusable(
                f"cannot reach {self.client.base_url} ({exc}); is the platform running?"
            ) from exc
        check_usable(response)
        return response

    def patch(self, path: str, body: dict[str, Any], token: str | None = None) -> httpx.Response:
        return self.send("PATCH", path, body, token)

    def send(self, method: str, path: str, body: dict[str, Any], token: str | None) -> httpx.Response:
        """A request as `token` (the story's advisor) rather than the loader's token, when given."""
        headers = {"Authorization": f"Bearer {token}"} if token else None
        try:
            response = self.client.request(method, path, json=body, headers=headers)
        except httpx.TransportError as exc:
            raise ApiUnusable(
                f"cannot reach {self.client.base_url} ({exc}); is the platform running?"
            ) from exc
        return response

    def get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        try:
            response = self.client.get(path, params=params)
        except httpx.TransportError as exc:
            raise ApiUnusable(
                f"cannot reach {self.client.base_url} ({exc}); is the platform running?"
            ) from exc
        check_usable(response)
        return response

    def error(self, message: str) -> None:
        self.report.errors.append(message)
        self.out(f"! {message}")

    def load(self, territory: dict[str, Any]) -> Report:
        for company in territory["companies"]:
            self.load_company(company)
        return self.report

    def load_company(self, company: dict[str, Any]) -> None:
        key = company["key"]
        response = self.post("/v1/companies", company_body(company))
        if response.status_code == 409:
            self.report.companies_skipped += 1
            known = self.state["companies"].get(key, {}).get("id")
            if known is None:
                self.out(
                    f"= company {key}: already registered (SIRET {company.get('siret')}), skipped; "
                    "its flows are not sent again (no --state entry to find its id)"
                )
                return
            self.out(f"= company {key:32} {known}  already registered, checking its flows")
            self.complete_flows(company, known)
            return
        if response.status_code != 201:
            self.error(f"company {key} refused, its flows are not sent: {describe(response)}")
            return
        created = response.json()
        company_id = str(created["id"])
        self.state["companies"][key] = {"id": company_id, "token": created.get("token")}
        self.report.companies_created += 1
        self.out(f"+ company {key:32} {company_id}")
        for flow in company["flows"]:
            self.create_flow(key, company_id, flow)

    def complete_flows(self, company: dict[str, Any], company_id: str) -> None:
        response = self.get(f"/v1/companies/{company_id}/flows")
        if response.status_code != 200:
            self.error(f"cannot list the flows of company {company['key']}: {describe(response)}")
            return
        body = response.json()
        stored = body["items"] if isinstance(body, dict) and "items" in body else body
        present = {flow_identity(flow): str(flow["id"]) for flow in stored if flow.get("active", True)}
        for flow in company["flows"]:
            ref = f"{company['key']}/{flow['key']}"
            flow_id = present.get(flow_identity(flow))
            if flow_id is None:
                self.create_flow(company["key"], company_id, flow)
            else:
                self.state["flows"][ref] = flow_id
                self.report.flows_present += 1
                self.out(f"  = flow {ref:42} {flow_id}  already there")

    def create_flow(self, company_key: str, company_id: str, flow: dict[str, Any]) -> None:
        ref = f"{company_key}/{flow['key']}"
        response = self.post(f"/v1/companies/{company_id}/flows", flow_body(flow))
        if response.status_code != 201:
            self.error(f"flow {ref} refused: {describe(response)}")
            return
        flow_id = str(response.json()["id"])
        self.state["flows"][ref] = flow_id
        self.report.flows_created += 1
        self.out(f"  + flow {ref:42} {flow_id}")

    # ---- the story: the demo's advisor, and what they did with the matcher's leads

    def load_advisor(self, advisor: dict[str, Any]) -> None:
        """Register the story's advisor, or find them by address; keep their id (and token) in the state."""
        email = advisor["email"].lower()
        kept = self.state.get("advisor") or {}
        found = self.find_advisor(email)
        if found is not None:
            token = kept.get("token") if kept.get("id") == str(found["id"]) else None
            self.state["advisor"] = {"id": str(found["id"]), "email": email, "token": token}
            self.out(f"= advisor {email:32} {found['id']}  already registered")
            return
        body = {"name": advisor["name"], "email": advisor["email"], "territories": advisor["territories"]}
        response = self.send("POST", "/v1/advisors", body, None)
        if response.status_code != 201:
            # An advisor's token may load companies but not register advisors: the story goes on as it.
            self.error(f"advisor {email} not registered: {describe(response)}")
            return
        created = response.json()
        self.state["advisor"] = {"id": str(created["id"]), "email": email, "token": created.get("token")}
        self.out(f"+ advisor {email:32} {created['id']}")

    def find_advisor(self, email: str) -> dict[str, Any] | None:
        offset = 0
        while True:
            response = self.get_unchecked("/v1/advisors", {"limit": PAGE, "offset": offset})
            if response.status_code != 200:
                return None
            body = response.json()
            for item in body["items"]:
                if (item.get("email") or "").lower() == email and item.get("active", True):
                    found: dict[str, Any] = item
                    return found
            offset += PAGE
            if offset >= body["total"]:
                return None

    def get_unchecked(self, path: str, params: dict[str, Any]) -> httpx.Response:
        try:
            return self.client.get(path, params=params)
        except httpx.TransportError as exc:
            raise ApiUnusable(
                f"cannot reach {self.client.base_url} ({exc}); is the platform running?"
            ) from exc

    def leads(self, territory: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        offset = 0
        while True:
            response = self.get("/v1/synergies", {"territory": territory, "limit": PAGE, "offset": offset})
            if response.status_code != 200:
                self.error(f"cannot list the leads of territory {territory}: {describe(response)}")
                return items
            body = response.json()
            items += body["items"]
            offset += PAGE
            if offset >= body["total"]:
                return items

    def play(self, story: dict[str, Any], wait_s: float, today: date | None = None) -> None:
        """Find each lead of the story among the matcher's (waiting up to `wait_s` for them) and move
        the untouched ones as the story says."""
        today = today or date.today()
        territory = story["advisor"]["territories"][0]
        wanted: dict[frozenset[str], dict[str, Any]] = {}
        for step in story["leads"]:
            flows = [self.state["flows"].get(ref) for ref in step["flows"]]
            if None in flows:
                self.out(f"~ lead {' + '.join(step['flows'])}: a flow of it is not loaded, skipped")
                continue
            wanted[frozenset(str(f) for f in flows)] = step
        found = self.wait_for_leads(territory, set(wanted), wait_s)
        for key, step in wanted.items():
            name = " + ".join(step["flows"])
            lead = found.get(key)
            if lead is None:
                self.out(f"~ lead {name}: not among the matcher's leads after {wait_s:.0f} s, skipped")
                continue
            if lead["status"] not in UNTOUCHED:
                self.report.leads_left += 1
                self.out(f"= lead {lead['id']} {lead['status']:12} left as it is ({name})")
                continue
            if self.move(lead["id"], step, today):
                self.report.leads_moved += 1
                self.out(f"> lead {lead['id']} {step['status']:12} ({name})")

    def wait_for_leads(
        self, territory: str, wanted: set[frozenset[str]], wait_s: float
    ) -> dict[frozenset[str], dict[str, Any]]:
        """The leads of the territory by the set of their flows, once every wanted one is there or
        `wait_s` has passed (the matcher finds them within seconds of the flows)."""
        deadline = time.monotonic() + wait_s
        while True:
            leads = {
                frozenset(str(p["flow_id"]) for p in x["participants"]): x for x in self.leads(territory)
            }
            if wanted <= set(leads) or time.monotonic() >= deadline:
                return leads
            time.sleep(1.0)

    def move(self, lead_id: str, step: dict[str, Any], today: date) -> bool:
        """Move one lead as the story's advisor (their token when the state has it), owned by them;
        a done lead goes through « in progress », then its outcome closes it."""
        advisor = self.state.get("advisor") or {}
        token = advisor.get("token")
        body: dict[str, Any] = {"status": "in_progress" if step["status"] == "done" else step["status"]}
        if advisor.get("id"):
            body["owner_id"] = advisor["id"]
        for name in ("note", "abandon_reason", "abandon_comment"):
            if name in step:
                body[name] = step[name]
        if "next_action_in_days" in step:
            body["next_action_on"] = (today + timedelta(days=step["next_action_in_days"])).isoformat()
        response = self.send("PATCH", f"/v1/synergies/{lead_id}/followup", body, token)
        if response.status_code not in (200, 202):
            self.error(f"lead {lead_id} not moved to {step['status']}: {describe(response)}")
            return False
        outcome = step.get("outcome")
        if outcome is None:
            return True
        figures = {k: v for k, v in outcome.items() if k != "started_days_ago"}
        if "started_days_ago" in outcome:
            figures["started_on"] = (today - timedelta(days=outcome["started_days_ago"])).isoformat()
        response = self.send(
            "POST", f"/v1/synergies/{lead_id}/outcome", {**figures, "mark_done": True}, token
        )
        if response.status_code not in (200, 201, 202):
            self.error(f"outcome of lead {lead_id} refused: {describe(response)}")
            return False
        return True


def read_state(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {}
    with path.open(encoding="utf-8") as handle:
        state: dict[str, Any] = json.load(handle)
    return state


def write_state(path: Path, state: dict[str, Any]) -> None:
    """Ids and company tokens: the tokens are secrets, so the file is readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(state, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    os.replace(temporary, path)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Load a demo territory through the Eco'circulaire API.")
    parser.add_argument("--api", default="http://127.0.0.1:8000", help="base URL of the API")
    parser.add_argument(
        "--token",
        default=os.environ.get("ECOCIRC_ADMIN_TOKEN"),
        help="advisor or admin bearer token (default: $ECOCIRC_ADMIN_TOKEN)",
    )
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="territory JSON file")
    parser.add_argument(
        "--state",
        type=Path,
        default=None,
        help="JSON file keeping ids and company tokens between runs (created if missing)",
    )
    parser.add_argument(
        "--story",
        type=Path,
        default=None,
        help="JSON file: an advisor to register and what they did with some leads (demo/gers/story.json)",
    )
    parser.add_argument(
        "--wait", type=float, default=60.0, help="seconds to wait for the matcher's leads of the story"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--dry-run", action="store_true", help="print the request bodies, send nothing")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with args.file.open(encoding="utf-8") as handle:
        territory = json.load(handle)
    flows = sum(len(company["flows"]) for company in territory["companies"])
    print(
        f"{territory.get('territory', args.file.name)}: {len(territory['companies'])} companies, {flows} flows"
    )

    if args.dry_run:
        for company in territory["companies"]:
            print(json.dumps({"POST /v1/companies": company_body(company)}, ensure_ascii=False))
            for flow in company["flows"]:
                print(
                    json.dumps(
                        {f"POST /v1/companies/{{{company['key']}}}/flows": flow_body(flow)},
                        ensure_ascii=False,
                    )
                )
        return 0
    if not args.token:
        print("error: no token; pass --token or set ECOCIRC_ADMIN_TOKEN", file=sys.stderr)
        return 2

    story = None
    if args.story is not None:
        with args.story.open(encoding="utf-8") as handle:
            story = json.load(handle)
    state = read_state(args.state)
    headers = {"Authorization": f"Bearer {args.token}"}
    with httpx.Client(base_url=args.api, headers=headers, timeout=args.timeout) as client:
        loader = Loader(client, state)
        try:
            if story is not None:
                loader.load_advisor(story["advisor"])
            report = loader.load(territory)
            if story is not None:
                loader.play(story, args.wait)
        except ApiUnusable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        finally:
            if args.state is not None:
                write_state(args.state, state)

    print(
        f"done: {report.companies_created} companies created, {report.companies_skipped} already there; "
        f"{report.flows_created} flows created, {report.flows_present} already there; "
        f"{len(report.errors)} refused"
    )
    if story is not None:
        print(f"story: {report.leads_moved} leads moved, {report.leads_left} already moved by someone")
        advisor = story["advisor"]
        print(
            f"advisor: {advisor['name']} <{advisor['email']}>, territories {', '.join(advisor['territories'])}: "
            f"sign in at {args.api}/ with that address (under `make run` the link is in the newest "
            "file of var/mail/), then open « Carte »"
        )
    if args.state is not None:
        print(f"ids and company tokens kept in {args.state}")
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
