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
# # Payer behaviour
#
# How late do customers pay beyond their terms, segment by segment? Who is getting worse?
# And does the risk grade (A best .. E worst, `marts.customer_profile`) actually separate
# good payers from bad ones? The last question is answered out of time: the grade a
# customer had three months ago against how it paid since.

# %% tags=["parameters"]
# None = the CREDIT_SCOREBOARD_WAREHOUSE variable, else warehouse/credit.duckdb
warehouse_path = None
# a customer paying on average more than this many days beyond terms is a "bad payer"
bad_payer_days_beyond_terms = 30
language = "en"  # KPI labels: "en" or "fr"

# %%
import json

import plotly.express as px

from credit_scoreboard.analysis import SEPARATORS, definition, kpi_catalogue, open_warehouse

con = open_warehouse(warehouse_path)
catalogue = kpi_catalogue(con, language)
as_of_date = con.execute("select max(as_of_date) from marts.kpi_monthly").fetchone()[0]
print(f"Run as-of date: {as_of_date:%d %B %Y}")
print(definition(con, "kpi_monthly", "avg_days_beyond_terms"))

# %% [markdown]
# ## Days beyond terms by segment
# Every invoice fully settled in the 12 months up to the as-of date (the account statement
# mart), with its settlement date minus its due date: negative = paid early.

# %%
settled = con.execute(
    """
    select
        statement.customer_id,
        profile.segment,
        statement.document_id,
        statement.debit::double as invoice_amount,
        statement.settlement_date - statement.due_date as days_beyond_terms
    from marts.account_statement as statement
    inner join marts.customer_profile as profile on statement.customer_id = profile.customer_id
    where statement.entry_type = 'invoice'
        and statement.settlement_date > ? - interval 12 month
        and statement.settlement_date <= ?
    """,
    [as_of_date, as_of_date],
).df()
px.box(
    settled, x="segment", y="days_beyond_terms", points=False,
    labels={"days_beyond_terms": "settlement date - due date (days)"},
    title="Days beyond terms of the invoices settled in the last 12 months",
)

# %% [markdown]
# The KPI, `avg_days_beyond_terms`, is the amount-weighted mean of these delays: it is the
# mart's (`kpi_by_dimension`), not recomputed here. The median and the 90th percentile of
# the invoices show what the mean hides: most invoices are paid around the due date, a
# tail pays months late.

# %%
distribution = settled.groupby("segment").agg(
    invoices=("document_id", "count"),
    median_days=("days_beyond_terms", "median"),
    p90_days=("days_beyond_terms", lambda days: days.quantile(0.9)),
)
kpi_label = catalogue.label["avg_days_beyond_terms"]
mart_by_segment = con.execute(
    """
    select dimension_value as segment, avg_days_beyond_terms::double as avg_days_beyond_terms
    from marts.kpi_by_dimension
    where dimension = 'segment' and as_of_date = ?
    """,
    [as_of_date],
).df().set_index("segment")
by_segment = distribution.join(mart_by_segment, how="outer")
by_segment.rename(columns={"avg_days_beyond_terms": kpi_label}).round(1)

# %% [markdown]
# ## Deteriorating customers
# Customers whose risk grade is worse than three months ago, or who pay more than 10 days
# later than in the three months before (flags of `customer_profile`).

# %%
deteriorating = con.execute(
    """
    select customer_id, customer_name, segment, collector_id, risk_grade_3_months_before,
        risk_grade, round(days_beyond_terms_trend, 1) as days_beyond_terms_trend,
        overdue_ar::double as overdue_ar, risk_reasons
    from marts.customer_profile
    where is_grade_worsening or is_paying_later
    order by overdue_ar desc
    """
).df()
print(f"{len(deteriorating)} deteriorating customers, "
      f"{deteriorating.overdue_ar.sum():,.0f} EUR overdue")
deteriorating.head(15)

# %% [markdown]
# ## Does the risk grade separate good and bad payers?
# The evidence: take each customer's grade three months ago (computed from data up to
# then only) and look at the invoices it settled since. If the grade works, the later
# payment delay rises grade by grade, and a bad payer (more than
# `bad_payer_days_beyond_terms` days beyond terms on average since) usually had a worse
# grade than a good payer.

# %%
evidence = con.execute(
    """
    with settled_since as (
        select
            customer_id,
            count(*) as invoices_settled,
            sum(debit * (settlement_date - due_date)) / sum(debit) as days_beyond_terms_since
        from marts.account_statement
        where entry_type = 'invoice'
            and settlement_date > ? - interval 3 month
            and settlement_date <= ?
        group by customer_id
    )
    select
        profile.customer_id,
        profile.risk_grade_3_months_before as earlier_risk_grade,
        settled_since.invoices_settled,
        settled_since.days_beyond_terms_since::double as days_beyond_terms_since
    from marts.customer_profile as profile
    inner join settled_since on profile.customer_id = settled_since.customer_id
    where profile.risk_grade_3_months_before is not null
    """,
    [as_of_date, as_of_date],
).df()
evidence["is_bad_payer"] = evidence.days_beyond_terms_since > bad_payer_days_beyond_terms
by_grade = evidence.groupby("earlier_risk_grade").agg(
    customers=("customer_id", "count"),
    invoices=("invoices_settled", "sum"),
    mean_days_beyond_terms_since=("days_beyond_terms_since", "mean"),
    bad_payer_rate=("is_bad_payer", "mean"),
)
by_grade.round(2)

# %%
px.bar(
    by_grade.reset_index(), x="earlier_risk_grade", y="bad_payer_rate", text="customers",
    labels={"earlier_risk_grade": "risk grade 3 months ago",
            "bad_payer_rate": "share of bad payers since"},
    title="Bad payers by their earlier risk grade (bar labels: customers)",
).update_yaxes(tickformat=".0%").update_layout(separators=SEPARATORS[language])

# %% [markdown]
# One number for the separation: the probability that a random bad payer had a worse
# grade than a random good payer (ties count half), i.e. the area under the ROC curve of
# the grade. 0.5 = no better than chance, 1 = perfect.

# %%
grade_ranks = evidence.earlier_risk_grade.rank()  # grades sort A < B < ... < E; ties share
bad_payers = int(evidence.is_bad_payer.sum())
good_payers = len(evidence) - bad_payers
grade_auc = (grade_ranks[evidence.is_bad_payer].sum() - bad_payers * (bad_payers + 1) / 2) / (
    bad_payers * good_payers
)
print(f"{bad_payers} bad and {good_payers} good payers; "
      f"the earlier grade ranks them correctly with probability {grade_auc:.2f}")

# %% tags=["key_figures"]
# The figures the tests compare with the warehouse.
key_figures = {
    "as_of_date": str(as_of_date),
    "segment_avg_days_beyond_terms": by_segment.avg_days_beyond_terms.round(6).to_dict(),
    "segment_settled_invoices": distribution.invoices.to_dict(),
    "deteriorating_customers": len(deteriorating),
    "bad_payer_rate_by_earlier_grade": by_grade.bad_payer_rate.round(6).to_dict(),
    "grade_auc": float(grade_auc),
}
print(json.dumps(key_figures, indent=2))
con.close()
