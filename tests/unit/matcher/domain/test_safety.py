"""Safety and law as hard rules: hazards read from the words, regulatory bans refused whatever the score."""

from __future__ import annotations

import pytest

from ecocirc_matcher.domain.knowledge import (
    Ban,
    Knowledge,
    _in_activity,
    _read_packaged,
    _under,
    load_knowledge,
)
from ecocirc_matcher.domain.pairing import evaluate_mutualisation, evaluate_substitution, is_hazardous
from ecocirc_shared.flows import Category, FlowSnapshot
from tests.unit.matcher.factories import need, offer


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load_knowledge()


@pytest.mark.parametrize(
    "label",
    [
        "sciure traitée CCA",
        "poteaux en bois traité autoclave",
        "vieilles traverses créosotées",
        "plaques de fibro-ciment",
        "gravats avec un peu d'amiante",
        "transformateur au pyralène",
        "chiffons souillés de l'atelier",
        "terres polluées du chantier",
        "boues huileuses du séparateur",
        "huile de vidange des tracteurs",
        "fonds de pots de peinture",
        "bidons de produits phytos vides",
        "old railway sleepers, creosote",
        "contaminated soil",
    ],
)
def test_words_of_a_hazard_make_the_flow_hazardous(kb: Knowledge, label: str) -> None:
    flow = offer(label)
    assert flow.ewc_code is None and not flow.hazardous
    assert is_hazardous(kb, flow)


@pytest.mark.parametrize(
    "label",
    [
        "chutes de bois non traité",
        "palettes sans peinture ni traitement",
        "gravats de béton, sans amiante",
        "terres non polluées de terrassement",
        "litière souillée de la volaille",  # soiled with droppings: manure, not a chemical hazard
        "huile alimentaire usagée",
        "déchets non dangereux en mélange",
        "chutes de tuyaux de plomberie en cuivre",  # plomberie is not plomb
    ],
)
def test_what_is_denied_or_harmless_is_no_hazard(kb: Knowledge, label: str) -> None:
    assert not is_hazardous(kb, offer(label))


def test_a_hazard_in_words_needs_a_receiver_that_accepts_hazardous_waste(kb: Knowledge) -> None:
    assert evaluate_substitution(offer("chutes de bois traité autoclave"), need("chaudière bois"), kb) is None
    assert evaluate_substitution(offer("chutes de bois non traité"), need("chaudière bois"), kb) is not None


def test_hazard_in_words_keeps_ordinary_and_hazardous_needs_apart(kb: Knowledge) -> None:
    ordinary = need("collecte de cartons", category=Category.SERVICE)
    hazardous = need("collecte de chiffons souillés et solvants", category=Category.SERVICE, road_km=5)
    assert evaluate_mutualisation(ordinary, hazardous, kb) is None
    plain = need("collecte de chiffons et papiers", category=Category.SERVICE, road_km=5)
    assert evaluate_mutualisation(ordinary, plain, kb) is not None


def test_every_hazard_row_cites_its_source() -> None:
    kb = Knowledge(_read_packaged())
    assert len(kb.hazard_terms) >= 30
    for hazard in kb.hazard_terms:
        assert hazard.terms and hazard.reason.strip() and hazard.source.strip()
        assert hazard.lang in {"fr", "en"}


def bans_between(kb: Knowledge, offered: FlowSnapshot, needed: FlowSnapshot) -> set[str]:
    """Every ban that forbids some class of the offer feeding some class of the need."""
    return {
        ban.id
        for o in kb.classify(offered)
        for n in kb.classify(needed)
        if (ban := kb.ban(offered, needed, o, n)) is not None
    }


