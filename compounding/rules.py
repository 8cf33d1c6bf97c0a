"""The catalogue of rules: every error and finding code, what it means, and its source.

Rules are data. The modules that apply them (``dosing``, ``release``, ``medications``,
``conditions``, ``weighing``, ``dating``, ``batch``) refer to the codes here, and docs/rules.md
lists every one (a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .findings import Severity

Kind = Literal["error", "finding"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: a stable ``code``; ``kind`` error (no plan) or finding (plan + look)."""

    code: str
    kind: Kind
    severity: Severity | None
    summary: str
    source: str


_DOMAIN = "domain.md"
_TOLJAN = "Toljan & Vrooman, Med Sci 2018;6:82 (dose bands)"
_LABELS = "naltrexone tablet labels (DailyMed, UK SmPC, Medsafe)"

RULES: tuple[Rule, ...] = (
    # Input validation (API v1)
    Rule("INTERNAL_ERROR", "error", None,
         "A fault in the workbench itself, not in the order; it is logged for a fix (HTTP 500).",
         "API v1"),
    Rule("INVALID_JSON", "error", None,
         "The body is not a JSON object, or nests deeper than 32 levels (HTTP 400).", "API v1"),
    Rule("TOO_MANY_ERRORS", "error", None,
         "Counts the errors beyond the 50 an answer lists.", "API v1"),
    Rule("NOT_FOUND", "error", None, "No such path (HTTP 404).", "API v1"),
    Rule("METHOD_NOT_ALLOWED", "error", None, "Wrong HTTP method for the path (HTTP 405).",
         "API v1"),
    Rule("QUERY_PARAMETER_UNKNOWN", "error", None,
         "A query parameter the endpoint does not take (HTTP 400): a misspelt filter never "
         "widens a search.", "API v1.1"),
    Rule("CHARACTER_NOT_PRINTABLE", "error", None,
         "A worksheet or label would need a character that no font of the workbench (DejaVu, "
         "or an installed Noto Sans CJK) can print; the field is named, nothing is printed.",
         "domain.md §13"),
    Rule("SETTING_INVALID", "error", None,
         "A service setting (a COMPOUNDING_* variable or its flag) is invalid: the service "
         "does not start (exit status 2).", "security.md"),
    Rule("FHIR_NOT_INSTALLED", "error", None,
         "A FHIR endpoint on an installation without the [fhir] extra (HTTP 501).",
         "API v1.1"),
    Rule("BODY_TOO_LARGE", "error", None, "A request body over 64 KiB (HTTP 413).", "API v1"),
    Rule("UNSUPPORTED_MEDIA_TYPE", "error", None,
         "An API body that is not sent as application/json (HTTP 415).", "API v1"),
    Rule("FILE_NOT_FOUND", "error", None,
         "The command line was given a file that does not exist (the order, the profile).",
         "API v1: command line"),
    Rule("FILE_UNREADABLE", "error", None,
         "The command line cannot read or write a file it was given (permissions, a folder, "
         "a full disk).", "API v1: command line"),
    Rule("UNTRUSTED_HOST", "error", None,
         "A request whose Host header is not one of the service's names (HTTP 400; DNS "
         "rebinding).", "security.md: the input boundary"),
    Rule("UNAVAILABLE", "error", None,
         "The records database cannot be reached or written just now; retry after the "
         "Retry-After seconds (HTTP 503).", "security.md: the input boundary"),
    Rule("IDEMPOTENCY_KEY_REUSED", "error", None,
         "An Idempotency-Key already used for a different request body (HTTP 409).",
         "API v1.1"),
    Rule("UNAUTHENTICATED", "error", None,
         "No one is signed in, and no valid API token was sent (HTTP 401).",
         "security.md: people and roles"),
    Rule("FORBIDDEN", "error", None,
         "The signed-in user's role, or the token's scope, does not allow this (HTTP 403).",
         "security.md: people and roles"),
    Rule("SIGNATURE_FAILED", "error", None,
         "A signature whose password is wrong, whose name is held back after failed tries, or "
         "whose signer is not a pharmacist (HTTP 403).",
         "security.md: signatures; 21 CFR 11.200"),
    Rule("PASSWORD_CHANGE_REQUIRED", "error", None,
         "A signature, or a page other than Your password, by someone whose password was set "
         "by an administrator or on the command line and not yet changed by them (HTTP 403).",
         "security.md: people and roles; 21 CFR 11.300(a)"),
    Rule("SAME_PASSWORD", "error", None,
         "A password change to the password already in use.", "security.md: people and roles"),
    Rule("PASSWORDS_DIFFER", "error", None,
         "A new password and its repetition that differ.", "security.md: people and roles"),
    Rule("LICENCE_TAKEN", "error", None,
         "A licence number another account already holds: each pharmacist signs under their "
         "own.", "security.md: signatures; 21 CFR 11.100(a)"),
    Rule("CONSENT_REQUIRED", "error", None,
         "A token made for someone else that would print dispensing labels or write to records "
         "as a pharmacist, without that person's password as consent.",
         "security.md: people and roles; 21 CFR 11.300"),
    Rule("TOKEN_OWNER_CANNOT_USE", "error", None,
         "A token whose owner lacks the role its scopes need (an administrator who is not a "
         "technician, say): it would be refused everything.", "security.md: people and roles"),
    Rule("CONSENT_FAILED", "error", None,
         "The password typed as a token owner's consent is not theirs (HTTP 403).",
         "security.md: people and roles"),
    Rule("SETUP_DONE", "error", None,
         "A first-start page posted after the first administrator was made (two pages at "
         "once make one administrator).", "security.md: people and roles"),
    Rule("PRECONDITION_REQUIRED", "error", None,
         "A signature sent without If-Match naming the revision it signs (HTTP 428).",
         "security.md: signatures; 21 CFR 11.70"),
    Rule("WEAK_PASSWORD", "error", None,
         "A password under 12 characters, a common one, one containing the username, or one "
         "zxcvbn finds easy to guess with the trade's and the pharmacy's words.",
         "security.md: people and roles; OWASP ASVS 2.1"),
    Rule("TYPED_AUTHOR", "error", None,
         "A typed name as the author of a step: the author is whoever is signed in.",
         "security.md: every action has an authenticated author"),
    Rule("CHAIN_BROKEN", "error", None,
         "A batch whose history was altered outside the workbench: no label is printed from "
         "it (HTTP 409).", "security.md: tamper evidence"),
    Rule("IMPORT_REFUSED", "error", None,
         "An imported record that does not add up when replayed (plan, states, signatures).",
         "security.md: the audit trail"),
    Rule("RECORD_ARCHIVED", "error", None,
         "A record imported without a chain that verifies with a key this installation "
         "trusts: it can be read and recalled, but takes no further step and prints no label "
         "or MedicationDispense (HTTP 409).", "security.md: the audit trail (import)"),
    Rule("ACKNOWLEDGE_BY_SIGNATURE", "error", None,
         "An acknowledgement typed into an order for a batch record: a record's critical "
         "findings are acknowledged on its page, each by a pharmacist's signature.",
         "security.md: signatures"),
    Rule("CSRF_FAILED", "error", None,
         "A form post without this page's anti-forgery token, or an expired one (HTTP 400).",
         "OWASP CSRF prevention"),
    Rule("FIELD_REQUIRED", "error", None, "A required field is missing.", "API v1"),
    Rule("FIELD_UNKNOWN", "error", None, "A field the order does not have.", "API v1"),
    Rule("INVALID_VALUE", "error", None, "A value of the wrong type or outside its range.",
         "API v1"),
    Rule("INVALID_QUANTITY", "error", None,
         "Not a quantity: a bare number, NaN, infinity, an expression, or a unit outside the "
         "closed list (mg, mcg, µg, ug, g, kg, lb, mL, L, g/mL, mg/mL).",
         "API v1; security.md: the input boundary"),
    Rule("WRONG_DIMENSION", "error", None, "A quantity of the wrong kind (a volume for a mass).",
         "API v1"),
    Rule("NOT_POSITIVE", "error", None, "An amount that must be above zero is zero or negative.",
         "API v1"),
    Rule("INVALID_DATE", "error", None, "Not a real date in ISO form.", "API v1"),
    Rule("INVALID_LOT", "error", None,
         "A batch lot number that is not letters A-Z, digits and hyphens (up to 32).",
         "security.md: the input boundary"),
    Rule("LOT_CONFUSABLE", "error", None,
         "A component lot (source, filler or capsule shell, in the order) with a character "
         "that is not printable ASCII in the lot's normal form: a Cyrillic or Greek letter that "
         "looks Latin ('А' for 'A'), or another letter or sign a recall typed in Latin would "
         "never match. The message names the character and its code point.",
         "Unicode UTS #39 (confusables); security.md: the input boundary"),
    Rule("NAME_INVISIBLE_CHARACTER", "error", None,
         "A patient or prescriber name with an invisible or text-direction character "
         "(zero-width space or joiner, byte-order mark, soft hyphen, a bidi override, "
         "embedding, isolate or mark): the name shown would not be the name kept.",
         "Unicode UTR #36 §2 and UAX #9 (bidi controls); UTS #39"),
    Rule("NAME_MIXED_SCRIPTS", "finding", Severity.warning,
         "A patient or prescriber name with a word that mixes Latin, Greek and Cyrillic letters "
         "(\"John\" typed with a Cyrillic о): the pharmacist checks it against the prescription; a "
         "search finds it by its look-alike letters in the word's main script.",
         "Unicode UTS #39 (mixed-script detection, confusables)"),
    Rule("INVALID_TIME_ZONE", "error", None,
         "A pharmacy time zone that is not an IANA name (America/Chicago).",
         "security.md: the input boundary"),
    Rule("INVALID_NDC", "error", None,
         "An NDC that is not 10 digits as 4-4-2, 5-3-2 or 5-4-1, or 11 digits as 5-4-2; NDCs "
         "are kept as 11 digits.", "FDA NDC directory; CMS 10-to-11-digit conversion"),
    Rule("INVALID_NPI", "error", None, "A prescriber NPI that fails its Luhn check digit.",
         "CMS NPI check digit standard"),
    Rule("OVERAGE_CONFLICT", "error", None, "Overage given both as capsules and as percent.",
         "API v1"),
    Rule("TABLET_LIGHTER_THAN_DRUG", "error", None,
         "Average tablet weight below the drug it contains: a mis-typed weight.", "domain.md §2"),
    Rule("UNKNOWN_ACKNOWLEDGEMENT", "error", None,
         "An acknowledgement names no critical finding of the order, or a finding twice.",
         "domain.md §4, §11"),
    Rule("AMBIGUOUS_ACKNOWLEDGEMENT", "error", None,
         "An acknowledgement names only a code that several critical findings have: name the "
         "finding by its id.", "domain.md §11"),
    # Dose
    Rule("DOSE_ULTRA_LOW", "error", None,
         "Daily dose below 0.001 mg: capsules from 50 mg tablets cannot deliver it.", _TOLJAN),
    Rule("DOSE_STANDARD", "error", None,
         "Daily dose 50 mg or more: standard-dose tablets are sold, not compounded.", _TOLJAN),
    Rule("DOSE_VERY_LOW", "finding", Severity.warning,
         "Daily dose 0.001 mg to below 1 mg (very-low dose).", _TOLJAN),
    Rule("DOSE_ABOVE_LDN", "finding", Severity.critical,
         "Daily dose above 5 mg and below 50 mg: above the LDN range.",
         _TOLJAN + "; Kaufman (max 5 mg)"),
    Rule("DIRECTIONS_MISMATCH", "error", None,
         "Directions text and sig that disagree on the capsules per dose or doses per day.",
         "domain.md §10"),
    Rule("DIRECTIONS_UNREAD", "finding", Severity.warning,
         "Directions that do not say plainly how many capsules and how often, name an amount "
         "that is not a whole number of capsules, or leave the rest \"as directed\": the dose "
         "checks assume the sig (1 capsule once daily unless given).", "domain.md §10"),
    Rule("BUD_SHORTER_THAN_SUPPLY", "finding", Severity.warning,
         "The capsules last past the beyond-use date as directed (in the plan, or with the lots "
         "used at the bench).",
         "domain.md §10; USP <795> (2023)"),
    Rule("DOSE_MULTIPLE_DAILY", "finding", Severity.warning,
         "More than one dose a day: LDN is taken once daily.",
         "Younger, Parkitny & McLain, Clin Rheumatol 2014"),
    Rule("PEDIATRIC_DOSE_HIGH", "finding", Severity.critical,
         "Patient under 18 with a daily dose above 0.1 mg/kg or above 4.5 mg.",
         "Smith et al., J Clin Gastroenterol 2013; NCT00715117"),
    Rule("PEDIATRIC_NO_WEIGHT", "finding", Severity.warning,
         "Patient under 18 and no body weight given: the mg/kg limit cannot be checked.",
         "Smith et al., J Clin Gastroenterol 2013; NCT00715117"),
    # Immediate release
    Rule("RELEASE_NOT_IMMEDIATE", "error", None,
         "Release other than immediate: LDN must be immediate release.", "domain.md §4"),
    Rule("SOURCE_STRENGTH_MISMATCH", "error", None,
         "A strength written in the source product's name that is not the tablet strength S.",
         "domain.md §12"),
    Rule("SOURCE_NOT_IR_NALTREXONE", "error", None,
         "Source product named with a release word (CR, MR, depot ...), injectable, combined "
         "with another ingredient (Contrave, Embeda) or not naltrexone; Revia, Depade, Nalorex "
         "and Adepend are accepted.", _LABELS + "; domain.md §14"),
    Rule("FILLER_RETARDS_RELEASE", "error", None,
         "Filler that slows release (HPMC, methylcellulose, ethylcellulose), or a filler or "
         "grade named with a release word (ER, CR, delayed, retard ...).",
         "Zur, IJPC 2013; domain.md §14"),
    Rule("FILLER_REDUCES_ABSORPTION", "error", None,
         "Calcium carbonate filler: it can reduce naltrexone absorption.",
         "Swidan, CRC Press chapter on LDN"),
    Rule("FILLER_UNLISTED", "finding", Severity.warning,
         "A filler outside the table, given with its calibrated pack stat: the pharmacist "
         "confirms it is an immediate-release diluent.", "domain.md §4"),
    Rule("FILLER_UNKNOWN", "error", None,
         "A filler that is not in the filler table, given without a pack stat.",
         "domain.md §4"),
    Rule("FILLER_GRADE_UNKNOWN", "finding", Severity.info,
         "A filler grade that the filler table does not list.", "domain.md §4"),
    Rule("SHELL_DELAYED_RELEASE", "error", None,
         "Delayed-release, enteric or acid-resistant capsule shell, or any shell named with a "
         "release word (DR, SR, retard ...).", "domain.md §4 and §14"),
    Rule("SHELL_UNKNOWN", "error", None, "A capsule shell that is not in the shell table.",
         "domain.md §4"),
    Rule("FILLER_LACTOSE", "finding", Severity.warning,
         "A filler or grade that is or contains lactose (\"MCC/lactose blend\", Pharmatose).",
         _LABELS + "; domain.md §14"),
    Rule("LACTOSE_INTOLERANCE", "finding", Severity.warning,
         "Lactose-intolerant patient and a batch that contains lactose (from the filler, or the "
         "source tablets, which do unless their excipients say otherwise).", _LABELS),
    # Capsule and batch
    Rule("CAPSULE_TOO_SMALL", "error", None,
         "Tablet powder alone overfills the capsule; names the smallest size that fits.",
         "domain.md §3"),
    Rule("FILL_BASIS_MISSING", "error", None,
         "No pack stat, no density and no chart value for this capsule size and filler.",
         "Formulating Capsules Guide filler chart"),
    Rule("BELOW_MINIMUM_WEIGHABLE", "finding", Severity.warning,
         "One capsule's fill is below the balance's minimum weighable quantity: its 90-110 % "
         "check cannot be trusted.",
         "UNC Pharmaceutics lab, weighing (MWQ = sensitivity / acceptable error)"),
    # Opioids
    Rule("OPIOID_COADMINISTRATION", "finding", Severity.critical,
         "A concurrent medication contains a full or partial mu-opioid agonist.", _LABELS),
    Rule("OPIOID_ANTIDIARRHEAL", "finding", Severity.warning,
         "A concurrent opioid antidiarrheal (loperamide, eluxadoline, diphenoxylate, difenoxin).",
         _LABELS),
    Rule("OPIOID_POSSIBLE", "finding", Severity.warning,
         "A medication word within two edits of an opioid's name (\"oxycodon\", \"percoset\"): "
         "it could not be confirmed and names the opioid it may be.", "domain.md §14"),
    Rule("OPIOID_PAMORA", "finding", Severity.warning,
         "A peripherally acting opioid antagonist (naloxegol, methylnaltrexone, naldemedine, "
         "alvimopan): it implies opioid therapy.", "domain.md §14; WHO ATC A06AH"),
    Rule("OPIOID_ANTAGONIST_DUPLICATE", "finding", Severity.warning,
         "Another naltrexone product (Revia, Vivitrol, Contrave), nalmefene or samidorphan "
         "(Lybalvi): a duplicate opioid antagonist.", "domain.md §14"),
    Rule("OPIOID_WITHDRAWAL_TREATMENT", "finding", Severity.warning,
         "Lofexidine, which treats opioid withdrawal: the patient may be stopping opioids now.",
         "domain.md §14; WHO ATC N07BC04"),
    Rule("OPIOID_DEPENDENCE", "finding", Severity.critical,
         "A condition naming opioid use disorder or dependence, methadone or buprenorphine "
         "maintenance, or chronic opioid therapy.", _LABELS + "; domain.md §14"),
    Rule("NALTREXONE_HYPERSENSITIVITY", "finding", Severity.critical,
         "An allergy to naltrexone or to a related antagonist such as naloxone.",
         _LABELS + "; domain.md §14"),
    Rule("LACTOSE_ALLERGY", "finding", Severity.warning,
         "A lactose or milk allergy, or galactosaemia, when the batch contains lactose; the "
         "message names where the lactose comes from.", "domain.md §14"),
    # Other cautions
    Rule("PREGNANCY_OR_BREASTFEEDING", "finding", Severity.warning,
         "Patient pregnant or breast-feeding.", _LABELS),
    Rule("HEPATIC_FAILURE", "finding", Severity.critical,
         "Acute hepatitis or liver failure.", _LABELS + "; Patil review"),
    Rule("RENAL_IMPAIRMENT", "finding", Severity.warning, "Severe renal impairment.", _LABELS),
    Rule("FILL_IMPLAUSIBLE", "error", None,
         "A pack stat that packs a capsule to outside 0.2-1.5 g/mL, a filler density outside "
         "that range, or a density factor outside 0.5-2 (settings).",
         "domain.md §9; IFF Avicel data"),
    Rule("METHOD_NOT_WEIGHABLE", "error", None,
         "The method the order asks for needs a weighing below the MWQ or above the balance's "
         "capacity; the message names the method that would work.", "domain.md §9"),
    Rule("TRITURATION_INFEASIBLE", "error", None,
         "No method, not even a two-stage trituration, can weigh the dose: an oral liquid is "
         "suggested.", "domain.md §9"),
    Rule("BATCH_TOO_LARGE", "error", None,
         "The batch's blend is more than the balance weighs at once: make smaller batches.",
         "domain.md §9"),
    Rule("BATCH_SURPLUS", "finding", Severity.warning,
         "The method asked for fills more than max(10, ⌈10 % of N⌉) capsules beyond N "
         "(settings); the automatic method avoids it.",
         "domain.md §9"),
    # Beyond-use date
    Rule("COMPONENT_EXPIRED", "error", None,
         "A component expires on or before the compounding date.", "USP <795> (2023)"),
    Rule("BUD_LIMITED_BY_COMPONENT", "finding", Severity.info,
         "A component expires before the default beyond-use date and sets it.",
         "USP <795> (2023)"),
    # Documents
    Rule("CRITICAL_UNACKNOWLEDGED", "error", None,
         "A patient label was asked for while a critical finding is not acknowledged (HTTP 409).",
         "domain.md §4"),
    Rule("LABEL_TOO_LONG", "error", None,
         "What a container's label must carry (patient, drug, directions or the pointer to the "
         "dosing schedule label, quantity, BUD, lot, Rx, opioid caution) that does not fit it, "
         "or one sentence or schedule step that does not fit a label of its own, at the "
         "smallest legible size; the rest goes on auxiliary and schedule labels.",
         "USP <17> (legibility); domain.md §13, §18"),
    Rule("PRINTER_UNREACHABLE", "error", None,
         "A label printer that cannot be reached over the network, or does not take the whole "
         "label (raw TCP, port 9100 by default); the message names the printer (HTTP 502).",
         "Zebra ZPL II Programming Guide (raw TCP printing)"),
    # Records (compounding records, USP <795>)
    Rule("CAPSULES_EXCEED_BATCH", "error", None,
         "More capsules made than the batch fills.", "domain.md §3"),
    Rule("WEIGHTS_EXCEED_CAPSULES", "error", None,
         "More capsule weights than capsules made.", "domain.md §3"),
    Rule("BENCH_SHORT", "error", None,
         "Fewer capsules dispensable (made, less those set aside outside the QC range) than "
         "the prescription's quantity.", "domain.md §12, §21"),
    Rule("BENCH_DATE_IN_FUTURE", "error", None,
         "Bench work dated after the pharmacy's today.", "domain.md §12"),
    Rule("BENCH_WEIGHT_UNIFORMITY", "finding", Severity.critical,
         "More than 1 in 10 of a weighed sample outside the QC range: the batch can only be "
         "rejected or corrected with a 100 % weight check.", "domain.md §21"),
    Rule("BENCH_WEIGHT_VARIATION", "finding", Severity.warning,
         "Relative standard deviation of the capsule weights above 6 %.", "domain.md §21"),
    Rule("BENCH_WEIGHTS_MISSING", "error", None,
         "Fewer capsule net weights than min(10, capsules made).", "domain.md §12"),
    Rule("BENCH_POWDER_EXCEEDS_TABLETS", "error", None,
         "More tablet powder weighed than the tablets used hold (W × tablets × 1.02).",
         "domain.md §12"),
    Rule("BENCH_TABLETS_MISMATCH", "finding", Severity.critical,
         "Tablets used other than T: the batch can only be rejected or corrected.",
         "domain.md §12"),
    Rule("BENCH_STRENGTH_DEVIATION", "finding", Severity.warning,
         "Strength made outside 95-105 % of d.", "domain.md §12"),
    Rule("BENCH_STRENGTH_OUT_OF_RANGE", "finding", Severity.critical,
         "Strength made outside 90-110 % of d: the batch can only be rejected or corrected.",
         "domain.md §12"),
    Rule("BUD_SHORTENED_AT_BENCH", "finding", Severity.info,
         "A lot used at the bench expires before the planned beyond-use date, or the bench "
         "work was done earlier: the label carries the earlier date.",
         "USP <795> (2023); domain.md §12"),
    Rule("BATCH_NOT_RELEASABLE", "error", None,
         "An approval of a batch whose bench results make it unreleasable (HTTP 409).",
         "domain.md §12"),
    Rule("CAPSULE_OUT_OF_RANGE", "finding", Severity.warning,
         "A capsule's net weight outside 90-110 % of the theoretical fill weight.",
         "old USP <795> capsule rule; UNC pharmaceutics lab notes"),
    Rule("SELF_VERIFICATION", "error", None,
         "The pharmacist signing the verification entered or corrected the bench results (by "
         "user id), and the pharmacy forbids it.",
         "USP <795> (2023): verification by a pharmacist"),
    Rule("ACCOUNT_MANAGER_VERIFICATION", "error", None,
         "The pharmacist signing the verification created, reset the password of, or changed "
         "the roles or licence of the bench author's account in the last 90 days *(default)*, "
         "and the pharmacy forbids it.",
         "21 CFR 11.10(g), 11.300; USP <795> (2023): verification by a second person"),
    Rule("REASON_REQUIRED", "error", None, "A rejection or scrap without a reason.",
         "USP <795> (2023) compounding record"),
    Rule("INVALID_TRANSITION", "error", None,
         "A step the batch's state does not allow, such as verifying a scrapped batch (HTTP 409).",
         "domain.md §6"),
    Rule("STALE_REVISION", "error", None,
         "The record changed since it was read; reload it and enter again (HTTP 409).",
         "API v1"),
    Rule("BATCH_NOT_VERIFIED", "error", None,
         "A patient label for a batch no pharmacist has verified (HTTP 409).",
         "USP <795> (2023): release after verification"),
    Rule("BATCH_NOT_COMPOUNDED", "error", None,
         "An executed compounding record asked of a batch with no bench results (HTTP 409).",
         "domain.md §13"),
    Rule("LOT_NUMBER_RESERVED", "error", None,
         "An order's own lot number of the form YYYYMMDD-NNN, which only the records' lot "
         "counter gives out.", "security.md: the input boundary"),
    Rule("LOT_NUMBER_TAKEN", "error", None,
         "An order's own lot number that another batch already has (HTTP 409).", "API v1"),
    # Component inventory (issue 23)
    Rule("LOT_EXPIRED", "error", None,
         "An inventory lot that expires on or before today: it is not received, not offered "
         "in a lot list, and refused when typed on an order.", "USP <795> (2023)"),
    Rule("LOT_QUARANTINED", "error", None,
         "An inventory lot a pharmacist has quarantined: it is not offered, it is refused "
         "when typed on an order, and quarantining it again is refused (HTTP 409); batches "
         "that used it and are not yet labelled are flagged.", "USP <795> (2023): components"),
    Rule("LOT_ALREADY_RECEIVED", "error", None,
         "An inventory lot received a second time: a lot of each kind is received once "
         "(HTTP 409).", "USP <795> (2023): components"),
    Rule("COMPOUNDED_ON_OUT_OF_RANGE", "error", None,
         "An order's compounding date more than 31 days (setting "
         "compounding_date_window_days) before or after the pharmacy's today.",
         "domain.md §12"),
    Rule("FUTURE_BIRTH_DATE", "error", None,
         "Patient date of birth after the compounding date.", "API v1"),
)

BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
CRITICAL_CODES: frozenset[str] = frozenset(
    r.code for r in RULES if r.severity is Severity.critical
)


def rule(code: str) -> Rule:
    """The rule with this code (``KeyError`` for a code the catalogue does not have)."""
    return BY_CODE[code]


def markdown_table() -> str:
    """The catalogue as docs/rules.md's Markdown table (``python docs/generate.py``)."""
    lines = ["| code | kind | severity | meaning | source |", "|---|---|---|---|---|"]
    for r in RULES:
        severity = r.severity.value if r.severity else "—"
        lines.append(f"| `{r.code}` | {r.kind} | {severity} | {r.summary} | {r.source} |")
    return "\n".join(lines)
