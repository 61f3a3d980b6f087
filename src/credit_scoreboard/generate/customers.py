"""The customer base: a French B2B book with some export customers.

Every customer gets, besides the contract's columns, the hidden traits that drive the
simulation: a payer profile, an invoicing rate, a typical invoice amount, the dates it
was active, its payment method and how easy it is to reach.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from credit_scoreboard.contract import PAYMENT_METHODS, SEGMENTS
from credit_scoreboard.generate.calendar import NEVER, next_business_day

# Per segment, in contract.SEGMENTS order: Key accounts, SME, Public sector, Retail.
SEGMENT_SHARES = np.array([0.08, 0.55, 0.12, 0.25])
SEGMENT_INVOICES_PER_MONTH = np.array([4.0, 1.0, 1.5, 2.0])
SEGMENT_MEDIAN_INVOICE_EUR = np.array([5000.0, 1500.0, 4000.0, 900.0])
# Public buyers pay late on average (budget circuits, "service fait" certification).
SEGMENT_EXTRA_DAYS_LATE = np.array([0.0, 2.0, 12.0, 1.0])
SEGMENT_RIGHT_PARTY_RATE = np.array([0.55, 0.38, 0.30, 0.45])
# Share of customers that pay on fixed days (10th and end of month): one transfer
# then settles several invoices.
SEGMENT_PAYMENT_RUN_SHARE = np.array([0.6, 0.15, 0.5, 0.1])

BUSINESS_UNITS = np.array(["Industrie", "Services", "Distribution"])
SEGMENT_BUSINESS_UNIT_PROBABILITIES = np.array(
    [[0.5, 0.3, 0.2], [0.4, 0.35, 0.25], [0.2, 0.6, 0.2], [0.1, 0.2, 0.7]]
)

# Payment terms seen in practice; 90 and 120 days net exceed the French legal maximum
# (60 days net or 45 days end of month, Code de commerce L441-10) and are kept on purpose.
TERMS_DAYS = np.array([30, 45, 60, 0, 90, 120])
TERMS_BASIS = np.array(
    ["invoice_date", "end_of_month", "invoice_date", "invoice_date", "invoice_date", "invoice_date"]
)
SEGMENT_TERMS_PROBABILITIES = np.array(
    [
        [0.05, 0.55, 0.37, 0.00, 0.03, 0.00],  # Key accounts
        [0.47, 0.30, 0.18, 0.02, 0.02, 0.01],  # SME
        [0.70, 0.00, 0.28, 0.00, 0.02, 0.00],  # Public sector
        [0.55, 0.30, 0.10, 0.04, 0.01, 0.00],  # Retail
    ]
)

PROFILES = ("prompt", "slow", "chronic_late", "deteriorating", "failing")
PROMPT, SLOW, CHRONIC_LATE, DETERIORATING, FAILING = range(len(PROFILES))
PROFILE_SHARES = np.array([0.36, 0.30, 0.15, 0.15, 0.04])

METHOD_SHARES = np.array([0.65, 0.12, 0.10, 0.03, 0.08, 0.02])  # order of PAYMENT_METHODS
DIRECT_DEBIT = PAYMENT_METHODS.index("direct_debit")

FRENCH_REGIONS = np.array(
    [
        "Île-de-France", "Auvergne-Rhône-Alpes", "Hauts-de-France", "Nouvelle-Aquitaine",
        "Occitanie", "Grand Est", "Provence-Alpes-Côte d'Azur", "Bretagne",
        "Pays de la Loire", "Normandie", "Centre-Val de Loire", "Bourgogne-Franche-Comté",
    ]
)
FRENCH_REGION_SHARES = np.array(
    [0.28, 0.13, 0.08, 0.08, 0.08, 0.07, 0.08, 0.05, 0.06, 0.04, 0.03, 0.02]
)
EXPORT_SHARE = 0.12
EXPORT_REGION = "Export"
EXPORT_COUNTRIES = np.array(["BE", "DE", "ES", "IT", "CH", "LU", "NL", "GB"])
EXPORT_COUNTRY_SHARES = np.array([0.25, 0.20, 0.15, 0.15, 0.10, 0.05, 0.05, 0.05])
EXPORT_LEGAL_FORMS = np.array(["SRL", "GmbH", "S.L.", "S.r.l.", "AG", "S.à r.l.", "B.V.", "Ltd"])

# Collectors: two key-account managers, one for the public sector, one for export, and
# the others by French region.
COLLECTORS = tuple(f"COL{number:02d}" for number in range(1, 11))
KEY_ACCOUNT_COLLECTORS = (0, 1)
PUBLIC_SECTOR_COLLECTOR = 2
EXPORT_COLLECTOR = 9
# Collector of each French region (FRENCH_REGIONS order) for SME and Retail customers.
REGION_COLLECTOR = np.array([3, 5, 6, 7, 8, 6, 8, 7, 7, 6, 4, 4])

NAME_TRADES = np.array(
    [
        "Société", "Établissements", "Groupe", "Atelier", "Compagnie", "Laboratoires",
        "Transports", "Boulangerie", "Menuiserie", "Imprimerie", "Fromagerie", "Garage",
        "Pâtisserie", "Quincaillerie", "Brasserie", "Chaudronnerie", "Câblerie", "Forges",
        "Métallerie", "Négoce",
    ]
)
NAME_FAMILIES = np.array(
    [
        "Lefèvre", "Bérard", "Garçon", "Dubois", "Moreau", "Girard", "Rousseau", "Mercier",
        "Fontaine", "Chevalier", "Béranger", "Lemaître", "Noël", "Dupré", "Ménard",
        "Fréchette", "Perrin", "Côté", "Gaël", "Françoise", "Benoît", "Lœuvre", "Müller",
        "Hélias",
    ]
)
FRENCH_LEGAL_FORMS = np.array(["SAS", "SARL", "SA", "EURL", "SCOP"])
PUBLIC_BODIES = np.array(
    [
        "Mairie de", "Centre hospitalier de", "Conseil départemental de",
        "Communauté de communes de", "Université de", "Lycée professionnel de",
    ]
)
TOWNS = np.array(
    [
        "Besançon", "Orléans", "Nîmes", "Évry", "Créteil", "Saint-Étienne", "Angoulême",
        "Sète", "Béziers", "Mâcon", "Vénissieux", "Clermont-Ferrand", "Châlons", "Alençon",
    ]
)


@dataclass
class Collectors:
    """Fixed for a seed: how many overdue customers each can work, how well they reach
    decision makers."""

    capacity: np.ndarray  # multiplies the chance that an overdue customer is called
    skill: np.ndarray  # multiplies the right-party contact rate


def draw_collectors(rng: np.random.Generator) -> Collectors:
    return Collectors(
        capacity=rng.uniform(0.6, 1.1, len(COLLECTORS)),
        skill=rng.uniform(0.75, 1.25, len(COLLECTORS)),
    )


@dataclass
class Customers:
    number: np.ndarray  # global customer number (customer_id = CUS + number)
    segment: np.ndarray  # index into SEGMENTS
    region: np.ndarray
    country: np.ndarray
    business_unit: np.ndarray
    collector: np.ndarray  # index into COLLECTORS
    name: np.ndarray
    credit_limit_cents: np.ndarray  # -1 = no limit
    terms: np.ndarray  # index into TERMS_DAYS / TERMS_BASIS
    profile: np.ndarray  # index into PROFILES
    late_offset_days: np.ndarray
    deterioration_start: np.ndarray  # day the lateness of a deteriorating payer starts growing
    failure_day: np.ndarray  # NEVER unless failing
    write_off_day: np.ndarray  # NEVER unless failing
    active_from: np.ndarray
    active_to: np.ndarray
    invoices_per_month: np.ndarray
    median_invoice_eur: np.ndarray
    payment_run: np.ndarray
    method: np.ndarray  # index into PAYMENT_METHODS
    dispute_propensity: np.ndarray
    right_party_rate: np.ndarray

    def __len__(self) -> int:
        return len(self.number)


def pick(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One category per row of a (rows x categories) probability matrix."""
    cumulative = np.cumsum(probabilities, axis=1)
    draws = rng.random(len(probabilities)) * cumulative[:, -1]
    return (draws[:, None] >= cumulative).sum(axis=1)


