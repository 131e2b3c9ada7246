"""French sentences an advisor can repeat, naming activities and never companies."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from ecocirc_matcher.domain.knowledge import Knowledge
from ecocirc_matcher.domain.scoring import QuantityMatch
from ecocirc_shared import french
from ecocirc_shared.flows import Direction, FlowSnapshot
from ecocirc_shared.french import MONTH_NAMES_FR
from ecocirc_shared.reference import get_naf

if TYPE_CHECKING:
    from ecocirc_matcher.domain.records import FlowRecord

MONTHS_FR = MONTH_NAMES_FR
UNITS_FR = {"t": "t", "m3": "m3", "MWh": "MWh", "h": "heures", "unit": "unités"}
# Said when a class came from the semantic fallback: a guess, which the companies should confirm.
GUESSED = "Rapprochement fait sur la ressemblance des mots, aucun mot-clé ne le nomme : à confirmer."
# Said when a lead rests on a class inferred from an activity, a description or a code's section.
INFERRED = (
    "Rapprochement déduit de l'activité ou du contexte, pas du libellé ni du code déchet : à confirmer."
)


def number_fr(value: float) -> str:
    """French number: thin grouping, decimal comma, sensible precision."""
    text = f"{value:,.0f}" if value >= 100 else f"{value:,.1f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u202f").replace(".", ",")


def months_fr(months: tuple[int, ...]) -> str:
    if not months or len(months) == 12:
        return "toute l'année"
    return ", ".join(MONTHS_FR[m - 1] for m in months)


def who(kb: Knowledge, flow: FlowSnapshot) -> str:
    """ "Une entreprise (sciage et rabotage du bois, NAF 16.10A)" — the trade, never the name."""
    if flow.naf_code:
        entry = get_naf(flow.naf_code)
        if entry is not None:
            return f"Une entreprise ({entry.label_fr[0].lower()}{entry.label_fr[1:]}, NAF {entry.code})"
        activities = kb.activities(flow.naf_code)
        if activities:
            note = activities[-1].note
            return f"Une entreprise ({note[0].lower()}{note[1:]})"
    return "Une entreprise"


def quantity_fr(q: QuantityMatch) -> str:
    unit = UNITS_FR.get(q.unit, q.unit)
    per = "" if q.one_off else "/an"
    text = f"Quantité échangeable : environ {number_fr(q.amount)} {unit}{per}"
    if q.coverage < 0.999:
        text += f", soit {french.percent(q.coverage)} du besoin (couverture partielle)"
    return text + "."


def substitution(
    kb: Knowledge,
    offer: FlowRecord,
    need: FlowRecord,
    offer_class: str,
    need_class: str,
    distance_km: float,
    months: tuple[int, ...],
    quantity: QuantityMatch | None,
    reason_fr: str | None = None,
    *,
    inferred: bool = False,
) -> str:
    """What is offered, who needs it and why one feeds the other (the class link's reason unless
    another is given, e.g. a receiver link's), then quantities, months and hazard.

    What depends only on the classes (their labels, the link's reason) is worked out once per pair
    of classes, what depends on one flow once per flow (its record), and the distance once per
    distance as the sentence rounds it: a pair only puts them together.
    """
    offer_label, need_label, link_reason = _class_pair_texts(kb, offer_class, need_class)
    text = (
        f"{offer.wording.who} propose « {offer.flow.label} » ({offer_label}). "
        f"{need.wording.who}, {_at_distance(distance_km)}, recherche « {need.flow.label} »{need_label}"
    )
    reason = reason_fr if reason_fr is not None else link_reason
    if reason:
        text += " " + reason
    if quantity is not None:
        text += " " + quantity_fr(quantity)
    if months and len(months) < 12:
        text += f" Période commune : {months_fr(months)}."
    if offer.code_hazardous:
        text += " Déchet dangereux : le receveur a déclaré pouvoir l'accepter ; traçabilité obligatoire."
    if offer_class in offer.wording.guessed or need_class in need.wording.guessed:
        text += " " + GUESSED
    elif inferred:
        text += " " + INFERRED
    return text


@lru_cache(maxsize=65_536)
def _class_pair_texts(kb: Knowledge, offer_class: str, need_class: str) -> tuple[str, str, str]:
    """The offer class's label, what follows the need's label (its class's label when it differs),
    and the link's reason ("" without a link)."""
    link = kb.link(offer_class, need_class)
    return (
        kb.label(offer_class).lower(),
        f" ({kb.label(need_class).lower()})." if need_class != offer_class else ".",
        link.reason_fr if link else "",
    )


# « à environ 25 km » by the whole number the sentence rounds a distance to (french.rounded_km).
_AT_DISTANCE: dict[int, str] = {}


def _at_distance(km: float) -> str:
    """french.at_distance(km), kept per rounded distance."""
    if km < 1:
        return french.at_distance(km)
    rounded = french.rounded_km(km)
    found = _AT_DISTANCE.get(rounded)
    if found is None:
        found = _AT_DISTANCE[rounded] = french.at_distance(km)
    return found


def mutualisation(
    kb: Knowledge,
    a: FlowSnapshot,
    b: FlowSnapshot,
    resource_class: str,
    distance_km: float,
    complementary: tuple[tuple[int, ...], tuple[int, ...]] | None,
) -> str:
    what = kb.label(resource_class).lower()
    first, second = who(kb, a), who(kb, b)
    second = second[0].lower() + second[1:]
    if a.direction is Direction.NEED:
        idea = "un achat groupé, un partage ou une prestation commune est à étudier."
        verb = "ont toutes deux besoin de"
    else:
        idea = "une collecte ou une filière de valorisation commune est à étudier."
        verb = "ont toutes deux à évacuer"
    text = (
        f"{first} et {second}, {french.at_distance(distance_km)} l'une de l'autre, {verb} « {what} » "
        f"(« {a.label} » et « {b.label} ») : {idea}"
    )
    if any(resource_class in kb.classification(f).guessed for f in (a, b)):
        text += " " + GUESSED
    if complementary is not None:
        text += (
            f" Leurs saisons sont complémentaires ({months_fr(complementary[0])} d'un côté, "
            f"{months_fr(complementary[1])} de l'autre) : un emploi partagé, par exemple via un "
            "groupement d'employeurs, est envisageable."
        )
    return text
