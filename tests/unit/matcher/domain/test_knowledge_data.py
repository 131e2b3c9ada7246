"""The knowledge files: coverage of the List of Waste, labels, reaches, sources, version."""

from __future__ import annotations

from ecocirc_matcher.domain.knowledge import Knowledge, _read_packaged, load_knowledge
from ecocirc_shared.reference import ewc_entries

KB = load_knowledge()


def test_every_six_digit_ewc_entry_maps_to_known_classes() -> None:
    entries = [e for e in ewc_entries() if e.is_waste_entry]
    assert len(entries) == 842
    unmapped = [e.code for e in entries if not KB.ewc_classes(e.code)]
    assert unmapped == []
    for entry in entries:
        assert set(KB.ewc_classes(entry.code)) <= set(KB.classes)


def test_every_class_has_labels_and_a_reach() -> None:
    for cls in KB.classes.values():
        assert cls.label_fr and cls.label_en
        assert cls.reach_km > 0
        assert KB.label(cls.id) == cls.label_fr


def test_every_link_has_a_french_reason_and_a_weight() -> None:
    for link in KB.links.values():
        assert link.reason_fr.strip()
        assert 0 < link.weight <= 1


def test_emission_factors_have_sources() -> None:
    assert KB.factors["road_freight_40t_regional"].value == 0.083
    assert all(f.source for f in KB.factors.values())


def test_version_follows_the_data() -> None:
    data = _read_packaged()
    assert Knowledge(data).version == KB.version
    changed = dict(data, **{"links.csv": data["links.csv"] + b"\n"})
    assert Knowledge(changed).version != KB.version


def test_heat_travels_less_than_wood_chips() -> None:
    assert KB.reach_km("waste_heat_medium") <= 5 < KB.reach_km("wood_chips") == 50
