"""Data-quality checks with Great Expectations, run by the pipeline before publishing.

GX has no working DuckDB data source here, so every checked quantity is computed in
DuckDB SQL (a duplicate-key count, an orphan count, the largest gap between total AR
and its split...) and GX validates one small DataFrame of those aggregates per suite:
one suite per raw entity, one for the marts. Each check is one GX expectation on one
aggregate column, with GX's severity `critical` or `warning`: a failed critical check
blocks publishing (`raise_on_critical`), a failed warning-level one is reported as 'warn'.

The marts checks read the build's catalogue seeds, never a copy of them: the aging buckets
of `marts.aged_balance` must be those of `marts.aging_buckets` (codes and day bounds), and
the KPIs `marts.kpi_catalogue` gives the unit `rate` must hold fractions (0.256 = 25.6 %).
The catalogues are checked too (one row per KPI or bucket, labels in both languages, known
units, tile order, bucket bounds without gap or overlap).

Suites are built in code (`raw_suite`, `marts_suite`); the GX file context lives in
`settings.EXPECTATIONS_DIR` (suites, validation definitions and the config are
committed; validation results and data docs go to `uncommitted/`). Every run appends
its results to `marts.data_quality` for the dashboard's data-quality page.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from credit_scoreboard import settings
from credit_scoreboard.contract import ENTITIES, PROMISE_OUTCOMES, STATUS_CODE_RANGE

DATA_SOURCE = "credit_scoreboard"
KEEP_RUNS = 30  # validation results (and their data docs pages) kept per suite


@dataclass(frozen=True)
class Check:
    """One checked quantity: an SQL aggregate and the range it must fall in."""

    name: str
    sql: str  # aggregate expression (raw checks: over `checked`, the entity's raw table)
    min_value: float | None = None
    max_value: float | None = None
    critical: bool = True
    # A rule on a row's own values needs only the rows loaded since the last build (the
    # others passed it when loaded); one that reads other rows (counts, unique keys,
    # references: a corrected invoice can break an old payment) checks the whole table.
    whole_table: bool = False


@dataclass
class CheckResult:
    check_name: str
    entity: str
    status: str  # 'pass' | 'fail' | 'warn'
    observed_value: str
    critical: bool


class QualityError(Exception):
    """Failed critical checks; `str()` names them on one line."""


def _zero(name: str, sql: str, critical: bool = True, whole_table: bool = False) -> Check:
    """A count of offending rows that must be 0."""
    return Check(name, sql, 0, 0, critical, whole_table)


def _in_list(values) -> str:
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


def _unknown(column: str, target: str) -> str:
    key = ENTITIES[target].key
    return (f"count(*) filter (where {column} is not null and {column} not in "
            f"(select {key} from raw.{target} where {key} is not null))")


def raw_checks(entity_name: str) -> list[Check]:
    """The checks of one raw entity: keys, accepted values, references, amounts, dates."""
    entity = ENTITIES[entity_name]
    key = entity.key
    checks = [
        # An empty customers or invoices table is a broken extract; the others may be empty.
        Check("row_count", "count(*)", min_value=1,
              critical=entity_name in ("customers", "invoices"), whole_table=True),
        _zero("null_keys", f"count(*) - count({key})"),
        _zero("duplicate_keys", f"count({key}) - count(distinct {key})", whole_table=True),
    ]
    checks += [
        _zero(f"{column.name}_not_accepted",
              f"count(*) filter (where {column.name} not in {_in_list(column.accepted_values)})")
        for column in entity.columns if column.accepted_values
    ]
    if "customer_id" in entity.column_names and entity_name != "customers":
        checks.append(_zero("unknown_customers", _unknown("customer_id", "customers"),
                            whole_table=True))
    if "document_id" in entity.column_names and entity_name not in ("invoices",):
        checks.append(_zero("unknown_invoices", _unknown("document_id", "invoices"),
                            whole_table=True))
    checks += ENTITY_CHECKS[entity_name]
    # A high quarantine share means a broken export even if every loaded row is fine.
    checks.append(Check(
        "quarantined_share",
        f"(select coalesce(sum(rows_quarantined) / nullif(sum(rows_read), 0), 0) "
        f"from raw.load_log where entity = '{entity_name}')",
        max_value=0.05, critical=False, whole_table=True,
    ))
    return checks


_INVOICE_OF = "(select {attribute} from raw.invoices i where i.document_id = checked.document_id)"
ENTITY_CHECKS: dict[str, list[Check]] = {
    "customers": [
        _zero("negative_credit_limits", "count(*) filter (where credit_limit < 0)"),
        _zero("payment_terms_out_of_range",
              "count(*) filter (where payment_terms_days not between 0 and 365)"),
    ],
    "invoices": [
        _zero("invoices_not_positive",
              "count(*) filter (where document_type = 'invoice' and amount <= 0)"),
        _zero("credit_notes_not_negative",
              "count(*) filter (where document_type = 'credit_note' and amount >= 0)"),
        _zero("due_before_document", "count(*) filter (where due_date < document_date)"),
        # Dates far outside the book's life are typing errors (2204 for 2024).
        Check("min_document_date_year", "year(min(document_date))", min_value=2000,
              critical=False, whole_table=True),
        Check("max_document_date_year", "year(max(document_date))",
              max_value=dt.date.today().year + 1, critical=False, whole_table=True),
    ],
    "payments": [
        _zero("payments_not_positive", "count(*) filter (where amount <= 0)"),
        _zero("payments_of_another_customers_invoice",
              "count(*) filter (where customer_id <> "
              + _INVOICE_OF.format(attribute="customer_id") + ")", whole_table=True),
        _zero("payments_before_invoice_date",
              "count(*) filter (where payment_date < "
              + _INVOICE_OF.format(attribute="document_date") + ")",
              critical=False, whole_table=True),
    ],
    "disputes": [
        _zero("disputed_amounts_not_positive", "count(*) filter (where disputed_amount <= 0)"),
        _zero("disputed_above_invoice_amount",
              "count(*) filter (where disputed_amount > abs("
              + _INVOICE_OF.format(attribute="amount") + "))", whole_table=True),
        _zero("closed_without_closed_date",
              "count(*) filter (where status <> 'open' and closed_date is null)"),
        _zero("closed_before_opened", "count(*) filter (where closed_date < opened_date)"),
    ],
    "calls": [
        _zero("promises_without_amount_or_date",
              f"count(*) filter (where outcome in {_in_list(PROMISE_OUTCOMES)} "
              "and (promised_amount is null or promised_amount <= 0 or promised_date is null))"),
        _zero("promised_before_call",
              "count(*) filter (where promised_date < cast(call_time as date))"),
        _zero("negative_durations", "count(*) filter (where duration_seconds < 0)"),
    ],
    "invoice_statuses": [
        _zero("status_codes_out_of_range",
              "count(*) filter (where status_code not between {} and {})".format(
                  *STATUS_CODE_RANGE)),
        _zero("negative_status_amounts", "count(*) filter (where amount < 0)"),
        # A status before its invoice's date: a clock or a mapping problem at the platform.
        _zero("statuses_before_invoice_date",
              "count(*) filter (where cast(status_time as date) < "
              + _INVOICE_OF.format(attribute="document_date") + ")",
              critical=False, whole_table=True),
    ],
}


# The units a KPI of the catalogue can have: what every reader knows how to format.
KPI_UNITS = ("amount", "rate", "days", "index", "count")
# The marts whose columns the catalogue's KPIs name (ISSUE14 design: kpi_catalogue).
KPI_MARTS = ("kpi_monthly", "kpi_by_dimension", "late_payment_penalties")


def _blank(column: str) -> str:
    return f"coalesce(trim({column}), '') = ''"


def _extreme(function: str, columns: Sequence[str]) -> str:
    """The least / greatest value of several columns over the table (0 without columns)."""
    if not columns:
        return "0"
    per_column = ", ".join(f"{function}({column})" for column in columns)
    return f"coalesce({'least' if function == 'min' else 'greatest'}({per_column}), 0)"


# Bounded buckets, ordered by their lower bound, must tile the days past due: the first one
# open below, each starting the day after the previous one ends, the last one open above.
_BUCKET_BOUND_PROBLEMS = """(select count(*) filter (where problem) from (
    select
        (place = 1 and low is not null)
        or (place > 1 and low is distinct from (lag(high) over (order by place)) + 1)
        or (place = buckets and high is not null)
        or low > high as problem
    from (
        select min_days_past_due as low, max_days_past_due as high,
            row_number() over (order by min_days_past_due nulls first) as place,
            count(*) over () as buckets
        from marts.aging_buckets
        where min_days_past_due is not null or max_days_past_due is not null
    )
))"""


def marts_checks(rate_kpis: Sequence[str] = ()) -> dict[str, list[Check]]:
    """Batch-level business ranges on the marts, by mart (the frame's FROM clause).

    `rate_kpis`: the columns of kpi_monthly that marts.kpi_catalogue gives the unit `rate`
    (`catalogue_rate_kpis` reads them from the build); the suites do not depend on them."""
    return {
        # The catalogues first: the other checks read them.
        "kpi_catalogue": [
            Check("row_count", "count(*)", min_value=1),
            _zero("duplicate_kpis", "count(*) - count(distinct kpi)"),
            _zero("missing_labels", f"count(*) filter (where {_blank('label_en')} "
                                    f"or {_blank('label_fr')})"),
            _zero("units_not_accepted",
                  f"count(*) filter (where unit is null or unit not in {_in_list(KPI_UNITS)})"),
            # every KPI is a column of a KPI mart: a reader looks its values up there
            _zero("kpis_not_in_marts",
                  f"""count(*) filter (where kpi not in (
                        select column_name from duckdb_columns()
                        where database_name = current_database() and schema_name = 'marts'
                            and table_name in {_in_list(KPI_MARTS)}))"""),
            Check("headline_kpis", "count(*) filter (where is_headline)", min_value=1,
                  critical=False),
            # one tile per place: headline tile orders set and distinct
            _zero("headline_tile_orders_not_distinct",
                  "count(*) filter (where is_headline)"
                  " - count(distinct tile_order) filter (where is_headline)"),
            # rates are fractions (0.256 = 25.6 %), their targets too
            _zero("rate_targets_not_fractions",
                  "count(*) filter (where unit = 'rate' and target not between 0 and 1)",
                  critical=False),
            _zero("decimals_out_of_range",
                  "count(*) filter (where decimals is null or decimals not between 0 and 6)",
                  critical=False),
        ],
        "aging_buckets": [
            Check("row_count", "count(*)", min_value=1),
            _zero("duplicate_buckets", "count(*) - count(distinct bucket)"),
            _zero("sort_orders_not_distinct", "count(*) - count(distinct sort_order)"),
            _zero("missing_labels_or_colours",
                  f"count(*) filter (where {_blank('label_en')} or {_blank('label_fr')} "
                  f"or {_blank('colour')})"),
            _zero("bucket_bounds_gaps_or_overlaps", _BUCKET_BOUND_PROBLEMS),
        ],
        "kpi_monthly": [
            Check("row_count", "count(*)", min_value=1),
            _zero("duplicate_as_of_dates", "count(*) - count(distinct as_of_date)"),
            # total_ar = not_due_ar + overdue_ar, within a cent
            Check("max_ar_split_gap",
                  "coalesce(max(abs(total_ar - not_due_ar - overdue_ar)), 0)", max_value=0.01),
            # Every rate KPI of the catalogue is a fraction. Unapplied cash can push the
            # overdue rate above 1: a warning, not a stop.
            Check("min_rate_kpi", _extreme("min", rate_kpis), min_value=0, critical=False),
            Check("max_rate_kpi", _extreme("max", rate_kpis), max_value=1, critical=False),
            Check("min_dso_simple", "coalesce(min(dso_simple), 0)", min_value=0, critical=False),
            Check("min_dso_countback", "coalesce(min(dso_countback), 0)", min_value=0,
                  critical=False),
            Check("min_best_possible_dso", "coalesce(min(best_possible_dso), 0)", min_value=0,
                  critical=False),
        ],
        "aged_balance": [
            Check("row_count", "count(*)", min_value=1),
            _zero("aging_buckets_not_accepted",
                  "count(*) filter (where aging_bucket is null or aging_bucket not in ("
                  "select bucket from marts.aging_buckets where bucket is not null))"),
            # an item's days past due lie within its bucket's bounds (the catalogue's)
            _zero("days_past_due_outside_bucket",
                  """(select count(*)
                      from marts.aged_balance aged
                      inner join marts.aging_buckets buckets on aged.aging_bucket = buckets.bucket
                      where aged.days_past_due < buckets.min_days_past_due
                          or aged.days_past_due > buckets.max_days_past_due
                          or (aged.days_past_due is null
                              and coalesce(buckets.min_days_past_due,
                                           buckets.max_days_past_due) is not null))"""),
            # The buckets of a date sum to that date's total_ar (CONTRACT.md section 3).
            Check("max_buckets_vs_total_ar_gap",
                  """(select coalesce(max(abs(coalesce(buckets.amount, 0) - kpi.total_ar)), 0)
                      from marts.kpi_monthly kpi left join (
                          select as_of_date, sum(open_amount) as amount
                          from marts.aged_balance group by as_of_date
                      ) buckets using (as_of_date))""",
                  max_value=0.01),
        ],
        # The cash forecast (CONTRACT.md sections 2-3): one coherent distribution per invoice.
        "invoice_payment_forecast": [
            _zero("duplicate_keys", "count(*) - count(distinct (as_of_date, document_id))"),
            # every invoice open at an as-of date gets a forecast, and nothing else does
            _zero("open_invoices_without_forecast",
                  """(select count(*) from marts.aged_balance aged
                      anti join marts.invoice_payment_forecast forecast
                          using (as_of_date, document_id)
                      where aged.document_id is not null and aged.open_amount > 0
                          and aged.as_of_date in (
                              select distinct as_of_date from marts.invoice_payment_forecast))"""),
            _zero("forecast_dates_not_after_as_of",
                  "count(*) filter (where payment_date_p10 <= as_of_date)"),
            _zero("dates_not_ordered", "count(*) filter (where not (payment_date_p10 <= "
                                       "expected_payment_date and expected_payment_date <= "
                                       "payment_date_p90))"),
            _zero("probabilities_not_increasing",
                  "count(*) filter (where not (0 <= p_paid_7d and p_paid_7d <= p_paid_30d "
                  "and p_paid_30d <= p_paid_90d and p_paid_90d <= 1))"),
            _zero("unknown_bases", "count(*) filter (where forecast_basis is null)"),
        ],
        "cash_forecast": [
            _zero("duplicate_keys", "count(*) - count(distinct (as_of_date, week_number))"),
            _zero("weeks_missing", "count(distinct as_of_date) * 13 - count(*)"),
            _zero("band_not_around_expected",
                  "count(*) filter (where not (cash_p10 <= expected_cash + 0.01 "
                  "and expected_cash <= cash_p90 + 0.01))"),
            _zero("negative_cash", "count(*) filter (where least(expected_cash, cash_p10, "
                                   "promised_cash, disputed_cash) < 0)"),
            # the 13 weeks never expect more cash than the open invoices hold
            _zero("weeks_above_open_amount",
                  """(select count(*) from (
                        select as_of_date, sum(expected_cash) as expected
                        from marts.cash_forecast group by as_of_date) weeks
                      inner join (
                        select as_of_date, sum(open_amount) as open_amount
                        from marts.invoice_payment_forecast group by as_of_date) invoices
                      using (as_of_date)
                      where weeks.expected > invoices.open_amount + 0.01)"""),
        ],
    }


def catalogue_rate_kpis(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The columns of marts.kpi_monthly whose unit is `rate` in marts.kpi_catalogue."""
    return [row[0] for row in con.execute(
        """
        select catalogue.kpi
        from marts.kpi_catalogue as catalogue
        inner join duckdb_columns() as columns
            on columns.column_name = catalogue.kpi
            and columns.database_name = current_database()
            and columns.schema_name = 'marts' and columns.table_name = 'kpi_monthly'
        where catalogue.unit = 'rate'
        order by catalogue.kpi
        """
    ).fetchall()]


def _aggregates(con, table: str, checks: list[Check], loaded_after: dt.datetime | None = None):
    """One row, one column per check, computed in DuckDB (exact DECIMALs become doubles
    only after aggregation). With `loaded_after`, row rules read only the rows loaded since."""
    def aggregate(checked: str, some_checks: list[Check], parameters: list):
        columns = ",\n    ".join(f"cast({check.sql} as DOUBLE) as {check.name}"
                                  for check in some_checks)
        return con.execute(f"select\n    {columns}\nfrom {checked} as checked", parameters).df()

    if loaded_after is None:
        return aggregate(table, checks, [])
    import pandas as pd

    row_rules = [check for check in checks if not check.whole_table]
    frames = [aggregate(table, [check for check in checks if check.whole_table], [])]
    if row_rules:
        frames.append(aggregate(f"(select * from {table} where loaded_at > ?)", row_rules,
                                [loaded_after]))
    return pd.concat(frames, axis="columns")[[check.name for check in checks]]


def _suite(name: str, checks: list[Check]):
    import great_expectations as gx
    import great_expectations.expectations as gxe

    return gx.ExpectationSuite(name=name, expectations=[
        gxe.ExpectColumnMaxToBeBetween(
            column=check.name, min_value=check.min_value, max_value=check.max_value,
            severity="critical" if check.critical else "warning",
            meta={"check": check.name},
        )
        for check in checks
    ])


def raw_suite(entity_name: str):
    """The ExpectationSuite of one raw entity (`raw_<entity>`)."""
    return _suite(f"raw_{entity_name}", raw_checks(entity_name))


def marts_suite(mart: str):
    """The ExpectationSuite of one mart (`marts_<mart>`)."""
    return _suite(f"marts_{mart}", marts_checks()[mart])


def _context():
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx

    return gx.get_context(mode="file", context_root_dir=settings.EXPECTATIONS_DIR)


def _validate(frames: dict[str, tuple[object, object, str]]) -> list[CheckResult]:
    """Validate each (suite, DataFrame, entity) with GX; keep results and data docs."""
    import great_expectations as gx

    context = _context()
    try:
        source = context.data_sources.get(DATA_SOURCE)
    except (KeyError, ValueError):
        source = context.data_sources.add_pandas(DATA_SOURCE)
    results = []
    run_times = set()
    for name, (suite, frame, entity) in frames.items():
        try:
            asset = source.get_asset(name)
        except LookupError:
            asset = source.add_dataframe_asset(name)
        try:
            batch = asset.get_batch_definition("aggregates")
        except (KeyError, ValueError):
            batch = asset.add_batch_definition_whole_dataframe("aggregates")
        suite = _saved_suite(context, suite)
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch, suite=suite)
        )
        run = definition.run(batch_parameters={"dataframe": frame})
        run_times.add(run.meta["run_id"].run_time)
        for outcome in run.results:
            config = outcome.expectation_config
            critical = config.severity == "critical"
            status = "pass" if outcome.success else ("fail" if critical else "warn")
            observed = _format(outcome.result.get("observed_value"))
            results.append(CheckResult(config.meta["check"], entity, status, observed, critical))
    _prune_old_results(settings.EXPECTATIONS_DIR / "uncommitted")
    # Render only this run's results (and the index): the pages of earlier runs are already
    # there, and re-rendering all KEEP_RUNS of them took 40-80 s per suite group.
    this_run = [key for key in context.validation_results_store.list_keys()
                if key.run_id.run_time in run_times]
    context.build_data_docs(resource_identifiers=this_run)
    return results


