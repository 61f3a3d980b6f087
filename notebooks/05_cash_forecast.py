# ---
# jupyter:
#   jupytext:
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Cash forecast: how good is it?
#
# At every month end D the warehouse forecasts, for each invoice open at D, when it will
# be paid (`marts.invoice_payment_forecast`: a distribution of the settlement date built
# only from what was known at D), and sums it into 13 weeks of expected cash
# (`marts.cash_forecast`). Because the month ends are in the past, we can check those
# forecasts against what happened next: that is the backtest (`marts.forecast_accuracy`),
# where the model competes with three simple methods any credit team could use:
#
# * **due date**: each invoice is paid on its due date (the day after D when overdue);
# * **customer delay**: the due date plus the customer's usual delay (its amount-weighted
#   days beyond terms over the 12 months to D);
# * **rules**: the promised date when a promise is pending, the due date plus the usual
#   resolution time of that dispute reason (plus the customer's delay) when disputed, else
#   the customer delay.
#
# Then one question the metrics do not answer on their own: when the forecast says "70 %
# chance of being paid within 30 days", are 70 % of such invoices paid within 30 days? That
# is calibration.

# %% tags=["parameters"]
# None = the CREDIT_SCOREBOARD_WAREHOUSE variable, else warehouse/credit.duckdb
warehouse_path = None
language = "en"  # metric labels and definitions: "en" or "fr"
calibration_bins = 10  # bins of P(paid within 30 days) for the calibration plot
recent_months = 12  # the backtest table: the last months scored

# %%
import json

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from credit_scoreboard.analysis import SEPARATORS, definition, open_warehouse

con = open_warehouse(warehouse_path)
run_as_of = con.execute("select max(as_of_date) from marts.kpi_monthly").fetchone()[0]
print(f"Run as-of date: {run_as_of:%d %B %Y}")
print(definition(con, "invoice_payment_forecast"))

METHODS = ("model", "due_date", "customer_delay", "rules")
METHOD_LABELS = {
    "en": {"model": "Forecast model", "due_date": "Due date",
           "customer_delay": "Customer's usual delay", "rules": "Rules (promise, dispute)"},
    "fr": {"model": "Modèle de prévision", "due_date": "Date d'échéance",
           "customer_delay": "Retard habituel du client", "rules": "Règles (promesse, litige)"},
}[language]

# %% [markdown]
# ## The metrics and their definitions
# The catalogue of the backtest's metrics (`marts.forecast_metric_catalogue`, a dbt seed):
# what each measures, its unit and its direction. The dashboard's cash forecast page shows
# the same cards.

# %%
metrics = con.execute(
    f"""
    select metric, label_{language} as label, unit, decimals, higher_is_better,
        target::double as target, definition_{language} as definition
    from marts.forecast_metric_catalogue
    """
).df().set_index("metric")
pd.set_option("display.max_colwidth", 200)
metrics[["label", "unit", "higher_is_better", "target", "definition"]]

# %% [markdown]
# ## The backtest: the model against the simple methods
# Each as-of date's forecasts are scored once their 13 weeks have passed. The table shows,
# for every metric, the value of each method averaged over the last `recent_months` month
# ends scored (a plain mean of the monthly values, to read the level), and how often the
# model did better than each simple method, month by month, in the metric's direction.

# %%
accuracy = con.execute(
    """
    select as_of_date, method, metric, value::double as value, invoices
    from marts.forecast_accuracy
    order by as_of_date, metric, method
    """
).df()
scored_dates = sorted(accuracy.as_of_date.unique())
recent = accuracy[accuracy.as_of_date.isin(scored_dates[-recent_months:])]
print(f"{len(scored_dates)} month ends scored, from {pd.Timestamp(scored_dates[0]):%Y-%m-%d} "
      f"to {pd.Timestamp(scored_dates[-1]):%Y-%m-%d}; the table uses the last "
      f"{min(recent_months, len(scored_dates))}.")

levels = recent.pivot_table(index="metric", columns="method", values="value", aggfunc="mean")
levels = levels[[method for method in METHODS if method in levels]]


