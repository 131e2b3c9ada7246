"""Who is written to about a synergy, and who is not (and why)."""

from __future__ import annotations

from ecocirc_notifier.domain import (
    RecipientKind,
    SkipReason,
    proposal_audience,
    withdrawal_audience,
)
from ecocirc_notifier.domain.recipients import contact_advisor
from ecocirc_shared.synergies import Role
from tests.unit.notifier.factories import LOMAGNE, SAVES, advisor, company, directory, participant, synergy


def test_participants_and_advisors_of_the_territory_are_told() -> None:
    supplier, receiver = company("Scierie"), company("Haras")
    local, elsewhere, everywhere = advisor("Local"), advisor("Ailleurs", (LOMAGNE,)), advisor("Tout", ("*",))
    snapshot = synergy(
        participant(supplier, Role.SUPPLIER, "sciures"), participant(receiver, Role.RECEIVER, "litière")
    )

    audience = proposal_audience(snapshot, directory(supplier, receiver, local, elsewhere, everywhere), 0.5)

    assert {r.ref for r in audience.recipients} == {
        (RecipientKind.COMPANY, supplier.id),
        (RecipientKind.COMPANY, receiver.id),
        (RecipientKind.ADVISOR, local.id),
        (RecipientKind.ADVISOR, everywhere.id),
    }
    assert audience.skipped == ()
    by_id = {r.id: r for r in audience.recipients}
    assert by_id[supplier.id].email == supplier.contact_email
    assert by_id[supplier.id].territories == (SAVES,)
    assert by_id[local.id].territories == (SAVES,)


def test_below_the_threshold_nobody_is_told_unless_advisors_have_a_lower_one() -> None:
    supplier, receiver, local = company(), company(), advisor()
    snapshot = synergy(
        participant(supplier, Role.SUPPLIER, "sciures"),
        participant(receiver, Role.RECEIVER, "litière"),
        score=0.4,
    )
    people = directory(supplier, receiver, local)

    strict = proposal_audience(snapshot, people, threshold=0.5)
    assert strict.recipients == ()
    assert {s.reason for s in strict.skipped} == {SkipReason.BELOW_THRESHOLD}

    lenient = proposal_audience(snapshot, people, threshold=0.5, advisor_threshold=0.3)
    assert [r.id for r in lenient.recipients] == [local.id]


def test_the_threshold_is_inclusive() -> None:
    supplier = company()
    snapshot = synergy(participant(supplier, Role.SUPPLIER, "sciures"), score=0.5)
    assert len(proposal_audience(snapshot, directory(supplier), 0.5).recipients) == 1


def test_opted_out_unknown_and_mailless_companies_are_skipped_with_a_reason() -> None:
    out, mailless, ghost = company(opted_out=True), company(email=""), company()
    quiet_advisor = advisor(opted_out=True)
    snapshot = synergy(
        participant(out, Role.SUPPLIER, "a"),
        participant(mailless, Role.RECEIVER, "b"),
        participant(ghost, Role.RECEIVER, "c"),
    )

    audience = proposal_audience(snapshot, directory(out, mailless, quiet_advisor), 0.5)

    assert audience.recipients == ()
    assert {(s.id, s.reason) for s in audience.skipped} == {
        (out.id, SkipReason.OPTED_OUT),
        (mailless.id, SkipReason.NO_EMAIL),
        (ghost.id, SkipReason.UNKNOWN_COMPANY),
        (quiet_advisor.id, SkipReason.OPTED_OUT),
    }


def test_a_company_with_two_flows_in_a_synergy_gets_one_email() -> None:
    one, other = company(), company()
    snapshot = synergy(
        participant(one, Role.MEMBER, "palettes"),
        participant(one, Role.MEMBER, "cartons"),
        participant(other, Role.MEMBER, "palettes"),
    )
    audience = proposal_audience(snapshot, directory(one, other), 0.5)
    assert sorted(r.id for r in audience.recipients) == sorted([one.id, other.id])


def test_an_advisor_of_either_territory_of_a_cross_territory_synergy_is_told() -> None:
    in_saves, in_lomagne = company(territory=SAVES), company(territory=LOMAGNE)
    lomagne_advisor = advisor("Lomagne", (LOMAGNE,))
    snapshot = synergy(participant(in_saves, Role.SUPPLIER, "a"), participant(in_lomagne, Role.RECEIVER, "b"))
    audience = proposal_audience(snapshot, directory(in_saves, in_lomagne, lomagne_advisor), 0.5)
    assert lomagne_advisor.id in {r.id for r in audience.recipients}