def _prune_old_results(uncommitted: Path) -> None:
    """Keep the latest KEEP_RUNS runs of each suite: data docs re-render every stored
    result, so an unbounded history would slow every run down."""
    for folder in ("validations", "data_docs/local_site/validations"):
        for run_folder in (uncommitted / folder).glob("*/*"):  # <suite>/<run name>
            runs = sorted(path for path in run_folder.iterdir() if path.is_dir())
            for old in runs[:-KEEP_RUNS]:
                shutil.rmtree(old, ignore_errors=True)


def _saved_suite(context, suite):
    """The stored suite, rewritten only when its expectations changed (GX gives every
    expectation a new id on each save: saving unchanged suites would churn the repo)."""
    def signature(any_suite):
        return [(expectation.expectation_type, expectation.severity,
                 expectation.configuration.kwargs, expectation.meta)
                for expectation in any_suite.expectations]

    try:
        stored = context.suites.get(suite.name)
    except Exception:  # GX raises its own DataContextError subclasses for a missing suite
        return context.suites.add(suite)
    if signature(stored) == signature(suite):
        return stored
    return context.suites.add_or_update(suite)


def _format(value) -> str:
    if value is None:
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:.4f}"


def validate_raw(con: duckdb.DuckDBPyConnection, checked_at: dt.datetime,
                 loaded_after: dt.datetime | None = None) -> list[CheckResult]:
    """Run the raw suites (one per entity) on the loaded raw tables; with `loaded_after`,
    row rules check the rows loaded after it (see Check.whole_table)."""
    frames = {
        f"raw_{name}": (raw_suite(name),
                        _aggregates(con, f"raw.{name}", raw_checks(name), loaded_after), name)
        for name in ENTITIES
    }
    return _validate(frames)