def draw_customers(
    rng: np.random.Generator, first_number: int, count: int, start_day: int, end_day: int,
    collectors: Collectors,
) -> Customers:
    n = count
    segment = rng.choice(len(SEGMENTS), n, p=SEGMENT_SHARES)
    export = rng.random(n) < EXPORT_SHARE
    region_index = rng.choice(len(FRENCH_REGIONS), n, p=FRENCH_REGION_SHARES)
    country_index = rng.choice(len(EXPORT_COUNTRIES), n, p=EXPORT_COUNTRY_SHARES)
    # Public bodies are French.
    export &= segment != SEGMENTS.index("Public sector")
    region = np.where(export, EXPORT_REGION, FRENCH_REGIONS[region_index])
    country = np.where(export, EXPORT_COUNTRIES[country_index], "FR")

    collector = REGION_COLLECTOR[region_index]
    key_account = segment == SEGMENTS.index("Key accounts")
    collector = np.where(key_account, np.array(KEY_ACCOUNT_COLLECTORS)[rng.integers(0, 2, n)],
                         collector)
    collector = np.where(segment == SEGMENTS.index("Public sector"), PUBLIC_SECTOR_COLLECTOR,
                         collector)
    collector = np.where(export & ~key_account, EXPORT_COLLECTOR, collector)

    trade = NAME_TRADES[rng.integers(0, len(NAME_TRADES), n)]
    family = NAME_FAMILIES[rng.integers(0, len(NAME_FAMILIES), n)]
    legal = np.where(export, EXPORT_LEGAL_FORMS[country_index],
                     FRENCH_LEGAL_FORMS[rng.integers(0, len(FRENCH_LEGAL_FORMS), n)])
    company = np.strings.add(np.strings.add(np.strings.add(trade, " "), family), " ")
    company = np.strings.add(company, legal)
    public_body = np.strings.add(
        np.strings.add(PUBLIC_BODIES[rng.integers(0, len(PUBLIC_BODIES), n)], " "),
        TOWNS[rng.integers(0, len(TOWNS), n)],
    )
    name = np.where(segment == SEGMENTS.index("Public sector"), public_body, company)

    invoices_per_month = SEGMENT_INVOICES_PER_MONTH[segment] * rng.lognormal(-0.32, 0.8, n)
    median_invoice_eur = SEGMENT_MEDIAN_INVOICE_EUR[segment] * rng.lognormal(0.0, 0.6, n)
    terms = pick(rng, SEGMENT_TERMS_PROBABILITIES[segment])
    # Credit limit: about two to five months of expected sales; some customers have none.
    monthly_sales = invoices_per_month * median_invoice_eur * 1.5
    limit_eur = monthly_sales * (TERMS_DAYS[terms] / 30 + 1) * rng.uniform(1.0, 2.5, n)
    credit_limit_cents = np.maximum(np.round(limit_eur / 1000), 1) * 100_000
    credit_limit_cents = np.where(rng.random(n) < 0.12, -1, credit_limit_cents).astype(np.int64)

    profile = rng.choice(len(PROFILES), n, p=PROFILE_SHARES)
    span = end_day - start_day
    joins_later = rng.random(n) < 0.25
    active_from = np.where(
        joins_later, start_day + rng.integers(0, max(span - 90, 1), n), start_day
    ).astype(np.int64)
    churns = rng.random(n) < 0.08
    churn_day = active_from + 180 + (rng.random(n) * np.maximum(end_day - active_from - 180, 0))
    active_to = np.where(churns, churn_day.astype(np.int64), end_day)
    failing = profile == FAILING
    failure_day = np.where(
        failing,
        np.maximum(active_from + 120, start_day + (0.3 + 0.6 * rng.random(n)) * span).astype(
            np.int64),
        NEVER,
    )
    failing &= failure_day < end_day - 30
    profile = np.where((profile == FAILING) & ~failing, DETERIORATING, profile)
    failure_day = np.where(failing, failure_day, NEVER)
    # Invoicing stops at the failure (credit hold); the balance is written off months later.
    active_to = np.minimum(active_to, failure_day)
    write_off_day = np.where(
        failing, next_business_day(failure_day + rng.integers(90, 240, n)), NEVER
    )
    deterioration_start = start_day + (rng.random(n) * 0.5 * span).astype(np.int64)

    method = rng.choice(len(PAYMENT_METHODS), n, p=METHOD_SHARES)
    right_party_rate = SEGMENT_RIGHT_PARTY_RATE[segment] * collectors.skill[collector]
    return Customers(
        number=np.arange(first_number, first_number + n, dtype=np.int64),
        segment=segment,
        region=region,
        country=country,
        business_unit=BUSINESS_UNITS[pick(rng, SEGMENT_BUSINESS_UNIT_PROBABILITIES[segment])],
        collector=collector,
        name=name,
        credit_limit_cents=credit_limit_cents,
        terms=terms,
        profile=profile,
        late_offset_days=rng.normal(0.0, 3.0, n),
        deterioration_start=deterioration_start,
        failure_day=failure_day,
        write_off_day=write_off_day,
        active_from=active_from,
        active_to=active_to,
        invoices_per_month=invoices_per_month,
        median_invoice_eur=median_invoice_eur,
        payment_run=rng.random(n) < SEGMENT_PAYMENT_RUN_SHARE[segment],
        method=method,
        dispute_propensity=rng.lognormal(-0.18, 0.6, n),
        right_party_rate=np.clip(right_party_rate, 0.05, 0.9),
    )
