"""A tiny, readable warehouse of marts, for the dashboard's data-layer tests.

The marts are written here by hand from the contract and the issue-14 design (the dbt
project builds the real ones); only `raw.load_log` and `raw.quarantine` exist in `raw`:
the dashboard must never read a raw entity table, and here any such query fails.

Four customers, three as-of dates: 31 Aug, 30 Sep and 31 Oct 2026 (the run's date):

    customer  name        segment       region  collector  credit limit
    C1        Alpha SA    Key accounts  North   COL1       10 000
    C2        Beta SARL   SME           North   COL1        5 000
    C3        Gamma SAS   SME           South   COL2          200
    C4        =Delta Ltd  Retail        South   COL2       (none)   (a formula: exports
                                                                     must neutralise it)

The book, event by event:
- C1: INV0 800 issued 15 Aug due 14 Sep, paid 18 Sep (P0, 4 days late); INV1 1 000 issued
  15 Sep due 15 Oct; INV2 2 000 issued 31 Oct due 30 Nov, refused on the e-invoicing
  platform (status 210): disputed at 31 Oct although no dispute is in the log.
- C2: INV3 700 issued 17 Jul due 15 Sep, credit note CN1 -200 on 1 Aug applied to it
  (500 open); disputes D1 (500, wrong price, 20 Sep) and D4 (200, other, 5 Oct) on INV3.
- C3: INV4 300 issued 7 Jun due 22 Jul, never paid; dispute D2 (100, billing error)
  opened 1 Jul, resolved 21 Jul (20 days).
- C4: INV5 400 issued 1 Oct due 21 Oct; 300 of cash received on 20 Oct (P1) and a credit
  note CN2 -150 on 25 Oct, neither allocated: its 400 overdue is covered by its own
  300 + 150 = 450 unapplied: "to reconcile" at 31 Oct.
- C1 also has D3 (400, delivery not made, 10 Oct) on INV1.

Aged balance (open amount, days past due, bucket):

    as of    C1                          C2               C3          C4
    31 Aug   INV0 800 (-14 not_due)      INV3 500 (-15)   INV4 300    -
                                                          (40, 31-60)
    30 Sep   INV1 1 000 (-15 not_due)    INV3 500         INV4 300    -
                                         (15, 1-30, D1)   (70, 61-90)
    31 Oct   INV1 1 000 (16, 1-30, D3)   INV3 500         INV4 300    INV5 400 (10, 1-30)
             INV2 2 000 (-30, not_due,   (45, 31-60,      (100,       unapplied -450
             refused on the platform)    D1 and D4)       91-120)

- total AR: 31 Aug 800 + 500 + 300 = 1 600; 30 Sep 1 000 + 500 + 300 = 1 800;
  31 Oct 1 000 + 2 000 + 500 + 300 + 400 - 450 = 3 750.
- overdue: 31 Aug 300; 30 Sep 500 + 300 = 800; 31 Oct 1 000 + 500 + 300 + 400 = 2 200.
- disputed AR at 31 Oct: INV1 1 000 + INV2 2 000 + INV3 500 = 3 500, of which the dispute
  log's part (INV1 and INV3, each invoice once) 1 500; the open disputes' disputed amounts
  D1 500 + D3 400 + D4 200 = 1 100. SME (C2, C3) at 31 Oct: 500.
- over limit: C3 at every date, 300 against 200: 100 over, limit use 300 / 200 = 1.5.

Calls (K*) and promises (grace 3 days, so maturity = promised date + 3):

    call  customer  collector  date    channel stage    contact  outcome         promise
    K5    C3        COL2       1 Sep   phone   level_1  yes      promise_to_pay  300 by 15 Sep
    K4    C1        COL1       10 Sep  phone   level_1  yes      promise_to_pay  800 by 20 Sep
    K7    C2        COL1       25 Sep  phone   level_1  yes      promise_to_pay  200 by 1 Oct
    K1    C2        COL1       2 Oct   phone   level_1  yes      promise_to_pay  500 by 2 Nov
    K2    C3        COL2       5 Oct   phone   level_2  no       no_answer
    K3    C3        COL2       6 Oct   email   level_2  yes      refused
    K6    C4        COL2       15 Oct  phone   level_1  yes      promise_to_pay  300 by 25 Oct

- K5 broken (matured 18 Sep, nothing paid), K4 kept (P0 800 on 18 Sep), K6 kept (P1 300 on
  20 Oct), K1 pending (matures 5 Nov, after the run date), K7 superseded by K1 (made on
  2 Oct, before K7 matured on 4 Oct): counted neither as kept nor as matured. At 30 Sep K7
  had not matured: pending then.
- kept / matured over the 12 months to 31 Oct: matured K5, K4, K6 = 3, kept K4, K6 = 2:
  2 / 3. By month of maturity: September 2 matured, 1 kept; October 1 matured, 1 kept.
- collected once (CONTRACT.md section 3): P0 (18 Sep) goes to C1's latest call on or
  before it, K4 (8 days before: within 30 days, not 7); P1 (20 Oct) to K6 (5 days before:
  within 7 and 30). collected_30d = 800 + 300 = 1 100 = all the cash received;
  collected_7d = 300.

Worklist at 31 Oct (C4 is to reconcile, so not on it):
    rank 1 C3 (COL2's 1st), rank 2 C2 (COL1's 1st), rank 3 C1 (COL1's 2nd).

Cash forecast (the forecast marts, written by hand: the model is not run here). No
forecast was made at 31 Aug. At 31 Oct, week k runs from 31 Oct + 7(k-1) + 1 to
31 Oct + 7k (week 1: 1-7 Nov, week 5: 29 Nov-5 Dec):

    invoice  customer  basis       expected cash  probabilities by week        expected
    INV1     C1        dispute     800            w3 0.5, w5 0.25, later 0.25  18 Nov
    INV2     C1        model       2 000          w5 0.6, w6 0.4               1 Dec
    INV3     C2 (SME)  dispute     400            w2 0.5, w4 0.5               14 Nov
    INV4     C3 (SME)  litigation  300            w13 0.1, later 0.9           1 Mar 2027
    INV5     C4        promise     400            w1 1.0                       3 Nov

- weekly expected cash (litigation left out): w1 400 (promised), w2 200 (disputed), w3 400
  (disputed), w4 200 (disputed), w5 200 + 1 200 = 1 400 (200 disputed), w6 800, then 0:
  3 400 over the 13 weeks, of which 400 promised and 1 000 disputed; litigation 300 apart.
- SME (C2, C3): w2 200, w4 200, both disputed: 400; litigation 300.
- Week 5's invoices, the largest expected contribution first: INV2 (1 200), INV1 (200).
- At 30 Sep: INV1 1 000 (w3 1.0), INV3 500 (w2 0.5), INV4 300 (w1 0.5): w1 150, w2 250,
  w3 1 000. Against what came (nothing was paid on them in October), weeks 1-4 (ended by
  31 Oct; week 5 ends 4 Nov): the model 150, 250, 1 000, 0; due date 800, 0, 1 000, 0.
- Backtest (marts.forecast_accuracy): forecasts of 30 Jun and 31 Jul 2026, wape_13w and
  mae_days for the model and the due-date method; 30 Jun + 91 days = 29 Sep, so at 30 Sep
  only the June forecast is scored, at 31 Oct both.

E-invoicing lifecycle (issue 16; statuses from 15 Aug, the book's first; INV3 and INV4,
issued before, have none):

    invoice  customer  statuses (date)                                current at 31 Oct
    INV0     C1        200 15 Aug, 203 16 Aug, 205 20 Aug,            212 cashed
                       211 17 Sep, 212 18 Sep
    INV1     C1        200 15 Sep, 203 16 Sep, 205 25 Sep,            207 in dispute (D3 in
                       207 10 Oct (LIVR_INCOMP, credit note CNP)      the log too)
    INV2     C1        200, 203, 210 31 Oct (PU_ERR, reissue NIN)     210 refused: not in
                                                                      the dispute log
    INV5     C4        200 1 Oct, nothing since                       200: never made
                                                                      available, 10 days
                                                                      overdue: do not chase

- days to availability / approval: INV0 1 / 5, INV1 1 / 10, INV2 0 / -.
- funnel of the 12 months to 31 Oct (invoices issued Jun-Oct: INV4, INV3, INV0, INV1,
  INV2, INV5): issued 6, with statuses 4 (coverage 4 / 6), deposited 4, made available 3,
  approved 2, payment transmitted 1, cashed 1; disputed 1 (INV1), refused 1 (INV2), rejected
  0; average days to approval (5 + 10) / 2 = 7.5. Key accounts (C1): issued 3, all with
  statuses, made available 3. SME: issued 2, none with statuses.
- reasons of the 12 months: lifecycle PU_ERR (210, NIN) 1 invoice 2 000, LIVR_INCOMP (207,
  CNP) 1 invoice 1 000; the dispute log's wrong_price 500, delivery_not_made 400, other
  200, billing_error 100 (one dispute each).
- coverage by customer (invoices issued since 15 Aug): C1 3 of 3, optional statuses seen
  203, 205, 207, 211 (4), platform disputes 2 (INV1, INV2), not in the log 1 (INV2: the
  data-quality warning); C4 1 of 1, none optional.
- the aged balance's latest status at each as-of date: 31 Aug INV0 205; 30 Sep INV1 205;
  31 Oct INV1 207, INV2 210, INV5 200 (never made available).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import jinja2

from credit_scoreboard.contract import raw_schema_ddl

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "dbt_project" / "seeds"
CATALOGUE_SEEDS = ("kpi_catalogue", "aging_buckets", "column_labels", "value_labels")
AGED_BALANCE_BY_GROUP = ROOT / "dbt_project/models/marts/credit/aged_balance_by_group.sql"
DIMENSION_COLUMNS = ("segment varchar, region varchar, country varchar, "
                     "business_unit varchar, collector_id varchar")

CUSTOMERS = [
    # id, name, segment, region, country, business unit, collector, limit, terms, basis
    ("C1", "Alpha SA", "Key accounts", "North", "FR", "Industry", "COL1", 10000, 30,
     "invoice_date"),
    ("C2", "Beta SARL", "SME", "North", "FR", "Industry", "COL1", 5000, 30, "invoice_date"),
    ("C3", "Gamma SAS", "SME", "South", "FR", "Services", "COL2", 200, 45, "end_of_month"),
    ("C4", "=Delta Ltd", "Retail", "South", "BE", "Services", "COL2", None, 30,
     "invoice_date"),
]
AGED_BALANCE = [
    # as_of, customer, document, document date, due date, days past due, bucket, amount,
    # disputed
    ("2026-08-31", "C1", "INV0", "2026-08-15", "2026-09-14", -14, "not_due", 800, False),
    ("2026-08-31", "C2", "INV3", "2026-07-17", "2026-09-15", -15, "not_due", 500, False),
    ("2026-08-31", "C3", "INV4", "2026-06-07", "2026-07-22", 40, "31-60", 300, False),
    ("2026-09-30", "C1", "INV1", "2026-09-15", "2026-10-15", -15, "not_due", 1000, False),
    ("2026-09-30", "C2", "INV3", "2026-07-17", "2026-09-15", 15, "1-30", 500, True),
    ("2026-09-30", "C3", "INV4", "2026-06-07", "2026-07-22", 70, "61-90", 300, False),
    ("2026-10-31", "C1", "INV1", "2026-09-15", "2026-10-15", 16, "1-30", 1000, True),
    ("2026-10-31", "C1", "INV2", "2026-10-31", "2026-11-30", -30, "not_due", 2000, True),
    ("2026-10-31", "C2", "INV3", "2026-07-17", "2026-09-15", 45, "31-60", 500, True),
    ("2026-10-31", "C3", "INV4", "2026-06-07", "2026-07-22", 100, "91-120", 300, False),
    ("2026-10-31", "C4", "INV5", "2026-10-01", "2026-10-21", 10, "1-30", 400, False),
    ("2026-10-31", "C4", None, None, None, None, "unapplied", -450, False),
]
ACCOUNT_STATEMENT = [
    # customer, date, type, entry, document, applied to, due date, debit, credit, balance
    ("C1", "2026-08-15", "invoice", "INV0", "INV0", None, "2026-09-14", 800, 0, 800),
    ("C1", "2026-09-15", "invoice", "INV1", "INV1", None, "2026-10-15", 1000, 0, 1800),
    ("C1", "2026-09-18", "payment", "P0", None, "INV0", None, 0, 800, 1000),
    ("C1", "2026-10-31", "invoice", "INV2", "INV2", None, "2026-11-30", 2000, 0, 3000),
    ("C2", "2026-07-17", "invoice", "INV3", "INV3", None, "2026-09-15", 700, 0, 700),
    ("C2", "2026-08-01", "credit_note", "CN1", "CN1", "INV3", None, 0, 200, 500),
    ("C3", "2026-06-07", "invoice", "INV4", "INV4", None, "2026-07-22", 300, 0, 300),
    ("C4", "2026-10-01", "invoice", "INV5", "INV5", None, "2026-10-21", 400, 0, 400),
    ("C4", "2026-10-20", "payment", "P1", None, None, None, 0, 300, 100),
    ("C4", "2026-10-25", "credit_note", "CN2", "CN2", None, None, 0, 150, -50),
]
# Company KPIs by as-of date (the others NULL): total AR and overdue from the aged balance
# above; disputed AR (31 Oct: 1 000 + 2 000 + 500); promises matured and kept by month of
# maturity; penalties (below); C3 over its limit by 100; C4 to reconcile; C3 worsening.
KPI_COLUMNS = ("as_of_date, total_ar, overdue_ar, dso_simple, disputed_ar, "
               "customers_over_limit, over_limit_amount, promises_matured, promises_kept, "
               "late_payment_penalties, unapplied_cash_amount, unapplied_credit_notes_amount, "
               "unapplied_cash_age_days, customers_to_reconcile, amount_to_reconcile, "
               "customers_worsening")
KPI_MONTHLY = [
    ("2026-08-31", 1600, 300, 30.0, 0, 1, 100, 0, 0, 44.60, 0, 0, None, 0, 0, 0),
    ("2026-09-30", 1800, 800, 35.0, 500, 1, 100, 2, 1, 90.93, 0, 0, None, 0, 0, 0),
    ("2026-10-31", 3750, 2200, 42.0, 3500, 1, 100, 1, 1, 187.81, 300, 150, 11, 1, 400, 1),
]
# SME (C2 and C3): total AR 500 + 300 = 800 at every date; overdue 300 (Aug: INV3 is not
# due yet), then 500 + 300 = 800.
KPI_SME = [
    ("2026-08-31", 800, 300, 50.0, 0, 1, 100, 0, 0, 44.60, 0, 0, None, 0, 0, 0),
    ("2026-09-30", 800, 800, 55.0, 500, 1, 100, 1, 0, 90.93, 0, 0, None, 0, 0, 0),
    ("2026-10-31", 800, 800, 60.0, 500, 1, 100, 0, 0, 100.14, 0, 0, None, 0, 0, 1),
]
DSO_BRIDGE = [
    # as_of, previous, dimension, value, dso previous, current, terms, disputed, undisputed
    ("2026-09-30", "2026-08-31", "company", "all", 30.0, 35.0, -1.0, 2.5, 3.5),
    ("2026-10-31", "2026-09-30", "company", "all", 35.0, 42.0, 2.0, 1.5, 3.5),
    ("2026-10-31", "2026-09-30", "segment", "SME", 55.0, 60.0, 1.0, -1.0, 5.0),
]
# Per overdue customer: open amount x (4 % ECB + 10 points) x days late / 365, + 40 per
# invoice. 31 Oct: C1 1000 x 0.14 x 16 / 365 = 6.14 + 40 = 46.14; C2 500 x 0.14 x 45 / 365
# = 8.63 + 40 = 48.63; C3 300 x 0.14 x 100 / 365 = 11.51 + 40 = 51.51; C4 400 x 0.14 x 10
# / 365 = 1.53 + 40 = 41.53: 187.81 in all, SME (C2 + C3) 100.14.
PENALTIES = [
    # as_of, customer, overdue amount, days late, interest
    ("2026-08-31", "C3", 300, 40, 4.60),
    ("2026-09-30", "C2", 500, 15, 2.88), ("2026-09-30", "C3", 300, 70, 8.05),
    ("2026-10-31", "C1", 1000, 16, 6.14), ("2026-10-31", "C2", 500, 45, 8.63),
    ("2026-10-31", "C3", 300, 100, 11.51), ("2026-10-31", "C4", 400, 10, 1.53),
]
# The payer profile at each as-of date. Derived below: not_due_ar = total - overdue,
# overdue_rate, credit limit use and excess, to reconcile (overdue > 0 and covered by
# unapplied cash + credit notes), worsening (grade letter up, or 12-month days beyond
# terms 10 days or more above three months before).
PROFILES = [
    # as_of, customer, total, overdue, overdue invoices, oldest days past due, disputed AR,
    # open disputes, days beyond terms 12m, the same 3 months before, share paid late,
    # promises made / kept / broken (12m), last broken promise, grade, grade 3 months
    # before, reasons, unapplied cash, unapplied credit notes, oldest unapplied cash days
    ("2026-08-31", "C1", 800, 0, 0, -14, 0, 0, 4.0, 4.0, 0.0, 0, 0, 0, None, "A", "A",
     "no warning signal", 0, 0, None),
    ("2026-08-31", "C2", 500, 0, 0, -15, 0, 0, 12.0, 12.0, 0.5, 0, 0, 0, None, "C", "C",
     "pays 12 days beyond terms", 0, 0, None),
    ("2026-08-31", "C3", 300, 300, 1, 40, 0, 0, 40.0, 35.0, 1.0, 0, 0, 0, None, "C", "C",
     "over credit limit; pays 40 days beyond terms", 0, 0, None),
    ("2026-08-31", "C4", 0, 0, 0, None, 0, 0, None, None, None, 0, 0, 0, None, "A", None,
     "no warning signal", 0, 0, None),
    ("2026-09-30", "C1", 1000, 0, 0, -15, 0, 0, 4.0, 4.0, 1.0, 1, 1, 0, None, "A", "A",
     "no warning signal", 0, 0, None),
    ("2026-09-30", "C2", 500, 500, 1, 15, 500, 1, 12.0, 12.0, 0.5, 1, 0, 0, None, "C", "C",
     "open dispute; pays 12 days beyond terms", 0, 0, None),
    ("2026-09-30", "C3", 300, 300, 1, 70, 0, 0, 40.0, 38.0, 1.0, 1, 0, 1, "2026-09-15", "C",
     "C", "over credit limit; pays 40 days beyond terms; promise of 15 Sep broken", 0, 0,
     None),
    ("2026-09-30", "C4", 0, 0, 0, None, 0, 0, None, None, None, 0, 0, 0, None, "A", None,
     "no warning signal", 0, 0, None),
    ("2026-10-31", "C1", 3000, 1000, 1, 16, 3000, 1, 4.0, 4.0, 1.0, 1, 1, 0, None, "A", "A",
     "no warning signal", 0, 0, None),
    ("2026-10-31", "C2", 500, 500, 1, 45, 500, 2, 12.0, 12.0, 0.5, 2, 0, 0, None, "C", "C",
     "2 open disputes; pays 12 days beyond terms", 0, 0, None),
    ("2026-10-31", "C3", 300, 300, 1, 100, 0, 0, 60.0, 40.0, 1.0, 1, 0, 1, "2026-09-15", "E",
     "C", "over credit limit; pays 60 days beyond terms; promise of 15 Sep broken", 0, 0,
     None),
    ("2026-10-31", "C4", -50, 400, 1, 10, 0, 0, 2.0, None, 0.0, 1, 1, 0, None, "B", None,
     "new customer", 300, 150, 11),
]
CALLS = [
    # call, customer, collector, time, channel, stage, right party, outcome, promised
    # amount, promised date, maturity, paid, status, document, seconds, collected 7d / 30d
    ("K5", "C3", "COL2", "2026-09-01 10:00", "phone", "level_1", True, "promise_to_pay",
     300, "2026-09-15", "2026-09-18", 0, "broken", "INV4", 240, 0, 0),
    ("K4", "C1", "COL1", "2026-09-10 09:30", "phone", "level_1", True, "promise_to_pay",
     800, "2026-09-20", "2026-09-23", 800, "kept", "INV0", 180, 0, 800),
    ("K7", "C2", "COL1", "2026-09-25 10:00", "phone", "level_1", True, "promise_to_pay",
     200, "2026-10-01", "2026-10-04", 0, "superseded", "INV3", 120, 0, 0),
    ("K1", "C2", "COL1", "2026-10-02 10:00", "phone", "level_1", True, "promise_to_pay",
     500, "2026-11-02", "2026-11-05", 0, "pending", "INV3", 300, 0, 0),
    ("K2", "C3", "COL2", "2026-10-05 11:00", "phone", "level_2", False, "no_answer",
     None, None, None, None, None, None, 30, 0, 0),
    ("K3", "C3", "COL2", "2026-10-06 09:00", "email", "level_2", True, "refused",
     None, None, None, None, None, None, 0, 0, 0),
    ("K6", "C4", "COL2", "2026-10-15 14:00", "phone", "level_1", True, "promise_to_pay",
     300, "2026-10-25", "2026-10-28", 300, "kept", "INV5", 200, 300, 300),
]
DISPUTES = [
    # dispute, document, customer, opened, closed, status, reason, owner, resolution,
    # disputed amount
    ("D2", "INV4", "C3", "2026-07-01", "2026-07-21", "resolved", "billing_error", "billing",
     "credit_note", 100),
    ("D1", "INV3", "C2", "2026-09-20", None, "open", "wrong_price", "sales", None, 500),
    ("D4", "INV3", "C2", "2026-10-05", None, "open", "other", "billing", None, 200),
    ("D3", "INV1", "C1", "2026-10-10", None, "open", "delivery_not_made", "logistics", None,
     400),
]
# Disputes open at each as-of date: age in days, the invoice's open amount then, and
# whether the row carries the invoice into the disputed AR (one row per invoice: D1 for
# INV3, so D4's row does not).
OPEN_DISPUTES = [
    ("2026-09-30", "D1", 10, 500, True),
    ("2026-10-31", "D1", 41, 500, True), ("2026-10-31", "D4", 26, 500, False),
    ("2026-10-31", "D3", 21, 1000, True),
]
WORKLIST = [
    # rank, customer, collector rank, overdue, oldest days, promise due, open disputes,
    # broken promise date, next promised date, reason, reason in French
    (1, "C3", 1, 300, 100, False, 0, "2026-09-15", None,
     "EUR 300 overdue, oldest 100 days, promise of 15 Sep broken",
     "300 EUR échus, le plus ancien à 100 jours, promesse du 15 sept. non tenue"),
    (2, "C2", 1, 500, 45, True, 2, None, "2026-11-02",
     "EUR 500 overdue, oldest 45 days, promise of 2 Nov falls due, 2 open disputes",
     "500 EUR échus, le plus ancien à 45 jours, promesse du 2 nov. à échéance, "
     "2 litiges ouverts"),
    (3, "C1", 2, 1000, 16, False, 1, None, None,
     "EUR 1,000 overdue, oldest 16 days, 1 open dispute",
     "1 000 EUR échus, le plus ancien à 16 jours, 1 litige ouvert"),
]
DEFINITIONS = {
    "dso_simple": "Days sales outstanding: total_ar / sales_window x N.",
    "total_ar": "Net customer balance at the as-of date.",
}


# as_of, document, customer, open amount, expected cash, basis, promised, disputed,
# litigation, {week: probability}, later, expected date, p10, p90, p_paid_30d, reason
WEEKS = range(1, 14)
PAYMENT_FORECAST = [
    ("2026-09-30", "INV1", "C1", 1000, 1000, "model", False, False, False, {3: 1.0}, 0.0,
     "2026-10-15", "2026-10-10", "2026-10-20", 1.0, "pays 4 days late on average"),
    ("2026-09-30", "INV3", "C2", 500, 500, "dispute", False, True, False, {2: 0.5}, 0.5,
     "2026-10-10", "2026-10-09", "2027-01-15", 0.5, "in dispute (wrong price)"),
    ("2026-09-30", "INV4", "C3", 300, 300, "model", False, False, False, {1: 0.5}, 0.5,
     "2026-10-05", "2026-10-01", "2027-01-10", 0.5, "pays 40 days late on average"),
    ("2026-10-31", "INV1", "C1", 1000, 800, "dispute", False, True, False,
     {3: 0.5, 5: 0.25}, 0.25, "2026-11-18", "2026-11-10", "2027-02-10", 0.75,
     "in dispute (delivery not made) 21 days"),
    ("2026-10-31", "INV2", "C1", 2000, 2000, "model", False, False, False, {5: 0.6, 6: 0.4},
     0.0, "2026-12-01", "2026-11-30", "2026-12-10", 0.0, "pays 4 days late on average"),
    ("2026-10-31", "INV3", "C2", 500, 400, "dispute", False, True, False, {2: 0.5, 4: 0.5},
     0.0, "2026-11-14", "2026-11-09", "2026-11-25", 1.0, "in dispute (wrong price) 41 days"),
    ("2026-10-31", "INV4", "C3", 300, 300, "litigation", False, False, True, {13: 0.1}, 0.9,
     "2027-03-01", "2027-01-29", "2027-06-30", 0.0, "in litigation"),
    ("2026-10-31", "INV5", "C4", 400, 400, "promise", True, False, False, {1: 1.0}, 0.0,
     "2026-11-03", "2026-11-02", "2026-11-06", 1.0, "promised for 2026-11-03"),
]
# (as_of, dimension, value): {week: (expected, promised, disputed)}; litigation amount
CASH_FORECAST = {
    ("2026-09-30", "company", "all"): ({1: (150, 0, 0), 2: (250, 0, 250), 3: (1000, 0, 0)}, 0),
    ("2026-10-31", "company", "all"): ({1: (400, 400, 0), 2: (200, 0, 200), 3: (400, 0, 400),
                                        4: (200, 0, 200), 5: (1400, 0, 200), 6: (800, 0, 0)},
                                       300),
    ("2026-10-31", "segment", "SME"): ({2: (200, 0, 200), 4: (200, 0, 200)}, 300),
}
CASH_FORECAST_VS_ACTUAL = [
    # as_of, week, method, expected, actual
    *[("2026-09-30", week, "model", expected, 0)
      for week, expected in ((1, 150), (2, 250), (3, 1000), (4, 0), (5, 0))],
    *[("2026-09-30", week, "due_date", expected, 0)
      for week, expected in ((1, 800), (2, 0), (3, 1000), (4, 0), (5, 0))],
]
FORECAST_ACCURACY = [
    # as_of, method, metric, value, invoices
    ("2026-06-30", "model", "wape_13w", 0.20, 3), ("2026-06-30", "due_date", "wape_13w", 0.50, 3),
    ("2026-06-30", "model", "mae_days", 6.0, 2), ("2026-06-30", "due_date", "mae_days", 15.0, 2),
    ("2026-07-31", "model", "wape_13w", 0.25, 3), ("2026-07-31", "due_date", "wape_13w", 0.60, 3),
    ("2026-07-31", "model", "mae_days", 5.0, 2), ("2026-07-31", "due_date", "mae_days", 12.0, 2),
]
FORECAST_METRICS = [
    # metric, en, fr, unit, decimals, higher is better, target, definition en, fr
    ("wape_13w", "Weekly cash error, 13 weeks", "Erreur hebdomadaire, 13 semaines", "rate", 1,
     False, 0.25, "Sum of |expected - actual| weekly cash over the sum of actual cash.",
     "Somme des écarts hebdomadaires absolus sur la somme des encaissements."),
    ("mae_days", "Mean absolute error", "Erreur absolue moyenne", "days", 1, False, None,
     "Mean |expected - actual settlement date| in days.",
     "Moyenne de |date attendue - date réelle| en jours."),
]


# --- e-invoicing lifecycle (issue 16) ---------------------------------------------------
DIMENSIONS = ("segment", "region", "business_unit", "collector_id")
INVOICES_ISSUED = [("INV4", "C3", "2026-06-07"), ("INV3", "C2", "2026-07-17"),
                   ("INV0", "C1", "2026-08-15"), ("INV1", "C1", "2026-09-15"),
                   ("INV2", "C1", "2026-10-31"), ("INV5", "C4", "2026-10-01")]
INVOICE_LIFECYCLE = [
    # document, customer, current status, at, reason, action, document date, due date,
    # open amount at 31 Oct, deposited, made available, approved, disputed, refused,
    # payment transmitted, cashed, rejected, days to available, days to approval,
    # overdue, never made available, rejected, platform disputed, in the dispute log
    ("INV0", "C1", 212, "2026-09-18 10:00", None, None, "2026-08-15", "2026-09-14", 0,
     "2026-08-15 09:00", "2026-08-16 09:00", "2026-08-20 14:00", None, None,
     "2026-09-17 11:00", "2026-09-18 10:00", None, 1, 5, False, False, False, False, False),
    ("INV1", "C1", 207, "2026-10-10 09:00", "LIVR_INCOMP", "CNP", "2026-09-15",
     "2026-10-15", 1000, "2026-09-15 09:00", "2026-09-16 09:00", "2026-09-25 10:00",
     "2026-10-10 09:00", None, None, None, None, 1, 10, True, False, False, True, True),
    ("INV2", "C1", 210, "2026-10-31 16:00", "PU_ERR", "NIN", "2026-10-31", "2026-11-30",
     2000, "2026-10-31 08:00", "2026-10-31 09:00", None, None, "2026-10-31 16:00", None,
     None, None, 0, None, False, False, False, True, False),
    ("INV5", "C4", 200, "2026-10-01 09:00", None, None, "2026-10-01", "2026-10-21", 400,
     "2026-10-01 09:00", None, None, None, None, None, None, None, None, None, True, True,
     False, False, False),
]
LIFECYCLE_REASONS = [
    # month, source, status code, reason, requested action, invoices, amount
    ("2026-10-31", "lifecycle", 207, "LIVR_INCOMP", "CNP", 1, 1000),
    ("2026-10-31", "lifecycle", 210, "PU_ERR", "NIN", 1, 2000),
    ("2026-07-31", "dispute_log", None, "billing_error", None, 1, 100),
    ("2026-09-30", "dispute_log", None, "wrong_price", None, 1, 500),
    ("2026-10-31", "dispute_log", None, "delivery_not_made", None, 1, 400),
    ("2026-10-31", "dispute_log", None, "other", None, 1, 200),
]
LIFECYCLE_COVERAGE = [
    # customer, issued since the first status, with statuses, optional statuses seen,
    # platform disputes, of which not in the dispute log
    ("C1", 3, 3, 4, 2, 1),
    ("C4", 1, 1, 0, 0, 0),
]
# The latest status at each as-of date of the open items (aged balance).
LIFECYCLE_AT_AS_OF = [
    # as_of, document, status, at, never made available, rejected
    ("2026-08-31", "INV0", 205, "2026-08-20 14:00", False, False),
    ("2026-09-30", "INV1", 205, "2026-09-25 10:00", False, False),
    ("2026-10-31", "INV1", 207, "2026-10-10 09:00", False, False),
    ("2026-10-31", "INV2", 210, "2026-10-31 16:00", False, False),
    ("2026-10-31", "INV5", 200, "2026-10-01 09:00", True, False),
]
# Labels the pages need, added when the project's seeds do not have them yet (helper C1
# adds them to dbt_project/seeds/).
LIFECYCLE_VALUE_LABELS = [
    ("status_code", "200", "Deposited", "Déposée"),
    ("status_code", "203", "Made available to the buyer", "Mise à disposition"),
    ("status_code", "205", "Approved", "Approuvée"),
    ("status_code", "207", "In dispute", "En litige"),
    ("status_code", "210", "Refused", "Refusée"),
    ("status_code", "211", "Payment transmitted", "Paiement transmis"),
    ("status_code", "212", "Cashed", "Encaissée"),
    ("status_code", "213", "Rejected", "Rejetée"),
    ("reason", "PU_ERR", "Unit price error", "Erreur de prix unitaire"),
    ("reason", "LIVR_INCOMP", "Incomplete delivery", "Livraison incomplète"),
    ("requested_action", "NIN", "Reissue the invoice", "Réémettre la facture"),
    ("requested_action", "CNP", "Partial credit note", "Avoir partiel"),
    ("source", "lifecycle", "E-invoicing platform", "Plateforme de facturation électronique"),
    ("source", "dispute_log", "Dispute log", "Registre des litiges"),
]
LIFECYCLE_COLUMN_LABELS = [
    ("invoices_issued", "Invoices issued", "Factures émises", "count", 0),
    ("lifecycle_status_date", "E-invoicing status date", "Date du statut", "date", None),
    ("lifecycle_flag", "Platform warning", "Alerte plateforme", "text", None),
]


def _build_lifecycle(connection: duckdb.DuckDBPyConnection) -> None:
    for table, rows in (("value_labels", LIFECYCLE_VALUE_LABELS),
                        ("column_labels", LIFECYCLE_COLUMN_LABELS)):
        key = "field, code" if table == "value_labels" else "column_name"
        connection.execute(f"create table {table}_added as select * from marts.{table} "
                           "limit 0")
        connection.executemany(f"insert into {table}_added values "
                               f"({', '.join('?' * len(rows[0]))})", rows)
        connection.execute(f"""insert into marts.{table} select * from {table}_added
                               where ({key}) not in (select ({key}) from marts.{table})""")
    _create(connection, "lifecycle_facts",
            "document_id varchar, customer_id varchar, current_status_code integer, "
            "current_status_at timestamp, current_reason_code varchar, "
            "current_requested_action varchar, document_date date, due_date date, "
            "open_amount decimal(18, 2), deposited_at timestamp, made_available_at timestamp, "
            "approved_at timestamp, disputed_at timestamp, refused_at timestamp, "
            "payment_transmitted_at timestamp, cashed_at timestamp, rejected_at timestamp, "
            "days_to_available integer, days_to_approval integer, is_overdue boolean, "
            "never_made_available boolean, is_rejected boolean, is_platform_disputed boolean, "
            "in_dispute_log boolean", INVOICE_LIFECYCLE)
    connection.execute("""
        create table marts.invoice_lifecycle as
        select facts.*, customers.segment, customers.region, customers.business_unit,
               customers.collector_id
        from lifecycle_facts as facts join marts.customers as customers using (customer_id)""")
    _create(connection, "issued_facts",
            "document_id varchar, customer_id varchar, document_date date", INVOICES_ISSUED)
    # by month of issue and dimension value: the counts of the invoices that reached each
    # status, as helper C1's mart defines them
    per_dimension = " union all ".join(
        f"select *, '{dimension}' as dimension, {dimension} as dimension_value from joined"
        for dimension in DIMENSIONS)
    connection.execute(f"""
        create table marts.lifecycle_by_month as
        with joined as (
            select last_day(issued.document_date) as month, customers.*, lifecycle.*
                       exclude (customer_id, document_id, document_date, segment, region,
                                business_unit, collector_id),
                   lifecycle.document_id is not null as has_status
            from issued_facts as issued
            join marts.customers as customers using (customer_id)
            left join marts.invoice_lifecycle as lifecycle using (document_id)
        ),
        dimensions as (
            select *, 'company' as dimension, 'all' as dimension_value from joined
            union all {per_dimension}
        )
        select month, dimension, dimension_value, count(*) as invoices_issued,
               count(*) filter (where has_status) as invoices_with_status,
               count(*) filter (where has_status) / count(*) as coverage,
               count(deposited_at) as deposited, count(made_available_at) as made_available,
               count(approved_at) as approved, count(disputed_at) as disputed,
               count(refused_at) as refused,
               count(payment_transmitted_at) as payment_transmitted,
               count(cashed_at) as cashed, count(rejected_at) as rejected,
               avg(days_to_available) as avg_days_to_available,
               avg(days_to_approval) as avg_days_to_approval,
               median(days_to_approval) as median_days_to_approval
        from dimensions group by all""")
    _create(connection, "marts.lifecycle_reasons",
            "month date, source varchar, status_code integer, reason varchar, "
            "requested_action varchar, invoices bigint, amount decimal(18, 2)",
            LIFECYCLE_REASONS)
    _create(connection, "coverage_facts",
            "customer_id varchar, invoices_issued bigint, invoices_with_status bigint, "
            "optional_statuses_seen bigint, platform_disputes bigint, "
            "platform_disputes_not_in_log bigint", LIFECYCLE_COVERAGE)
    connection.execute("""
        create table marts.lifecycle_coverage_by_customer as
        select facts.customer_id, customers.customer_name, customers.segment,
               facts.invoices_issued, facts.invoices_with_status,
               facts.invoices_with_status / nullif(facts.invoices_issued, 0) as coverage,
               facts.optional_statuses_seen, facts.platform_disputes,
               facts.platform_disputes_not_in_log
        from coverage_facts as facts join marts.customers as customers using (customer_id)""")
    # the open items' latest status at their as-of date
    for column, kind in (("lifecycle_status_code", "integer"),
                         ("lifecycle_status_at", "timestamp"),
                         ("never_made_available", "boolean"), ("is_rejected", "boolean")):
        connection.execute(f"alter table marts.aged_balance add column {column} {kind}")
    connection.executemany("""
        update marts.aged_balance set lifecycle_status_code = ?, lifecycle_status_at = ?,
               never_made_available = ?, is_rejected = ?
        where as_of_date = ? and document_id = ?""",
        [(*row[2:], *row[:2]) for row in LIFECYCLE_AT_AS_OF])


def _build_forecast(connection: duckdb.DuckDBPyConnection) -> None:
    weeks = ", ".join(f"p_week_{week} double" for week in WEEKS)
    rows = [(*row[:9], *[row[9].get(week, 0.0) for week in WEEKS], *row[10:])
            for row in PAYMENT_FORECAST]
    _create(connection, "invoice_payment_forecast_facts",
            "as_of_date date, document_id varchar, customer_id varchar, open_amount double, "
            "expected_cash_amount double, forecast_basis varchar, is_promised boolean, "
            f"is_disputed boolean, is_litigation boolean, {weeks}, p_later double, "
            "expected_payment_date date, payment_date_p10 date, payment_date_p90 date, "
            "p_paid_30d double, forecast_reasons varchar", rows)
    connection.execute("""
        create table marts.invoice_payment_forecast as
        select facts.*, 'FR: ' || facts.forecast_reasons as forecast_reasons_fr,
               aged.due_date, aged.days_past_due, customers.segment, customers.region,
               customers.business_unit, customers.collector_id
        from invoice_payment_forecast_facts as facts
        join marts.customers as customers using (customer_id)
        join marts.aged_balance as aged using (as_of_date, document_id)""")
    weekly = [(as_of, dimension, value, week, *parts.get(week, (0, 0, 0)), litigation)
              for (as_of, dimension, value), (parts, litigation) in CASH_FORECAST.items()
              for week in WEEKS]
    _create(connection, "cash_forecast_facts",
            "as_of_date date, dimension varchar, dimension_value varchar, week_number integer, "
            "expected_cash double, promised_cash double, disputed_cash double, "
            "litigation_amount double", weekly)
    connection.execute("""
        create table marts.cash_forecast_by_dimension as
        select as_of_date, dimension, dimension_value, week_number,
               as_of_date + 7 * (week_number - 1) + 1 as week_start,
               as_of_date + 7 * week_number as week_end, expected_cash,
               expected_cash * 0.5 as cash_p10, expected_cash * 1.5 as cash_p90,
               promised_cash, disputed_cash, litigation_amount
        from cash_forecast_facts""")
    connection.execute("""
        create table marts.cash_forecast as
        select * exclude (dimension, dimension_value) from marts.cash_forecast_by_dimension
        where dimension = 'company'""")
    _create(connection, "vs_actual_facts",
            "as_of_date date, week_number integer, method varchar, expected_cash double, "
            "actual_cash double", CASH_FORECAST_VS_ACTUAL)
    connection.execute("""
        create table marts.cash_forecast_vs_actual as
        select as_of_date, week_number, as_of_date + 7 * (week_number - 1) + 1 as week_start,
               as_of_date + 7 * week_number as week_end, method, expected_cash, actual_cash
        from vs_actual_facts""")
    _create(connection, "marts.forecast_accuracy",
            "as_of_date date, method varchar, metric varchar, value double, invoices integer",
            FORECAST_ACCURACY)
    _create(connection, "marts.forecast_metric_catalogue",
            "metric varchar, label_en varchar, label_fr varchar, unit varchar, "
            "decimals integer, higher_is_better boolean, target double, "
            "definition_en varchar, definition_fr varchar", FORECAST_METRICS)


def _create(connection: duckdb.DuckDBPyConnection, table: str, columns: str,
            rows: list[tuple]) -> None:
    connection.execute(f"create table {table} ({columns})")
    connection.executemany(
        f"insert into {table} values ({', '.join('?' * len(rows[0]))})", rows)


def _with_customer(table: str, select: str = "facts.*") -> str:
    """`facts` (a staging table) joined to the customer's name and dimensions."""
    return f"""
        create table marts.{table} as
        select {select}, customers.customer_name, customers.segment, customers.region,
               customers.country, customers.business_unit, customers.collector_id
        from {table}_facts as facts join marts.customers as customers using (customer_id)"""


