"""Every French tuning territory is well formed, packaged, apart from the other sets, and each answer is sourced.

The files (`ecocirc_matcher/evaluation/data/france_tuning*/territory.json`) are the sets the knowledge may be
tuned on; from the second one on, each was written from public industrial-symbiosis cases without reading the
matcher's knowledge and committed before the matcher was run on it. These tests read the files only; how the
matcher does on them is what `python -m ecocirc_matcher.evaluation demo --file ...` measures. One table says
what differs from set to set (size, clusters, how strict); every rule below applies to all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.unit import territory_checks as checks
from tests.unit.matcher.evaluation.french_sets import GERS_FILE, FrenchSet

# Departments of the sets that are not tuning sets: the Gers demo and the independent set, whose answers must stay
# unseen by whoever tunes.
GERS_AND_INDEPENDENT_DEPARTMENTS = {"32", "10", "59", "26"}


@dataclass(frozen=True)
class TuningSpec:
    """What one tuning set was asked to be: its size, its clusters and how strict its traps are."""

    folder: str
    companies: tuple[int, int]
    flows: tuple[int, int]
    substitutions: int
    mutualisations: int
    traps: int
    max_flows_per_company: int
    clusters: tuple[set[str], ...]
    min_companies_per_cluster: int
    clusters_apart_km: float
    legal_and_health_traps: int
    lookalike_traps: int
    # Refused offers whose hazard only the words say (no EWC star, no tick): the matcher must read them.
    hazards_in_words_only: int
    # The later sets were asked for every kind of group: purchase, training, collection and transport, staff.
    every_group_kind: bool
    # A set written from the same brief as another, at the same time, may share its departments.
    twin_of: str | None = None

    @property
    def data(self) -> FrenchSet:
        return _SETS[self.folder]

    @property
    def departments(self) -> set[str]:
        return set().union(*self.clusters)


SPECS = (
    # Cornouaille (29), Centre-Alsace (68, and Sélestat in 67), Thiers-Livradois (63).
    TuningSpec(
        "france_tuning",
        companies=(30, 40),
        flows=(90, 120),
        substitutions=40,
        mutualisations=8,
        traps=30,
        max_flows_per_company=5,
        clusters=({"29"}, {"68", "67"}, {"63"}),
        min_companies_per_cluster=10,
        clusters_apart_km=checks.FAR_KM,
        legal_and_health_traps=15,
        lookalike_traps=6,
        hazards_in_words_only=10,
        every_group_kind=False,
    ),
    # Haut-Bocage vendéen (85), estuaire de la Seine (76), sud grenoblois (38). Le Havre and Mortagne-sur-Sèvre
    # are 290 km apart: every cross-cluster distance trap has more than 300 km or a declared limit.
    TuningSpec(
        "france_tuning_2",
        companies=(35, 45),
        flows=(100, 120),
        substitutions=40,
        mutualisations=8,
        traps=35,
        max_flows_per_company=5,
        clusters=({"85"}, {"76"}, {"38"}),
        min_companies_per_cluster=12,
        clusters_apart_km=280,
        legal_and_health_traps=20,
        lookalike_traps=8,
        hazards_in_words_only=10,
        every_group_kind=True,
    ),
    # Étang de Berre and Crau (13), Aunis-Saintonge (17), Moselle Sud (57). Saintes-Maries-de-la-Mer and Jonzac,
    # the nearest pair of two clusters, are 444 km apart: far beyond any bulk or heat exchange.
    TuningSpec(
        "france_tuning_3",
        companies=(40, 50),
        flows=(110, 150),
        substitutions=55,
        mutualisations=12,
        traps=40,
        max_flows_per_company=6,
        clusters=({"13"}, {"17"}, {"57"}),
        min_companies_per_cluster=12,
        clusters_apart_km=400,
        legal_and_health_traps=24,
        lookalike_traps=8,
        hazards_in_words_only=10,
        every_group_kind=True,
    ),
    # Nord rémois and Champagne (51), bassin de Lacq and Chalosse (64, 40), Vaucluse (84): agri-food and process
    # industry. Saint-Sever and Orange, the nearest pair of two clusters, are 432 km apart.
    TuningSpec(
        "france_tuning_4",
        companies=(40, 50),
        flows=(130, 150),
        substitutions=55,
        mutualisations=12,
        traps=45,
        max_flows_per_company=6,
        clusters=({"51"}, {"64", "40"}, {"84"}),
        min_companies_per_cluster=12,
        clusters_apart_km=400,
        legal_and_health_traps=24,
        lookalike_traps=8,
        hazards_in_words_only=10,
        every_group_kind=True,
    ),
    # Small businesses, crafts and services of urban business parks: Bordeaux Métropole (33), Rennes Métropole (35),
    # Montpellier and the bassin de Thau (34). Libourne and Poussan, the nearest pair of two clusters, are 348 km apart.
    TuningSpec(
        "france_tuning_5",
        companies=(45, 52),
        flows=(130, 150),
        substitutions=50,
        mutualisations=12,
        traps=50,
        max_flows_per_company=5,
        clusters=({"33"}, {"35"}, {"34"}),
        min_companies_per_cluster=14,
        clusters_apart_km=340,
        legal_and_health_traps=35,
        lookalike_traps=7,
        hazards_in_words_only=15,
        every_group_kind=True,
    ),
    # Twin of set 4 (same brief, another writer): Marne (51), bassin de Lacq and Landes (64, 40), centre Manche (50).
    TuningSpec(
        "france_tuning_6",
        companies=(40, 50),
        flows=(130, 150),
        substitutions=70,
        mutualisations=12,
        traps=48,
        max_flows_per_company=6,
        clusters=({"51"}, {"64", "40"}, {"50"}),
        min_companies_per_cluster=14,
        clusters_apart_km=checks.FAR_KM,
        legal_and_health_traps=24,
        lookalike_traps=8,
        hazards_in_words_only=12,
        every_group_kind=True,
        twin_of="france_tuning_4",
    ),
    # Twin of set 5 (same brief, another writer): Bordeaux métropole (33), Rennes métropole (35), Montpellier and
    # Sète (34). Blanquefort and Bruz, the nearest pair of two clusters, are 356 km apart.
    TuningSpec(
        "france_tuning_7",
        companies=(40, 50),
        flows=(130, 150),
        substitutions=55,
        mutualisations=15,
        traps=45,
        max_flows_per_company=6,
        clusters=({"33"}, {"35"}, {"34"}),
        min_companies_per_cluster=14,
        clusters_apart_km=checks.FAR_KM,
        legal_and_health_traps=30,
        lookalike_traps=5,
        hazards_in_words_only=15,
        every_group_kind=True,
        twin_of="france_tuning_5",
    ),
)
_SETS = {spec.folder: FrenchSet(spec.folder) for spec in SPECS}


def _each(items: str) -> list[Any]:
    """One pytest parameter per item of every set, named `set:item`."""
    return [
        pytest.param(
            spec,
            item,
            id=f"{spec.folder}:{item['key'] if items == 'companies' else ' / '.join(item['flows'])}",
        )
        for spec in SPECS
        for item in getattr(spec.data, items)
    ]


def _each_flow(*, with_ewc: bool = False) -> list[Any]:
    return [
        pytest.param(spec, ref, id=f"{spec.folder}:{ref}")
        for spec in SPECS
        for ref, (_, flow) in sorted(spec.data.flows.items())
        if flow.get("ewc_code") or not with_ewc
    ]


def _twins(a: TuningSpec, b: TuningSpec) -> bool:
    return a.twin_of == b.folder or b.twin_of == a.folder


def _earlier(spec: TuningSpec) -> list[TuningSpec]:
    # A twin was written at the same time from the same brief: it could not be copied from, and the same short
    # labels ("Marc de café", "Huile de friture usagée") are bound to come up in both.
    return [o for o in SPECS[: SPECS.index(spec)] if not _twins(spec, o)]


BY_SET = pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.folder)


# ------------------------------------------------------------------------------------------------ file


@BY_SET
def test_file_ships_with_the_matcher_package(spec: TuningSpec) -> None:
    spec.data.check_ships_with_the_matcher_package()


@BY_SET
def test_file_has_the_four_sections_and_the_size_asked_for(spec: TuningSpec) -> None:
    spec.data.check_sections_and_size(
        companies=spec.companies,
        flows=spec.flows,
        substitutions=spec.substitutions,
        mutualisations=spec.mutualisations,
        traps=spec.traps,
    )


# ------------------------------------------------------------------------------------------------ companies


@pytest.mark.parametrize(("spec", "company"), _each("companies"))
def test_company_fields(spec: TuningSpec, company: dict[str, Any]) -> None:
    checks.check_company_fields(company, max_flows=spec.max_flows_per_company)


@pytest.mark.parametrize(("spec", "company"), _each("companies"))
def test_company_naf_code_exists_in_the_repo_table(spec: TuningSpec, company: dict[str, Any]) -> None:
    checks.check_company_naf(company)


@pytest.mark.parametrize(("spec", "company"), _each("companies"))
def test_company_siret_is_luhn_valid_and_fictitious(spec: TuningSpec, company: dict[str, Any]) -> None:
    checks.check_company_siret(company)


@pytest.mark.parametrize(("spec", "company"), _each("companies"))
def test_company_postcode_and_city_resolve_to_a_commune_of_its_territory(
    spec: TuningSpec, company: dict[str, Any]
) -> None:
    checks.check_company_commune(company)


@BY_SET
def test_keys_and_sirets_are_unique_and_apart_from_the_other_tuning_sets(spec: TuningSpec) -> None:
    checks.check_keys_and_sirets_unique(spec.data.companies)
    # The tuning sets may be loaded into one platform (demo/load.py is idempotent through the SIRET).
    sirets = {c["siret"] for c in spec.data.companies}
    for other in SPECS:
        if other is not spec:
            assert not sirets & {c["siret"] for c in other.data.companies}, other.folder


@BY_SET
def test_regions_apart_from_the_other_sets_and_clusters_far_apart(spec: TuningSpec) -> None:
    others = set(GERS_AND_INDEPENDENT_DEPARTMENTS).union(
        *(o.departments for o in SPECS if o is not spec and not _twins(spec, o))
    )
    assert not {c["territory"] for c in spec.data.companies} & others
    spec.data.check_clusters_far_apart(
        spec.clusters, min_companies=spec.min_companies_per_cluster, min_km=spec.clusters_apart_km
    )


def test_a_group_crosses_a_department_border() -> None:
    # Sélestat (67) is 16 km from Colmar (68): neighbours do not stop at a department's edge.
    first = SPECS[0].data
    crossing = [
        g for g in first.mutualisations if len({first.flows[r][0]["territory"] for r in g["flows"]}) > 1
    ]
    assert crossing


# ------------------------------------------------------------------------------------------------ flows


@pytest.mark.parametrize(("spec", "ref"), _each_flow())
def test_flow_fields(spec: TuningSpec, ref: str) -> None:
    checks.check_flow_fields(spec.data.flows[ref][1])


@pytest.mark.parametrize(("spec", "ref"), _each_flow(with_ewc=True))
def test_flow_ewc_code_is_a_waste_entry_of_the_repo_table(spec: TuningSpec, ref: str) -> None:
    checks.check_flow_ewc(spec.data.flows[ref][1])


@BY_SET
def test_declarations_are_written_the_way_small_businesses_write(spec: TuningSpec) -> None:
    spec.data.check_written_like_small_businesses(label_only=True, declared_distance=True)


@BY_SET
def test_no_wording_is_copied_from_the_gers_demo_or_an_earlier_tuning_set(spec: TuningSpec) -> None:
    spec.data.check_no_wording_copied_from(GERS_FILE, *(o.data.territory_file for o in _earlier(spec)))


# ------------------------------------------------------------------------------------------------ answer key


@BY_SET
def test_expected_entries_are_well_formed(spec: TuningSpec) -> None:
    for item in spec.data.territory["expected"]:
        checks.check_expected_entry(item, spec.data.flows)


@pytest.mark.parametrize(("spec", "item"), _each("substitutions"))
def test_expected_substitution_is_an_offer_meeting_a_need_it_can_reach(
    spec: TuningSpec, item: dict[str, Any]
) -> None:
    checks.check_substitution(item, spec.data.flows)


@BY_SET
def test_expected_substitutions_stay_inside_a_cluster(spec: TuningSpec) -> None:
    spec.data.check_substitutions_stay_inside_a_cluster(spec.clusters)


@pytest.mark.parametrize(("spec", "item"), _each("mutualisations"))
def test_expected_mutualisation_groups_like_flows(spec: TuningSpec, item: dict[str, Any]) -> None:
    checks.check_mutualisation(item, spec.data.flows, skills_need_months=False)


@pytest.mark.parametrize(("spec", "item"), _each("mutualisations"))
def test_expected_mutualisation_members_are_neighbours(spec: TuningSpec, item: dict[str, Any]) -> None:
    spec.data.check_members_are_neighbours(item, max_km=30)


@BY_SET
def test_groups_cover_purchase_training_collection_transport_and_staff(spec: TuningSpec) -> None:
    categories = {spec.data.flows[g["flows"][0]][1]["category"] for g in spec.data.mutualisations}
    wanted = {"material", "skills", "service"} | ({"logistics"} if spec.every_group_kind else set())
    assert categories >= wanted


@pytest.mark.parametrize(("spec", "trap"), _each("traps"))
def test_trap_is_well_formed_and_really_wrong(spec: TuningSpec, trap: dict[str, Any]) -> None:
    # Most hazards are said in words only (antifouling, Eternit, sels CCA, traité autoclave), unticked.
    checks.check_trap(trap, spec.data.flows, checks.pair_sets(spec.data.territory), hazardous_ticked=False)


@BY_SET
def test_traps_cover_every_kind_and_mostly_legal_and_health_refusals(spec: TuningSpec) -> None:
    spec.data.check_traps_cover_every_kind(
        legal_and_health=spec.legal_and_health_traps, lookalike=spec.lookalike_traps
    )


@BY_SET
def test_most_refused_offers_say_their_hazard_only_in_words(spec: TuningSpec) -> None:
    in_words_only = spec.data.refused_offers_in_words_only()
    assert len(in_words_only) >= spec.hazards_in_words_only, in_words_only


# ------------------------------------------------------------------------------------------------ sources


@pytest.mark.parametrize(("spec", "entry"), _each("answers"))
def test_every_answer_cites_a_defined_public_source(spec: TuningSpec, entry: dict[str, Any]) -> None:
    spec.data.check_cites_a_defined_public_source(entry)
