-- grain: one row per payment (allocation of cash) dated up to the run's as-of date that follows a
-- call to its customer by at most 30 days.
-- Each payment is counted once (CONTRACT.md section 3): it goes to the customer's latest call (any
-- channel) dated on or before the payment date, ties broken by the latest call_time then call_id,
-- and counts in collected_30d when that call is at most 30 days earlier, in collected_7d when at
-- most 7. So the cash attributed over all calls never exceeds the cash received.
with calls as (
    select * from {{ ref('stg_collection__calls') }}
),

payments as (
    select * from {{ ref('stg_erp__payments') }}
),

run_date as (
    select as_of_date as run_as_of_date from {{ ref('int_as_of_dates') }} where is_run_as_of_date
),

-- the customer's last call of each day (latest call_time, then call_id)
last_call_of_day as (
    select
        calls.customer_id,
        calls.call_date,
        arg_max(calls.call_id, (calls.call_time, calls.call_id)) as call_id
    from calls
    cross join run_date
    where calls.call_date <= run_date.run_as_of_date
    group by calls.customer_id, calls.call_date
),

payments_to_date as (
    select payments.*
    from payments
    cross join run_date
    where payments.payment_date <= run_date.run_as_of_date
),

latest_call_before_payment as (
    select
        payments_to_date.payment_id,
        payments_to_date.customer_id,
        payments_to_date.payment_date,
        payments_to_date.amount,
        last_call_of_day.call_id,
        last_call_of_day.call_date,
        payments_to_date.payment_date - last_call_of_day.call_date as days_after_call
    from payments_to_date
    asof inner join last_call_of_day
        on payments_to_date.customer_id = last_call_of_day.customer_id
        and payments_to_date.payment_date >= last_call_of_day.call_date
),

final as (
    select
        payment_id,
        customer_id,
        payment_date,
        amount,
        call_id,
        call_date,
        days_after_call,
        days_after_call <= 7 as is_within_7d
    from latest_call_before_payment
    where days_after_call <= 30
)

select * from final
