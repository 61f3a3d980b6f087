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

# %% tags=["parameters"]
# None = the CREDIT_SCOREBOARD_WAREHOUSE variable, else warehouse/credit.duckdb
warehouse_path = None
months_shown = 24

# %%
import json
import sys

import plotly.express as px

from credit_scoreboard.analysis import definition, list_marts, open_warehouse

con = open_warehouse(warehouse_path)

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
# One row per as-of date: every month end, plus the run's as-of date (the last row).

# %%
kpis = con.execute(
    """
    select as_of_date, total_ar, overdue_ar, overdue_rate, dso_simple, dso_countback,
        best_possible_dso, dmp_days, cei, promise_kept_rate
    from marts.kpi_monthly
    order by as_of_date desc
    limit ?
    """,
    [months_shown],
).df().sort_values("as_of_date")
latest = kpis.iloc[-1]
print(f"As of {latest.as_of_date:%d %B %Y}: receivables {latest.total_ar:,.0f} EUR, "
      f"{latest.overdue_rate:.1%} overdue, DSO {latest.dso_simple:.1f} days.")

# %%
px.line(
    kpis.melt(id_vars="as_of_date", value_vars=["dso_simple", "dso_countback", "dmp_days"]),
    x="as_of_date", y="value", color="variable",
    labels={"value": "days", "as_of_date": "as of", "variable": ""},
    title="DSO and DMP",
)

# %%
px.bar(
    kpis, x="as_of_date", y="overdue_rate", title="Overdue rate (taux d'échu)",
    labels={"overdue_rate": "overdue / total AR", "as_of_date": "as of"},
).update_yaxes(tickformat=".0%")

# %% [markdown]
# ## The aged balance trend
# Open items by aging bucket at each as-of date; `unapplied` (cash and credit notes not yet
# matched to an invoice) is negative, and the buckets add up to the total AR.

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
bucket_order = ["unapplied", "not_due", "1-30", "31-60", "61-90", "91-120", ">120"]
px.bar(
    aged, x="as_of_date", y="open_amount", color="aging_bucket",
    category_orders={"aging_bucket": bucket_order},
    labels={"open_amount": "EUR", "as_of_date": "as of", "aging_bucket": "bucket"},
    title="Aged balance",
)

# %%
latest_buckets = aged[aged.as_of_date == aged.as_of_date.max()].set_index("aging_bucket")
latest_buckets.open_amount.reindex(bucket_order).dropna().round(2)

# %% tags=["key_figures"]
# The figures the tests compare with the warehouse.
key_figures = {
    "marts": sorted(marts.table_name),
    "latest_as_of_date": str(latest.as_of_date.date()),
    "latest_total_ar": round(float(latest.total_ar), 2),
    "latest_aged_balance": round(float(latest_buckets.open_amount.sum()), 2),
    "kernel_prefix": sys.prefix,
}
print(json.dumps(key_figures, indent=2))
con.close()
