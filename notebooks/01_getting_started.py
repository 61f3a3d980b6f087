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
# # Getting started with the credit scoreboard warehouse
#
# The pipeline publishes one DuckDB file: `raw` holds what was loaded from the extracts,
# `marts` the KPIs defined in the contract (CONTRACT.md, sections 2 and 3). This notebook
# opens it read-only, lists the marts, and plots the scoreboard KPIs and the aged balance.
# KPI labels, units, targets, the headline tiles and the aging buckets come from the
# catalogue marts (`kpi_catalogue`, `aging_buckets`), in the language chosen below.

# %% tags=["parameters"]
# None = the CREDIT_SCOREBOARD_WAREHOUSE variable, else warehouse/credit.duckdb
warehouse_path = None
months_shown = 24
language = "en"  # labels of KPIs and buckets: "en" or "fr"

# %%
import json
import sys

import plotly.express as px

from credit_scoreboard.analysis import (
    SEPARATORS,
    aging_buckets,
    bucket_chart_options,
    definition,
    display_labels,
    headline_kpis,
    kpi_catalogue,
    list_marts,
    open_warehouse,
)

con = open_warehouse(warehouse_path)
catalogue = kpi_catalogue(con, language)
labels = display_labels(con, language)  # column name -> label, for chart axes and legends

# %% [markdown]
# ## The marts
# Every table and column carries its dbt description (the "definition card").

# %%
marts = list_marts(con)
marts

# %%
print(definition(con, "kpi_monthly", "dso_countback"))

# %% [markdown]
# ## The scoreboard
# The headline KPIs (the dashboard's tiles, `is_headline` in the catalogue) at the run's
# as-of date, formatted by unit, against their default target.

# %%
scoreboard = headline_kpis(con, language=language)
as_of_date = scoreboard.attrs["as_of_date"]
print(f"As of {as_of_date:%d %B %Y}")
scoreboard[["label", "text", "target", "meets_target"]]

# %% [markdown]
# ## The trend
# One row per as-of date: every month end, plus the run's as-of date (the last row).

# %%
trend_kpis = ["dso_simple", "dso_countback", "dmp_days", "overdue_rate"]
kpis = con.execute(
    f"""
    select as_of_date, {", ".join(f"{kpi}::double as {kpi}" for kpi in trend_kpis)}
    from marts.kpi_monthly
    order by as_of_date desc
    limit ?
    """,
    [months_shown],
).df().sort_values("as_of_date")
dso_kpis = ["dso_simple", "dso_countback", "dmp_days"]
dso_chart = px.line(
    kpis.melt(id_vars="as_of_date", value_vars=dso_kpis).assign(
        variable=lambda frame: frame.variable.map(catalogue.label)
    ),
    x="as_of_date", y="value", color="variable",
    labels=labels | {"value": "", "variable": ""},
    title="DSO and DMP",
).update_layout(separators=SEPARATORS[language])
dso_target = catalogue.target["dso_simple"]
if dso_target == dso_target:  # a target is set (not NaN)
    dso_chart.add_hline(y=dso_target, line_dash="dot",
                        annotation_text=f"{catalogue.label['dso_simple']}: target")
dso_chart

# %%
overdue_rate = catalogue.loc["overdue_rate"]
overdue_chart = px.bar(
    kpis, x="as_of_date", y="overdue_rate", title=overdue_rate.label,
    labels=labels,
).update_yaxes(tickformat=overdue_rate.tick_format).update_layout(
    separators=SEPARATORS[language]
)
if overdue_rate.target == overdue_rate.target:
    overdue_chart.add_hline(y=overdue_rate.target, line_dash="dot", annotation_text="target")
overdue_chart

# %% [markdown]
# ## The aged balance trend
# Open items by aging bucket at each as-of date; `unapplied` (cash and credit notes not yet
# matched to an invoice) is negative, and the buckets add up to the total AR. The buckets'
# bounds, labels, order and colours are the catalogue's (`marts.aging_buckets`).

# %%
buckets = aging_buckets(con, language)
buckets

# %%
aged = con.execute(
    """
    select as_of_date, aging_bucket, sum(open_amount)::double as open_amount
    from marts.aged_balance
    where as_of_date >= (
        select min(as_of_date) from (
            select as_of_date from marts.kpi_monthly order by as_of_date desc limit ?
        )
    )
    group by all
    order by as_of_date
    """,
    [months_shown],
).df()
aged["bucket"] = aged.aging_bucket.map(buckets.label)
px.bar(
    aged, x="as_of_date", y="open_amount", color="bucket",
    labels=labels | {"bucket": ""},
    title="Aged balance", **bucket_chart_options(buckets),
).update_layout(separators=SEPARATORS[language])

# %%
latest_buckets = aged[aged.as_of_date == aged.as_of_date.max()].set_index("aging_bucket")
latest_buckets = latest_buckets.reindex(buckets.index).dropna(subset=["open_amount"])
latest_buckets[["bucket", "open_amount"]].round(2)

# %% tags=["key_figures"]
# The figures the tests compare with the warehouse.
key_figures = {
    "marts": sorted(marts.table_name),
    "latest_as_of_date": str(as_of_date.date()),
    "headline_kpis": {kpi: None if value != value else float(value)
                      for kpi, value in scoreboard.value.items()},
    "headline_labels": scoreboard.label.to_dict(),
    "bucket_order": list(latest_buckets.index),
    "latest_aged_balance": round(float(latest_buckets.open_amount.sum()), 2),
    "kernel_prefix": sys.prefix,
}
print(json.dumps(key_figures, indent=2))
con.close()
