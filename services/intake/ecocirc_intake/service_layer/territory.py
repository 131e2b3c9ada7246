"""What an advisor sees of a territory as a whole: its map (companies and leads, as GeoJSON) and its
report for funders over a period. Companies and flows are intake's; leads, their history and outcomes
are read through the notifier's read contract; every name, label, site and euro goes through the
shared confidentiality rules, as in the API and the emails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from uuid import UUID

from ecocirc_intake.adapters import directory as intake_directory
from ecocirc_intake.adapters import notifier_reads
from ecocirc_intake.adapters.store import IntakeStore
from ecocirc_intake.domain import geojson
from ecocirc_intake.domain.report import CompanyRow, FlowRow, LeadRow, Period, Report, report
from ecocirc_intake.service_layer.followup import require_advisor, require_territory
from ecocirc_intake.service_layer.principals import Advisor, Principal
from ecocirc_shared.directory import Directory, RecipientKind, Viewer
from ecocirc_shared.flows import Confidentiality
from ecocirc_shared.followup import SynergyStatus
from ecocirc_shared.outcomes import estimate_for
from ecocirc_shared.pages import lead_page_url
from ecocirc_shared.reference import get_naf
from ecocirc_shared.territories import ALL_TERRITORIES
from ecocirc_shared.wording import synergy_view


def _viewer(advisor: Advisor) -> Viewer:
    return Viewer(kind=RecipientKind.ADVISOR, id=advisor.id, territories=advisor.territories)


def _whole(territory: str) -> str | None:
    """None for "*" (the whole programme, the admin's), else the territory."""
    return None if territory == ALL_TERRITORIES else territory


async def map_territories(store: IntakeStore, principal: Principal) -> list[str]:
    """The territories whose map `principal` may open: an advisor's own; for the admin, the whole
    programme ("*") then every territory a company belongs to."""
    advisor = require_advisor(principal)
    if ALL_TERRITORIES not in advisor.territories:
        return list(advisor.territories)
    async with store.transaction() as tx:
        present = await tx.territories()
    return [ALL_TERRITORIES, *present] if advisor.is_admin else present


async def territory_map(
    store: IntakeStore,
    principal: Principal,
    territory: str,
    public_base_url: str,
    include_withdrawn: bool = False,
) -> dict[str, Any]:
    advisor = require_territory(principal, territory)
    viewer = _viewer(advisor)
    async with store.transaction() as tx:
        companies = await tx.territory_companies(_whole(territory))
        leads = await notifier_reads.territory_leads(tx.conn, [territory])
        participants = list({p.company_id for row, _ in leads for p in row.snapshot.participants})
        directory = await intake_directory.companies(tx.conn, participants)
        sites = await tx.company_sites(participants)
    features = []
    for c in companies:
        naf = get_naf(c["naf_code"])
        properties = {
            "feature": "company",
            "id": str(c["id"]),
            "name": c["name"],
            "naf_code": c["naf_code"],
            "naf_label": naf.label_fr if naf else None,
            "commune": c["city"],
            "postcode": c["postcode"],
            "territory": c["territory"],
            "offers": c["offers"],
            "needs": c["needs"],
        }
        features.append(geojson.point(c["lon"], c["lat"], properties, c["id"]))
    for row, outcome in leads:
        if row.status == SynergyStatus.WITHDRAWN and not include_withdrawn:
            continue
        feature = _lead_feature(row, outcome, directory, sites, viewer, public_base_url)
        if feature is not None:
            features.append(feature)
    return geojson.collection(features, territory=territory)


def _lead_feature(
    row: notifier_reads.StoredSynergy,
    outcome: dict[str, Any] | None,
    directory: Directory,
    sites: dict[UUID, Any],
    viewer: Viewer,
    public_base_url: str,
) -> dict[str, Any] | None:
    snapshot = row.snapshot
    view = synergy_view(snapshot, directory, viewer, introduced=row.introduced)
    places: list[geojson.Place | None] = []
    shown = []
    for participant, party in zip(snapshot.participants, view.parties, strict=True):
        site = sites.get(participant.company_id)
        # A site not seen in full is shown to about a kilometre; one behind an advisor_only flow not at all.
        hidden = not party.in_full and participant.confidentiality is Confidentiality.ADVISOR_ONLY
        places.append(
            None if site is None or hidden else geojson.Place(site["lon"], site["lat"], exact=party.in_full)
        )
        shown.append(
            {
                "company_id": str(participant.company_id) if party.named else None,
                "name": party.name,
                "description": None if party.named else party.description,
                "role": participant.role.value,
                "territory": party.territory,
            }
        )
    geometry = geojson.lead_geometry(
        snapshot.kind.value, [p.role.value for p in snapshot.participants], places
    )
    if geometry is None:
        return None
    facts = view.figures
    estimate = estimate_for(snapshot, directory, viewer)
    properties = {
        "feature": "lead",
        "id": str(snapshot.synergy_id),
        "kind": snapshot.kind.value,
        "status": row.status,
        "active": row.active,
        "origin": row.pipeline.origin,
        "score": facts.score,
        "resource": view.resource,
        "resource_class": snapshot.resource_class,
        "distance_km": facts.distance_km,
        "disclosure": facts.disclosure.value,
        "members": len(snapshot.participants),
        "participants": shown,
        "owner_id": str(row.pipeline.owner_id) if row.pipeline.owner_id else None,
        "next_action_on": row.pipeline.next_action_on.isoformat() if row.pipeline.next_action_on else None,
        "tonnes_estimated": estimate.tonnes_per_year,
        "co2e_t_estimated": estimate.co2e_t_per_year,
        "tonnes_realised": None if outcome is None else outcome.get("tonnes_per_year"),
        "link": lead_page_url(public_base_url, snapshot.synergy_id),
    }
    return geojson.feature(geometry, properties, snapshot.synergy_id)


@dataclass(frozen=True)
class LeadLine:
    """One lead as the report's list of leads shows it."""

    id: UUID
    kind: str
    resource: str
    status: str
    abandon_reason: str | None
    tonnes_estimated: float | None
    tonnes_realised: float | None
    co2e_t_estimated: float | None
    co2e_t_realised: float | None
    eur_realised: float | None
    link: str


def period_of(first: date, last: date, zone: tzinfo) -> Period:
    """Days from `first` to `last` included, in the programme's time zone `zone` (a report to 31
    December in Paris counts a lead moved at 00:30 on 1 January, Paris time, in the next year)."""
    start = datetime.combine(first, time(), zone)
    return Period(first, last, start, datetime.combine(last + timedelta(days=1), time(), zone))


async def territory_report(
    store: IntakeStore, principal: Principal, territory: str, period: Period, public_base_url: str
) -> tuple[Report, list[LeadLine]]:
    advisor = require_territory(principal, territory)
    viewer = _viewer(advisor)
    async with store.transaction() as tx:
        companies = await tx.territory_companies(_whole(territory))
        flows = await tx.territory_flows(_whole(territory))
        leads = await notifier_reads.territory_leads(tx.conn, [territory])
        ids = [row.snapshot.synergy_id for row, _ in leads]
        at_end = await notifier_reads.status_at(tx.conn, ids, period.end)
        reached = await notifier_reads.statuses_reached(tx.conn, ids, period.start, period.end)
        directory = await intake_directory.companies(
            tx.conn, {p.company_id for row, _ in leads for p in row.snapshot.participants}
        )
    moved: dict[UUID, list[SynergyStatus]] = {}
    for change in reached:
        moved.setdefault(change["synergy_id"], []).append(SynergyStatus(change["status"]))
    rows: list[LeadRow] = []
    lines: list[LeadLine] = []
    for row, outcome in leads:
        snapshot = row.snapshot
        end = at_end.get(snapshot.synergy_id)
        status = SynergyStatus(end["status"]) if end else None
        estimate = estimate_for(snapshot, directory, viewer)
        lead = LeadRow(
            id=snapshot.synergy_id,
            kind=snapshot.kind.value,
            created_at=row.pipeline.created_at or row.updated_at,
            status_at_end=status,
            abandon_reason_at_end=end["abandon_reason"] if end else None,
            reached=tuple(moved.get(snapshot.synergy_id, ())),
            companies=tuple(p.company_id for p in snapshot.participants),
            estimate=estimate,
            prices_visible=estimate.eur_per_year is not None,
            outcome=outcome,
        )
        rows.append(lead)
        if status is None:
            continue
        realised = outcome if status is SynergyStatus.DONE else None
        lines.append(
            LeadLine(
                id=snapshot.synergy_id,
                kind=snapshot.kind.value,
                resource=synergy_view(snapshot, directory, viewer).resource,
                status=status.value,
                abandon_reason=lead.abandon_reason_at_end,
                tonnes_estimated=estimate.tonnes_per_year,
                tonnes_realised=None if realised is None else realised.get("tonnes_per_year"),
                co2e_t_estimated=estimate.co2e_t_per_year,
                co2e_t_realised=None if realised is None else realised.get("co2e_t_per_year"),
                eur_realised=None if realised is None else realised.get("eur_per_year"),
                link=lead_page_url(public_base_url, snapshot.synergy_id),
            )
        )
    result = report(
        territory,
        period,
        [CompanyRow(c["id"], c["created_at"]) for c in companies],
        [FlowRow(f["created_at"], f["withdrawn_at"], f["direction"]) for f in flows],
        rows,
    )
    return result, lines
