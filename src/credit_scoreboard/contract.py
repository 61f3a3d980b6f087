"""The extract contract (CONTRACT.md section 1) as data.

One place that names every entity, column, type and accepted value, so that the
generator, the ingest rules and the data-quality suites cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

SEGMENTS = ("Key accounts", "SME", "Public sector", "Retail")
PAYMENT_TERMS_BASES = ("invoice_date", "end_of_month")
DOCUMENT_TYPES = ("invoice", "credit_note")
PAYMENT_METHODS = ("transfer", "direct_debit", "check", "card", "bill_of_exchange", "other")
DISPUTE_REASONS = (
    "delivery_not_made",
    "wrong_price",
    "not_ordered",
    "billing_error",
    "defective_goods",
    "other",
)
DISPUTE_STATUSES = ("open", "resolved", "rejected")
DISPUTE_OWNERS = ("sales", "logistics", "billing", "quality", "credit")
DISPUTE_RESOLUTIONS = ("credit_note", "customer_paid", "written_off")
CALL_CHANNELS = ("phone", "email", "letter", "visit", "formal_notice")
CALL_STAGES = ("pre_due", "level_1", "level_2", "level_3", "formal_notice", "litigation")
CALL_OUTCOMES = (
    "promise_to_pay",
    "payment_plan",
    "already_paid",
    "dispute_raised",
    "callback_requested",
    "refused",
    "no_answer",
    "voicemail",
    "wrong_contact",
)
PROMISE_OUTCOMES = ("promise_to_pay", "payment_plan")
# E-invoicing lifecycle (AFNOR XP Z12-012, CDAR flow 6): who sent a status, what it asks.
STATUS_ISSUERS = ("buyer", "supplier", "platform")
REQUESTED_ACTIONS = ("NOA", "PIN", "NIN", "CNF", "CNP", "CNA", "OTH")
STATUS_CODE_RANGE = (200, 299)


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text | decimal | int | date | timestamp | bool
    required: bool = False
    accepted_values: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Entity:
    name: str
    key: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)


CUSTOMERS = Entity(
    "customers",
    "customer_id",
    (
        Column("customer_id", "text", required=True),
        Column("customer_name", "text", required=True),
        Column("segment", "text", required=True),
        Column("region", "text", required=True),
        Column("country", "text"),
        Column("business_unit", "text"),
        Column("collector_id", "text"),
        Column("credit_limit", "decimal"),
        Column("payment_terms_days", "int"),
        Column("payment_terms_basis", "text", accepted_values=PAYMENT_TERMS_BASES),
    ),
)

INVOICES = Entity(
    "invoices",
    "document_id",
    (
        Column("document_id", "text", required=True),
        Column("customer_id", "text", required=True),
        Column("document_type", "text", required=True, accepted_values=DOCUMENT_TYPES),
        Column("document_date", "date", required=True),
        Column("due_date", "date", required=True),
        Column("amount", "decimal", required=True),
        Column("applies_to_document_id", "text"),
        Column("currency", "text"),
    ),
)

PAYMENTS = Entity(
    "payments",
    "payment_id",
    (
        Column("payment_id", "text", required=True),
        Column("customer_id", "text", required=True),
        Column("document_id", "text"),
        Column("payment_date", "date", required=True),
        Column("amount", "decimal", required=True),
        Column("method", "text", accepted_values=PAYMENT_METHODS),
    ),
)

DISPUTES = Entity(
    "disputes",
    "dispute_id",
    (
        Column("dispute_id", "text", required=True),
        Column("document_id", "text", required=True),
        Column("customer_id", "text", required=True),
        Column("opened_date", "date", required=True),
        Column("reason", "text", required=True, accepted_values=DISPUTE_REASONS),
        Column("disputed_amount", "decimal", required=True),
        Column("status", "text", required=True, accepted_values=DISPUTE_STATUSES),
        Column("closed_date", "date"),
        Column("owner", "text", accepted_values=DISPUTE_OWNERS),
        Column("resolution", "text", accepted_values=DISPUTE_RESOLUTIONS),
    ),
)

CALLS = Entity(
    "calls",
    "call_id",
    (
        Column("call_id", "text", required=True),
        Column("customer_id", "text", required=True),
        Column("collector_id", "text", required=True),
        Column("call_time", "timestamp", required=True),
        Column("channel", "text", accepted_values=CALL_CHANNELS),
        Column("stage", "text", accepted_values=CALL_STAGES),
        Column("right_party_contact", "bool"),
        Column("outcome", "text", accepted_values=CALL_OUTCOMES),
        Column("promised_amount", "decimal"),
        Column("promised_date", "date"),
        Column("document_id", "text"),
        Column("duration_seconds", "int"),
    ),
)

INVOICE_STATUSES = Entity(
    "invoice_statuses",
    "status_id",
    (
        Column("status_id", "text", required=True),
        Column("document_id", "text", required=True),
        Column("status_code", "int", required=True),
        Column("status_time", "timestamp", required=True),
        Column("issuer", "text", accepted_values=STATUS_ISSUERS),
        Column("reason_code", "text"),
        Column("requested_action", "text", accepted_values=REQUESTED_ACTIONS),
        Column("amount", "decimal"),
    ),
)

# Load order matters: later entities are checked against the keys of earlier ones.
ENTITIES: dict[str, Entity] = {
    entity.name: entity
    for entity in (CUSTOMERS, INVOICES, PAYMENTS, DISPUTES, CALLS, INVOICE_STATUSES)
}
EXTRACT_EXTENSIONS = ("csv", "parquet", "xlsx")
# The platforms' own CDAR messages: every `*.xml` file is invoice_statuses, whatever its name.
STATUS_MESSAGE_EXTENSION = "xml"

MARTS_COLUMNS: dict[str, tuple[str, ...]] = {
    "aged_balance": (
        "as_of_date", "customer_id", "document_id", "document_date", "due_date",
        "days_past_due", "aging_bucket", "open_amount", "is_disputed", "segment",
        "region", "country", "business_unit", "collector_id",
    ),
    "kpi_monthly": (
        "as_of_date", "total_ar", "not_due_ar", "overdue_ar", "overdue_rate",
        "sales_window", "dso_simple", "dso_countback", "best_possible_dso",
        "average_days_delinquent", "dmp_days", "contract_terms_days",
        "avg_days_beyond_terms", "cei", "disputed_ar", "dispute_weight",
        "customers_over_limit", "over_limit_amount", "calls",
        "right_party_contact_rate", "promise_rate", "promise_kept_rate", "financing_cost",
        # issue 14: reconcile before chasing, unapplied cash, worsening customers
        "unapplied_cash_amount", "unapplied_credit_notes_amount", "unapplied_cash_age_days",
        "customers_to_reconcile", "amount_to_reconcile", "customers_worsening",
    ),
    "reminder_effectiveness": (
        "calls", "right_party_contacts", "promises", "promised_amount", "promises_kept",
        "kept_amount", "collected_7d", "collected_30d",
    ),
    "dispute_analysis": (
        "opened", "closed", "open_count", "open_amount", "avg_resolution_days",
        "share_of_overdue",
    ),
    "collection_worklist": (
        "priority_rank", "customer_id", "overdue_amount", "oldest_days_past_due",
        "promise_due", "open_disputes", "reason",
        "customer_name", "segment", "region", "country", "business_unit", "collector_id",
        "collector_rank", "reason_fr", "broken_promise_date", "next_promised_date",
        "risk_grade", "risk_reasons",
    ),
    "data_quality": ("check_name", "entity", "status", "observed_value", "checked_at"),
}
KPI_DIMENSIONS = ("segment", "region", "country", "business_unit", "collector_id")
MARTS_COLUMNS["kpi_by_dimension"] = (
    MARTS_COLUMNS["kpi_monthly"][:1] + ("dimension", "dimension_value")
    + MARTS_COLUMNS["kpi_monthly"][1:]
)
# The customer's profile at an as-of date: customer_profile is its run-date rows.
CUSTOMER_PROFILE_COLUMNS = (
    "as_of_date", "customer_id", "customer_name", *KPI_DIMENSIONS, "payment_terms_days",
    "payment_terms_basis", "total_ar", "not_due_ar", "overdue_ar", "unapplied_amount",
    "overdue_rate", "overdue_invoices", "oldest_days_past_due", "credit_limit",
    "credit_limit_use", "available_credit", "is_over_limit", "over_limit_amount",
    "dmp_days_12m", "contract_terms_days_12m", "avg_days_beyond_terms_12m", "dmp_days_trend",
    "days_beyond_terms_trend", "settled_invoices_12m", "share_paid_late_12m", "open_disputes",
    "disputed_ar", "disputes_opened_12m", "promises_made_12m", "promised_amount_12m",
    "promises_matured_12m", "promises_kept_12m", "promises_broken_12m", "promise_kept_rate_12m",
    "late_payment_penalties", "risk_points", "risk_grade", "risk_reasons",
    "risk_grade_3_months_before", "is_grade_worsening", "is_paying_later",
    "has_broken_promises", "unapplied_cash_amount", "unapplied_credit_notes_amount",
    "oldest_unapplied_cash_days", "unapplied_cash_age_days", "is_to_reconcile",
    "amount_to_reconcile", "uncovered_overdue_amount", "oldest_uncovered_days_past_due",
    "disputed_overdue_ar", "compared_with_as_of_date",
    "avg_days_beyond_terms_12m_3_months_before", "is_worsening", "last_broken_promise_date",
    "last_payment_date", "days_without_payment", "last_litigation_call_date",
    "risk_floor_applied", "risk_reasons_fr",
)
DISPUTE_COLUMNS = (
    "dispute_id", "document_id", "customer_id", "customer_name", *KPI_DIMENSIONS,
    "opened_date", "closed_date", "status", "reason", "owner", "resolution",
    "disputed_amount", "resolution_days",
)
MARTS_COLUMNS |= {
    "customer_profile": CUSTOMER_PROFILE_COLUMNS,
    "customer_profile_history": CUSTOMER_PROFILE_COLUMNS,
    "customers": (
        "customer_id", "customer_name", *KPI_DIMENSIONS, "credit_limit", "payment_terms_days",
        "payment_terms_basis",
    ),
    "calls": (
        "call_id", "call_time", "call_date", "customer_id", "customer_name", *KPI_DIMENSIONS,
        "call_collector_id", "stage", "channel", "is_right_party_contact", "outcome",
        "is_promise", "promised_amount", "promised_date", "promise_status", "paid_amount",
        "document_id", "duration_seconds", "collected_7d", "collected_30d",
    ),
    "promises": (
        "call_id", "customer_id", "customer_name", *KPI_DIMENSIONS, "call_collector_id",
        "call_time", "call_date", "channel", "stage", "outcome", "promised_amount",
        "promised_date", "maturity_date", "paid_amount", "promise_status", "is_kept",
        "is_matured", "superseded_by_call_id",
    ),
    "disputes": DISPUTE_COLUMNS,
    "open_disputes": (
        "as_of_date", *DISPUTE_COLUMNS, "age_days", "invoice_open_amount",
        "counts_in_disputed_ar",
    ),
    "late_payment_penalties": (
        "as_of_date", "customer_id", "customer_name", *KPI_DIMENSIONS, "overdue_invoices",
        "overdue_amount", "oldest_days_late", "penalty_interest", "recovery_indemnities",
        "total_penalties",
    ),
    # the catalogue (dbt seeds published as marts): labels, units, targets, buckets
    "kpi_catalogue": (
        "kpi", "label_en", "label_fr", "unit", "decimals", "higher_is_better", "target",
        "is_headline", "tile_order",
    ),
    "aging_buckets": (
        "bucket", "min_days_past_due", "max_days_past_due", "label_en", "label_fr",
        "sort_order", "colour",
    ),
    "column_labels": ("column_name", "label_en", "label_fr", "unit", "decimals"),
    "value_labels": ("field", "code", "label_en", "label_fr"),
    # issue 15: the cash forecast and its backtest
    "invoice_payment_forecast": (
        "as_of_date", "document_id", "customer_id", "open_amount", "expected_payment_date",
        "payment_date_p10", "payment_date_p90", "p_paid_7d", "p_paid_30d", "p_paid_90d",
        "forecast_basis", "forecast_reasons",
    ),
    "cash_forecast": (
        "as_of_date", "week_number", "week_start", "week_end", "expected_cash", "cash_p10",
        "cash_p90", "promised_cash", "disputed_cash",
    ),
    "forecast_accuracy": ("as_of_date", "method", "metric", "value", "invoices"),
    # issue 16: the e-invoicing lifecycle
    "invoice_lifecycle": (
        "document_id", "customer_id", "current_status_code", "deposited_at", "made_available_at",
        "approved_at", "disputed_at", "refused_at", "payment_transmitted_at", "cashed_at",
        "rejected_at", "days_to_available", "days_to_approval", "current_status_at",
        "current_reason_code", "current_requested_action", "document_date", "due_date",
        "open_amount", "is_overdue", "never_made_available", "is_rejected", "is_platform_disputed",
        "in_dispute_log", "segment", "region", "business_unit", "collector_id",
    ),
    "lifecycle_by_month": (
        "month", "dimension", "dimension_value", "invoices_issued", "invoices_with_status",
        "coverage", "deposited", "made_available", "approved", "disputed", "refused",
        "payment_transmitted", "cashed", "rejected", "avg_days_to_available",
        "avg_days_to_approval", "median_days_to_approval",
    ),
    "lifecycle_reasons": (
        "month", "source", "status_code", "reason", "requested_action", "invoices", "amount",
    ),
    "lifecycle_coverage_by_customer": (
        "customer_id", "customer_name", "segment", "invoices_issued", "invoices_with_status",
        "coverage", "optional_statuses_seen", "platform_disputes", "platform_disputes_not_in_log",
    ),
}
# issue 16: each open item's latest e-invoicing status and the collector's flags
MARTS_COLUMNS["aged_balance"] += (
    "is_platform_disputed", "lifecycle_status_code", "lifecycle_status_at",
    "never_made_available", "is_rejected",
)
FORECAST_METHODS = ("model", "due_date", "customer_delay", "rules")
FORECAST_METRICS = (
    "mae_days", "within_7d_share", "c_index", "brier_30d", "interval_coverage_80",
    "interval_width_days", "wape_13w", "wape_4w", "bias_week_1",
)

# DuckDB types of the raw tables: exact cents for amounts (DECIMAL, never float).
DUCKDB_TYPES = {
    "text": "VARCHAR",
    "decimal": "DECIMAL(18, 2)",
    "int": "INTEGER",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "bool": "BOOLEAN",
}
# Lineage kept on every loaded row: which file and row it came from, and when.
LINEAGE_COLUMNS = (
    ("source_file", "VARCHAR"),
    ("source_row", "BIGINT"),
    ("loaded_at", "TIMESTAMP"),
)


def raw_schema_ddl() -> list[str]:
    """CREATE statements for the `raw` schema (CONTRACT.md section 2), idempotent.

    No primary keys: ingest upserts by delete + insert of each file's last row per key
    (faster than index maintenance on a million rows), and the raw data-quality suite
    checks that keys are unique and not null.
    """
    statements = ["create schema if not exists raw"]
    for entity in ENTITIES.values():
        columns = [f"{column.name} {DUCKDB_TYPES[column.type]}" for column in entity.columns]
        columns += [f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS]
        statements.append(
            f"create table if not exists raw.{entity.name} (\n    "
            + ",\n    ".join(columns)
            + "\n)"
        )
    statements.append(
        "create table if not exists raw.quarantine (\n"
        "    entity VARCHAR, file_name VARCHAR, row_number BIGINT, row_text VARCHAR,\n"
        "    rule VARCHAR, quarantined_at TIMESTAMP\n)"
    )
    statements.append(
        "create table if not exists raw.load_log (\n"
        "    file_name VARCHAR, entity VARCHAR, rows_read BIGINT, rows_loaded BIGINT,\n"
        "    rows_quarantined BIGINT, checksum VARCHAR, loaded_at TIMESTAMP,\n"
        "    file_format VARCHAR, ignored_columns VARCHAR\n)"
    )
    return statements
