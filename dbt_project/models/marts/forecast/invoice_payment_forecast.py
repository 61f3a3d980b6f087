"""grain: one row per as_of_date x invoice open at as_of_date.

The payment forecast of every invoice open at each as-of date D (CONTRACT.md sections 2-3):
the engine credit_scoreboard.forecast fits a LightGBM model set at each month end F
(var forecast_refit_months) on the month ends whose outcome was known at F, and reads each
invoice's settlement distribution at every D from F to the next fit date. Only what is
dated <= D is read for D: the rows of D never change later, so the model is incremental by
date (macros/incremental_by_date.sql): it computes the as-of dates from rebuild_from on.
"""

import datetime as dt


def _value(setting):
    """A var passed through the config ("None" when the var is none)."""
    return None if setting in (None, "", "None", "none") else setting


def _flag(setting) -> bool:
    """A boolean var passed through the config (True, or its text)."""
    return str(setting).strip().lower() in ("true", "1", "yes")


def model(dbt, session):
    from credit_scoreboard.forecast.invoice_forecast import forecast_invoices
    from credit_scoreboard.forecast.model import ForecastSettings

    features = dbt.ref("int_forecast_invoice_features")
    outcomes = dbt.ref("int_forecast_invoice_outcomes")
    payments = dbt.ref("stg_erp__payments").filter("document_id is not null")
    value_labels = dbt.ref("value_labels")

    # dbt reads the config keys a python model uses from literal calls
    rebuild_from = _value(dbt.config.get("rebuild_from")) if dbt.is_incremental else None
    dates = features.project("as_of_date").distinct()
    if rebuild_from:
        dates = dates.filter(f"as_of_date >= date '{dt.date.fromisoformat(rebuild_from)}'")
    as_of_dates = [row[0] for row in dates.order("as_of_date").fetchall()]

    settings = ForecastSettings(
        horizon_days=int(dbt.config.get("forecast_training_horizon_days")),
        training_months=int(dbt.config.get("forecast_training_months")),
        max_training_rows=int(dbt.config.get("forecast_max_training_rows")),
        min_training_rows=int(dbt.config.get("forecast_min_training_rows")),
        refit_months=int(dbt.config.get("forecast_refit_months")),
        use_lifecycle_statuses=_flag(dbt.config.get("forecast_use_lifecycle_statuses")),
    )
    reason_labels = {
        code: (label_en, label_fr)
        for code, label_en, label_fr in value_labels.filter("field = 'reason'")
        .project("code, label_en, label_fr").fetchall()
    }
    return forecast_invoices(session, features, outcomes, payments, as_of_dates, settings,
                             reason_labels)
