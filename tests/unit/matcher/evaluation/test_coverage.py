"""Coverage of the nomenclatures' own labels: read without their codes, against the classes of their codes."""

from __future__ import annotations

from ecocirc_matcher.domain.knowledge import Knowledge, _read_packaged, load_knowledge
from ecocirc_matcher.evaluation.coverage import (
    coverage,
    ewc_coverage,
    format_coverage_report,
    format_hazard_report,
    naf_coverage,
    trade_coverage,
    trade_table,
)
from ecocirc_shared.flows import Direction
from ecocirc_shared.reference import ewc_entries, naf_entries

DATA = _read_packaged()
# Floors of the trade items (both trade tables merged: 35 trades' wastes, 286 offers, 23 needs, 91 hazardous):
# 0.934 offers, 0.870 needs, 0.868 hazards, 2 false alarms once the knowledge was completed from the trade
# guides (on the first of the two tables alone: 0.654, 0.625, 0.587 and 2 before).
FLOOR_TRADE_OFFERS = 0.93
FLOOR_TRADE_NEEDS = 0.86
FLOOR_TRADE_HAZARDS = 0.86
MAX_TRADE_FALSE_HAZARDS = 2


def test_every_named_waste_entry_and_naf_label_is_read_once() -> None:
    entries = [e for e in ewc_entries() if e.is_waste_entry and not e.code.endswith(" 99")]
    fr, en, naf, glossary, trade_offers, trade_needs = coverage(load_knowledge(), DATA)
    assert fr.total == en.total == len(entries)
    assert naf.total == len(naf_entries())
    assert {r.code for r in fr.readings} == {e.code for e in entries}
    assert glossary.total == DATA["glossary.csv"].decode("utf-8-sig").count("\n") - 1
    assert trade_offers.total + trade_needs.total == trade_table().decode("utf-8-sig").count("\n") - 1


def test_a_label_is_right_only_when_read_into_a_class_of_its_code() -> None:
    fr = ewc_coverage(load_knowledge(), "fr")
    sawdust = next(r for r in fr.readings if r.code == "03 01 05")
    assert "sawdust_shavings" in sawdust.read and sawdust.right
    assert all(r.right == (not r.read.isdisjoint(r.expected)) for r in fr.readings)
    assert all(not r.read for r in fr.unread())
    assert all(r.read and not r.right for r in fr.elsewhere())


def test_without_keywords_the_labels_are_read_far_less() -> None:
    # The measure can fail: the knowledge without its keyword file reads few labels (homonyms only).
    header = DATA["keywords.csv"].decode("utf-8-sig").splitlines()[0]
    bare = Knowledge({**DATA, "keywords.csv": (header + "\n").encode()})
    full = ewc_coverage(load_knowledge(), "fr")
    assert ewc_coverage(bare, "fr").right_share < full.right_share / 3
    assert naf_coverage(bare).read_share < naf_coverage(load_knowledge()).read_share


def test_the_keywords_read_most_labels_of_the_list_into_their_codes_classes() -> None:
    # A floor, so that a change of the keywords that loses the nomenclatures' own wording is seen.
    fr, en, _, glossary, *_ = coverage(load_knowledge(), DATA)
    assert fr.read_share >= 0.8 and en.read_share >= 0.8
    assert fr.right_share >= 0.62 and en.right_share >= 0.58
    # The glossary's terms are read as the class it gives them, but for those the keywords leave out.
    assert glossary.right_share >= 0.99


def test_named_classes_are_what_the_keywords_read() -> None:
    kb = load_knowledge()
    assert "sawdust_shavings" in kb.named_classes("Sciage et rabotage du bois, sciure", Direction.OFFER)
    assert kb.named_classes("Activités juridiques", Direction.NEED) == frozenset()


def test_the_report_prints_the_shares_and_with_verbose_the_labels() -> None:
    reports = coverage(load_knowledge(), DATA)
    short = format_coverage_report(reports)
    assert short.count("\n") == 6 and "read into the code's class" in short
    assert "unread" in format_coverage_report(reports, verbose=True)


def test_the_trades_own_words_are_read_into_their_class_and_hazard() -> None:
    # A floor on the wastes of small businesses as their trade guides write them (trade_wastes.csv):
    # read without code or activity, into the class the guide's item is, and hazardous by words alone.
    offers, needs, hazards = trade_coverage(load_knowledge())
    assert offers.total >= 280 and len({r.code for r in offers.readings}) >= 35
    assert offers.right_share >= FLOOR_TRADE_OFFERS
    assert needs.right_share >= FLOOR_TRADE_NEEDS
    expected = [h for h in hazards if h.expected]
    assert sum(h.read for h in expected) / len(expected) >= FLOOR_TRADE_HAZARDS
    assert sum(h.read for h in hazards if not h.expected) <= MAX_TRADE_FALSE_HAZARDS
    assert "trade hazards" in format_hazard_report(hazards)


def test_every_trade_item_cites_a_source_and_names_known_classes() -> None:
    import csv
    import io

    kb = load_knowledge()
    known = {r["id"] for r in csv.DictReader(io.StringIO(DATA["sources.csv"].decode("utf-8-sig")))}
    for row in csv.DictReader(io.StringIO(trade_table().decode("utf-8-sig"))):
        assert row["source"] and set(row["source"].split(";")) <= known, row
        assert set(row["class_id"].split(";")) <= set(kb.classes), row
        assert row["direction"] in {"offer", "need"} and row["hazardous"] in {"0", "1"}, row
