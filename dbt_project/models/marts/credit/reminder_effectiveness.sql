-- grain: one row per month x collector_id x stage x channel of the calls made (up to the run's
-- as-of date; collector_id: who made the call). Activity, promises and their outcome (kept among
-- matured, as the KPI), cash received after the calls, each payment counted once for the latest
-- call before it (int_payments_attributed_to_calls), and the uplift of the post-due calls that
-- were the first call to an overdue customer after a month end.
with calls as (
    select * from {{ ref('stg_collection__calls') }}
),

promises as (
    select * from {{ ref('int_promises') }}
),

attributed_payments as (
    select * from {{ ref('int_payments_attributed_to_calls') }}
),

units as (
    select * from {{ ref('int_call_uplift_units') }}
),

run_date as (
    select as_of_date as run_as_of_date from {{ ref('int_as_of_dates') }} where is_run_as_of_date
),

calls_to_date as (
    select
        calls.*,
        cast(date_trunc('month', calls.call_date) as date) as month
    from calls
    cross join run_date
    where calls.call_date <= run_date.run_as_of_date
),

-- the payments attributed to each call (each payment to one call only)
collected_after_calls as (
    select
        call_id,
        sum(amount) filter (where is_within_7d) as collected_7d,
        sum(amount) as collected_30d
    from attributed_payments
    group by call_id
),

activity as (
    select
        calls_to_date.month,
        calls_to_date.collector_id,
        calls_to_date.stage,
        calls_to_date.channel,
        count(*) as calls,
        count(*) filter (where calls_to_date.is_right_party_contact) as right_party_contacts,
        count(*) filter (where calls_to_date.is_promise) as promises,
        coalesce(sum(calls_to_date.promised_amount) filter (where calls_to_date.is_promise), 0) as promised_amount,
        count(*) filter (where promises.is_matured and promises.is_kept) as promises_kept,
        coalesce(sum(promises.promised_amount) filter (where promises.is_matured and promises.is_kept), 0)
            as kept_amount,
        count(*) filter (where promises.is_matured) as promises_matured,
        count(*) filter (where promises.promise_status = 'broken') as promises_broken,
        count(*) filter (where promises.promise_status = 'pending') as promises_pending,
        coalesce(sum(collected_after_calls.collected_7d), 0) as collected_7d,
        coalesce(sum(collected_after_calls.collected_30d), 0) as collected_30d
    from calls_to_date
    left join promises on calls_to_date.call_id = promises.call_id
    left join collected_after_calls on calls_to_date.call_id = collected_after_calls.call_id
    group by all
),

control_strata as (
    select
        as_of_date,
        oldest_aging_bucket,
        overdue_amount_band,
        risk_grade,
        avg(outcome) as control_mean_outcome
    from units
    where is_control
    group by all
),

-- each treated unit counts for its first post-due call in the treatment window
treated_units as (
    select
        calls_to_date.month,
        calls_to_date.collector_id,
        calls_to_date.stage,
        calls_to_date.channel,
        units.outcome,
        control_strata.control_mean_outcome
    from units
    inner join calls_to_date on units.attributed_call_id = calls_to_date.call_id
    left join control_strata
        on units.as_of_date = control_strata.as_of_date
        and units.oldest_aging_bucket = control_strata.oldest_aging_bucket
        and units.overdue_amount_band = control_strata.overdue_amount_band
        and units.risk_grade = control_strata.risk_grade
    where units.is_treated
),

uplift as (
    select
        month,
        collector_id,
        stage,
        channel,
        count(*) as treated_units,
        count(control_mean_outcome) as matched_treated_units,
        -- sum over strata of n_treated x (mean treated - mean control) / n_treated matched
        avg(outcome - control_mean_outcome) as uplift
    from treated_units
    group by all
),

final as (
    select
        activity.month,
        last_day(activity.month) as month_end,
        activity.collector_id,
        activity.stage,
        activity.channel,
        activity.calls,
        activity.right_party_contacts,
        activity.promises,
        activity.promised_amount,
        activity.promises_kept,
        activity.kept_amount,
        activity.promises_matured,
        activity.promises_broken,
        activity.promises_pending,
        {{ safe_divide('activity.promises_kept', 'activity.promises_matured') }} as promise_kept_rate,
        activity.collected_7d,
        activity.collected_30d,
        coalesce(uplift.treated_units, 0) as uplift_treated_units,
        coalesce(uplift.matched_treated_units, 0) as uplift_matched_treated_units,
        uplift.uplift
    from activity
    left join uplift
        on activity.month = uplift.month
        and activity.collector_id = uplift.collector_id
        and activity.stage = uplift.stage
        and activity.channel = uplift.channel
)

select * from final
