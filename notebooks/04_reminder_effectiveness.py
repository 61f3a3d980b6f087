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
# # Reminder effectiveness
#
# Do the collectors' calls bring cash in? From the call funnel (contacts, promises, kept
# promises), to promise reliability by collector and stage, to the uplift of calls: cash
# collected within 30 days by called overdue customers against comparable uncalled ones,
# with a bootstrap interval that says how sure we can be.

# %% tags=["parameters"]
# None = the CREDIT_SCOREBOARD_WAREHOUSE variable, else warehouse/credit.duckdb
warehouse_path = None
bootstrap_samples = 2000
confidence = 0.90
seed = 7
language = "en"  # KPI labels: "en" or "fr"

# %%
import json

import numpy as np
import pandas as pd
import plotly.express as px

from credit_scoreboard.analysis import SEPARATORS, definition, kpi_catalogue, open_warehouse

con = open_warehouse(warehouse_path)
catalogue = kpi_catalogue(con, language)

# %% [markdown]
# ## The call funnel
# All contacts in the collection log, from the call to the kept promise
# (`marts.reminder_effectiveness`, summed over every month, collector and channel).

# %%
funnel_by_stage = con.execute(
    """
    select stage,
        sum(calls)::bigint as calls,
        sum(right_party_contacts)::bigint as right_party_contacts,
        sum(promises)::bigint as promises,
        sum(promises_matured)::bigint as promises_matured,
        sum(promises_kept)::bigint as promises_kept,
        sum(collected_30d)::double as collected_30d
    from marts.reminder_effectiveness
    group by stage
    order by stage
    """
).df().set_index("stage")
funnel = funnel_by_stage.drop(columns="collected_30d").sum()
px.funnel(
    x=funnel.values, y=funnel.index.str.replace("_", " "), title="Call funnel, all stages"
)

# %% [markdown]
# The same ratios as the KPIs of these names (CONTRACT.md section 3), here by stage over
# the whole log: the marts publish them by as-of date and dimension, not by stage.

# %%
rates = pd.DataFrame({
    "right_party_contact_rate": funnel_by_stage.right_party_contacts / funnel_by_stage.calls,
    "promise_rate": funnel_by_stage.promises / funnel_by_stage.right_party_contacts,
    "promise_kept_rate": funnel_by_stage.promises_kept / funnel_by_stage.promises_matured,
})
funnel_by_stage.join(rates.round(3).rename(columns=catalogue.label))

# %% [markdown]
# ## Promise reliability by collector and stage
# The mart's matured and kept promises (`marts.reminder_effectiveness`, the contract's
# kept / matured, summed over months and channels). Each cell shows the kept rate and, in
# brackets, the number of matured promises: with a handful of promises a rate says little.

# %%
reliability = con.execute(
    """
    select collector_id, stage,
        sum(promises_matured)::bigint as matured_promises,
        sum(promises_kept)::bigint as kept_promises
    from marts.reminder_effectiveness
    group by all
    having sum(promises_matured) > 0
    order by collector_id, stage
    """
).df()
reliability["kept_rate"] = reliability.kept_promises / reliability.matured_promises
kept_rate_label = catalogue.label["promise_kept_rate"]
heatmap = reliability.pivot(index="collector_id", columns="stage", values="kept_rate")
counts = reliability.pivot(index="collector_id", columns="stage", values="matured_promises")
labels = heatmap.map(lambda rate: "" if pd.isna(rate) else f"{rate:.0%}") + counts.map(
    lambda count: "" if pd.isna(count) else f" ({count:.0f})"
)
px.imshow(
    heatmap, text_auto=False, zmin=0, zmax=1, color_continuous_scale="RdYlGn",
    labels={"color": kept_rate_label}, title=f"{kept_rate_label} by collector and stage",
).update_traces(text=labels.values, texttemplate="%{text}")

# %% [markdown]
# ## The uplift of calls
# The definition, as persisted by dbt:

# %%
print(definition(con, "call_uplift", "uplift"))
uplift = con.execute(
    """
    select period, as_of_date, units, treated_units, control_units, matched_treated_units,
        treated_mean_outcome, control_mean_outcome, uplift
    from marts.call_uplift
    order by as_of_date nulls last
    """
).df()
overall = uplift[uplift.period == "overall"].iloc[0]
print(f"Called customers collected {overall.treated_mean_outcome:.1%} of their overdue in 30 "
      f"days, comparable uncalled ones {overall.control_mean_outcome:.1%}: "
      f"uplift {overall.uplift:+.1%} ({overall.matched_treated_units:.0f} called units).")

