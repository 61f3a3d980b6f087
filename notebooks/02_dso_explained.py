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
# # DSO explained: simple, countback and best possible
#
# Days sales outstanding answers "how many days of sales are still unpaid?". The three
# versions in `marts.kpi_monthly` answer it differently; this notebook shows how far apart
# they are, why, and what moved DSO from one month to the next (the DSO bridge).
# Definitions: CONTRACT.md section 3, also stored on each column (printed below).

# %% tags=["parameters"]
# None = the CREDIT_SCOREBOARD_WAREHOUSE variable, else warehouse/credit.duckdb
warehouse_path = None
# the bridge by group: segment, region, country, business_unit or collector_id
dimension = "segment"
language = "en"  # KPI labels: "en" or "fr"

# %%
import json

import plotly.express as px

from credit_scoreboard.analysis import (
    SEPARATORS,
    definition,
    display_labels,
    kpi_catalogue,
    open_warehouse,
)

con = open_warehouse(warehouse_path)
catalogue = kpi_catalogue(con, language)  # labels, units and targets of the KPIs
labels = display_labels(con, language)  # column name -> label, for chart axes and legends
for column in ["dso_simple", "dso_countback", "best_possible_dso", "average_days_delinquent"]:
    print(f"{column}: {definition(con, 'kpi_monthly', column)}\n")

# %%
dso = con.execute(
    """
    select as_of_date, total_ar::double as total_ar, not_due_ar::double as not_due_ar,
        sales_window::double as sales_window, month_net_sales::double as month_net_sales,
        dso_simple, dso_countback, best_possible_dso, average_days_delinquent, countback_months
    from marts.kpi_monthly
    where dso_simple is not null
    order by as_of_date
    """
).df()
three_dsos = px.line(
    dso.melt(id_vars="as_of_date", value_vars=["dso_simple", "dso_countback", "best_possible_dso"])
    .assign(variable=lambda frame: frame.variable.map(catalogue.label)),
    x="as_of_date", y="value", color="variable",
    labels=labels | {"value": "", "variable": ""},
    title="Three DSOs",
).update_layout(separators=SEPARATORS[language])
if catalogue.target["dso_simple"] == catalogue.target["dso_simple"]:  # a target is set
    three_dsos.add_hline(y=catalogue.target["dso_simple"], line_dash="dot",
                         annotation_text=f"{catalogue.label['dso_simple']}: target")
three_dsos

# %% [markdown]
# ## The three answers at the latest as-of date
# * **Simple DSO** divides the receivables by the average daily sales of the last N days
#   (the dbt var `dso_window_days`): every day of the window weighs the same.
# * **Countback DSO** walks back month by month, "using up" the receivables against the
#   most recent sales first: it counts how many recent days of sales the receivables
#   represent.
# * **Best possible DSO** uses only the not-yet-due receivables: the DSO if every customer
#   paid exactly on time. The difference, *average days delinquent*, is the part of DSO
#   the credit team can act on.

# %%
latest = dso.iloc[-1]
window_days = round(latest.dso_simple * latest.sales_window / latest.total_ar)
print(f"As of {latest.as_of_date:%d %B %Y}: receivables {latest.total_ar:,.0f} EUR, "
      f"sales of the last {window_days} days {latest.sales_window:,.0f} EUR")
for kpi in ["dso_simple", "dso_countback", "best_possible_dso", "average_days_delinquent"]:
    print(f"  {catalogue.label[kpi]:<32} {latest[kpi]:6.1f} days"
          + (f" (walked back over {latest.countback_months} month(s))"
             if kpi == "dso_countback" else ""))

# %% [markdown]
# ## Why simple and countback differ: growth and seasonality
# The simple DSO averages sales over the whole window. When sales speed up (a growing
# business, or the run-up to a seasonal peak) the receivables are mostly recent, large
# invoices, while the window still holds the slower months: the simple DSO overstates how
# long customers take, and the countback, which meets the recent sales first, is lower.
# When sales slow down (after a peak) it is the other way round.
#
# The *recent sales pace* below is the daily sales of D's month divided by the daily sales
# of the whole window: above 1 the business is speeding up.

