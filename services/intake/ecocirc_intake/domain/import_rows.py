"""Spreadsheet rows to companies and flows: French headers and values understood, each error located."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ecocirc_intake.domain.errors import BodyValidationError, FieldError
from ecocirc_intake.domain.validation import CompanyInput, FlowInput, validate_company, validate_flow

COMPANY_COLUMNS = (
    "company_name",
    "naf_code",
    "contact_email",
    "siret",
    "postcode",
    "city",
    "lat",
    "lon",
    "territory",
    "consent_to_be_named",
)
FLOW_COLUMNS = (
    "direction",
    "category",
    "label",
    "description",
    "ewc_code",
    "quantity_amount",
    "quantity_unit",
    "quantity_period",
    "months",
    "hazardous",
    "max_distance_km",
    "confidentiality",
)
REQUIRED_COLUMNS = ("company_name", "direction", "category", "label")
# Beyond this many problems the report stops: the file needs a look as a whole, not row by row.
MAX_PROBLEMS = 200

# Headers as advisors write them, once normalised (no accents, lower case, "_" between words).
_HEADER_ALIASES = {
    **{column: column for column in COMPANY_COLUMNS + FLOW_COLUMNS},
    "entreprise": "company_name",
    "nom_entreprise": "company_name",
    "nom_de_l_entreprise": "company_name",
    "raison_sociale": "company_name",
    "name": "company_name",
    "naf": "naf_code",
    "code_naf": "naf_code",
    "code_ape": "naf_code",
    "email": "contact_email",
    "e_mail": "contact_email",
    "courriel": "contact_email",
    "email_contact": "contact_email",
    "e_mail_contact": "contact_email",
    "code_postal": "postcode",
    "cp": "postcode",
    "commune": "city",
    "ville": "city",
    "latitude": "lat",
    "longitude": "lon",
    "territoire": "territory",
    "consentement": "consent_to_be_named",
    "accord_pour_etre_nomme": "consent_to_be_named",
    "nommable": "consent_to_be_named",
    "sens": "direction",
    "offre_besoin": "direction",
    "offre_ou_besoin": "direction",
    "categorie": "category",
    "libelle": "label",
    "intitule": "label",
    "flux": "label",
    "commentaire": "description",
    "code_dechet": "ewc_code",
    "code_ced": "ewc_code",
    "ced": "ewc_code",
    "quantite": "quantity_amount",
    "unite": "quantity_unit",
    "periode": "quantity_period",
    "frequence": "quantity_period",
    "mois": "months",
    "mois_disponibles": "months",
    "dangereux": "hazardous",
    "distance_max": "max_distance_km",
    "distance_max_km": "max_distance_km",
    "distance_maximale_km": "max_distance_km",
    "confidentialite": "confidentiality",
}

_VALUE_ALIASES = {
    "direction": {"offre": "offer", "besoin": "need"},
    "category": {
        "matiere": "material",
        "matieres": "material",
        "dechet": "waste",
        "dechets": "waste",
        "sous_produit": "waste",
        "energie": "energy",
        "eau": "water",
        "equipement": "equipment",
        "equipements": "equipment",
        "logistique": "logistics",
        "transport": "logistics",
        "competence": "skills",
        "competences": "skills",
        "services": "service",
    },
    "quantity_period": {
        "an": "year",
        "annee": "year",
        "par_an": "year",
        "annuel": "year",
        "mois": "month",
        "par_mois": "month",
        "mensuel": "month",
        "semaine": "week",
        "par_semaine": "week",
        "hebdomadaire": "week",
        "jour": "day",
        "par_jour": "day",
        "quotidien": "day",
        "ponctuel": "once",
        "une_fois": "once",
    },
    "confidentiality": {
        "publique": "public",
        "conseiller": "advisor_only",
        "conseillers": "advisor_only",
        "conseiller_seulement": "advisor_only",
        "conseillers_seulement": "advisor_only",
        "confidentiel": "advisor_only",
        "prive": "advisor_only",
    },
}

_TRUE = {"oui", "o", "x", "vrai", "true", "1", "yes", "y"}
_FALSE = {"non", "n", "faux", "false", "0", "no"}
_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1,
    "fevrier": 2, "fevr": 2, "fev": 2,
    "mars": 3, "mar": 3,
    "avril": 4, "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7, "juil": 7,
    "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9,
    "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}  # fmt: skip
_ALL_YEAR = {"toute_l_annee", "toute_annee", "toute_l_an", "tous", "tous_les_mois", "annee"}
# Where a domain error names a body field, the report names the spreadsheet column.
_COLUMN_OF_FIELD = {
    "name": "company_name",
    "quantity": "quantity_amount",
    "quantity.amount": "quantity_amount",
    "quantity.unit": "quantity_unit",
    "quantity.period": "quantity_period",
}


def normalise(text: str) -> str:
    """Lower case, without accents, words joined by "_": how headers and choice values are compared."""
    stripped = "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    )
    return re.sub(r"[^a-z0-9]+", "_", stripped.lower()).strip("_")


@dataclass(frozen=True)
class RowProblem:
    """One error of an import: the row in the file (1 is the header), the column, and why."""

    row: int
    field: str
    message: str
    column: str | None = None


class ImportRejected(ValueError):
    """The file has errors; nothing of it may be written."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"{len(self.problems)} problems")


