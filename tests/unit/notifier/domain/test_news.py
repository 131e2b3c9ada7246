"""Deterministic news keys and Message-IDs, and the rule for revisions."""

from __future__ import annotations

from uuid import UUID

import pytest

from ecocirc_notifier.domain import (
    NewsKind,
    Recipient,
    RecipientKind,
    digest_key,
    message_id,
    news_key,
    proposed,
    withdrawn,
)
from ecocirc_notifier.domain.news import participants_fingerprint
from ecocirc_shared.synergies import Participant, Role, SynergySnapshot
from tests.unit.notifier.factories import FIXED, synergy

COMPANY_A = UUID(int=1)
COMPANY_B = UUID(int=2)
COMPANY_C = UUID(int=3)


def _participant(company_id: UUID, role: Role, flow: int) -> Participant:
    return Participant(company_id=company_id, flow_id=UUID(int=flow), role=role, flow_label="sciures")


def _snapshot(**overrides: object) -> SynergySnapshot:
    fields: dict[str, object] = {
        "synergy_id": FIXED,
        "participants": (
            _participant(COMPANY_A, Role.SUPPLIER, 100),
            _participant(COMPANY_B, Role.RECEIVER, 200),
        ),
    }
    fields.update(overrides)
    participants = fields.pop("participants")
    assert isinstance(participants, tuple)
    return synergy(*participants, **fields)


RECIPIENT = Recipient(kind=RecipientKind.COMPANY, id=COMPANY_A, email="a@example.fr", name="A")


def test_keys_and_message_ids_are_stable_across_runs() -> None:
    key = news_key(proposed(_snapshot()), RECIPIENT)
    fingerprint = participants_fingerprint(_snapshot())
    assert key == (
        f"n1:proposed:12345678-1234-5678-1234-567812345678:{fingerprint}:r0:"
        "company:00000000-0000-0000-0000-000000000001"
    )
    # Pinned: a change here re-sends every email already sent, so it must be deliberate.
    assert fingerprint == "10b466502828d2ed"
    assert (
        message_id(key, "ecocirc.example.fr")
        == "<ecocirc.2775d9ca8bf7940a52d20431c5d0d34f@ecocirc.example.fr>"
    )


def test_a_revision_with_the_same_participants_is_not_news() -> None:
    first = news_key(proposed(_snapshot()), RECIPIENT)
    revised = _snapshot(revision=7, score=0.31, distance_km=40.0, months=(1,), explanation="Autre.")
    assert news_key(proposed(revised), RECIPIENT) == first


def test_a_company_re_declaring_its_flow_is_not_news() -> None:
    first = news_key(proposed(_snapshot()), RECIPIENT)
    new_flow = _snapshot(
        participants=(
            _participant(COMPANY_B, Role.RECEIVER, 201),
            _participant(COMPANY_A, Role.SUPPLIER, 101),
        )
    )
    assert news_key(proposed(new_flow), RECIPIENT) == first


def test_a_change_of_participants_or_roles_is_news() -> None:
    first = news_key(proposed(_snapshot()), RECIPIENT)
    joined = _snapshot(
        participants=(
            _participant(COMPANY_A, Role.SUPPLIER, 100),
            _participant(COMPANY_B, Role.RECEIVER, 200),
            _participant(COMPANY_C, Role.RECEIVER, 300),
        )
    )
    swapped = _snapshot(
        participants=(
            _participant(COMPANY_A, Role.RECEIVER, 100),
            _participant(COMPANY_B, Role.SUPPLIER, 200),
        )
    )
    assert news_key(proposed(joined), RECIPIENT) != first
    assert news_key(proposed(swapped), RECIPIENT) != first


def test_a_synergy_proposed_again_after_a_withdrawal_is_news() -> None:
    assert news_key(proposed(_snapshot(), reopened=1), RECIPIENT) != news_key(
        proposed(_snapshot()), RECIPIENT
    )


def test_a_withdrawal_is_its_own_news_whatever_the_participants() -> None:
    snapshot = _snapshot()
    notice = withdrawn(snapshot, "flow_withdrawn")
    assert notice.kind is NewsKind.WITHDRAWN
    assert news_key(notice, RECIPIENT) != news_key(proposed(snapshot), RECIPIENT)
    other_people = _snapshot(participants=(_participant(COMPANY_C, Role.MEMBER, 300),))
    assert news_key(withdrawn(other_people, "autre raison"), RECIPIENT) == news_key(notice, RECIPIENT)


def test_each_recipient_has_its_own_key() -> None:
    advisor = Recipient(kind=RecipientKind.ADVISOR, id=COMPANY_A, email="c@cci.fr", name="C")
    news = proposed(_snapshot())
    assert news_key(news, RECIPIENT) != news_key(news, advisor)


def test_a_digest_key_ignores_order_and_duplicates() -> None:
    assert digest_key(["b", "a", "a"]) == digest_key(["a", "b"])
    assert digest_key(["a"]) != digest_key(["a", "b"])
    with pytest.raises(ValueError):
        digest_key([])


@pytest.mark.parametrize("domain", ["", "x\r\nBcc: victim@example.org", "a b", "-bad.example", "ex@mple"])
def test_message_ids_refuse_a_domain_that_could_break_the_header(domain: str) -> None:
    with pytest.raises(ValueError):
        message_id("k", domain)


def test_news_and_recipients_survive_a_json_round_trip() -> None:
    # The ledger stores both as JSON and renders from what it reads back.
    news = withdrawn(_snapshot(), "flow_withdrawn", reopened=2)
    assert type(news).model_validate_json(news.model_dump_json()) == news
    assert Recipient.model_validate_json(RECIPIENT.model_dump_json()) == RECIPIENT
    assert news_key(type(news).model_validate_json(news.model_dump_json()), RECIPIENT) == news_key(
        news, RECIPIENT
    )