def test_a_collector_of_hazardous_waste_takes_every_hazardous_waste_and_nothing_else(kb: Knowledge) -> None:
    collector = need(
        "Déchets dangereux industriels (acides, solvants, huiles, boues)",
        hazardous=True,
        naf="38.12Z",
        road_km=5,
    )
    # The classes it lists are examples of what it is licensed for...
    assert evaluate_substitution(offer("Émulsion d'usinage usagée", ewc="12 01 09*"), collector, kb)
    assert evaluate_substitution(offer("Poteaux en bois traité CCA"), collector, kb)
    # ...and sewage sludge (19 08 05) or clean drums are no hazardous waste, whatever it lists.
    assert evaluate_substitution(offer("Boues d'épuration chaulées", ewc="19 08 05"), collector, kb) is None
    assert (
        evaluate_substitution(offer("Fûts vides propres", category=Category.MATERIAL), collector, kb) is None
    )
    # A collector of liquids takes what flows, not treated wood.
    liquids = need("Déchets dangereux liquides (huiles usagées, solvants)", hazardous=True, road_km=5)
    assert evaluate_substitution(offer("Solvants usés de l'atelier"), liquids, kb)
    assert evaluate_substitution(offer("Poteaux en bois traité CCA"), liquids, kb) is None
    # ...and when its trade takes codes in (38.22), an offer none of whose classes is measured in volume
    # (pickling acids are read as acids, in tonnes) gets no proposal, and no error either.
    licensed = need("Déchets dangereux liquides", hazardous=True, road_km=5, naf="38.22Z")
    assert evaluate_substitution(offer("Acides de décapage", ewc="11 01 05*"), licensed, kb) is None


# Everyday French, the way a small business writes it; the receiver even accepts hazardous waste, so
# only the law can refuse.
BANNED = [
    ("biodéchets de la cuisine", "56.10A", "aliment pour les porcs", "catering_waste_to_feed"),
    (
        "restes des repas de la cantine scolaire",
        None,
        "de quoi nourrir nos cochons",
        "catering_waste_to_feed",
    ),
    ("huile de friture du restaurant", "56.10A", "aliment pour volailles", "catering_waste_to_feed"),
    (
        "animaux morts de l'élevage",
        None,
        "farines pour aliments d'animaux",
        "category_1_2_animal_by_products_to_feed",
    ),
    ("lisier de porc", None, "aliment pour bovins", "category_1_2_animal_by_products_to_feed"),
    ("digestat de méthanisation", None, "alimentation de nos brebis", "digestate_compost_to_feed"),
    ("compost de déchets verts", None, "aliment pour le bétail", "digestate_compost_to_feed"),
    ("eaux de lavage de la laiterie", None, "eau potable pour la cantine", "reuse_water_to_drinking_water"),
    (
        "eaux de lavage de la laiterie",
        None,
        "eau pour abreuver nos vaches",
        "reuse_water_to_livestock_or_food_contact",
    ),
    ("huile de vidange des camions", None, "combustible pour le poêle de l'atelier", "used_engine_oil_burnt"),
    (
        "boues de station d'épuration",
        None,
        "engrais pour notre ferme bio",
        "sewage_sludge_in_organic_farming",
    ),
    ("plaques de fibrociment", None, "matériaux de remblai", "asbestos_outside_its_channel"),
    ("gravats avec amiante", None, "remblai pour un chemin", "asbestos_outside_its_channel"),
    (
        "terres polluées aux hydrocarbures",
        None,
        "terre pour remblayer un terrain",
        "polluted_soil_or_oily_sludge_to_backfill_or_spreading",
    ),
    (
        "boues huileuses",
        None,
        "épandage sur nos champs",
        "polluted_soil_or_oily_sludge_to_backfill_or_spreading",
    ),
    ("pommes pourries du verger", None, "aliment pour nos porcs", "unsafe_feed_rotten_soiled_or_swept"),
    (
        "balayures de l'atelier de biscuits",
        None,
        "aliment pour nos porcs",
        "unsafe_feed_rotten_soiled_or_swept",
    ),
    (
        "sciure de bois traité CCA",
        None,
        "litière pour poulets",
        "treated_wood_to_litter_feed_or_biomass_boiler",
    ),
    (
        "palettes en bois peint broyées",
        None,
        "plaquettes pour chaudière biomasse",
        "treated_wood_to_litter_feed_or_biomass_boiler",
    ),
    (
        "animaux morts en élevage",
        None,
        "intrants pour notre méthaniseur",
        "category_2_animal_by_products_outside_approved_channel",
    ),
    (
        "saisies sanitaires de l'abattoir",
        None,
        "engrais organique pour nos cultures",
        "category_2_animal_by_products_outside_approved_channel",
    ),
    (
        "graisses de flottation de l'abattoir",
        None,
        "aliment pour nos porcs",
        "waste_water_treatment_residues_to_feed",
    ),
    (
        "graisses de flottation de l'abattoir",
        None,
        "fertilisant organique pour nos céréales",
        "slaughterhouse_waste_water_residues_to_land",
    ),
    (
        "lisier de porc",
        "01.46Z",
        "engrais pour notre ferme bio",
        "industrial_livestock_effluents_in_organic_farming",
    ),
    (
        "fientes de poules en cage",
        None,
        "fertilisant pour nos cultures certifiées AB",
        "industrial_livestock_effluents_in_organic_farming",
    ),
]


