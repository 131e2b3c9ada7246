"""The real sentence encoder (shipped in its wheel): French and English near their class, cached, in the knowledge."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from ecocirc_matcher.adapters import encoder as adapter
from ecocirc_matcher.adapters.encoder import DEFAULT_MODEL, MODELS, SentenceEncoder
from ecocirc_matcher.adapters.store import SCHEMA, MatcherStore
from ecocirc_matcher.bootstrap import MIGRATIONS
from ecocirc_matcher.domain.explain import GUESSED
from ecocirc_matcher.domain.knowledge import Knowledge, _read_packaged, load_knowledge
from ecocirc_matcher.service_layer.matching import MatcherService
from ecocirc_shared.db import create_pool, migrate
from ecocirc_shared.events import FlowDeclared
from ecocirc_shared.flows import Category, Direction
from ecocirc_shared.outbox import outbox_ddl
from ecocirc_shared.settings import MatcherSettings
from ecocirc_shared.synergies import SynergySnapshot
from tests.integration.matcher.test_workers import fresh_database
from tests.unit.matcher.factories import need, offer

pytest.importorskip(MODELS[DEFAULT_MODEL].module, reason="the semantic fallback's model is not installed")
pytestmark = pytest.mark.integration

PHRASES = [
    ("wood", "Sciure et copeaux de bois, sawdust, wood shavings"),
    ("metal", "Ferraille, métaux ferreux, scrap iron, steel scrap"),
    ("food", "Restes de repas, déchets de cuisine, food waste"),
]


def nearest_key(similarity: dict[str, float]) -> str:
    return max(similarity, key=lambda k: similarity[k])


def test_french_and_english_phrases_land_near_their_own_class() -> None:
    index = SentenceEncoder().index(PHRASES)
    texts = ["copeaux de rabotage", "vieux fers à béton", "leftovers from the canteen", "planer shavings"]
    assert [nearest_key(s) for s in index.nearest(texts)] == ["wood", "metal", "food", "wood"]


def test_a_text_is_encoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    index = SentenceEncoder().index(PHRASES)
    first = index.nearest(["restes de la cantine"])
    encoded: list[Sequence[str]] = []
    model = adapter._model(DEFAULT_MODEL)
    real = model.encode
    monkeypatch.setattr(model, "encode", lambda texts: encoded.append(texts) or real(texts))
    assert index.nearest(["restes de la cantine"]) == first
    index.nearest(["restes de la cantine", "copeaux de rabotage", "copeaux de rabotage"])
    assert encoded == [["copeaux de rabotage"]]


def test_the_knowledge_class_descriptions_place_french_words_and_nothing_unrelated() -> None:
    kb = Knowledge(_read_packaged(), SentenceEncoder())
    assert kb.version.endswith("+" + DEFAULT_MODEL)
    # The real model over the knowledge's own class descriptions (whether or not a keyword reads these).
    index = SentenceEncoder().index(kb.class_descriptions())
    resources = kb.placeable(Direction.OFFER, Category.WASTE)
    texts = ["Écailles de poisson", "Son de blé", "restes de repas de la cantine"]
    nearest = [max(resources, key=similarity.__getitem__) for similarity in index.nearest(texts)]
    assert nearest == ["animal_by_products", "milling_byproducts", "food_waste"]
    assert kb.classify(offer("Réunion du conseil municipal")) == {"generic_waste"}
    assert kb.classify(offer("Le chat dort au soleil")) == {"generic_waste"}


async def test_the_worker_proposes_on_a_guess_says_so_and_rederives_when_switched_off(postgres: Any) -> None:
    url = await fresh_database(postgres.url)
    pool = await create_pool(MatcherSettings(embedded=True, database_url=url), SCHEMA, max_size=2)
    await migrate(pool, SCHEMA, MIGRATIONS, extra_ddl=outbox_ddl(SCHEMA))
    encoder = SentenceEncoder()
    # A little under the model's threshold, so that the test does not hang on its last hundredth.
    encoder.min_similarity = 0.3
    on = MatcherService(MatcherStore(pool), Knowledge(_read_packaged(), encoder))
    await on.rebuild()
    bran = offer("Enveloppes de grains de blé")  # no keyword reads it (bran, "son", now has one)
    feed = need("Aliment pour bétail", category=Category.MATERIAL, road_km=5)
    await on.handle_batch([FlowDeclared(flow=bran), FlowDeclared(flow=feed)])
    rows = await pool.fetch("SELECT active, snapshot FROM synergies")
    assert len(rows) == 1 and rows[0]["active"]
    snapshot = SynergySnapshot.model_validate_json(rows[0]["snapshot"])
    assert GUESSED in snapshot.explanation
    assert snapshot.knowledge_version.endswith("+" + DEFAULT_MODEL)

    off = MatcherService(MatcherStore(pool), load_knowledge())
    await off.rebuild()  # another knowledge version: every synergy is re-derived without the guess
    assert await pool.fetchval("SELECT count(*) FROM synergies WHERE active") == 0
    await pool.close()
