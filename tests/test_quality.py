"""Great Expectations suites on raw and marts (all GX tests live here: importing GX
costs about 10 s). The GX file context is a temporary copy of the committed
`expectations/` folder, so tests never write into the checkout."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from credit_scoreboard import catalogue, quality, settings
from credit_scoreboard.contract import MARTS_COLUMNS
from credit_scoreboard.ingest import load_landing
from tests.test_ingest_corpus import BASE, PAYMENT_HEADER, write_landing

CHECKED_AT = dt.datetime(2024, 3, 1, 6, 0)


@pytest.fixture(autouse=True)
def expectations_dir(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "expectations"
    shutil.copytree(settings.EXPECTATIONS_DIR, folder,
                    ignore=shutil.ignore_patterns("uncommitted"))
    monkeypatch.setattr(settings, "EXPECTATIONS_DIR", folder)
    return folder


def statuses(results) -> dict[tuple[str, str], tuple[str, str]]:
    return {(result.entity, result.check_name): (result.status, result.observed_value)
            for result in results}


def loaded(tmp_path: Path, files: dict[str, str]) -> duckdb.DuckDBPyConnection:
    landing = tmp_path / "landing"
    landing.mkdir(exist_ok=True)
    write_landing(landing, files, first_mtime=1_700_000_000)
    con = duckdb.connect()
    load_landing(con, landing)
    return con


def test_clean_raw_passes_and_results_are_recorded(tmp_path: Path, expectations_dir) -> None:
    con = loaded(tmp_path, BASE | {"payments.csv": PAYMENT_HEADER
                                   + "P1,C1,I1,2024-02-01,100,transfer\n"})
    results = quality.validate_raw(con, CHECKED_AT)
    quality.raise_on_critical(results)  # nothing critical failed
    by_check = statuses(results)
    assert by_check[("invoices", "duplicate_keys")] == ("pass", "0")
    assert by_check[("customers", "row_count")] == ("pass", "2")
    # no dispute or call extract: a warning, not a stop
    assert by_check[("disputes", "row_count")] == ("warn", "0")
    assert {result.entity for result in results} == {
        "customers", "invoices", "payments", "disputes", "calls", "invoice_statuses"}

    quality.record_results(con, results, CHECKED_AT)
    quality.record_results(con, quality.validate_raw(con, CHECKED_AT), CHECKED_AT)  # 2nd run
    assert con.execute(
        "select count(*), count(distinct check_name || entity) from marts.data_quality"
    ).fetchone() == (2 * len(results), len(results))
    assert con.execute(
        "select status, observed_value, critical, suite from marts.data_quality "
        "where entity = 'invoices' and check_name = 'unknown_customers' limit 1"
    ).fetchone() == ("pass", "0", True, "raw_invoices")
    assert (expectations_dir / "uncommitted" / "data_docs" / "local_site" / "index.html").exists()
    assert list((expectations_dir / "uncommitted" / "validations").glob("raw_invoices/**/*.json"))


def test_corrections_that_break_consistency_block_publishing(tmp_path: Path) -> None:
    # Each row passed its own rules when loaded; a later correction of the invoice makes
    # the loaded payment and dispute inconsistent, which only the raw suites can see.
    con = loaded(tmp_path, BASE | {
        "payments.csv": PAYMENT_HEADER + "P1,C1,I1,2024-02-01,100,transfer\n",
        "disputes.csv": "dispute_id,document_id,customer_id,opened_date,reason,"
                        "disputed_amount,status\nS1,I1,C1,2024-02-01,wrong_price,900,open\n",
    })
    later = tmp_path / "landing" / "invoices_correction.csv"
    later.write_text("document_id,customer_id,document_type,document_date,due_date,amount\n"
                     "I1,C2,invoice,2024-01-10,2024-02-09,800.00\n")
    load_landing(con, tmp_path / "landing")
    # Also a duplicate key written behind ingest's back.
    con.execute("insert into raw.customers (customer_id, customer_name, segment, region) "
                "values ('C1', 'Alpha again', 'SME', 'North')")

    results = quality.validate_raw(con, CHECKED_AT)
    failed = {key: value for key, value in statuses(results).items() if value[0] == "fail"}
    assert failed == {
        ("customers", "duplicate_keys"): ("fail", "1"),
        ("payments", "payments_of_another_customers_invoice"): ("fail", "1"),
        ("disputes", "disputed_above_invoice_amount"): ("fail", "1"),  # 900 > 800
    }
    with pytest.raises(quality.QualityError) as error:
        quality.raise_on_critical(results)
    assert str(error.value) == (
        "critical data-quality checks failed: customers.duplicate_keys=1, "
        "payments.payments_of_another_customers_invoice=1, "
        "disputes.disputed_above_invoice_amount=1"
    )


def test_after_a_build_row_rules_read_the_new_rows_and_reference_rules_every_row(
    tmp_path: Path,
) -> None:
    """validate_raw(loaded_after=the last build's loads): a bad row already published is not
    re-checked by its own-value rules, a new one is; a correction that breaks an old row's
    reference is still seen (those rules read the whole table)."""
    con = loaded(tmp_path, BASE | {"payments.csv": PAYMENT_HEADER
                                   + "P1,C1,I1,2024-02-01,100,transfer\n"})
    (built_through,) = con.execute("select max(loaded_at) from raw.load_log").fetchone()
    # behind ingest's back: a payment of 0 loaded before the build (its rule did not run)
    con.execute("insert into raw.payments (payment_id, customer_id, document_id, payment_date,"
                " amount, method, loaded_at) values ('P0', 'C1', 'I1', '2024-02-02', 0,"
                " 'transfer', ?)", [built_through])
    write_landing(tmp_path / "landing", {
        "invoices_2.csv": "document_id,customer_id,document_type,document_date,due_date,amount\n"
                          "I1,C2,invoice,2024-01-10,2024-02-09,1000.00\n",  # now C2's: P1 breaks
    }, first_mtime=1_700_000_100)
    load_landing(con, tmp_path / "landing")
    con.execute("insert into raw.payments (payment_id, customer_id, document_id, payment_date,"
                " amount, method, loaded_at) values ('P9', 'C2', 'I1', '2024-02-03', -1,"
                " 'transfer', ?)", [built_through + dt.timedelta(seconds=5)])

    since_build = statuses(quality.validate_raw(con, CHECKED_AT, loaded_after=built_through))
    everything = statuses(quality.validate_raw(con, CHECKED_AT))

    assert since_build[("payments", "payments_not_positive")] == ("fail", "1")  # P9, not P0
    assert everything[("payments", "payments_not_positive")] == ("fail", "2")
    # P1 (C1) pays I1, now C2's: a reference rule, whole table either way (P1 and P0)
    assert since_build[("payments", "payments_of_another_customers_invoice")] == ("fail", "2")
    assert since_build[("payments", "row_count")] == ("pass", "3")


def catalogue_marts(con) -> None:
    """marts.kpi_catalogue and marts.aging_buckets as dbt seeds them: from the seed files."""
    con.execute("create schema if not exists marts")
    for name in ("kpi_catalogue", "aging_buckets"):
        path = str(catalogue.seeds_dir() / f"{name}.csv").replace("'", "''")
        con.execute(f"create or replace table marts.{name} as "
                    f"select * from read_csv('{path}', header = true)")


def marts(con, kpi_rows: list[tuple], aged_rows: list[tuple]) -> None:
    """Small marts tables with the contract's column names and every KPI of the catalogue
    (only the checked ones filled, the others NULL), and the catalogue seeds."""
    catalogue_marts(con)
    kpi_names = list(MARTS_COLUMNS["kpi_monthly"])
    kpi_names += [kpi for kpi in catalogue.kpis() if kpi not in kpi_names]
    kpi_columns = ", ".join(
        f"{column} {'DATE' if column == 'as_of_date' else 'DOUBLE'}" for column in kpi_names)
    con.execute(f"create or replace table marts.kpi_monthly ({kpi_columns})")
    con.executemany(
        "insert into marts.kpi_monthly (as_of_date, total_ar, not_due_ar, overdue_ar, "
        "overdue_rate, dso_simple) values (?, ?, ?, ?, ?, ?)", kpi_rows)
    aged_columns = ", ".join(
        f"{column} {'DATE' if column.endswith('date') else 'DOUBLE' if column in ('open_amount', 'days_past_due') else 'VARCHAR'}"  # noqa: E501
        for column in MARTS_COLUMNS["aged_balance"])
    con.execute(f"create or replace table marts.aged_balance ({aged_columns})")
    con.executemany(
        "insert into marts.aged_balance (as_of_date, customer_id, document_id, days_past_due, "
        "aging_bucket, open_amount) values (?, ?, ?, ?, ?, ?)", aged_rows)
    forecast_marts(con, aged_rows)


def forecast_marts(con, aged_rows: list[tuple]) -> None:
    """A coherent forecast of the open invoices of `aged_rows`: each invoice 10 days after
    D (p10 D + 3, p90 D + 30; P(7 days) 0.3, P(30 days) 0.9, P(90 days) 1), its whole open
    amount in week 2 (band 0 .. twice it), nothing in the other weeks."""
    con.execute("create or replace table marts.invoice_payment_forecast (as_of_date DATE, "
                "document_id VARCHAR, customer_id VARCHAR, open_amount DOUBLE, "
                "expected_payment_date DATE, payment_date_p10 DATE, payment_date_p90 DATE, "
                "p_paid_7d DOUBLE, p_paid_30d DOUBLE, p_paid_90d DOUBLE, "
                "forecast_basis VARCHAR)")
    con.execute("create or replace table marts.cash_forecast (as_of_date DATE, "
                "week_number INTEGER, expected_cash DOUBLE, cash_p10 DOUBLE, cash_p90 DOUBLE, "
                "promised_cash DOUBLE, disputed_cash DOUBLE)")
    open_items = [(as_of, customer, document, amount)
                  for as_of, customer, document, _, _, amount in aged_rows
                  if document is not None and amount > 0]
    con.executemany(
        "insert into marts.invoice_payment_forecast values (?, ?, ?, ?, ?::date + 10, "
        "?::date + 3, ?::date + 30, 0.3, 0.9, 1.0, 'model')",
        [(as_of, document, customer, amount, as_of, as_of, as_of)
         for as_of, customer, document, amount in open_items])
    for as_of in sorted({row[0] for row in open_items}):
        week_2 = sum(amount for date, _, _, amount in open_items if date == as_of)
        con.executemany(
            "insert into marts.cash_forecast values (?, ?, ?, 0, ?, 0, 0)",
            [(as_of, week, week_2 if week == 2 else 0.0, 2 * week_2 if week == 2 else 0.0)
             for week in range(1, 14)])


# The buckets of the test rows follow the seed: a boundary moved there moves them too.
UNAPPLIED = next(bucket.bucket for bucket in catalogue.aging_buckets() if not bucket.is_bounded)
JAN, FEB = dt.date(2024, 1, 31), dt.date(2024, 2, 29)
# 31 Jan: I1 not due 600, I2 19 days past due 300, C2 unapplied cash -100: total 800,
#   overdue 300, not due 800 - 300 = 500, rate 300 / 800 = 0.375.
# 29 Feb: I2 48 days past due 300: total 300 = overdue, rate 1.0.
GOOD_KPIS = [(JAN, 800.0, 500.0, 300.0, 0.375, 40.0), (FEB, 300.0, 0.0, 300.0, 1.0, 35.0)]
GOOD_AGED = [(JAN, "C1", "I1", -10, catalogue.bucket_of(-10), 600.0),
             (JAN, "C1", "I2", 19, catalogue.bucket_of(19), 300.0),
             (JAN, "C2", None, None, UNAPPLIED, -100.0),
             (FEB, "C1", "I2", 48, catalogue.bucket_of(48), 300.0)]


def test_marts_suite_passes_on_consistent_marts() -> None:
    """The seeds as committed pass the catalogue checks; the marts pass theirs."""
    con = duckdb.connect()
    marts(con, GOOD_KPIS, GOOD_AGED)
    results = quality.validate_marts(con, CHECKED_AT)
    assert [result for result in results if result.status != "pass"] == []
    by_check = statuses(results)
    assert by_check[("kpi_monthly", "max_rate_kpi")] == ("pass", "1")
    assert by_check[("aged_balance", "row_count")] == ("pass", "4")
    assert by_check[("aging_buckets", "row_count")] == (
        "pass", str(len(catalogue.aging_buckets())))
    assert by_check[("kpi_catalogue", "kpis_not_in_marts")] == ("pass", "0")
    assert {result.entity for result in results} == {
        "kpi_catalogue", "aging_buckets", "kpi_monthly", "aged_balance",
        "invoice_payment_forecast", "cash_forecast"}
    # every rate KPI of the catalogue that is a kpi_monthly column is range-checked
    assert quality.catalogue_rate_kpis(con) == sorted(
        kpi.kpi for kpi in catalogue.kpis().values() if kpi.unit == "rate")
    quality.record_results(con, results, CHECKED_AT)
    assert dict(con.execute("select distinct entity, suite from marts.data_quality").fetchall()) \
        == {entity: f"marts_{entity}" for entity in
            ("kpi_catalogue", "aging_buckets", "kpi_monthly", "aged_balance",
             "invoice_payment_forecast", "cash_forecast")}


def test_marts_suite_catches_broken_invariants() -> None:
    con = duckdb.connect()
    kpis = [GOOD_KPIS[0], (FEB, 300.02, 0.0, 300.0, 1.2, -3.0), (FEB, 1, 0, 1, 1, 1)]
    aged = GOOD_AGED[:3] + [(FEB, "C1", "I2", 48, "current", 300.0),
                            # 48 days past due filed in the bucket of 19 days
                            (FEB, "C1", "I3", 48, catalogue.bucket_of(19), 0.0)]
    marts(con, kpis, aged)
    con.execute("update marts.kpi_monthly set promise_kept_rate = -0.5 where total_ar = 1")
    by_check = statuses(quality.validate_marts(con, CHECKED_AT))
    assert {key: value for key, value in by_check.items() if value[0] != "pass"} == {
        ("kpi_monthly", "duplicate_as_of_dates"): ("fail", "1"),
        # |300.02 - 0 - 300| = 0.02 > 0.01
        ("kpi_monthly", "max_ar_split_gap"): ("fail", "0.0200"),
        # overdue_rate 1.2 and promise_kept_rate -0.5: rates of the catalogue out of [0, 1]
        ("kpi_monthly", "max_rate_kpi"): ("warn", "1.2000"),
        ("kpi_monthly", "min_rate_kpi"): ("warn", "-0.5000"),
        ("kpi_monthly", "min_dso_simple"): ("warn", "-3"),
        ("aged_balance", "aging_buckets_not_accepted"): ("fail", "1"),
        ("aged_balance", "days_past_due_outside_bucket"): ("fail", "1"),
        # 29 Feb: buckets 300 against total_ar 300.02 (0.02) and 1 (299): max 299
        ("aged_balance", "max_buckets_vs_total_ar_gap"): ("fail", "299"),
    }


def test_forecast_checks_catch_an_incoherent_forecast() -> None:
    """One distribution per open invoice, dates after D and ordered, probabilities growing
    with the horizon; 13 weeks per as-of date inside their band, never above what is open."""
    con = duckdb.connect()
    marts(con, GOOD_KPIS, GOOD_AGED)
    # 31 Jan: I1 twice; I2's forecast lost; 29 Feb: I2 due before D, 90 days below 30 days
    con.execute("insert into marts.invoice_payment_forecast select * from "
                "marts.invoice_payment_forecast where as_of_date = ? and document_id = 'I1'",
                [JAN])
    con.execute("delete from marts.invoice_payment_forecast where as_of_date = ? "
                "and document_id = 'I2'", [JAN])
    con.execute("update marts.invoice_payment_forecast set payment_date_p10 = as_of_date, "
                "p_paid_90d = 0.5 where as_of_date = ?", [FEB])
    # 31 Jan: week 13 gone, week 1 expects -5; 29 Feb: week 2 expects 400 (inside its band
    # 0 .. 2 x 300 = 600) of the 300 open
    con.execute("delete from marts.cash_forecast where as_of_date = ? and week_number = 13",
                [JAN])
    con.execute("update marts.cash_forecast set expected_cash = -5 where as_of_date = ? "
                "and week_number = 1", [JAN])
    con.execute("update marts.cash_forecast set expected_cash = 400 where as_of_date = ? "
                "and week_number = 2", [FEB])
    by_check = statuses(quality.validate_marts(con, CHECKED_AT))
    failed = {key: value for key, value in by_check.items()
              if value[0] != "pass" and key[0] in ("invoice_payment_forecast", "cash_forecast")}
    assert failed == {
        ("invoice_payment_forecast", "duplicate_keys"): ("fail", "1"),
        ("invoice_payment_forecast", "open_invoices_without_forecast"): ("fail", "1"),
        ("invoice_payment_forecast", "forecast_dates_not_after_as_of"): ("fail", "1"),
        ("invoice_payment_forecast", "probabilities_not_increasing"): ("fail", "1"),
        ("cash_forecast", "weeks_missing"): ("fail", "1"),
        # -5 is below its P10 of 0, and negative
        ("cash_forecast", "band_not_around_expected"): ("fail", "1"),
        ("cash_forecast", "negative_cash"): ("fail", "1"),
        # 29 Feb: 400 expected against 300 open
        ("cash_forecast", "weeks_above_open_amount"): ("fail", "1"),
    }


def test_catalogue_checks_catch_a_broken_seed() -> None:
    """What the readers of the catalogue rely on: one row per KPI and bucket, labels in
    both languages, known units, a distinct place per tile, rates as fractions, bucket
    bounds without gap or overlap (and the items filed by those bounds)."""
    con = duckdb.connect()
    marts(con, GOOD_KPIS, GOOD_AGED)
    first, second = [kpi for kpi in catalogue.kpis().values() if kpi.is_headline][:2]
    rate = next(kpi.kpi for kpi in catalogue.kpis().values()
                if kpi.unit == "rate" and kpi.kpi != first.kpi)
    other = next(kpi for kpi in catalogue.kpis() if kpi not in (first.kpi, second.kpi, rate))
    con.execute("insert into marts.kpi_catalogue select * from marts.kpi_catalogue "
                "where kpi = ?", [first.kpi])  # a duplicate (and a tile twice)
    con.execute("update marts.kpi_catalogue set tile_order = ? where kpi = ?",
                [first.tile_order, second.kpi])  # two tiles in one place
    con.execute("update marts.kpi_catalogue set label_fr = '' where kpi = ?", [second.kpi])
    con.execute("update marts.kpi_catalogue set unit = 'percent' where kpi = ?", [other])
    con.execute("update marts.kpi_catalogue set target = 25 where kpi = ?", [rate])
    con.execute("insert into marts.kpi_catalogue (kpi, label_en, label_fr, unit, decimals, "
                "higher_is_better, is_headline) values ('no_such_kpi', 'No such KPI', "
                "'Aucun', 'count', 0, true, false)")
    # the third bounded bucket starts one day early: it overlaps the second
    bounded = [bucket for bucket in catalogue.aging_buckets() if bucket.is_bounded]
    con.execute("update marts.aging_buckets set min_days_past_due = min_days_past_due - 1, "
                "colour = null where bucket = ?", [bounded[2].bucket])
    by_check = statuses(quality.validate_marts(con, CHECKED_AT))
    assert {key: value for key, value in by_check.items() if value[0] != "pass"} == {
        ("kpi_catalogue", "duplicate_kpis"): ("fail", "1"),
        ("kpi_catalogue", "missing_labels"): ("fail", "1"),
        ("kpi_catalogue", "units_not_accepted"): ("fail", "1"),
        ("kpi_catalogue", "kpis_not_in_marts"): ("fail", "1"),
        # the duplicate and the moved tile: 2 tiles more than places
        ("kpi_catalogue", "headline_tile_orders_not_distinct"): ("fail", "2"),
        ("kpi_catalogue", "rate_targets_not_fractions"): ("warn", "1"),
        ("aging_buckets", "missing_labels_or_colours"): ("fail", "1"),
        ("aging_buckets", "bucket_bounds_gaps_or_overlaps"): ("fail", "1"),
    }


def test_missing_marts_fail_cleanly() -> None:
    results = quality.validate_marts(duckdb.connect(), CHECKED_AT)
    with pytest.raises(quality.QualityError, match="kpi_monthly.table_exists=missing"):
        quality.raise_on_critical(results)
    assert {result.entity for result in results} == {
        "kpi_catalogue", "aging_buckets", "kpi_monthly", "aged_balance",
        "invoice_payment_forecast", "cash_forecast"}


def test_only_the_latest_runs_are_kept(expectations_dir, monkeypatch) -> None:
    monkeypatch.setattr(quality, "KEEP_RUNS", 2)
    con = duckdb.connect()
    marts(con, GOOD_KPIS, GOOD_AGED)
    for _ in range(3):
        quality.validate_marts(con, CHECKED_AT)
    kept = list((expectations_dir / "uncommitted" / "validations" / "marts_kpi_monthly")
                .glob("*/*"))
    assert len(kept) == 2