def validate_marts(con: duckdb.DuckDBPyConnection, checked_at: dt.datetime) -> list[CheckResult]:
    """Run the marts suites: the catalogues (kpi_catalogue, aging_buckets), then
    kpi_monthly and aged_balance checked against them."""
    missing = [
        mart for mart in marts_checks()
        if not con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = ?", [mart]
        ).fetchone()[0]
    ]
    if missing:
        return [CheckResult("table_exists", mart, "fail", "missing", True) for mart in missing]
    frames = {
        f"marts_{mart}": (marts_suite(mart), _aggregates(con, f"marts.{mart}", checks), mart)
        for mart, checks in marts_checks(catalogue_rate_kpis(con)).items()
    }
    return _validate(frames)


def record_results(con: duckdb.DuckDBPyConnection, results: list[CheckResult],
                   checked_at: dt.datetime) -> None:
    """Append results to marts.data_quality (created when missing)."""
    con.execute("create schema if not exists marts")
    con.execute(
        """
        create table if not exists marts.data_quality (
            check_name VARCHAR, entity VARCHAR, status VARCHAR, observed_value VARCHAR,
            checked_at TIMESTAMP, suite VARCHAR, critical BOOLEAN
        )
        """
    )
    rows = [
        (result.check_name, result.entity, result.status, result.observed_value, checked_at,
         ("raw_" if result.entity in ENTITIES else "marts_") + result.entity,
         result.critical)
        for result in results
    ]
    if rows:
        con.executemany(
            "insert into marts.data_quality (check_name, entity, status, observed_value, "
            "checked_at, suite, critical) values (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def raise_on_critical(results: list[CheckResult]) -> None:
    """QualityError naming every failed critical check: publishing must stop."""
    failed = [f"{result.entity}.{result.check_name}={result.observed_value}"
              for result in results if result.status == "fail"]
    if failed:
        raise QualityError(f"critical data-quality checks failed: {', '.join(failed)}")
