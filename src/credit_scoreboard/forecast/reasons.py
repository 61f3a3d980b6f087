"""The reasons behind a payment forecast, in words (English and French): what the credit
team knows about the invoice at D that drives its expected date. Built from the invoice's
features, most decisive first (litigation, promise, dispute, then the customer's habits);
vectorised over the invoices of one as-of date."""

from __future__ import annotations

import numpy as np
import pandas as pd

SEPARATOR = "; "
# Customer habits worth a word: most payments by direct debit; most payment days on the
# 9th-11th or in the month's last 3 days (about 20 % of days fall there by chance).
DIRECT_DEBIT_SHARE = 0.5
PAYMENT_RUN_SHARE = 0.8
PAYING_LATER_DAYS = 10


def _text(values: pd.Series) -> np.ndarray:
    return values.astype("object").where(values.notna(), "").astype(str).to_numpy(dtype=object)


def _whole(values: pd.Series) -> np.ndarray:
    """Whole numbers as text ('' when missing)."""
    numbers = pd.to_numeric(values, errors="coerce").round().astype("Int64")
    return numbers.astype("object").where(numbers.notna(), "").astype(str).to_numpy(dtype=object)


def _flag(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[name].fillna(False).astype(bool).to_numpy()


def _plural(count: np.ndarray, singular: str, plural: str) -> np.ndarray:
    return np.where(count == "1", singular, plural).astype(object)


class _Sentence:
    """Reasons collected part by part, joined with '; ' (vectorised)."""

    def __init__(self, rows: int):
        self.text = np.full(rows, "", dtype=object)

    def add(self, mask: np.ndarray, part: np.ndarray | str) -> None:
        joined = np.where(self.text == "", part, self.text + SEPARATOR + part)
        self.text = np.where(mask, joined, self.text).astype(object)


def forecast_reasons(frame: pd.DataFrame,
                     reason_labels: dict[str, tuple[str, str]] | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(English, French) reasons for each invoice of `frame` (int_forecast_invoice_features
    columns). `reason_labels`: dispute reason code -> (English, French) label."""
    reason_labels = reason_labels or {}
    rows = len(frame)
    english, french = _Sentence(rows), _Sentence(rows)

    litigation = _flag(frame, "is_litigation")
    english.add(litigation, "in litigation (formal notice or legal action)")
    french.add(litigation, "au contentieux (mise en demeure ou action en justice)")

    if "payment_transmitted_days_ago" in frame:  # e-invoicing status 211 by D
        sent_days = frame["payment_transmitted_days_ago"]
        sent = pd.to_numeric(sent_days, errors="coerce").notna().to_numpy()
        ago = _whole(sent_days)
        english.add(sent, "payment sent by the buyer " + ago + _plural(ago, " day", " days")
                    + " ago (e-invoicing status)")
        french.add(sent, "paiement transmis par l'acheteur il y a " + ago
                   + _plural(ago, " jour", " jours") + " (statut de facture électronique)")

    promised = _flag(frame, "is_promised") & _flag(frame, "has_pending_promise")
    promised_date = pd.to_datetime(frame["promised_date"])
    date_en = _text(promised_date.dt.strftime("%Y-%m-%d"))
    date_fr = _text(promised_date.dt.strftime("%d/%m/%Y"))
    matured, kept = _whole(frame["cust_promises_matured"]), _whole(frame["cust_promises_kept"])
    first = (matured == "0") | (matured == "")
    english.add(promised, "promised for " + date_en + np.where(
        first, ", first promise", ", kept " + kept + " of " + matured))
    french.add(promised, "promesse de paiement au " + date_fr + np.where(
        first, ", première promesse", ", " + kept + " tenue(s) sur " + matured))

    disputed = _flag(frame, "is_disputed")
    codes = frame["dispute_reason"].astype("object")
    label_en = _text(codes.map({code: labels[0] for code, labels in reason_labels.items()})
                     .fillna(codes))
    label_fr = _text(codes.map({code: labels[1] for code, labels in reason_labels.items()})
                     .fillna(codes))
    age, resolution = _whole(frame["dispute_age_days"]), _whole(frame["reason_avg_resolution_days"])
    known = resolution != ""
    english.add(disputed, "in dispute (" + label_en + ") for " + age
                + _plural(age, " day", " days")
                + np.where(known, ", such disputes take " + resolution + " days", ""))
    french.add(disputed, "en litige (" + label_fr + ") depuis " + age
               + _plural(age, " jour", " jours")
               + np.where(known, ", ces litiges durent " + resolution + " jours en moyenne", ""))

    overdue = _whole(frame["days_past_due"])
    is_overdue = pd.to_numeric(frame["days_past_due"], errors="coerce").fillna(0).to_numpy() > 0
    english.add(is_overdue, overdue + _plural(overdue, " day", " days") + " overdue")
    french.add(is_overdue, "échue depuis " + overdue + _plural(overdue, " jour", " jours"))

    beyond = pd.to_numeric(frame["cust_avg_days_beyond_terms_12m"], errors="coerce")
    late, early = _whole(beyond), _whole(-beyond)
    no_history = beyond.isna().to_numpy()
    english.add(no_history, "no invoice settled in the last 12 months")
    french.add(no_history, "aucune facture réglée sur les 12 derniers mois")
    is_late, is_early = (beyond >= 0.5).to_numpy(), (beyond <= -0.5).to_numpy()
    on_time = ~no_history & ~is_late & ~is_early
    english.add(is_late, "pays " + late + _plural(late, " day", " days")
                + " late on average (12 months)")
    french.add(is_late, "paie en moyenne " + late + _plural(late, " jour", " jours")
               + " après l'échéance (12 mois)")
    english.add(is_early, "pays " + early + _plural(early, " day", " days")
                + " early on average (12 months)")
    french.add(is_early, "paie en moyenne " + early + _plural(early, " jour", " jours")
               + " avant l'échéance (12 mois)")
    english.add(on_time, "pays on time (12 months)")
    french.add(on_time, "paie à l'échéance (12 mois)")

    recent = pd.to_numeric(frame["cust_avg_days_beyond_terms_3m"], errors="coerce")
    paying_later = ((recent - beyond) >= PAYING_LATER_DAYS).to_numpy()
    recent_text = _whole(recent)
    english.add(paying_later, "paying later lately (" + recent_text + " days late, 3 months)")
    french.add(paying_later, "paie plus tard récemment (" + recent_text
               + " jours de retard sur 3 mois)")

    direct_debit = (pd.to_numeric(frame["cust_direct_debit_share_12m"], errors="coerce")
                    >= DIRECT_DEBIT_SHARE).to_numpy()
    english.add(direct_debit, "pays by direct debit")
    french.add(direct_debit, "paie par prélèvement")

    runs = (pd.to_numeric(frame["cust_payment_run_share_12m"], errors="coerce")
            >= PAYMENT_RUN_SHARE).to_numpy() & ~direct_debit
    english.add(runs, "pays in runs (10th, month end)")
    french.add(runs, "paie à dates fixes (le 10, fin de mois)")

    calls = _whole(frame["post_due_calls_30d"])
    called = pd.to_numeric(frame["post_due_calls_30d"], errors="coerce").fillna(0).to_numpy() > 0
    english.add(called, "reminded " + calls + _plural(calls, " time", " times") + " in 30 days")
    french.add(called, "relancé " + calls + " fois en 30 jours")
    return english.text, french.text