def model_wins(metric: str, baseline: str) -> float | None:
    """Share of the scored month ends where the model beats `baseline` on `metric`."""
    spec = metrics.loc[metric]
    by_date = recent[recent.metric == metric].pivot(index="as_of_date", columns="method",
                                                    values="value")
    if baseline not in by_date or "model" not in by_date:
        return None
    pairs = by_date[["model", baseline]].dropna()
    if pairs.empty:
        return None
    if pd.isna(spec.higher_is_better):  # a bias: the closer to the target (or 0) the better
        goal = 0.0 if pd.isna(spec.target) else spec.target
        better = (pairs.model - goal).abs() < (pairs[baseline] - goal).abs()
    elif spec.higher_is_better:
        better = pairs.model > pairs[baseline]
    else:
        better = pairs.model < pairs[baseline]
    return float(better.mean())


wins = pd.DataFrame({
    f"model better than {METHOD_LABELS[baseline]}": {
        metric: model_wins(metric, baseline) for metric in levels.index}
    for baseline in METHODS[1:]
})
table = levels.rename(columns=METHOD_LABELS).join(wins)
table.index = [metrics.label.get(metric, metric) for metric in table.index]
table.round(3)

# %% [markdown]
# Reading it: interval metrics (P10-P90 coverage and width) exist for the model only, the
# simple methods give a single date. A WAPE of 20 % means the weekly expected cash missed
# the weekly cash received by a fifth of it, summed over the 13 weeks.

# %%
over_time = accuracy.merge(metrics[["label"]], left_on="metric", right_index=True)
over_time["method"] = over_time.method.map(METHOD_LABELS).fillna(over_time.method)
px.line(
    over_time, x="as_of_date", y="value", color="method", facet_col="label",
    facet_col_wrap=3, height=900, markers=True,
    labels={"as_of_date": "", "value": "", "method": ""},
    title="Every metric, month end by month end",
).update_yaxes(matches=None, showticklabels=True).for_each_annotation(
    lambda annotation: annotation.update(text=annotation.text.split("=", 1)[-1])
).update_layout(separators=SEPARATORS[language])

# %% [markdown]
# ## Forecast against the cash that came
# The 13 weeks of each month end's forecast against the cash those invoices brought in
# (`marts.cash_forecast_vs_actual`), summed over the weeks known by the run date.

# %%
vs_actual = con.execute(
    """
    select as_of_date, method, sum(expected_cash)::double as expected_cash,
        sum(actual_cash)::double as actual_cash, count(*) as weeks
    from marts.cash_forecast_vs_actual
    group by all
    order by as_of_date, method
    """
).df()
complete = vs_actual[vs_actual.weeks == 13]
fig = go.Figure()
model_rows = complete[complete.method == "model"]
fig.add_bar(x=model_rows.as_of_date, y=model_rows.actual_cash, name="cash received",
            marker_color="#b0bec5")
for method in METHODS:
    rows = complete[complete.method == method]
    fig.add_scatter(x=rows.as_of_date, y=rows.expected_cash, mode="lines+markers",
                    name=METHOD_LABELS[method])
fig.update_layout(title="13 weeks of cash after each month end: expected against received",
                  separators=SEPARATORS[language], yaxis_title="EUR")

# %% [markdown]
# ## Calibration of P(paid within 30 days)
# Every invoice open at a month end D whose 30 days have passed by the run date, with the
# forecast's `p_paid_30d` (made at D), against what happened: settled within 30 days after
# D or not. The settlement date is the date the invoice's open amount reached zero
# (`marts.account_statement.settlement_date`, known up to the run date). Binned by the
# predicted probability: a calibrated forecast sits on the diagonal.

