"""NAF rév. 2 lookup: loose writings of a code find the canonical entry with its section and division."""

import pytest

from ecocirc_shared.reference import get_naf, naf_by_nace_class, naf_entries, normalise_naf_code


@pytest.mark.parametrize("raw", ["10.13A", "1013A", "10.13a", "1013a", " 10 13 A ", "10-13-A"])
def test_writings_find_the_canonical_entry(raw: str) -> None:
    entry = get_naf(raw)
    assert entry is not None
    assert entry.code == "10.13A"
    assert entry.label_fr == "Préparation industrielle de produits à base de viande"
    assert entry.section == "C"
    assert entry.division == "10"
    assert entry.division_label_fr == "Industries alimentaires"
    assert entry.class_code == "10.13"
    assert entry.group == "10.1"


def test_distillery_code_of_the_gers() -> None:
    entry = get_naf("11.01Z")
    assert entry is not None
    assert entry.label_fr == "Production de boissons alcooliques distillées"


@pytest.mark.parametrize("raw", ["10.13Z", "99.99Z", "10.13", "1013", "ABCDE", "", "10.13AB"])
def test_unknown_or_malformed_codes(raw: str) -> None:
    assert get_naf(raw) is None


def test_normalise_only_shapes_the_code() -> None:
    assert normalise_naf_code("1013z") == "10.13Z"
    assert normalise_naf_code("10.1") is None


def test_nace_class_lists_its_sub_classes() -> None:
    assert [entry.code for entry in naf_by_nace_class("1013")] == ["10.13A", "10.13B"]
    assert [entry.code for entry in naf_by_nace_class("23.51")] == ["23.51Z"]
    assert naf_by_nace_class("x") == ()


def test_table_size() -> None:
    assert len(naf_entries()) == 732