@pytest.mark.parametrize(
    ("offered", "naf", "needed", "ban"), BANNED, ids=[f"{o} -> {n}" for o, _, n, _ in BANNED]
)
def test_regulatory_bans_are_refusals(
    kb: Knowledge, offered: str, naf: str | None, needed: str, ban: str
) -> None:
    supply = offer(offered, naf=naf)
    demand = need(needed, hazardous=True, category=Category.MATERIAL, road_km=5)
    assert ban in bans_between(kb, supply, demand)
    assert evaluate_substitution(supply, demand, kb) is None


# Lawful neighbours of the bans: the same resources for an allowed use, or allowed resources for the
# same use. They must still be proposed.
ALLOWED = [
    ("restes de repas", "intrants pour notre méthaniseur"),
    ("lactosérum", "alimentation des porcs"),
    ("drêches de brasserie", "aliment pour nos vaches"),
    ("lisier de porc", "intrants pour notre méthaniseur"),
    ("digestat de méthanisation", "engrais pour nos cultures"),
    ("boues de station d'épuration", "engrais pour nos cultures"),
    ("huile moteur usagée", "combustible de substitution pour la cimenterie"),
    ("sciure de chêne non traité", "litière pour poulets"),
    ("eaux de pluie récupérées", "eau pour arroser les cultures"),
    ("animaux morts en élevage", "sous-produits animaux C2 pour l'usine de stérilisation"),
    ("graisses de flottation de l'abattoir", "intrants pour notre méthaniseur"),
    ("fumier de cheval pailleux", "engrais pour notre ferme bio"),
    ("lisier de porc", "intrants pour notre méthaniseur"),
    # Out of date is not unsafe: "périmée depuis 2 mois" is no mould (767/2009 art. 4 bans unsafe feed).
    ("biscuits périmés depuis 2 mois", "aliment pour nos porcs"),
    # A boiler authorised for class B waste wood (ICPE 2910-B) burns painted pallets.
    ("palettes en bois peint broyées", "bois de classe B pour notre chaufferie"),
]


@pytest.mark.parametrize(("offered", "needed"), ALLOWED)
def test_lawful_neighbours_of_the_bans_still_pair(kb: Knowledge, offered: str, needed: str) -> None:
    supply, demand = offer(offered), need(needed, hazardous=True, category=Category.MATERIAL, road_km=5)
    assert not bans_between(kb, supply, demand)
    assert evaluate_substitution(supply, demand, kb) is not None


def test_a_pet_food_maker_takes_no_catering_waste_digestate_or_category_2(kb: Knowledge) -> None:
    # Pet food is made of category 3 material only (Regulation (EC) 1069/2009, art. 35).
    maker = need("Sous-produits de volaille", naf="10.92Z", category=Category.MATERIAL, road_km=5)
    assert evaluate_substitution(offer("Abats de volaille frais"), maker, kb)
    for refused in ("Saisies sanitaires", "Digestat de méthanisation", "Graisses de flottation"):
        assert evaluate_substitution(offer(refused), maker, kb) is None, refused


def test_a_ban_holds_whatever_says_the_hazard(kb: Knowledge) -> None:
    # Declared hazardous by a code, by the tick, or by nothing: the receiver's acceptance changes nothing.
    for hazardous in (True, False):
        for ewc in ("03 01 04*", "03 01 05", None):
            sawdust = offer("sciure traitée CCA", ewc=ewc, hazardous=hazardous)
            assert evaluate_substitution(sawdust, need("litière pour volailles", hazardous=True), kb) is None


