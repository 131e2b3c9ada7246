"""A keyword's excludes are words, each vetoing its row on its own: a phrase there would veto by each word."""

from __future__ import annotations

import csv
import io

from ecocirc_matcher.domain.knowledge import _read_packaged
from ecocirc_matcher.domain.text import words


def test_excludes_are_single_words() -> None:
    rows = csv.DictReader(io.StringIO(_read_packaged()["keywords.csv"].decode("utf-8-sig"), newline=""))
    phrases = [
        (row["class_id"], exclude)
        for row in rows
        for exclude in row["exclude"].split("|")
        if len(words(exclude)) > 1
    ]
    assert phrases == []
