-- grain: one row per promise to pay (a call with outcome promise_to_pay or payment_plan, a
-- promised amount and a promised date), with the dates on which its fate becomes known, so
-- that a model at D can read its status at D without looking past D:
-- - superseded_date: the call date of the first later promise of the customer made before this
--   one's maturity; the promise counts as superseded at D only when superseded_date <= D;
-- - is_kept: the customer's payments dated from the call to the maturity date reach the
--   promised amount; known only from maturity_date on (read it only when maturity_date <= D).
-- int_promises is not used: its statuses are read at the run's as-of date.
with calls as (
    select * from {{ ref('stg_collection__calls') }}
),

payments as (
    select * from {{ ref('stg_erp__payments') }}
),

promises as (
    select
        call_id,
        customer_id,
        collector_id,
        document_id,
        call_time,
        call_date,
        promised_amount,
        promised_date,
        promised_date + {{ var('promise_grace_days') }} as maturity_date
    from calls
    where is_promise
        and promised_amount > 0
        and promised_date is not null
),

-- a later promise made before this one's maturity supersedes it, from the later call's date on
superseding_promises as (
    select
        earlier.call_id,
        min(later.call_date) as superseded_date
    from promises as earlier
    inner join promises as later
        on earlier.customer_id = later.customer_id
        and (later.call_time, later.call_id) > (earlier.call_time, earlier.call_id)
        and later.call_date < earlier.maturity_date
    group by earlier.call_id
),

payments_by_maturity as (
    select
        promises.call_id,
        sum(payments.amount) as paid_by_maturity_amount
    from promises
    inner join payments
        on promises.customer_id = payments.customer_id
        and payments.payment_date >= promises.call_date
        and payments.payment_date <= promises.maturity_date
    group by promises.call_id
),

final as (
    select
        promises.*,
        superseding_promises.superseded_date,
        coalesce(payments_by_maturity.paid_by_maturity_amount, 0) as paid_by_maturity_amount,
        coalesce(payments_by_maturity.paid_by_maturity_amount, 0) >= promises.promised_amount as is_kept
    from promises
    left join superseding_promises on promises.call_id = superseding_promises.call_id
    left join payments_by_maturity on promises.call_id = payments_by_maturity.call_id
)

select * from final
