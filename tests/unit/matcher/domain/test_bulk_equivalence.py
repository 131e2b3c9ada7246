"""The index's shortcuts (groups kept per key, pairwise judgements remembered, cell boxes) change no result.

On random flows with the real knowledge, after declarations, revisions and withdrawals, what the
index finds is exactly what judging every pair afresh finds: the same synergies with the same content.
"""

from __future__ import annotations

import itertools
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ecocirc_matcher.domain import index as index_module
from ecocirc_matcher.domain.groups import build_groups, group_keys
from ecocirc_matcher.domain.index import MAX_GROUP_CANDIDATES, MatchIndex
from ecocirc_matcher.domain.knowledge import Knowledge, load_knowledge
from ecocirc_matcher.domain.model import GroupKey, Proposal
from ecocirc_matcher.domain.pairing import evaluate_substitution
from ecocirc_matcher.service_layer.snapshots import first_revision
from ecocirc_shared.flows import Category, Direction, FlowSnapshot, Period, Quantity, Site, Unit

LABELS = [
    "Sciures et copeaux",
    "Palettes bois",
    "Lactosérum",
    "Drêches de brasserie",
    "Chaleur fatale 60°C",
    "Cartons",
    "Huile de friture usagée",
    "Big bags",
    "Saisonniers",
    "Besoin de sciure pour litière",
    "Pas de sciure, uniquement des copeaux",
]
EWC = [None, None, "03 01 05", "15 01 01", "02 05 01", "13 02 05*", "20 01 25", "15 01 03"]
NAF = [None, "16.10A", "01.47Z", "11.05Z", "10.51C", "56.10A", "01.21Z"]


def random_flow(rng: random.Random, companies: list[uuid.UUID]) -> FlowSnapshot:
    return FlowSnapshot(
        flow_id=uuid.UUID(int=rng.getrandbits(128)),
        company_id=rng.choice(companies),
        version=1,
        direction=rng.choice([Direction.OFFER, Direction.NEED]),
        category=rng.choice(
            [Category.WASTE, Category.WASTE, Category.MATERIAL, Category.ENERGY, Category.SKILLS]
        ),
        label=rng.choice(LABELS),
        ewc_code=rng.choice(EWC),
        naf_code=rng.choice(NAF),
        quantity=rng.choice(
            [
                None,
                Quantity(
                    amount=rng.uniform(1, 500),
                    unit=rng.choice([Unit.TONNE, Unit.CUBIC_METRE]),
                    period=Period.YEAR,
                ),
            ]
        ),
        months=tuple(sorted(rng.sample(range(1, 13), rng.choice([0, 0, 0, 3, 6])))),
        hazardous=rng.random() < 0.15,
        max_distance_km=rng.choice([None, None, 10.0, 40.0]),
        site=Site(
            lat=43.6 + rng.uniform(-0.3, 0.3),
            lon=0.6 + rng.uniform(-0.4, 0.4),
            territory=rng.choice(["32", "31"]),
        ),
        declared_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 10_000)),
    )


def one_pair_at_a_time(flows: list[FlowSnapshot], kb: Knowledge) -> dict[uuid.UUID, Proposal]:
    """Every synergy among `flows`, each pair judged afresh and each group built from scratch."""
    found: dict[uuid.UUID, Proposal] = {}
    offers = [f for f in flows if f.direction is Direction.OFFER]
    needs = [f for f in flows if f.direction is Direction.NEED]
    for offer, need in itertools.product(offers, needs):
        if (p := evaluate_substitution(offer, need, kb)) is not None:
            found[p.synergy_id] = p
    members: dict[GroupKey, list[FlowSnapshot]] = {}
    for f in flows:
        for key in group_keys(f, kb):
            members.setdefault(key, []).append(f)
    for key, group in members.items():
        # The same candidates as the index: the earliest declared, at most MAX_GROUP_CANDIDATES.
        chosen = sorted(group, key=lambda f: (f.declared_at, str(f.flow_id)))[:MAX_GROUP_CANDIDATES]
        if len(chosen) >= 2:
            for p in build_groups(key, chosen, kb):
                found[p.synergy_id] = p
    return found


def through_the_index(index: MatchIndex) -> dict[uuid.UUID, Proposal]:
    found: dict[uuid.UUID, Proposal] = {}
    for f in index.flows.values():
        found.update((p.synergy_id, p) for p in index.proposals_for(f))
    return found


def contents(found: dict[uuid.UUID, Proposal], kb: Knowledge) -> dict[uuid.UUID, str]:
    """Each synergy as the JSON it would be announced with (revision 1)."""
    return {sid: first_revision(p, kb.version)[0] for sid, p in found.items()}


@pytest.mark.parametrize(("seed", "memo_pairs"), [(1, None), (2, None), (3, None), (4, 50)])
def test_the_index_finds_exactly_what_judging_every_pair_finds(
    seed: int, memo_pairs: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if memo_pairs is not None:  # a memo that overflows and starts afresh, often
        monkeypatch.setattr(index_module, "TOGETHER_MEMO_PAIRS", memo_pairs)
    kb = load_knowledge()
    rng = random.Random(seed)
    companies = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(40)]
    index = MatchIndex(kb)
    live: dict[uuid.UUID, FlowSnapshot] = {}
    for step in range(240):
        roll = rng.random()
        if live and roll < 0.15:  # a withdrawal
            gone = live.pop(rng.choice(sorted(live)))
            index.remove(gone.flow_id)
        elif live and roll < 0.35:  # a revision: moved, or saying something else
            old = live[rng.choice(sorted(live))]
            fresh = random_flow(rng, companies)
            changed = old.model_copy(
                update={
                    "version": old.version + 1,
                    "site": fresh.site if rng.random() < 0.5 else old.site,
                    "label": fresh.label if rng.random() < 0.5 else old.label,
                    "months": fresh.months,
                    "hazardous": fresh.hazardous,
                    "max_distance_km": fresh.max_distance_km,
                }
            )
            live[old.flow_id] = changed
            index.upsert(changed)
        else:
            new = random_flow(rng, companies)
            live[new.flow_id] = new
            index.upsert(new)
        if step % 60 == 59:
            expected = contents(one_pair_at_a_time(list(live.values()), kb), kb)
            got = contents(through_the_index(index), kb)
            assert len(expected) > 5, "the scenario should make synergies"
            assert got == expected
            # What a re-derivation asks: every proposal, each pair judged once.
            assert contents({p.synergy_id: p for p in index.all_proposals()}, kb) == expected
