"""The payment-date model: LightGBM, fitted at a month end F on what was known at F.

Training set at F: the month-end snapshots D' of int_forecast_invoice_features with
F - `training_months` < D' <= F - H (H = `horizon_days`), each open invoice labelled with
y = its days from D' to settlement when it was settled by D' + H, else H. Every label is
known at F (D' + H <= F): no leakage and no censoring bias. The model set fitted at F
serves every as-of date D from F to the next fit date (invoice_forecast.fit_date): F <= D.
At most `max_training_rows` rows, chosen by a hash of (as_of_date, document_id), then
sorted by that key.

Model set: the median days to settlement, learnt as a correction of the `rules` baseline
(LightGBM, L1 objective), and the scale of its error (LightGBM, L1 objective on the
absolute out-of-fold residuals), both cross-fitted with GroupKFold by customer so that
every training residual is out of fold; an invoice's forecast averages the fold models.
The residuals divided by the out-of-fold scale, per residual group, give the distribution
of each forecast (distribution.py). Deterministic: fixed seed, one fixed thread,
deterministic=True, force_row_wise=True, rows in key order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from credit_scoreboard.forecast.distribution import ResidualDistribution

# The e-invoicing lifecycle at D: approved (205) and payment transmitted (211) come days
# before the cash (var forecast_use_lifecycle_statuses: false blanks them, to measure them).
LIFECYCLE_FEATURES = (
    "lifecycle_status_code",
    "lifecycle_status_days_ago",
    "approved_days_ago",
    "payment_transmitted_days_ago",
)
# The columns of int_forecast_invoice_features the model reads as they are.
NUMERIC_FEATURES = (
    "invoice_amount",
    "open_amount",
    "days_past_due",
    "invoice_age_days",
    "terms_days",
    "open_share",
    "is_partly_paid",
    "cust_settled_invoices_12m",
    "cust_avg_days_beyond_terms_12m",
    "cust_stddev_days_beyond_terms_12m",
    "cust_avg_days_beyond_terms_3m",
    "cust_share_paid_late_12m",
    "cust_avg_days_to_pay_12m",
    "cust_direct_debit_share_12m",
    "cust_payment_run_share_12m",
    "cust_open_invoices",
    "cust_overdue_amount",
    "cust_total_ar",
    "last_call_days_ago",
    "post_due_calls_30d",
    "is_litigation",
    "has_pending_promise",
    "promise_days_ahead",
    "is_promised",
    "cust_promises_matured",
    "cust_promises_kept",
    "collector_promises_matured",
    "collector_promises_kept",
    "is_disputed",
    "dispute_age_days",
    "disputed_amount",
    "reason_closed_disputes",
    "reason_avg_resolution_days",
    "reason_owner_avg_resolution_days",
    "reason_credit_share",
    "cust_disputes_12m",
    *LIFECYCLE_FEATURES,
    "as_of_month",
    "due_month",
)
CATEGORICAL_FEATURES = (
    "segment",
    "region",
    "business_unit",
    "collector_id",
    "last_call_stage",
    "dispute_reason",
    "dispute_owner",
)
BASELINE_DATES = ("due_date_method_date", "customer_delay_method_date", "rules_method_date")
# Days from D to each baseline's date, and to the payment runs around the rules date.
DERIVED_FEATURES = (
    "due_date_method_days",
    "customer_delay_method_days",
    "rules_method_days",
    "rules_method_day_of_month",
    "rules_method_weekday",
    "days_to_nearest_run",
)
FEATURES = NUMERIC_FEATURES + DERIVED_FEATURES + CATEGORICAL_FEATURES


def derived_feature_sql(horizon_days: int) -> str:
    """The derived columns, computed by DuckDB when a frame is read (dates stay in SQL).

    days_to_nearest_run: from the rules date to the nearest payment-run day (the previous
    month end, the 10th or the month end), signed; customers who pay in runs move there."""
    day = "day(rules_method_date)"
    month_days = "day(last_day(rules_method_date))"
    return f"""
        least(due_date_method_date - as_of_date, {horizon_days}) as due_date_method_days,
        least(customer_delay_method_date - as_of_date, {horizon_days})
            as customer_delay_method_days,
        least(rules_method_date - as_of_date, {horizon_days}) as rules_method_days,
        {day} as rules_method_day_of_month,
        isodow(rules_method_date) as rules_method_weekday,
        case
            when {day} <= 10 and 10 - {day} <= {day} then 10 - {day}
            when {day} <= 10 then -{day}
            when {month_days} - {day} <= {day} - 10 then {month_days} - {day}
            else 10 - {day}
        end as days_to_nearest_run"""


@dataclass(frozen=True)
class ForecastSettings:
    """The engine's parameters (dbt vars forecast_*)."""

    horizon_days: int = 120
    training_months: int = 24
    max_training_rows: int = 20_000
    min_training_rows: int = 500
    # The model set is refitted at every refit_months-th month end and serves the as-of
    # dates up to the next one (measured: quarterly refits cost 0.12 day of MAE).
    refit_months: int = 1
    folds: int = 3
    trees: int = 60
    scale_trees: int = 30
    learning_rate: float = 0.15
    leaves: int = 15
    min_rows_per_leaf: int = 60
    use_lifecycle_statuses: bool = True
    seed: int = 7
    # one thread: LightGBM's OpenMP threads slow down badly when dbt runs other models
    # on the other cores
    threads: int = 1
    minimum_scale_days: float = 1.0


