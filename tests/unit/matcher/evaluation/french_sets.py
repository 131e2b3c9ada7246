"""Scaffolding shared by the tests of the French evaluation territories (tuning sets and independent set).

Each set is a folder of `ecocirc_matcher/evaluation/data/` holding `territory.json` (format in
demo/gers/README.md) and a README whose tables give, for every expected synergy and trap, the public sources
it rests on. The checks of single companies, flows and answers live in `tests/unit/territory_checks.py`;
this module adds what a whole set needs: loading it once, its README's source table, and the checks that
every French set shares. Each test module keeps its own thresholds and its own parametrised tests.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from tests.unit import territory_checks as checks

REPO_ROOT = Path(__file__).resolve().parents[4]
DATA_ROOT = REPO_ROOT / "services" / "matcher" / "ecocirc_matcher" / "evaluation" / "data"
GERS_FILE = REPO_ROOT / "demo" / "gers" / "territory.json"
SOURCE_ID = re.compile(r"\b[SR]\d+\b")


class FrenchSet:
    """One French territory folder: its file parsed once, its answer key and its README."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.data_dir = DATA_ROOT / folder
        self.territory_file = self.data_dir / "territory.json"
        self.readme_file = self.data_dir / "README.md"

    @cached_property
    def territory(self) -> dict[str, Any]:
        return checks.load(self.territory_file)

    @property
    def companies(self) -> list[dict[str, Any]]:
        companies: list[dict[str, Any]] = self.territory["companies"]
        return companies

    @cached_property
    def flows(self) -> checks.Flows:
        return checks.flows_of(self.territory)

    @property
    def traps(self) -> list[dict[str, Any]]:
        traps: list[dict[str, Any]] = self.territory["traps"]
        return traps

    @property
    def substitutions(self) -> list[dict[str, Any]]:
        return [i for i in self.territory["expected"] if i["kind"] == "substitution"]

    @property
    def mutualisations(self) -> list[dict[str, Any]]:
        return [i for i in self.territory["expected"] if i["kind"] == "mutualisation"]

    @property
    def answers(self) -> list[dict[str, Any]]:
        """Every expected synergy and trap, for the checks that hold for both."""
        return [*self.territory["expected"], *self.traps]

    @cached_property
    def source_table(self) -> dict[frozenset[str], set[str]]:
        """The README's tables: the flows of each answer (second column) -> the source ids it cites (last)."""
        table: dict[frozenset[str], set[str]] = {}
        for line in self.readme_file.read_text(encoding="utf-8").splitlines():
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if line.startswith("|") and len(cells) >= 3:
                refs = frozenset(re.findall(r"`([^`]+)`", cells[1]))
                if refs:
                    table[refs] = set(SOURCE_ID.findall(cells[-1]))
        return table

    @cached_property
    def defined_sources(self) -> set[str]:
        text = self.readme_file.read_text(encoding="utf-8")
        return set(re.findall(r"^- \*\*([SR]\d+)\*\*", text, flags=re.MULTILINE))

    def cluster_of(self, company: dict[str, Any], clusters: Sequence[set[str]]) -> int:
        """The index of the cluster (a set of departments) the company is in."""
        return next(i for i, departments in enumerate(clusters) if company["territory"] in departments)

    # -------------------------------------------------------------------------------------------- checks

    def check_clusters_far_apart(
        self, clusters: Sequence[set[str]], *, min_companies: int, min_km: float
    ) -> None:
        """Only the clusters' departments; each cluster big enough; companies of two clusters far apart."""
        by_department = Counter(c["territory"] for c in self.companies)
        assert set(by_department) <= set().union(*clusters), by_department
        by_cluster = Counter(self.cluster_of(c, clusters) for c in self.companies)
        assert len(by_cluster) == len(clusters)
        assert all(count >= min_companies for count in by_cluster.values()), by_cluster
        for a, b in itertools.combinations(self.companies, 2):
            if self.cluster_of(a, clusters) != self.cluster_of(b, clusters):
                assert checks.distance_km(a, b) > min_km, (a["key"], b["key"])

    def check_substitutions_stay_inside_a_cluster(self, clusters: Sequence[set[str]]) -> None:
        for item in self.substitutions:
            (a, _), (b, _) = (self.flows[r] for r in item["flows"])
            assert self.cluster_of(a, clusters) == self.cluster_of(b, clusters), item["flows"]

    def check_members_are_neighbours(self, item: dict[str, Any], *, max_km: float) -> None:
        members = [self.flows[ref][0] for ref in item["flows"]]
        for a, b in itertools.combinations(members, 2):
            assert checks.distance_km(a, b) <= max_km, (a["key"], b["key"])

    def check_ships_with_the_matcher_package(self) -> None:
        # The evaluation reads package data; the file must be reachable the way maestri_exchanges_dev.csv is.
        packaged = resources.files("ecocirc_matcher.evaluation.data").joinpath(
            f"{self.folder}/territory.json"
        )
        assert packaged.read_bytes() == self.territory_file.read_bytes()

    def check_sections_and_size(
        self,
        *,
        companies: tuple[int, int],
        flows: tuple[int, int],
        substitutions: int,
        mutualisations: int,
        traps: int,
    ) -> None:
        assert set(self.territory) == {"territory", "companies", "expected", "traps"}
        assert self.territory["territory"].strip()
        assert companies[0] <= len(self.companies) <= companies[1]
        assert flows[0] <= len(self.flows) <= flows[1]
        assert len(self.substitutions) >= substitutions
        assert len(self.mutualisations) >= mutualisations
        assert len(self.traps) >= traps

    def check_written_like_small_businesses(self, *, label_only: bool, declared_distance: bool) -> None:
        """Mostly no EWC code, vague and seasonal flows, advisor-only ones, a receiver of hazardous waste."""
        all_flows = [f for _, f in self.flows.values()]
        assert sum(bool(f.get("ewc_code")) for f in all_flows) <= len(all_flows) // 4
        assert any(not f.get("quantity") for f in all_flows), "vague flows without a quantity"
        assert any(f.get("months") for f in all_flows), "seasonal flows"
        assert any(f.get("confidentiality") == "advisor_only" for f in all_flows)
        assert any(f.get("hazardous") and f["direction"] == "need" for f in all_flows), (
            "a receiver of hazardous"
        )
        if label_only:
            assert any(not f.get("description") for f in all_flows), "flows with a label only"
        if declared_distance:
            assert any(f.get("max_distance_km") for f in all_flows), "a declared distance limit"

    def check_no_wording_copied_from(self, *others: Path) -> None:
        """No label or description equals one of another territory file (case and edge spaces aside)."""
        texts = {
            t.strip().lower()
            for path in others
            for _, f in checks.flows_of(checks.load(path)).values()
            for t in (f["label"], f.get("description"))
            if t
        }
        copied = [
            ref
            for ref, (_, flow) in self.flows.items()
            for text in (flow["label"], flow.get("description"))
            if text and text.strip().lower() in texts
        ]
        assert copied == [], copied

    def check_traps_cover_every_kind(self, *, legal_and_health: int, lookalike: int) -> None:
        kinds = Counter(t["type"] for t in self.traps)
        assert set(kinds) == checks.TRAP_TYPES
        assert kinds["hazardous"] + kinds["regulatory"] >= legal_and_health
        assert kinds["lookalike"] >= lookalike

    def refused_offers_in_words_only(self) -> list[str]:
        """Offers of hazardous or regulatory traps that neither tick `hazardous` nor give an EWC code."""
        offers = {t["flows"][0] for t in self.traps if t["type"] in {"hazardous", "regulatory"}}
        return sorted(
            r
            for r in offers
            if not self.flows[r][1].get("hazardous") and not self.flows[r][1].get("ewc_code")
        )

    def check_cites_a_defined_public_source(self, entry: dict[str, Any]) -> None:
        cited = self.source_table.get(frozenset(entry["flows"]))
        assert cited, f"no row (or no source) in the README's source table for {entry['flows']}"
        assert cited <= self.defined_sources, cited - self.defined_sources