# %%
print(definition(con, "invoice_payment_forecast", "p_paid_30d"))
print(definition(con, "account_statement", "settlement_date"))
outcomes = con.execute(
    """
    select forecast.as_of_date, forecast.document_id, forecast.forecast_basis,
        forecast.p_paid_30d::double as p_paid_30d,
        coalesce(statement.settlement_date <= forecast.as_of_date + 30, false)
            as paid_within_30d
    from marts.invoice_payment_forecast as forecast
    left join marts.account_statement as statement
        on statement.entry_type = 'invoice' and statement.document_id = forecast.document_id
    where forecast.as_of_date = last_day(forecast.as_of_date)
        and forecast.as_of_date + 30 <= ?
    """,
    [run_as_of],
).df()
outcomes["bin"] = pd.cut(outcomes.p_paid_30d, bins=[i / calibration_bins
                                                    for i in range(calibration_bins + 1)],
                         include_lowest=True)
calibration = outcomes.groupby("bin", observed=True).agg(
    predicted=("p_paid_30d", "mean"), observed=("paid_within_30d", "mean"),
    invoices=("document_id", "count"),
).reset_index()
calibration["bin"] = calibration.bin.astype(str)
brier = float(((outcomes.p_paid_30d - outcomes.paid_within_30d) ** 2).mean())
print(f"{len(outcomes):,} invoice forecasts at {outcomes.as_of_date.nunique()} month ends; "
      f"Brier score {brier:.3f} (0 is perfect; always saying 50 % scores 0.25)")
calibration.round(3)

# %%
px.scatter(
    calibration, x="predicted", y="observed", size="invoices", hover_data=["bin"],
    range_x=[0, 1], range_y=[0, 1], height=520, width=620,
    labels={"predicted": "predicted P(paid within 30 days)",
            "observed": "observed share paid within 30 days"},
    title="Calibration of P(paid within 30 days) (dot size: invoices)",
).add_shape(type="line", x0=0, y0=0, x1=1, y1=1, line={"dash": "dash", "color": "grey"}
            ).update_xaxes(tickformat=".0%").update_yaxes(tickformat=".0%").update_layout(
    separators=SEPARATORS[language])

# %% [markdown]
# The same by what the forecast rests on (`forecast_basis`): a promise, a dispute,
# litigation or the model's reading of the customer's habits. A group far from the
# diagonal is where to look first.

# %%
by_basis = outcomes.groupby("forecast_basis").agg(
    invoices=("document_id", "count"), predicted=("p_paid_30d", "mean"),
    observed=("paid_within_30d", "mean"),
)
by_basis.round(3)

# %% [markdown]
# The backtest's own Brier score (`brier_30d`, model) is computed by the warehouse over the
# invoices of the month ends it scores; the monthly means of the rows above should be close
# to it (the warehouse's definition decides, see the metric card).

# %%
brier_by_date = outcomes.assign(
    squared_error=(outcomes.p_paid_30d - outcomes.paid_within_30d) ** 2
).groupby("as_of_date").squared_error.mean().rename("brier_here")
brier_mart = accuracy[(accuracy.metric == "brier_30d") & (accuracy.method == "model")
                      ].set_index("as_of_date").value.rename("brier_30d (mart)")
brier_check = pd.concat([brier_by_date, brier_mart], axis=1, join="inner")
brier_gap = float((brier_check.brier_here - brier_check["brier_30d (mart)"]).abs().max())
print(f"largest gap over {len(brier_check)} month ends: {brier_gap:.6f}")
brier_check.tail(12).round(4)

# %% tags=["key_figures"]
# The figures the tests compare with the warehouse.
latest = accuracy[accuracy.as_of_date == scored_dates[-1]]
key_figures = {
    "scored_as_of_dates": len(scored_dates),
    "latest_scored_as_of_date": str(pd.Timestamp(scored_dates[-1]).date()),
    "latest_model_metrics": {
        row.metric: row.value for row in latest[latest.method == "model"].itertuples()
        if pd.notna(row.value)},
    "metrics": list(metrics.index),
    "calibration_invoices": int(calibration.invoices.sum()),
    "calibration_predicted": calibration.predicted.round(6).tolist(),
    "calibration_observed": calibration.observed.round(6).tolist(),
    "brier_30d": brier,
    "brier_30d_largest_gap_to_mart": brier_gap,
}
print(json.dumps(key_figures, indent=2))
con.close()