def test_a_named_use_bans_the_resource_a_need_asks_for(kb: Knowledge) -> None:
    # "drêches ou restes de repas pour l'alimentation des porcs" names resources; the use still says feed.
    demand = need(
        "drêches ou restes de repas pour l'alimentation des porcs", hazardous=True, category=Category.MATERIAL
    )
    assert evaluate_substitution(offer("restes de repas de la cantine"), demand, kb) is None
    assert evaluate_substitution(offer("drêches de brasserie"), demand, kb) is not None


def test_a_livestock_farm_asking_for_food_without_a_use_is_asking_for_feed(kb: Knowledge) -> None:
    demand = need("restes de repas", naf="01.46Z", hazardous=True, category=Category.MATERIAL)
    assert evaluate_substitution(offer("restes de repas de la cantine"), demand, kb) is None
    methaniser = need("restes de repas", naf="35.21Z", hazardous=True, category=Category.MATERIAL)
    assert evaluate_substitution(offer("restes de repas de la cantine"), methaniser, kb) is not None


def test_every_ban_cites_its_rule_and_gives_a_french_reason() -> None:
    kb = Knowledge(_read_packaged())
    assert len(kb.bans) >= 10
    for ban in kb.bans:
        assert ban.rule.strip() and ban.reason_fr.strip()
        assert any(
            word in ban.rule for word in ("Règlement", "Directive", "Code", "code", "Décret", "arrêté")
        )


def ban_read_pair_by_pair(
    kb: Knowledge, offered: FlowSnapshot, needed: FlowSnapshot, o: str, n: str
) -> Ban | None:
    """The rule of `Knowledge.ban` read as written, ban after ban, for one pair of flows and classes."""
    offer_words = kb._ban_words_cached(offered.label, offered.description or "")
    need_words = kb._ban_words_cached(needed.label, needed.description or "")
    uses = kb.classification(needed).uses
    for ban in kb.bans:
        if f"need_unless:{ban.id}" in need_words or f"offer_unless:{ban.id}" in offer_words:
            continue
        offer_side = (
            f"offer_terms:{ban.id}" in offer_words
            or _under(offered.ewc_code, ban.offer_ewc)
            or (o in ban.offer_classes and _in_activity(offered.naf_code, ban.offer_naf))
        )
        if not offer_side:
            continue
        if ban.need_activity and not _in_activity(needed.naf_code, ban.need_activity, empty=False):
            continue
        classes_hold = (
            not ban.need_classes
            or n in ban.need_classes
            or not uses.isdisjoint(ban.need_classes)
            or (
                kb.classes[n].family != "use"
                and not uses
                and bool(ban.need_naf)
                and _in_activity(needed.naf_code, ban.need_naf, empty=False)
            )
        )
        if classes_hold and (not ban.has_need_terms or f"need_terms:{ban.id}" in need_words):
            return ban
    return None


def test_bans_worked_out_side_by_side_are_the_bans_read_pair_by_pair(kb: Knowledge) -> None:
    # Knowledge.ban works out each side once per flow and class; the answer must be the rule's.
    offers = [offer(o, naf=naf) for o, naf, _, _ in BANNED] + [
        offer(o, ewc=ewc, naf=naf)
        for o in ("restes de repas", "sciure", "huile usagée", "boues", "terres")
        for ewc in (None, "20 01 08", "13 02 05*", "17 05 03;19 08 05")
        for naf in (None, "56.10A")
    ]
    needs = [need(n, hazardous=True, category=Category.MATERIAL) for _, _, n, _ in BANNED] + [
        need(n, naf=naf, category=Category.MATERIAL) for n, _ in ALLOWED for naf in ("01.46Z", "35.21Z")
    ]
    # Each flow's own classes, and some classes of the bans it is not read as.
    classes = sorted({c for ban in kb.bans for c in ban.offer_classes | ban.need_classes})
    found = 0
    for i, supply in enumerate(offers):
        for j, demand in enumerate(needs):
            for o in sorted(kb.classify(supply) | {classes[(i + j) % len(classes)]}):
                for n in sorted(kb.classify(demand) | {classes[(i * j + k) % len(classes)] for k in (0, 7)}):
                    expected = ban_read_pair_by_pair(kb, supply, demand, o, n)
                    assert kb.ban(supply, demand, o, n) == expected
                    found += expected is not None
    assert found > 100, "the flows should meet many bans"
