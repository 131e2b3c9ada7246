"""A sentence encoder for pure-core tests: told how near a few texts are to a few classes."""

from __future__ import annotations

from collections.abc import Sequence


class FakeIndex:
    def __init__(self, encoder: FakeEncoder, keys: set[str]) -> None:
        self._encoder = encoder
        self._keys = keys

    def nearest(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self._encoder.asked.append(list(texts))
        near = self._encoder.near
        return [
            {k: near.get(t.lower(), self._encoder.default).get(k, 0.0) for k in self._keys} for t in texts
        ]


class FakeEncoder:
    """Knows, for a few texts, how near they are to a few classes; everything else is unrelated."""

    name = "fake"
    min_similarity = 0.5
    margin = 0.1

    def __init__(self, near: dict[str, dict[str, float]], default: dict[str, float] | None = None) -> None:
        self.near = near
        self.default = default or {}
        self.asked: list[list[str]] = []
        self.phrases: list[tuple[str, str]] = []

    def index(self, phrases: Sequence[tuple[str, str]]) -> FakeIndex:
        self.phrases = list(phrases)
        return FakeIndex(self, {k for k, _ in phrases})

    def asked_about(self, *texts: str) -> list[list[str]]:
        return [batch for batch in self.asked if set(batch) & set(texts)]
