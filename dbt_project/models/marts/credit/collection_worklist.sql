-- grain: one row per customer to call, as of the run's as-of date, ranked (1 = call first).
-- A customer is on the list with an overdue amount or a promise that falls due or was broken.
-- Priority: undisputed overdue amount x (1 + oldest days past due / 30) x a risk-grade factor,
-- doubled when a promise falls due or was broken.
with profiles as (
    select * from {{ ref('customer_profile') }}
),

promises as (
    select * from {{ ref('int_promises') }}
),

run_date as (
    select as_of_date as run_as_of_date from {{ ref('int_as_of_dates') }} where is_run_as_of_date
),

-- promises to check: falling due within the next 7 days, or broken in the last 30 days
promises_to_follow as (
    select
        promises.customer_id,
        count(*) filter (where promises.promise_status = 'pending') as promises_falling_due,
        min(promises.promised_date) filter (where promises.promise_status = 'pending') as next_promised_date,
        count(*) filter (where promises.promise_status in ('broken', 'partly_kept')) as promises_broken_recently
    from promises
    cross join run_date
    where (promises.promise_status = 'pending' and promises.promised_date <= run_date.run_as_of_date + 7)
        or (
            promises.promise_status in ('broken', 'partly_kept')
            and promises.maturity_date > run_date.run_as_of_date - 30
        )
    group by promises.customer_id
),

candidates as (
    select
        profiles.customer_id,
        profiles.customer_name,
        profiles.collector_id,
        profiles.overdue_ar as overdue_amount,
        coalesce(profiles.oldest_days_past_due, 0) as oldest_days_past_due,
        promises_to_follow.customer_id is not null as promise_due,
        profiles.open_disputes,
        profiles.risk_grade,
        profiles.risk_reasons,
        promises_to_follow.next_promised_date,
        coalesce(promises_to_follow.promises_broken_recently, 0) as promises_broken_recently,
        greatest(profiles.overdue_ar - components.disputed_overdue_ar, 0)
        * (1 + coalesce(profiles.oldest_days_past_due, 0) / 30.0)
        * case profiles.risk_grade when 'A' then 1 when 'B' then 1.25 when 'C' then 1.5 when 'D' then 2 else 3 end
        * case when promises_to_follow.customer_id is not null then 2 else 1 end as priority_score
    from profiles
    inner join {{ ref('int_customer_kpi_components') }} as components
        on profiles.customer_id = components.customer_id
        and profiles.as_of_date = components.as_of_date
    left join promises_to_follow on profiles.customer_id = promises_to_follow.customer_id
    where profiles.overdue_ar > 0 or promises_to_follow.customer_id is not null
),

final as (
    select
        row_number() over (order by priority_score desc, overdue_amount desc, customer_id) as priority_rank,
        customer_id,
        customer_name,
        collector_id,
        overdue_amount,
        oldest_days_past_due,
        promise_due,
        open_disputes,
        risk_grade,
        priority_score,
        concat_ws('; ',
            case when overdue_amount > 0
                then printf('%.2f overdue, oldest %d days past due', overdue_amount, oldest_days_past_due) end,
            case when promises_broken_recently > 0
                then printf('%d promise(s) broken in the last 30 days', promises_broken_recently) end,
            case when next_promised_date is not null
                then 'promise falls due ' || strftime(next_promised_date, '%Y-%m-%d') end,
            case when open_disputes > 0 then printf('%d open dispute(s)', open_disputes) end,
            'risk ' || risk_grade || ': ' || risk_reasons
        ) as reason
    from candidates
)

select * from final
