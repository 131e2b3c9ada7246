"""A territory's map (GeoJSON) and report (JSON, CSV, XLSX) through intake, with leads applied by the
notifier: what each role gets, what a neighbouring territory's company shows, the figures in each
format, and text a spreadsheet would run defused."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest

from ecocirc_shared.events import FollowUpChanged, OutcomeRecorded, SynergyProposed, SynergyWithdrawn
from ecocirc_shared.flows import Confidentiality
from ecocirc_shared.followup import AbandonReason, SynergyStatus
from ecocirc_shared.outcomes import Estimate, Outcome
from ecocirc_shared.synergies import Impact, Participant, Role, SynergyKind
from tests.integration.notifier.conftest import Api, Notifier, synergy

pytestmark = pytest.mark.integration

SAMATAN, LOMBEZ, GIMONT, TARBES = (
    {"postcode": "32130", "city": "Samatan"},
    {"postcode": "32220", "city": "Lombez"},
    {"postcode": "32200", "city": "Gimont"},
    {"postcode": "65000", "city": "Tarbes"},
)


async def _company(api: Api, name: str, place: dict[str, str], token: str, naf: str = "16.10A") -> uuid.UUID:
    body = {"name": name, "naf_code": naf, "contact_email": f"{name.lower()}@example.org", **place}
    r = await api.post("/v1/companies", body, token)
    assert r.status_code == 201, r.text
    return uuid.UUID(r.json()["id"])


async def _get(api: Api, path: str, token: str, **params: Any) -> Any:
    return await api.http.get(path, params=params, headers={"Authorization": f"Bearer {token}"})


class Territory:
    """The Gers (32) with three companies and four leads, and the Hautes-Pyrénées (65) with one company."""

    def __init__(self, n: Notifier, api: Api):
        self.n, self.api = n, api

    async def build(self) -> Territory:
        n, api = self.n, self.api
        self.claire, self.claire_token, _ = await api.advisor("Claire", ["32"])
        self.bigorre, self.bigorre_token, _ = await api.advisor("Bigorre", ["65"])
        self.sawmill = await _company(api, "Scierie", SAMATAN, self.claire_token)
        self.farm = await _company(api, "Elevage", LOMBEZ, self.claire_token, naf="01.47Z")
        self.dairy = await _company(api, "Laiterie", GIMONT, self.claire_token, naf="10.51A")
        self.stud = await _company(api, "Haras", TARBES, self.bigorre_token, naf="01.43Z")
        r = await api.post(f"/v1/companies/{self.sawmill}/flows",
                           {"direction": "offer", "category": "waste", "label": "Sciures"}, self.claire_token)  # fmt: skip
        assert r.status_code == 201
        estimate = Impact(
            tonnes_diverted_per_year=40.0, co2e_avoided_kg_per_year=2000.0, eur_saved_per_year=3400.0
        )
        self.done = synergy(self.sawmill, self.farm, territories=("32",)).model_copy(
            update={"impact": estimate}
        )
        self.across = synergy(self.sawmill, self.stud, territories=("32", "65")).model_copy(
            update={"impact": Impact(tonnes_diverted_per_year=10.0)}
        )
        self.dropped = synergy(self.farm, self.dairy, territories=("32",)).model_copy(
            update={"impact": Impact(tonnes_diverted_per_year=99.0)}
        )
        self.gone = synergy(self.dairy, self.farm, territories=("32",))
        self.group = synergy(self.sawmill, self.farm, territories=("32",)).model_copy(
            update={
                "kind": SynergyKind.MUTUALISATION,
                "participants": tuple(
                    Participant(
                        company_id=c,
                        flow_id=uuid.uuid4(),
                        role=Role.MEMBER,
                        flow_label="Palettes",
                        territory="32",
                    )
                    for c in (self.sawmill, self.farm, self.dairy)
                ),
                "impact": Impact(),
            }
        )
        for s in (self.done, self.across, self.dropped, self.gone, self.group):
            await n.recorder.handle(SynergyProposed(synergy=s))
        await n.recorder.handle(
            SynergyWithdrawn(synergy_id=self.gone.synergy_id, revision=2, reason="flow_withdrawn")
        )
        await self._decide(self.across.synergy_id, status=SynergyStatus.IN_CONTACT)
        await self._decide(
            self.dropped.synergy_id, status=SynergyStatus.ABANDONED, abandon_reason=AbandonReason.DISTANCE
        )
        outcome = Outcome(tonnes_per_year=35, eur_per_year=3000, co2e_t_per_year=1.5, jobs=1)
        applied = await n.decisions.handle(
            OutcomeRecorded(
                synergy_id=self.done.synergy_id,
                advisor_id=self.claire,
                outcome=outcome,
                estimate=Estimate(),
                mark_done=True,
            )
        )
        assert applied == "applied"
        return self

    async def _decide(self, synergy_id: uuid.UUID, **change: Any) -> None:
        event = FollowUpChanged(synergy_id=synergy_id, advisor_id=self.claire, **change)
        assert await self.n.decisions.handle(event) == "applied"


def _features(body: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in body["features"] if f["properties"]["feature"] == kind}


async def test_the_map_shows_the_territory_s_companies_and_leads_to_its_advisors(
    setup: tuple[Notifier, Api],
) -> None:
    n, api = setup
    t = await Territory(n, api).build()
    r = await _get(api, "/v1/territories/32/map.geojson", t.claire_token)
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    body = r.json()
    assert body["type"] == "FeatureCollection" and body["territory"] == "32"
    companies = _features(body, "company")
    assert set(companies) == {str(t.sawmill), str(t.farm), str(t.dairy)}
    sawmill = companies[str(t.sawmill)]
    assert sawmill["geometry"]["type"] == "Point" and sawmill["properties"]["commune"] == "Samatan"
    assert sawmill["properties"]["naf_label"].startswith("Sciage") and sawmill["properties"]["offers"] == 1
    lon, lat = sawmill["geometry"]["coordinates"]
    assert 0.8 < lon < 1.1 and 43.3 < lat < 43.6  # [longitude, latitude]

    leads = _features(body, "lead")
    assert set(leads) == {
        str(s.synergy_id) for s in (t.done, t.across, t.dropped, t.group)
    }  # not the withdrawn
    done = leads[str(t.done.synergy_id)]
    assert done["geometry"]["type"] == "LineString"
    assert done["geometry"]["coordinates"][0] == sawmill["geometry"]["coordinates"]
    assert done["properties"]["status"] == "done" and done["properties"]["tonnes_realised"] == 35
    assert done["properties"]["link"].endswith(f"/pistes/{t.done.synergy_id}")
    group = leads[str(t.group.synergy_id)]
    assert group["geometry"]["type"] == "MultiPoint" and len(group["geometry"]["coordinates"]) == 3
    assert group["properties"]["kind"] == "mutualisation" and group["properties"]["members"] == 3
    assert leads[str(t.dropped.synergy_id)]["properties"]["status"] == "abandoned"
    # The Tarbes stud is in another territory: placed to about a kilometre, not named (no consent).
    across = leads[str(t.across.synergy_id)]
    stud_end = across["geometry"]["coordinates"][1]
    assert all(round(x, 2) == x for x in stud_end)
    stud = across["properties"]["participants"][1]
    assert stud["company_id"] is None and stud["name"] is None and stud["territory"] is None
    assert "Haras" not in r.text and str(t.stud) not in r.text

    withdrawn = (
        await _get(api, "/v1/territories/32/map.geojson", t.claire_token, include_withdrawn="true")
    ).json()
    assert str(t.gone.synergy_id) in _features(withdrawn, "lead")

    # The other territory's advisor sees their own map only; a company sees no map; the admin every one.
    theirs = (await _get(api, "/v1/territories/65/map.geojson", t.bigorre_token)).json()
    assert set(_features(theirs, "company")) == {str(t.stud)}
    assert set(_features(theirs, "lead")) == {str(t.across.synergy_id)}
    assert "Scierie" not in str(theirs)
    assert (await _get(api, "/v1/territories/32/map.geojson", t.bigorre_token)).status_code == 403
    company = await _company_token(api, t)
    assert (await _get(api, "/v1/territories/32/map.geojson", company)).status_code == 403
    everything = await api.get("/v1/territories/*/map.geojson")
    assert set(_features(everything, "company")) == {str(c) for c in (t.sawmill, t.farm, t.dairy, t.stud)}
    assert (await _get(api, "/v1/territories/*/map.geojson", t.claire_token)).status_code == 403


async def _company_token(api: Api, t: Territory) -> str:
    r = await api.post(f"/v1/companies/{t.sawmill}/tokens", {})
    assert r.status_code == 201, r.text
    return str(r.json()["token"])


async def test_the_report_gives_the_same_figures_as_json_csv_and_xlsx(setup: tuple[Notifier, Api]) -> None:
    n, api = setup
    t = await Territory(n, api).build()
    today = date.today()
    period = {"from": f"{today.year}-01-01", "to": today.isoformat()}
    r = await _get(api, "/v1/territories/32/report", t.claire_token, **period)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["territory"], report["from"], report["to"]) == ("32", period["from"], period["to"])
    assert (report["companies"], report["companies_new"], report["flows"], report["flows_new"]) == (
        3,
        3,
        1,
        1,
    )
    assert report["flows_by_direction"] == {"offer": 1, "need": 0}
    assert report["leads_by_status"] == {
        "idea": 0, "proposed": 1, "in_contact": 1, "study": 0, "in_progress": 0, "done": 1, "abandoned": 1,
        "withdrawn": 1,
    }  # fmt: skip
    assert report["leads"] == 4 and report["leads_new"] == 5
    assert report["leads_reached"]["done"] == 1 and report["leads_reached"]["abandoned"] == 1
    assert report["leads_by_kind"] == {"substitution": 2, "mutualisation": 1}  # abandoned apart
    assert report["abandoned_by_reason"]["distance"] == 1 and sum(report["abandoned_by_reason"].values()) == 1
    # Estimated: the done, in-contact and group leads (40 + 10 + 0 t); the abandoned one's 99 t are not.
    assert report["tonnes_estimated"] == 50 and report["co2e_t_estimated"] == 2.0
    assert report["eur_estimated"] == 3400
    assert (report["tonnes_realised"], report["eur_realised"], report["co2e_t_realised"]) == (35, 3000, 1.5)
    assert report["jobs_realised"] == 1 and report["synergies_realised"] == 1
    assert report["companies_engaged"] == 2  # the sawmill (done, in contact) and the farm (done)

    # A period before anything existed: nothing to report.
    empty = (
        await _get(
            api, "/v1/territories/32/report", t.claire_token, **{"from": "2020-01-01", "to": "2020-12-31"}
        )
    ).json()
    assert empty["companies"] == 0 and empty["leads"] == 0 and empty["tonnes_realised"] == 0

    r = await _get(api, "/v1/territories/32/report", t.claire_token, format="csv", **period)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert (
        r.headers["content-disposition"]
        == f'attachment; filename="rapport-32-{period["from"]}-{period["to"]}.csv"'
    )
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    values = {row[0]: row[2] for row in lines if len(row) == 3}
    assert float(values["tonnes_realised"]) == 35 and float(values["eur_realised"]) == 3000
    assert int(values["leads_by_status.done"]) == 1 and int(values["abandoned_by_reason.distance"]) == 1
    assert float(values["tonnes_estimated"]) == 50

    r = await _get(api, "/v1/territories/32/report", t.claire_token, format="xlsx", **period)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["Rapport", "Pistes"]
    cells = {
        row[0]: row[2] for row in book["Rapport"].iter_rows(values_only=True) if len(row) >= 3 and row[0]
    }
    assert (
        cells["tonnes_realised"] == 35 and cells["co2e_t_realised"] == 1.5 and cells["eur_realised"] == 3000
    )
    assert cells["leads_by_status.in_contact"] == 1 and cells["companies"] == 3
    leads = [row for row in book["Pistes"].iter_rows(values_only=True) if row and row[0] and len(row) > 5]
    by_id = {row[0]: row for row in leads[1:]}
    assert by_id[str(t.done.synergy_id)][3] == "done" and by_id[str(t.done.synergy_id)][6] == 35
    assert by_id[str(t.dropped.synergy_id)][4] == "distance"

    # Only the territory's advisors and the admin; a company is refused.
    assert (await _get(api, "/v1/territories/32/report", t.bigorre_token)).status_code == 403
    assert (await _get(api, "/v1/territories/32/report", await _company_token(api, t))).status_code == 403
    bad = await _get(
        api, "/v1/territories/32/report", t.claire_token, **{"from": "2025-02-01", "to": "2025-01-01"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "from"
    assert (await _get(api, "/v1/territories/32/report", t.claire_token, format="pdf")).status_code == 422


async def test_text_a_spreadsheet_would_run_is_defused_in_the_exports(setup: tuple[Notifier, Api]) -> None:
    n, api = setup
    t = await Territory(n, api).build()
    hostile = '=HYPERLINK("http://evil.example","clic")'
    body = {
        "kind": "substitution",
        "participants": [
            {"company_id": str(t.sawmill), "role": "supplier", "label": "+sciures"},
            {"company_id": str(t.dairy), "role": "receiver"},
        ],
        "description": "@SUM(1+1)*cmd|' /C calc'!A0",
        "resource": hostile,
    }
    r = await api.post("/v1/synergies", body, t.claire_token)
    assert r.status_code == 201, r.text
    r = await _get(api, "/v1/territories/32/report", t.claire_token, format="xlsx")
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    texts = [cell for row in book["Pistes"].iter_rows() for cell in row if isinstance(cell.value, str)]
    [resource] = [cell for cell in texts if "HYPERLINK" in cell.value]
    assert resource.value == "'" + hostile and resource.data_type == "s"
    assert not [cell for cell in texts if cell.value[:1] in ("=", "+", "-", "@") or cell.data_type == "f"]
    # A territory named like a formula (the admin may ask for any) comes back quoted too.
    for fmt in ("csv", "xlsx"):
        r = await api.http.get(
            "/v1/territories/=1+2/report",
            params={"format": fmt},
            headers={"Authorization": "Bearer admin-token-for-the-notifier-tests"},
        )
        assert r.status_code == 200, r.text
        if fmt == "csv":
            rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
            assert ["territory", "'=1+2"] in rows
            assert not [c for row in rows for c in row if c[:1] in ("=", "+", "@")]
        else:
            sheet = openpyxl.load_workbook(io.BytesIO(r.content))["Rapport"]
            assert ("territory", "'=1+2") in [tuple(row[:2]) for row in sheet.iter_rows(values_only=True)]
        assert "rapport-1_2-" in r.headers["content-disposition"]


async def test_what_another_territory_s_advisor_only_flow_gives_is_withheld(
    setup: tuple[Notifier, Api],
) -> None:
    n, api = setup
    t = await Territory(n, api).build()
    secret = synergy(
        t.sawmill, t.stud, territories=("32", "65"), b_confidentiality=Confidentiality.ADVISOR_ONLY
    )
    secret = secret.model_copy(
        update={"impact": Impact(tonnes_diverted_per_year=7.0, co2e_avoided_kg_per_year=300.0)}
    )
    await n.recorder.handle(SynergyProposed(synergy=secret))
    lead = str(secret.synergy_id)

    mine = _features((await _get(api, "/v1/territories/32/map.geojson", t.claire_token)).json(), "lead")[lead]
    assert mine["geometry"] == {"type": "MultiPoint", "coordinates": [mine["geometry"]["coordinates"][0]]}
    assert mine["properties"]["disclosure"] == "withheld" and mine["properties"]["tonnes_estimated"] is None
    estimate = (await _get(api, f"/v1/synergies/{lead}/outcome", t.claire_token)).json()["estimate"]
    assert estimate == {"tonnes_per_year": None, "eur_per_year": None, "co2e_t_per_year": None, "factors": []}
    # Its own territory's advisor and the admin read it whole.
    theirs = (await _get(api, f"/v1/synergies/{lead}/outcome", t.bigorre_token)).json()["estimate"]
    assert theirs["tonnes_per_year"] == 7.0
    admin = _features(await api.get("/v1/territories/*/map.geojson"), "lead")[lead]
    assert admin["geometry"]["type"] == "LineString" and admin["properties"]["tonnes_estimated"] == 7.0