def test_a_company_without_territory_is_only_followed_by_advisors_of_all_territories() -> None:
    nowhere = company(territory=None)
    local, everywhere = advisor("Local"), advisor("Tout", ("*",))
    snapshot = synergy(participant(nowhere, Role.SUPPLIER, "a"))
    audience = proposal_audience(snapshot, directory(nowhere, local, everywhere), 0.5)
    assert {r.id for r in audience.recipients} == {nowhere.id, everywhere.id}


def test_the_directory_territory_wins_over_the_one_the_matcher_saw() -> None:
    moved = company(territory=LOMAGNE)
    stale = participant(moved, Role.SUPPLIER, "a").model_copy(update={"territory": SAVES})
    lomagne_advisor = advisor("Lomagne", (LOMAGNE,))
    audience = proposal_audience(synergy(stale, territories=()), directory(moved, lomagne_advisor), 0.5)
    assert lomagne_advisor.id in {r.id for r in audience.recipients}


def test_a_withdrawal_goes_exactly_to_those_told_who_can_still_be_written_to() -> None:
    told, untold, left = company(), company(), company(opted_out=True)
    moved = advisor("A changé de territoire", (LOMAGNE,))  # told when it followed Savès
    gone = advisor("Parti")
    was_told = {
        (RecipientKind.COMPANY, told.id),
        (RecipientKind.COMPANY, left.id),
        (RecipientKind.ADVISOR, moved.id),
        (RecipientKind.ADVISOR, gone.id),
    }

    audience = withdrawal_audience(directory(told, untold, left, moved), was_told)

    assert {r.ref for r in audience.recipients} == {
        (RecipientKind.COMPANY, told.id),
        (RecipientKind.ADVISOR, moved.id),
    }
    assert {(s.id, s.reason) for s in audience.skipped} == {
        (left.id, SkipReason.OPTED_OUT),
        (gone.id, SkipReason.UNKNOWN_ADVISOR),
    }


def test_a_withdrawal_audience_is_in_a_stable_order() -> None:
    people = [company() for _ in range(5)]
    told = [(RecipientKind.COMPANY, p.id) for p in people]
    first = withdrawal_audience(directory(*people), told)
    second = withdrawal_audience(directory(*people), list(reversed(told)))
    assert first == second


def test_the_contact_advisor_is_the_local_one_with_a_mailbox_else_none() -> None:
    """Nobody following every territory stands in (the admin does): the programme's contact does."""
    local, everywhere, elsewhere = (
        advisor("Zoé Local"),
        advisor("Alain Tout", ("*",)),
        advisor("B", (LOMAGNE,)),
    )
    people = directory(local, everywhere, elsewhere)
    assert contact_advisor(SAVES, people) == local
    assert contact_advisor("Bastides de Lomagne", people) is None
    assert contact_advisor(None, people) is None
    assert contact_advisor(SAVES, directory(elsewhere)) is None
    no_mailbox = local.model_copy(update={"email": None})
    assert contact_advisor(SAVES, directory(no_mailbox, everywhere)) is None


def test_an_advisor_without_a_mailbox_is_never_written_to() -> None:
    """The admin without ECOCIRC_ADMIN_EMAIL: a "*" advisor with no address."""
    admin = advisor("Administrateur", ("*",)).model_copy(update={"email": None})
    supplier, receiver = company("Scierie"), company("Haras")
    snapshot = synergy(
        participant(supplier, Role.SUPPLIER, "sciures"), participant(receiver, Role.RECEIVER, "litière")
    )
    audience = proposal_audience(snapshot, directory(supplier, receiver, admin), 0.5)
    assert {r.kind for r in audience.recipients} == {RecipientKind.COMPANY}
    assert [(s.id, s.reason) for s in audience.skipped] == [(admin.id, SkipReason.NO_EMAIL)]
    told = withdrawal_audience(directory(admin), [(RecipientKind.ADVISOR, admin.id)])
    assert told.recipients == () and told.skipped[0].reason is SkipReason.NO_EMAIL