# %%
px.bar(
    uplift[uplift.period == "month"], x="as_of_date", y="uplift", hover_data=["treated_units"],
    labels={"uplift": "uplift (share of overdue collected)", "as_of_date": "month end"},
    title="Uplift per month end: noisy, hence the interval below",
).update_yaxes(tickformat=".0%").update_layout(separators=SEPARATORS[language])

# %% [markdown]
# ### How sure are we? A bootstrap interval
# The units (customer x month end with an overdue amount) come from
# `intermediate.int_call_uplift_units`, the table behind `marts.call_uplift` (an
# intermediate model, not part of the contract: the interval needs the unit-level rows).
# The same customer appears at several month ends, so we resample *customers* with
# replacement (a cluster bootstrap) and recompute the stratified uplift each time: within
# each stratum (aging bucket of the oldest item x overdue amount band x risk grade) the
# difference between called and uncalled means, weighted by the called units. With the
# original sample (every customer drawn once) this gives back the mart's figure exactly.

# %%
units = con.execute(
    """
    select customer_id, oldest_aging_bucket, overdue_amount_band, risk_grade,
        is_treated, is_control, outcome
    from intermediate.int_call_uplift_units
    """
).df()
stratum = units.groupby(["oldest_aging_bucket", "overdue_amount_band", "risk_grade"]).ngroup()
in_stratum = np.eye(stratum.max() + 1)[stratum]  # units x strata indicator
treated = in_stratum * units.is_treated.to_numpy()[:, None]
control = in_stratum * units.is_control.to_numpy()[:, None]
outcome = units.outcome.to_numpy()[:, None]
customer_index, customers = pd.factorize(units.customer_id)


def stratified_uplift(unit_weights: np.ndarray) -> np.ndarray:
    """Uplift for each row of unit_weights (samples x units): a unit drawn k times counts
    k times."""
    treated_weight = unit_weights @ treated
    control_weight = unit_weights @ control
    matched = (treated_weight > 0) & (control_weight > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        difference = (unit_weights @ (treated * outcome)) / treated_weight - (
            unit_weights @ (control * outcome)
        ) / control_weight
    difference = np.where(matched, difference, 0.0)
    matched_weight = np.where(matched, treated_weight, 0.0)
    return (matched_weight * difference).sum(axis=1) / matched_weight.sum(axis=1)


uplift_recomputed = stratified_uplift(np.ones((1, len(units))))[0]
assert np.isclose(uplift_recomputed, overall.uplift), (uplift_recomputed, overall.uplift)

rng = np.random.default_rng(seed)
draws = rng.multinomial(len(customers), np.full(len(customers), 1 / len(customers)),
                        size=bootstrap_samples)
bootstrap = stratified_uplift(draws[:, customer_index].astype(float))
interval_low, interval_high = np.quantile(bootstrap, [(1 - confidence) / 2, (1 + confidence) / 2])
share_above_zero = float((bootstrap > 0).mean())
print(f"uplift {uplift_recomputed:+.1%}, {confidence:.0%} interval "
      f"[{interval_low:+.1%}, {interval_high:+.1%}] ({bootstrap_samples} resamples of "
      f"{len(customers)} customers); {share_above_zero:.0%} of the resamples are above 0")

# %%
px.histogram(
    x=bootstrap, nbins=50, labels={"x": "uplift"},
    title=f"Bootstrap distribution of the uplift ({confidence:.0%} interval dashed)",
).add_vline(x=interval_low, line_dash="dash").add_vline(
    x=interval_high, line_dash="dash"
).add_vline(x=uplift_recomputed).update_xaxes(tickformat=".0%").update_layout(
    separators=SEPARATORS[language]
)

# %% [markdown]
# Read it as: if the interval is clear of zero, the calls bring cash forward beyond what
# comparable customers pay unprompted; if it straddles zero, the book is too small (or the
# effect too weak) to tell. The uplift is observational: strata make called and uncalled
# customers comparable on what the warehouse knows, not on everything the collector knew.

# %% tags=["key_figures"]
# The figures the tests compare with the warehouse.
key_figures = {
    "funnel": {stage: int(count) for stage, count in funnel.items()},
    "matured_promises": int(reliability.matured_promises.sum()),
    "kept_promises": int(reliability.kept_promises.sum()),
    "uplift_mart": float(overall.uplift),
    "uplift_recomputed": float(uplift_recomputed),
    "interval_low": float(interval_low),
    "interval_high": float(interval_high),
}
print(json.dumps(key_figures, indent=2))
con.close()
