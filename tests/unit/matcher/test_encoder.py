"""The sentence encoder behind the semantic fallback: a text's nearness to the classes is its own, whatever
else a worker encoded with it or before it."""

from __future__ import annotations

import random

import pytest

from ecocirc_matcher.adapters.encoder import EncodedIndex, SentenceEncoder

CLASSES = [
    ("sawdust", "Sciure, copeaux de bois"),
    ("sawdust", "Sawdust, wood shavings"),
    ("whey", "Lactosérum, petit-lait"),
    ("waste_heat_low", "Chaleur fatale basse température"),
    ("pallets", "Palettes en bois"),
]
# Texts of different lengths and languages: a batch of them is one flat matrix in the engine.
TEXTS = [
    "Résidus de rabotage du chêne",
    "eau tiède de refroidissement des compresseurs, 35 °C toute l'année",
    "petit lait acide",
    "Broken pallets",
    "Déchets verts",
    "reste de fromagerie après égouttage du caillé, environ 20 m3 par semaine en été",
    "copeaux",
]


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder()


def fresh(encoder: SentenceEncoder) -> EncodedIndex:
    return encoder.index(CLASSES)


def test_a_text_is_as_near_alone_as_in_any_batch_in_any_order(encoder: SentenceEncoder) -> None:
    alone = fresh(encoder)
    expected = {text: alone.nearest([text])[0] for text in TEXTS}
    together = fresh(encoder)
    assert dict(zip(TEXTS, together.nearest(TEXTS), strict=True)) == expected
    for seed in range(3):
        # Another worker's history: other texts first, then some of these, in another order.
        shuffled = random.Random(seed).sample(TEXTS, k=len(TEXTS))
        history = fresh(encoder)
        history.nearest(["Boues de station d'épuration", "Verre plat", *shuffled[:3]])
        history.nearest(shuffled[3:])
        assert {text: history.nearest([text])[0] for text in TEXTS} == expected


def test_the_classes_are_encoded_from_their_own_phrases_only(encoder: SentenceEncoder) -> None:
    # The same classes listed in another order, or beside another class, are the same anchors.
    text = TEXTS[1]
    near = fresh(encoder).nearest([text])[0]
    other = encoder.index([*reversed(CLASSES), ("glass", "Verre plat, calcin")]).nearest([text])[0]
    assert {k: v for k, v in other.items() if k != "glass"} == near