@dataclass(frozen=True)
class CompanyRow:
    """A company of the file, from the first row that describes it."""

    row: int
    key: str
    company: CompanyInput
    consent_to_be_named: bool


@dataclass(frozen=True)
class FlowRow:
    row: int
    company_key: str
    flow: FlowInput
    import_key: str


@dataclass(frozen=True)
class ImportPlan:
    companies: tuple[CompanyRow, ...]
    flows: tuple[FlowRow, ...]


def map_header(header: Sequence[str]) -> tuple[dict[str, int], dict[str, str], list[RowProblem]]:
    """Column index and original header of each known column, and the header's own problems."""
    index: dict[str, int] = {}
    written: dict[str, str] = {}
    problems: list[RowProblem] = []
    for position, title in enumerate(header):
        if not title:
            continue
        column = _HEADER_ALIASES.get(normalise(title))
        if column is None:
            problems.append(
                RowProblem(1, title, f"Colonne « {title} » inconnue : renommez-la ou retirez-la.", title)
            )
        elif column in index:
            problems.append(
                RowProblem(
                    1, column, f"La colonne « {title} » répète la colonne « {written[column]} ».", title
                )
            )
        else:
            index[column], written[column] = position, title
    for column in REQUIRED_COLUMNS:
        if column not in index:
            problems.append(RowProblem(1, column, f"La colonne obligatoire « {column} » manque.", None))
    return index, written, problems


def _text(cell: object) -> object:
    if isinstance(cell, str):
        return cell.strip() or None
    return cell


def _choice(column: str, value: object) -> object:
    if isinstance(value, str):
        return _VALUE_ALIASES.get(column, {}).get(normalise(value), value)
    return value