# %%
dso["recent_sales_pace"] = (dso.month_net_sales / dso.as_of_date.dt.day) / (
    dso.sales_window / window_days
)
dso["simple_minus_countback"] = dso.dso_simple - dso.dso_countback
pace_correlation = dso[["recent_sales_pace", "simple_minus_countback"]].corr().iloc[0, 1]
print(f"correlation between the sales pace and simple - countback: {pace_correlation:.2f}")
px.scatter(
    dso, x="recent_sales_pace", y="simple_minus_countback", hover_data=["as_of_date"],
    labels={"recent_sales_pace": "daily sales of the month / of the window",
            "simple_minus_countback": "simple - countback DSO (days)"},
    title="Faster recent sales push the simple DSO above the countback",
)

# %%
px.bar(
    dso, x="as_of_date", y="month_net_sales", title="Net sales per month (seasonality)",
    labels=labels,
)

# %% [markdown]
# ## The DSO bridge
# From one as-of date to the next, the change in (simple) DSO splits exactly into
# * the **terms effect**: change in best possible DSO (terms granted, sales mix, timing),
# * the **delinquency effect**: change in average days delinquent (late payment), itself
#   split into the part held up by disputes and the rest.

# %%
bridge = con.execute(
    """
    select as_of_date, dso_previous, dso_current, dso_change, terms_effect,
        disputed_delinquency_effect, undisputed_delinquency_effect, delinquency_effect
    from marts.dso_bridge
    where dimension = 'company'
    order by as_of_date
    """
).df()
# the bridge adds up: change = terms + delinquency
assert (
    (bridge.dso_change - bridge.terms_effect - bridge.delinquency_effect).abs().max() < 1e-6
)
px.bar(
    bridge.melt(
        id_vars="as_of_date",
        value_vars=["terms_effect", "undisputed_delinquency_effect", "disputed_delinquency_effect"],
    ).assign(variable=lambda frame: frame.variable.map(labels)),
    x="as_of_date", y="value", color="variable", barmode="relative",
    labels=labels | {"value": "days of DSO change", "variable": ""},
    title="DSO bridge: what moved DSO since the previous as-of date",
).update_layout(separators=SEPARATORS[language])

# %%
bridge.set_index("as_of_date").tail(3).round(1)

# %% [markdown]
# ### The latest bridge by dimension
# Which groups drove the latest change (`dimension` is a parameter). Group DSOs do not add
# up to the company's: look at the direction and size, not the sum.

# %%
con.execute(
    """
    select dimension_value, round(dso_previous, 1) as dso_previous,
        round(dso_current, 1) as dso_current, round(dso_change, 1) as dso_change,
        round(terms_effect, 1) as terms_effect,
        round(delinquency_effect, 1) as delinquency_effect,
        round(disputed_share_of_overdue, 3) as disputed_share_of_overdue
    from marts.dso_bridge
    where dimension = ? and as_of_date = (select max(as_of_date) from marts.dso_bridge)
    order by abs(dso_change) desc nulls last
    """,
    [dimension],
).df()

# %% tags=["key_figures"]
# The figures the tests compare with the warehouse.
key_figures = {
    "latest_as_of_date": str(latest.as_of_date.date()),
    "dso_simple": float(latest.dso_simple),
    "dso_countback": float(latest.dso_countback),
    "best_possible_dso": float(latest.best_possible_dso),
    "pace_correlation": float(pace_correlation),
    "bridge_first_dso": float(bridge.dso_previous.iloc[0]),
    "bridge_total_change": float(bridge.dso_change.sum()),
}
print(json.dumps(key_figures, indent=2))
con.close()
