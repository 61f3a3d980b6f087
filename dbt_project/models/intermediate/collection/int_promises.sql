-- grain: one row per promise to pay (a call with outcome promise_to_pay or payment_plan,
-- dated up to the run's as-of date), with its status at the run's as-of date:
-- - superseded: a later promise of the same customer was made before its promised_date + grace;
-- - kept: the customer's payments dated from the call to promised_date + grace (up to the run's
--   as-of date) reach the promised amount, as soon as they do (even before it matures);
-- - broken: it matured (promised_date + grace <= the run's as-of date) and the payments fell
--   short (a partial payment is still broken: paid_amount says how much came);
-- - pending: otherwise.
-- The kept rate counts the matured ones: kept / matured, by maturity month.
with calls as (
    select * from {{ ref('stg_collection__calls') }}
),

payments as (
    select * from {{ ref('stg_erp__payments') }}
),

run_date as (
    select as_of_date as run_as_of_date from {{ ref('int_as_of_dates') }} where is_run_as_of_date
),

promises as (
    select
        calls.call_id,
        calls.customer_id,
        calls.collector_id,
        calls.call_time,
        calls.call_date,
        calls.channel,
        calls.stage,
        calls.outcome,
        calls.promised_amount,
        calls.promised_date,
        calls.promised_date + {{ var('promise_grace_days') }} as maturity_date
    from calls
    cross join run_date
    where calls.is_promise
        and calls.call_date <= run_date.run_as_of_date
        and calls.promised_amount > 0
        and calls.promised_date is not null
),

superseding_promises as (
    select
        earlier.call_id,
        arg_min(later.call_id, (later.call_time, later.call_id)) as superseded_by_call_id
    from promises as earlier
    inner join promises as later
        on earlier.customer_id = later.customer_id
        and (later.call_time, later.call_id) > (earlier.call_time, earlier.call_id)
        and later.call_date < earlier.maturity_date
    group by earlier.call_id
),

payments_towards_promises as (
    select
        promises.call_id,
        sum(payments.amount) as paid_amount
    from promises
    cross join run_date
    inner join payments
        on promises.customer_id = payments.customer_id
        and payments.payment_date >= promises.call_date
        and payments.payment_date <= least(promises.maturity_date, run_date.run_as_of_date)
    group by promises.call_id
),

final as (
    select
        promises.*,
        superseding_promises.superseded_by_call_id,
        coalesce(payments_towards_promises.paid_amount, 0) as paid_amount,
        superseding_promises.call_id is null
        and promises.maturity_date <= run_date.run_as_of_date as is_matured,
        superseding_promises.call_id is null
        and coalesce(payments_towards_promises.paid_amount, 0) >= promises.promised_amount as is_kept,
        case
            when superseding_promises.call_id is not null then 'superseded'
            when coalesce(payments_towards_promises.paid_amount, 0) >= promises.promised_amount then 'kept'
            when promises.maturity_date <= run_date.run_as_of_date then 'broken'
            else 'pending'
        end as promise_status
    from promises
    cross join run_date
    left join superseding_promises on promises.call_id = superseding_promises.call_id
    left join payments_towards_promises on promises.call_id = payments_towards_promises.call_id
)

select * from final