def _lightgbm_parameters(settings: ForecastSettings, objective: str) -> dict:
    return {
        "objective": objective,
        "learning_rate": settings.learning_rate,
        "num_leaves": settings.leaves,
        "min_data_in_leaf": settings.min_rows_per_leaf,
        "max_bin": 63,
        "max_cat_to_onehot": 8,
        "cat_smooth": 10.0,
        "seed": settings.seed,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": settings.threads,
        "verbose": -1,
    }


def feature_matrix(frame: pd.DataFrame, categories: dict[str, list[str]],
                   blank: tuple[str, ...] = ()) -> np.ndarray:
    """The matrix LightGBM sees (FEATURES order): numbers as float, each category as its
    code in a fixed list (the same codes at fit and predict), missing as NaN; the `blank`
    columns all missing (the model cannot use them)."""
    columns = [
        np.full(len(frame), np.nan) if name in blank else
        pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        for name in NUMERIC_FEATURES + DERIVED_FEATURES
    ]
    for name in CATEGORICAL_FEATURES:
        codes = pd.Categorical(frame[name].astype("object"), categories=categories[name]).codes
        columns.append(np.where(codes >= 0, codes, np.nan))
    return np.column_stack(columns) if columns else np.empty((len(frame), 0))


CATEGORICAL_COLUMNS = [FEATURES.index(name) for name in CATEGORICAL_FEATURES]
RULES_METHOD_DAYS_COLUMN = FEATURES.index("rules_method_days")


def category_lists(*frames: pd.DataFrame) -> dict[str, list[str]]:
    """Sorted values of each categorical feature over the frames (deterministic codes)."""
    return {
        name: sorted({str(value) for frame in frames for value in frame[name].dropna().unique()})
        for name in CATEGORICAL_FEATURES
    }


# The residual distribution is learnt per group of invoices ("Mondrian" conformal): by the
# forecast median (days after D: up to a week, 3 weeks, 45 days, later) and overdue or
# not. Near D the truncation at day 1 and the mix of payers differ from far ahead.
LOCATION_BINS_DAYS = (7.5, 21.5, 45.5)
MIN_GROUP_ROWS = 200


def residual_group(location: np.ndarray, days_past_due: np.ndarray) -> np.ndarray:
    """The residual group of each invoice (0 .. 7)."""
    overdue = np.nan_to_num(np.asarray(days_past_due, dtype=float)) > 0
    return np.digitize(location, LOCATION_BINS_DAYS) * 2 + overdue


