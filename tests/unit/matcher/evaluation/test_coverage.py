"""Coverage of the nomenclatures' own labels: read without their codes, against the classes of their codes."""

from __future__ import annotations

from ecocirc_matcher.domain.knowledge import Knowledge, _read_packaged, load_knowledge
from ecocirc_matcher.evaluation.coverage import (
    coverage,
    ewc_coverage,
    format_coverage_report,
    naf_coverage,
    trade_coverage,
)
from ecocirc_shared.flows import Direction
from ecocirc_shared.reference import ewc_entries, naf_entries

DATA = _read_packaged()


def test_every_named_waste_entry_and_naf_label_is_read_once() -> None:
    entries = [e for e in ewc_entries() if e.is_waste_entry and not e.code.endswith(" 99")]
    fr, en, naf, glossary, trade_offers, trade_needs = coverage(load_knowledge(), DATA)
    assert fr.total == en.total == len(entries)
    assert naf.total == len(naf_entries())
    assert {r.code for r in fr.readings} == {e.code for e in entries}
    assert glossary.total == DATA["glossary.csv"].decode("utf-8-sig").count("\n") - 1
    assert (
        trade_offers.total + trade_needs.total == DATA["trade_wastes.csv"].decode("utf-8-sig").count("\n") - 1
    )


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
    fr, en, _, glossary, _, _ = coverage(load_knowledge(), DATA)
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
    assert "hazardous read hazardous" in short.splitlines()[4]
    assert "unread" in format_coverage_report(reports, verbose=True)


def test_the_trades_items_name_known_classes_and_say_their_hazard() -> None:
    kb = load_knowledge()
    offers = trade_coverage(kb, DATA, Direction.OFFER)
    needs = trade_coverage(kb, DATA, Direction.NEED)
    assert all(r.expected and r.expected <= kb.classes.keys() for r in offers.readings + needs.readings)
    # A waste's guide says whether it is hazardous; a need's says nothing of it.
    assert sum(r.hazardous is None for r in offers.readings) <= 5
    assert all(r.hazardous is None for r in needs.readings)
    assert len({r.code for r in offers.readings}) >= 27


def test_the_keywords_read_the_trades_wastes_and_needs_in_their_own_words() -> None:
    # A floor, as for the nomenclatures: the everyday words of small businesses' trade guides ("huiles de
    # vidange", "boues de perchloréthylène", "drêches", "chutes de tuyauterie") are read into their class,
    # and the wastes the guides call hazardous are hazardous from their words alone.
    offers = trade_coverage(load_knowledge(), DATA, Direction.OFFER)
    needs = trade_coverage(load_knowledge(), DATA, Direction.NEED)
    assert offers.right_share >= 0.93
    assert len(offers.hazard_missed()) <= 16
    assert len(offers.hazard_raised()) <= 1
    assert needs.right_share >= 0.9
