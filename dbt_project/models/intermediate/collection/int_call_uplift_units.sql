-- grain: one row per customer x month end D with an overdue amount at D > 0 and a complete
-- outcome window (D + 30 days <= the run's as-of date).
-- treated: at least one post-due call (stage other than pre_due) dated in (D, D + 15 days];
-- control: no post-due call in (D, D + 30 days]; the others are neither.
-- outcome: min(1, the customer's payments dated in (D, D + 30] / overdue amount at D).
-- stratum: aging bucket of the oldest overdue item x overdue amount band x risk grade at D.
{%- set treatment_days = var('uplift_treatment_days') %}
{%- set outcome_days = var('uplift_outcome_days') %}
with components as (
    select * from {{ ref('int_customer_kpi_components') }}
),

risk_grades as (
    select * from {{ ref('int_customer_risk_grades') }}
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }}
),

calls as (
    select * from {{ ref('stg_collection__calls') }} where is_post_due
),

payments as (
    select * from {{ ref('stg_erp__payments') }}
),

-- the day-count buckets of seeds/aging_buckets.csv (unapplied has no bounds)
aging_buckets as (
    select
        bucket,
        coalesce(min_days_past_due, -2147483648) as lower_days_past_due,
        coalesce(max_days_past_due, 2147483647) as upper_days_past_due
    from {{ ref('aging_buckets') }}
    where min_days_past_due is not null or max_days_past_due is not null
),

run_date as (
    select as_of_date as run_as_of_date from as_of_dates where is_run_as_of_date
),

units as (
    select
        components.customer_id,
        components.as_of_date,
        components.overdue_ar as overdue_amount,
        components.oldest_days_past_due,
        aging_buckets.bucket as oldest_aging_bucket,
        {{ overdue_amount_band('components.overdue_ar') }} as overdue_amount_band,
        risk_grades.risk_grade
    from components
    inner join as_of_dates on components.as_of_date = as_of_dates.as_of_date
    inner join risk_grades
        on components.customer_id = risk_grades.customer_id
        and components.as_of_date = risk_grades.as_of_date
    cross join run_date
    left join aging_buckets
        on components.oldest_days_past_due between aging_buckets.lower_days_past_due
        and aging_buckets.upper_days_past_due
    where as_of_dates.is_month_end
        and components.overdue_ar > 0
        and components.as_of_date + {{ outcome_days }} <= run_date.run_as_of_date
),

-- calls are in time order, so the first post-due call of the outcome window falls in the
-- treatment window exactly when the unit is treated
first_post_due_calls as (
    select
        units.customer_id,
        units.as_of_date,
        arg_min(calls.call_id, (calls.call_time, calls.call_id)) as first_call_id,
        min(calls.call_date) as first_call_date
    from units
    inner join calls
        on units.customer_id = calls.customer_id
        and calls.call_date > units.as_of_date
        and calls.call_date <= units.as_of_date + {{ outcome_days }}
    group by units.customer_id, units.as_of_date
),

collected as (
    select
        units.customer_id,
        units.as_of_date,
        sum(payments.amount) as collected_amount
    from units
    inner join payments
        on units.customer_id = payments.customer_id
        and payments.payment_date > units.as_of_date
        and payments.payment_date <= units.as_of_date + {{ outcome_days }}
    group by units.customer_id, units.as_of_date
),

final as (
    select
        units.*,
        first_post_due_calls.first_call_date <= units.as_of_date + {{ treatment_days }} as is_treated,
        first_post_due_calls.first_call_id is null as is_control,
        case
            when first_post_due_calls.first_call_date <= units.as_of_date + {{ treatment_days }}
                then first_post_due_calls.first_call_id
        end as attributed_call_id,
        coalesce(collected.collected_amount, 0) as collected_amount,
        least(1, cast(coalesce(collected.collected_amount, 0) as double) / cast(units.overdue_amount as double))
            as outcome
    from units
    left join first_post_due_calls
        on units.customer_id = first_post_due_calls.customer_id
        and units.as_of_date = first_post_due_calls.as_of_date
    left join collected
        on units.customer_id = collected.customer_id
        and units.as_of_date = collected.as_of_date
)

select
    * replace (coalesce(is_treated, false) as is_treated)
from final