@dataclass
class PaymentDateModel:
    """The model set of one as-of date: fold models of the median correction and of the
    scale, and the sorted normalised out-of-fold residuals of each residual group."""

    settings: ForecastSettings
    categories: dict[str, list[str]] = field(default_factory=dict)
    median_models: list = field(default_factory=list)
    scale_models: list = field(default_factory=list)
    residuals_by_group: dict[int, np.ndarray] = field(default_factory=dict)
    out_of_fold: ResidualDistribution | None = None  # the training rows' distributions

    @property
    def blank_features(self) -> tuple[str, ...]:
        return () if self.settings.use_lifecycle_statuses else LIFECYCLE_FEATURES

    def fit(self, training: pd.DataFrame, categories: dict[str, list[str]]) -> PaymentDateModel:
        """`training`: feature columns, `customer_id` and `days_to_settlement` (the label),
        sorted by (as_of_date, document_id)."""
        import lightgbm
        from sklearn.model_selection import GroupKFold

        settings = self.settings
        self.categories = categories
        features = feature_matrix(training, categories, self.blank_features)
        base = features[:, RULES_METHOD_DAYS_COLUMN]
        correction = training["days_to_settlement"].to_numpy(dtype=float) - base
        groups = training["customer_id"].to_numpy()
        folds = list(GroupKFold(n_splits=settings.folds).split(features, groups=groups))
        # binned once; the fold models train on subsets of it
        median_parameters = _lightgbm_parameters(settings, "l1")
        binned = lightgbm.Dataset(
            features, label=correction, feature_name=list(FEATURES),
            categorical_feature=CATEGORICAL_COLUMNS, params=median_parameters,
            free_raw_data=False).construct()

        out_of_fold = np.empty(len(training))
        for fit_rows, held_rows in folds:
            median = lightgbm.train(median_parameters, binned.subset(fit_rows),
                                    num_boost_round=settings.trees)
            out_of_fold[held_rows] = median.predict(features[held_rows])
            self.median_models.append(median)
        residual = correction - out_of_fold

        scale_parameters = _lightgbm_parameters(settings, "l1")
        binned.set_label(np.abs(residual))
        scale_out_of_fold = np.empty(len(training))
        for fit_rows, held_rows in folds:
            scale = lightgbm.train(scale_parameters, binned.subset(fit_rows),
                                   num_boost_round=settings.scale_trees)
            scale_out_of_fold[held_rows] = scale.predict(features[held_rows])
            self.scale_models.append(scale)
        normalised = residual / np.maximum(scale_out_of_fold, settings.minimum_scale_days)
        group = residual_group(base + out_of_fold, training["days_past_due"].to_numpy())
        self.residuals_by_group = {-1: np.sort(normalised)}  # all: for a group too small
        for value in np.unique(group):
            if (group == value).sum() >= MIN_GROUP_ROWS:
                self.residuals_by_group[int(value)] = np.sort(normalised[group == value])
        self.out_of_fold = ResidualDistribution(
            location=base + out_of_fold,
            scale=np.maximum(scale_out_of_fold, settings.minimum_scale_days),
            group=np.where(np.isin(group, list(self.residuals_by_group)), group, -1),
            residuals_by_group=self.residuals_by_group,
        )
        return self

    def distribution(self, frame: pd.DataFrame) -> ResidualDistribution:
        """The settlement distribution of each invoice of `frame` (the fold models averaged)."""
        features = feature_matrix(frame, self.categories, self.blank_features)
        base = features[:, RULES_METHOD_DAYS_COLUMN]
        correction = np.mean([model.predict(features) for model in self.median_models], axis=0)
        scale = np.mean([model.predict(features) for model in self.scale_models], axis=0)
        location = base + correction
        group = residual_group(location, frame["days_past_due"].to_numpy())
        known = np.isin(group, list(self.residuals_by_group))
        return ResidualDistribution(
            location=location,
            scale=np.maximum(scale, self.settings.minimum_scale_days),
            group=np.where(known, group, -1),
            residuals_by_group=self.residuals_by_group,
        )
