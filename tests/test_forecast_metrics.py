"""The backtest metrics of the payment forecast (credit_scoreboard.forecast.metrics, CONTRACT.md
section 3), worked by hand on a book of five invoices open at D = 2025-03-31.

    invoice  expected      actual        days after D   P(30d)  P10 .. P90 (days after D)
    A        2025-04-05    2025-04-03    exp 5,  act 3    0.9    2 .. 10
    B        2025-04-20    2025-05-05    exp 20, act 35   0.6   10 .. 30
    C        2025-05-10    2025-05-08    exp 40, act 38   0.2   25 .. 60
    D        2025-04-10    still open    exp 10           0.3    5 .. 20
    E        2025-04-15    2025-07-29    exp 15, act 120  0.5    8 .. 40

The invoices settled within 90 days after D are A, B and C (D is still open, E was settled
after 120 days): mae_days, within_7d_share, c_index and the interval metrics are over them;
brier_30d is over all five.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from credit_scoreboard.forecast import metrics

D = dt.date(2025, 3, 31)
EXPECTED = [dt.date(2025, 4, 5), dt.date(2025, 4, 20), dt.date(2025, 5, 10),
            dt.date(2025, 4, 10), dt.date(2025, 4, 15)]
SETTLEMENT = np.array(["2025-04-03", "2025-05-05", "2025-05-08", "NaT", "2025-07-29"],
                      dtype="datetime64[D]")
P_PAID_30D = [0.9, 0.6, 0.2, 0.3, 0.5]
P10 = [D + dt.timedelta(days=days) for days in (2, 10, 25, 5, 8)]
P90 = [D + dt.timedelta(days=days) for days in (10, 30, 60, 20, 40)]


@pytest.fixture(scope="module")
def scores():
    return metrics.invoice_metrics(D, EXPECTED, SETTLEMENT, P_PAID_30D, P10, P90)


def test_mae_days(scores):
    # A |5 - 3| = 2, B |20 - 35| = 15, C |40 - 38| = 2: (2 + 15 + 2) / 3 = 6.333
    assert scores["mae_days"] == (pytest.approx(19 / 3), 3)


def test_within_7d_share(scores):
    # A (2 days) and C (2 days) within 7 days, B (15 days) not: 2 / 3
    assert scores["within_7d_share"] == (pytest.approx(2 / 3), 3)


def test_brier_30d(scores):
    # paid within 30 days: A yes, B no (35), C no (38), D no (open), E no (120)
    # (0.9-1)^2 + 0.6^2 + 0.2^2 + 0.3^2 + 0.5^2 = 0.01 + 0.36 + 0.04 + 0.09 + 0.25 = 0.75; / 5
    assert scores["brier_30d"] == (pytest.approx(0.15), 5)


def test_interval_coverage_80(scores):
    # A 2 <= 3 <= 10 in, B 10 <= 35 <= 30 out, C 25 <= 38 <= 60 in: 2 / 3
    assert scores["interval_coverage_80"] == (pytest.approx(2 / 3), 3)


def test_interval_width_days(scores):
    # A 10 - 2 = 8, B 30 - 10 = 20, C 60 - 25 = 35: 63 / 3 = 21
    assert scores["interval_width_days"] == (pytest.approx(21.0), 3)


def test_c_index_on_the_book(scores):
    # pairs of A, B, C (settled 3 < 35 < 38 days) all expected in the same order (5 < 20 < 40)
    assert scores["c_index"] == (pytest.approx(1.0), 3)


def test_c_index_worked_by_hand():
    # expected 1, 2, 2, 4 and actual 1, 3, 2, 2 (days after D). Pairs settled on different days:
    # (1,2) 1<3 and 1<2 concordant; (1,3) 1<2, 1<2 concordant; (1,4) 1<2, 1<4 concordant;
    # (2,3) 3>2 but expected 2=2: a tie, one half; (2,4) 3>2 but expected 2<4: discordant;
    # (3,4) both settled on day 2: not comparable. (3 + 0.5) / 5 = 0.7
    assert metrics.c_index([1, 2, 2, 4], [1, 3, 2, 2]) == pytest.approx(0.7)
    # Somers' D of expected given actual is (3 - 1) / 5 = 0.4 and C = (1 + 0.4) / 2 = 0.7


def test_c_index_edge_cases():
    assert metrics.c_index([1, 2], [5, 5]) is None  # every invoice settled the same day
    assert metrics.c_index([3, 3, 3], [1, 2, 3]) == 0.5  # one date for all: chance
    assert metrics.c_index([3, 2, 1], [1, 2, 3]) == pytest.approx(0.0)  # always wrong


def test_baseline_has_no_interval():
    # a baseline gives a date and P(30d) = 1 when its date is within 30 days (A, B, D, E here)
    scores = metrics.invoice_metrics(D, EXPECTED, SETTLEMENT, [1, 1, 0, 1, 1])
    assert scores["interval_coverage_80"] == (None, 3)
    assert scores["interval_width_days"] == (None, 3)
    # (1-1)^2 + (1-0)^2 + (0-0)^2 + (1-0)^2 + (1-0)^2 = 3; / 5
    assert scores["brier_30d"] == (pytest.approx(0.6), 5)


def test_no_invoice_settled_within_90_days():
    scores = metrics.invoice_metrics(D, EXPECTED[3:], SETTLEMENT[3:], P_PAID_30D[3:],
                                     P10[3:], P90[3:])
    assert scores["mae_days"] == (None, 0)
    assert scores["within_7d_share"] == (None, 0)
    assert scores["c_index"] == (None, 0)
    assert scores["interval_coverage_80"] == (None, 0)


# Weekly cash over the 13 weeks after D (week 1 first), expected and actual:
EXPECTED_WEEKLY = [100, 50, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20]
ACTUAL_WEEKLY = [80, 70, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]


def test_wape_13w():
    # |100-80| + |50-70| + |0-10| + |20-0| = 20 + 20 + 10 + 20 = 70; actual 80 + 70 + 10 = 160
    assert metrics.wape_13w(EXPECTED_WEEKLY, ACTUAL_WEEKLY) == pytest.approx(70 / 160)


def test_wape_4w():
    # weeks 1-4: 20 + 20 + 10 + 0 = 50; actual 160
    assert metrics.wape_4w(EXPECTED_WEEKLY, ACTUAL_WEEKLY) == pytest.approx(50 / 160)


def test_bias_week_1():
    # (100 - 80) / 80 = 0.25: the forecast was 25 % too high
    assert metrics.bias_week_1(EXPECTED_WEEKLY, ACTUAL_WEEKLY) == pytest.approx(0.25)


def test_weekly_metrics_without_cash():
    assert metrics.weekly_metrics([10] * 13, [0] * 13) == {
        "wape_13w": None, "wape_4w": None, "bias_week_1": None}


def test_every_contract_metric_is_computed(scores):
    weekly = metrics.weekly_metrics(EXPECTED_WEEKLY, ACTUAL_WEEKLY)
    assert set(scores) | set(weekly) == set(metrics.METRICS)