def build_fixture_warehouse(path: Path, seeds: Path | None = None) -> Path:
    connection = duckdb.connect(str(path))
    try:
        _build(connection, seeds or SEEDS)
    finally:
        connection.close()
    return path


def _build(connection: duckdb.DuckDBPyConnection, seeds: Path) -> None:
    for statement in raw_schema_ddl():
        if "create schema" in statement or "raw.load_log" in statement \
                or "raw.quarantine" in statement:
            connection.execute(statement)
    connection.execute("alter table raw.load_log add column file_modified_ns bigint")
    connection.execute("""
        insert into raw.load_log (file_name, entity, rows_read, rows_loaded,
                                  rows_quarantined, checksum, loaded_at, file_modified_ns)
        values ('customers.csv', 'customers', 5, 4, 1, 'abc', '2026-11-01 06:00',
                1793512800000000000),
               ('invoices.csv', 'invoices', 6, 6, 0, 'def', '2026-11-01 06:00',
                1793512800000000000)""")  # modified 2026-11-01 06:00
    connection.execute("""
        insert into raw.quarantine (entity, file_name, row_number, row_text, rule,
                                    quarantined_at) values
        ('customers', 'customers.csv', 5, 'C9,,SME', 'customer_name is required',
         '2026-11-01 06:00')""")
    connection.execute("create schema marts")
    for seed in CATALOGUE_SEEDS:  # the catalogue: the project's own seed files
        connection.execute(f"create table marts.{seed} as select * from read_csv(?, "
                           "header = true)", [str(seeds / f"{seed}.csv")])

    _create(connection, "marts.customers",
            "customer_id varchar, customer_name varchar, segment varchar, region varchar, "
            "country varchar, business_unit varchar, collector_id varchar, "
            "credit_limit decimal(18, 2), payment_terms_days integer, "
            "payment_terms_basis varchar", CUSTOMERS)

    _create(connection, "aged_balance_facts",
            "as_of_date date, customer_id varchar, document_id varchar, document_date date, "
            "due_date date, days_past_due integer, aging_bucket varchar, "
            "open_amount decimal(18, 2), is_disputed boolean", AGED_BALANCE)
    connection.execute("""
        create table marts.aged_balance as
        select facts.*, customers.segment, customers.region, customers.country,
               customers.business_unit, customers.collector_id
        from aged_balance_facts as facts join marts.customers as customers
        using (customer_id)""")
    # the dbt model's own SQL, rendered as a full build
    model_sql = jinja2.Template(AGED_BALANCE_BY_GROUP.read_text()).render(
        ref=lambda name: f"marts.{name}", config=lambda **_: "", rebuilt_dates=lambda: "true")
    connection.execute(f"create table marts.aged_balance_by_group as {model_sql}")

    _create(connection, "marts.account_statement",
            "customer_id varchar, entry_date date, entry_type varchar, entry_id varchar, "
            "document_id varchar, applied_to_document_id varchar, due_date date, "
            "debit decimal(18, 2), credit decimal(18, 2), running_balance decimal(18, 2)",
            ACCOUNT_STATEMENT)
    connection.execute("""
        alter table marts.account_statement add column is_disputed boolean default false""")

    kpi_types = ("as_of_date date, total_ar decimal(18, 2), overdue_ar decimal(18, 2), "
                 "dso_simple double, disputed_ar decimal(18, 2), customers_over_limit bigint, "
                 "over_limit_amount decimal(18, 2), promises_matured bigint, "
                 "promises_kept bigint, late_payment_penalties double, "
                 "unapplied_cash_amount decimal(18, 2), "
                 "unapplied_credit_notes_amount decimal(18, 2), "
                 "unapplied_cash_age_days double, customers_to_reconcile bigint, "
                 "amount_to_reconcile decimal(18, 2), customers_worsening bigint")
    _create(connection, "kpi_facts", kpi_types, KPI_MONTHLY)
    _create(connection, "kpi_sme_facts", kpi_types, KPI_SME)
    nulls = ", ".join(f"null::double as {column}" for column in (
        "sales_window", "dso_countback", "best_possible_dso", "average_days_delinquent",
        "dmp_days", "contract_terms_days", "avg_days_beyond_terms", "cei", "calls",
        "right_party_contact_rate", "promise_rate", "financing_cost"))
    derived = f"""
        {KPI_COLUMNS}, total_ar - overdue_ar as not_due_ar,
        overdue_ar / total_ar as overdue_rate, disputed_ar / total_ar as dispute_weight,
        promises_kept / nullif(promises_matured, 0) as promise_kept_rate, {nulls}"""
    connection.execute(f"create table marts.kpi_monthly as select {derived} from kpi_facts")
    connection.execute(f"""
        create table marts.kpi_by_dimension as
        select as_of_date, 'segment' as dimension, 'SME' as dimension_value,
               {derived.replace('as_of_date, ', '', 1)}
        from kpi_sme_facts""")
    for column, text in DEFINITIONS.items():
        connection.execute(f"comment on column marts.kpi_monthly.{column} is '{text}'")

    connection.execute("""
        create table marts.dso_bridge as
        select as_of_date::date as as_of_date, previous_as_of_date::date as previous_as_of_date,
               dimension, dimension_value, dso_previous, dso_current,
               dso_current - dso_previous as dso_change, terms_effect,
               disputed_delinquency_effect + undisputed_delinquency_effect
                   as delinquency_effect,
               disputed_delinquency_effect, undisputed_delinquency_effect
        from (values """ + ", ".join(str(row) for row in DSO_BRIDGE) + """)
            as t(as_of_date, previous_as_of_date, dimension, dimension_value, dso_previous,
                 dso_current, terms_effect, disputed_delinquency_effect,
                 undisputed_delinquency_effect)""")

    _create(connection, "late_payment_penalties_facts",
            "as_of_date date, customer_id varchar, overdue_amount decimal(18, 2), "
            "oldest_days_late integer, penalty_interest double", PENALTIES)
    connection.execute(_with_customer("late_payment_penalties", """
        facts.*, 1 as overdue_invoices, 40 as recovery_indemnities,
        facts.penalty_interest + 40 as total_penalties"""))

    _create(connection, "customer_profile_history_facts",
            "as_of_date date, customer_id varchar, total_ar decimal(18, 2), "
            "overdue_ar decimal(18, 2), overdue_invoices bigint, oldest_days_past_due bigint, "
            "disputed_ar decimal(18, 2), open_disputes bigint, "
            "avg_days_beyond_terms_12m double, avg_days_beyond_terms_12m_3_months_before double, "
            "share_paid_late_12m double, promises_made_12m bigint, promises_kept_12m bigint, "
            "promises_broken_12m bigint, last_broken_promise_date date, risk_grade varchar, "
            "risk_grade_3_months_before varchar, risk_reasons varchar, "
            "unapplied_cash_amount decimal(18, 2), unapplied_credit_notes_amount decimal(18, 2), "
            "oldest_unapplied_cash_days bigint", PROFILES)
    connection.execute("""
        create table marts.customer_profile_history as
        with profiles as (
            select facts.*, customers.* exclude (customer_id)
            from customer_profile_history_facts as facts
            join marts.customers as customers using (customer_id)
        ),
        derived as (
            select *,
                   total_ar - overdue_ar as not_due_ar,
                   overdue_ar / nullif(total_ar, 0) as overdue_rate,
                   total_ar / credit_limit as credit_limit_use,
                   coalesce(total_ar > credit_limit, false) as is_over_limit,
                   coalesce(greatest(total_ar - credit_limit, 0), 0) as over_limit_amount,
                   payment_terms_days + avg_days_beyond_terms_12m as dmp_days_12m,
                   promises_kept_12m / nullif(promises_kept_12m + promises_broken_12m, 0)
                       as promise_kept_rate_12m,
                   overdue_ar > 0
                       and overdue_ar <= unapplied_cash_amount + unapplied_credit_notes_amount
                       as is_to_reconcile,
                   coalesce(risk_grade > risk_grade_3_months_before, false)
                       as is_grade_worsening,
                   coalesce(avg_days_beyond_terms_12m
                            >= avg_days_beyond_terms_12m_3_months_before + 10, false)
                       as is_paying_later,
                   false as risk_floor_applied,
                   risk_reasons as risk_reasons_fr  -- (the French reasons: English here)
            from profiles
        )
        select *,
               case when is_to_reconcile then overdue_ar else 0 end as amount_to_reconcile,
               is_grade_worsening or is_paying_later as is_worsening
        from derived""")
    connection.execute("""
        create table marts.customer_profile as
        select * from marts.customer_profile_history
        where as_of_date = (select max(as_of_date) from marts.customer_profile_history)""")

    _create(connection, "calls_facts",
            "call_id varchar, customer_id varchar, collector_id varchar, "
            "call_time timestamp, channel varchar, stage varchar, "
            "is_right_party_contact boolean, outcome varchar, "
            "promised_amount decimal(18, 2), promised_date date, maturity_date date, "
            "paid_amount decimal(18, 2), promise_status varchar, document_id varchar, "
            "duration_seconds integer, collected_7d decimal(18, 2), "
            "collected_30d decimal(18, 2)", CALLS)
    connection.execute("""
        create table marts.calls as
        select facts.call_id, facts.call_time, cast(facts.call_time as date) as call_date,
               facts.customer_id, customers.customer_name, customers.segment,
               customers.region, customers.country, customers.business_unit,
               facts.collector_id, facts.stage, facts.channel, facts.is_right_party_contact,
               facts.outcome, facts.promised_amount is not null as is_promise,
               facts.promised_amount, facts.promised_date, facts.promise_status,
               facts.paid_amount, facts.document_id, facts.duration_seconds,
               facts.collected_7d, facts.collected_30d
        from calls_facts as facts join marts.customers as customers using (customer_id)""")
    connection.execute("""
        create table marts.promises as
        select calls.call_id, calls.customer_id, calls.customer_name, calls.segment,
               calls.region, calls.country, calls.business_unit, calls.collector_id,
               calls.call_time, calls.call_date, calls.channel, calls.stage, calls.outcome,
               calls.promised_amount, calls.promised_date, facts.maturity_date,
               calls.paid_amount, calls.promise_status,
               calls.promise_status = 'kept' as is_kept,
               case calls.call_id when 'K7' then 'K1' end as superseded_by_call_id
        from marts.calls as calls join calls_facts as facts using (call_id)
        where calls.is_promise""")
    connection.execute("""
        create table marts.reminder_effectiveness as
        select date_trunc('month', call_date)::date as month,
               last_day(call_date) as month_end, collector_id, stage, channel,
               count(*) as calls,
               count(*) filter (where is_right_party_contact) as right_party_contacts,
               count(*) filter (where is_promise) as promises,
               coalesce(sum(promised_amount), 0) as promised_amount,
               count(*) filter (where promise_status = 'kept') as promises_kept,
               coalesce(sum(promised_amount) filter (where promise_status = 'kept'), 0)
                   as kept_amount,
               count(*) filter (where promise_status in ('kept', 'broken'))
                   as promises_matured,
               sum(collected_7d) as collected_7d, sum(collected_30d) as collected_30d
        from marts.calls group by all""")

    _create(connection, "disputes_facts",
            "dispute_id varchar, document_id varchar, customer_id varchar, "
            "opened_date date, closed_date date, status varchar, reason varchar, "
            "owner varchar, resolution varchar, disputed_amount decimal(18, 2)", DISPUTES)
    connection.execute(_with_customer(
        "disputes", "facts.*, date_diff('day', facts.opened_date, facts.closed_date) "
        "as resolution_days"))
    _create(connection, "open_disputes_facts",
            "as_of_date date, dispute_id varchar, age_days integer, "
            "invoice_open_amount decimal(18, 2), counts_in_disputed_ar boolean", OPEN_DISPUTES)
    connection.execute("""
        create table marts.open_disputes as
        select facts.as_of_date, disputes.*, facts.age_days, facts.invoice_open_amount,
               facts.counts_in_disputed_ar
        from open_disputes_facts as facts join marts.disputes as disputes using (dispute_id)""")

    _create(connection, "collection_worklist_facts",
            "priority_rank bigint, customer_id varchar, collector_rank bigint, "
            "overdue_amount decimal(18, 2), oldest_days_past_due bigint, promise_due boolean, "
            "open_disputes bigint, broken_promise_date date, next_promised_date date, "
            "reason varchar, reason_fr varchar", WORKLIST)
    connection.execute("""
        create table marts.collection_worklist as
        select facts.*, profiles.customer_name, profiles.segment, profiles.region,
               profiles.country, profiles.business_unit, profiles.collector_id,
               profiles.risk_grade, profiles.risk_reasons
        from collection_worklist_facts as facts
        join marts.customer_profile as profiles using (customer_id)""")

    connection.execute("""
        create table marts.call_uplift as select * from (values
            ('overall', null::date, 10, 4, 6, 4, 0.5, 0.3, 0.2))
        as t(period, as_of_date, units, treated_units, control_units, matched_treated_units,
             treated_mean_outcome, control_mean_outcome, uplift)""")
    connection.execute("""
        create table marts.data_quality as select * from (values
        ('rows_read_equals_loaded_plus_quarantined', 'customers', 'pass', '5 = 4 + 1',
         '2026-11-01 06:00'::timestamp))
        as t(check_name, entity, status, observed_value, checked_at)""")
    _build_forecast(connection)
    _build_lifecycle(connection)
    for table, in connection.execute(
            "select table_name from duckdb_tables() where schema_name = 'main'").fetchall():
        connection.execute(f"drop table main.{table}")