def _boolean(column: str, value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = normalise(str(value))
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FieldError(column, f"« {value} » n'est pas compris : écrivez oui ou non.", "type")


def _months(value: object) -> list[int] | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    months: list[int] = []
    for token in re.split(r"[,;/\s]+", str(value).strip()):
        name = normalise(token)
        if not name or name in _ALL_YEAR:
            continue
        bounds = re.fullmatch(r"(\w+)-(\w+)", token.strip())
        if bounds:
            first, last = _month(bounds.group(1), value), _month(bounds.group(2), value)
            # "11-2" wraps over the new year, as seasons do.
            months.extend(
                range(first, last + 1) if first <= last else [*range(first, 13), *range(1, last + 1)]
            )
        else:
            months.append(_month(token, value))
    return sorted(set(months))


def _month(token: str, whole: object) -> int:
    name = normalise(token)
    if name.isdigit() and 1 <= int(name) <= 12:
        return int(name)
    if name in _MONTHS:
        return _MONTHS[name]
    raise FieldError(
        "months",
        f"Les mois « {whole} » ne sont pas compris : écrivez des numéros ou des noms de mois séparés par "
        "des virgules (« 3, 4, 5 » ou « mars, avril, mai »), ou un intervalle (« 3-5 »).",
        "months_format",
    )


def _quantity(values: dict[str, object]) -> dict[str, object] | None:
    amount, unit, period = (values.get(f"quantity_{part}") for part in ("amount", "unit", "period"))
    if amount is None and unit is None and period is None:
        return None
    if amount is not None and unit is None:
        raise FieldError(
            "quantity_unit", "Indiquez l'unité de la quantité (t, kg, m3, L, MWh, kWh, h, unit).", "required"
        )
    if amount is None:
        raise FieldError(
            "quantity_amount", "Indiquez la quantité, ou videz l'unité et la période.", "required"
        )
    return {"amount": amount, "unit": unit, "period": period}


class _Row:
    """One row's cells by column, and the problems found in it."""

    def __init__(self, number: int, cells: Sequence[object], index: dict[str, int], written: dict[str, str]):
        self.number = number
        self.written = written
        self.values = {column: _text(cells[i]) if i < len(cells) else None for column, i in index.items()}
        self.problems: list[RowProblem] = []

    def add(self, error: FieldError) -> None:
        column = _COLUMN_OF_FIELD.get(error.field, error.field)
        self.problems.append(RowProblem(self.number, column, error.message, self.written.get(column)))

    def run(self, rule: object, *args: object) -> object:
        try:
            return rule(*args)  # type: ignore[operator]
        except FieldError as error:
            self.add(error)
        except BodyValidationError as failed:
            for each in failed.errors:
                self.add(each)
        return None

    def company_body(self) -> dict[str, object]:
        v = self.values
        return {
            "name": v.get("company_name"),
            "naf_code": v.get("naf_code"),
            "contact_email": v.get("contact_email"),
            "siret": v.get("siret"),
            "postcode": v.get("postcode"),
            "city": v.get("city"),
            "lat": v.get("lat"),
            "lon": v.get("lon"),
            "territory": v.get("territory"),
        }

    def only_names_company(self) -> bool:
        return all(self.values.get(column) is None for column in COMPANY_COLUMNS[1:])

    def flow_body(self) -> dict[str, object]:
        v = {column: _choice(column, value) for column, value in self.values.items()}
        quantity = self.run(_quantity, v)
        months = self.run(_months, v.get("months"))
        hazardous = self.run(_boolean, "hazardous", v.get("hazardous"))
        # A cell already reported is left out, so the flow's other fields are still checked.
        return {
            "direction": v.get("direction"),
            "category": v.get("category"),
            "label": v.get("label"),
            "description": v.get("description"),
            "ewc_code": v.get("ewc_code"),
            "quantity": quantity,
            "months": months,
            "hazardous": hazardous,
            "max_distance_km": v.get("max_distance_km"),
            "confidentiality": v.get("confidentiality"),
        }


def company_key(company: CompanyInput) -> str:
    """How the file, and the database, recognise a company: its SIRET, else its name in its commune."""
    if company.siret:
        return f"siret:{company.siret}"
    return f"name:{company.name.casefold()}|{company.site.commune_insee}"


def _difference(a: CompanyRow, b: CompanyInput, consent: bool) -> str | None:
    pairs = {
        "company_name": (a.company.name, b.name),
        "naf_code": (a.company.naf_code, b.naf_code),
        "contact_email": (a.company.contact_email, b.contact_email),
        "postcode": (a.company.site.postcode, b.site.postcode),
        "city": (a.company.site.city, b.site.city),
        "lat": (a.company.site.lat, b.site.lat),
        "lon": (a.company.site.lon, b.site.lon),
        "territory": (a.company.territory, b.territory),
        "consent_to_be_named": (a.consent_to_be_named, consent),
    }
    return next((column for column, (first, second) in pairs.items() if first != second), None)


def _no_check() -> None:
    return None


def plan_import(
    header: Sequence[str],
    rows: Sequence[tuple[int, Sequence[object]]],
    check: Callable[[], None] = _no_check,
) -> ImportPlan:
    """Validate a whole file: every row a flow of a company. Raises ImportRejected listing every problem.

    `check` is called before each row; it may raise to stop the work (a deadline, a caller gone).
    """
    index, written, problems = map_header(header)
    if problems:
        raise ImportRejected(problems)
    companies: dict[str, CompanyRow] = {}
    by_name: dict[str, str | None] = {}  # casefolded name -> company key, None when several share it
    failed: set[str] = set()  # casefolded names of companies whose describing row has errors
    flows: list[FlowRow] = []
    seen_flows: dict[tuple[str, str], int] = {}
    for number, cells in rows:
        check()
        row = _Row(number, cells, index, written)
        key = _company_of(row, companies, by_name, failed)
        before = len(row.problems)
        flow = row.run(validate_flow, row.flow_body())
        if isinstance(flow, FlowInput) and key is not None and len(row.problems) == before:
            import_key = f"{flow.direction.value}|{flow.category.value}|{flow.label.casefold()}"
            earlier = seen_flows.setdefault((key, import_key), number)
            if earlier != number:
                row.add(
                    FieldError(
                        "label",
                        f"Ce flux (même sens, catégorie et libellé) est déjà à la ligne {earlier} pour cette "
                        "entreprise : fusionnez les deux lignes.",
                        "duplicate",
                    )
                )
            else:
                flows.append(FlowRow(number, key, flow, import_key))
        problems.extend(row.problems)
        if len(problems) >= MAX_PROBLEMS:
            problems = problems[:MAX_PROBLEMS]
            problems.append(
                RowProblem(number, "file", f"Plus de {MAX_PROBLEMS} erreurs : vérification arrêtée ici.")
            )
            break
    if problems:
        raise ImportRejected(problems)
    return ImportPlan(tuple(companies.values()), tuple(flows))


def _company_of(
    row: _Row, companies: dict[str, CompanyRow], by_name: dict[str, str | None], failed: set[str]
) -> str | None:
    """The key of the row's company, registering it on its first row; None (and problems) if invalid."""
    name = row.values.get("company_name")
    folded = name.strip().casefold() if isinstance(name, str) else None
    if folded is not None and row.only_names_company():
        if folded in failed:
            return None  # its describing row is already reported: no second error for the same cause
        if folded in by_name:
            known = by_name[folded]
            if known is None:
                row.add(
                    FieldError(
                        "company_name",
                        f"Plusieurs entreprises du fichier s'appellent « {name} » : répétez le code postal ou "
                        "le SIRET sur cette ligne.",
                        "ambiguous",
                    )
                )
            return known
    consent = row.run(_boolean, "consent_to_be_named", row.values.get("consent_to_be_named"))
    missing = [column for column in ("naf_code", "contact_email") if row.values.get(column) is None]
    try:
        company = validate_company(row.company_body())
    except BodyValidationError as rejected:
        for error in rejected.errors:
            if error.field not in missing:
                row.add(error)
        company = None
    for column in missing:
        row.add(
            FieldError(
                column,
                f"La colonne {column} est vide : remplissez-la, ou ne laissez que le nom de l'entreprise si "
                "elle est décrite sur une ligne précédente.",
                "required",
            )
        )
    if company is None or missing:
        if folded is not None:
            failed.add(folded)
        return None
    key = company_key(company)
    earlier = companies.get(key)
    if earlier is None:
        companies[key] = CompanyRow(row.number, key, company, bool(consent))
        folded = company.name.casefold()
        by_name[folded] = key if by_name.get(folded, key) == key else None
        return key
    differing = _difference(earlier, company, bool(consent))
    if differing is not None:
        row.add(
            FieldError(
                differing,
                f"Cette entreprise est décrite autrement à la ligne {earlier.row} ({differing}) : gardez les "
                "mêmes informations, ou ne laissez que son nom sur les lignes suivantes.",
                "inconsistent",
            )
        )
        return None
    return key
