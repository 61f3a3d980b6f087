-- grain: one row per as-of date D x customer with a promise made up to D that is pending at D or
-- matured by D. Everything is read at D: a promise made <= D is pending at D when it is not yet
-- matured (maturity_date = promised_date + promise_grace_days > D), not superseded by a later
-- promise made <= D, and the customer's payments dated from the call to D are below the promised
-- amount. A later promise made before the earlier one's maturity supersedes it, so a customer
-- has at most one pending promise at D. The matured promises (maturity_date <= D, not
-- superseded) and the kept ones among them are the customer's promise record at D.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
with promises as (
    select * from {{ ref('int_forecast_promises') }}
),

payments as (
    select * from {{ ref('stg_erp__payments') }}
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }} where {{ rebuilt_dates() }}
),

open_promises_at_as_of_dates as (
    select
        as_of_dates.as_of_date,
        promises.*
    from promises
    inner join as_of_dates
        on promises.call_date <= as_of_dates.as_of_date
        and promises.maturity_date > as_of_dates.as_of_date
    where coalesce(promises.superseded_date, date '9999-12-31') > as_of_dates.as_of_date
),

payments_since_call as (
    select
        open_promises_at_as_of_dates.as_of_date,
        open_promises_at_as_of_dates.call_id,
        sum(payments.amount) as paid_amount
    from open_promises_at_as_of_dates
    inner join payments
        on open_promises_at_as_of_dates.customer_id = payments.customer_id
        and payments.payment_date >= open_promises_at_as_of_dates.call_date
        and payments.payment_date <= open_promises_at_as_of_dates.as_of_date
    group by open_promises_at_as_of_dates.as_of_date, open_promises_at_as_of_dates.call_id
),

pending_promises as (
    select
        open_promises_at_as_of_dates.as_of_date,
        open_promises_at_as_of_dates.customer_id,
        open_promises_at_as_of_dates.call_id,
        open_promises_at_as_of_dates.document_id,
        open_promises_at_as_of_dates.call_date,
        open_promises_at_as_of_dates.promised_date,
        open_promises_at_as_of_dates.promised_amount,
        coalesce(payments_since_call.paid_amount, 0) as paid_amount
    from open_promises_at_as_of_dates
    left join payments_since_call
        on open_promises_at_as_of_dates.as_of_date = payments_since_call.as_of_date
        and open_promises_at_as_of_dates.call_id = payments_since_call.call_id
    where coalesce(payments_since_call.paid_amount, 0) < open_promises_at_as_of_dates.promised_amount
),

matured_promises as (
    select
        as_of_dates.as_of_date,
        promises.customer_id,
        count(*) as promises_matured,
        count(*) filter (where promises.is_kept) as promises_kept
    from promises
    inner join as_of_dates on promises.maturity_date <= as_of_dates.as_of_date
    -- a promise superseded at all was superseded before its maturity, so before D
    where promises.superseded_date is null
    group by as_of_dates.as_of_date, promises.customer_id
),

final as (
    select
        coalesce(pending_promises.as_of_date, matured_promises.as_of_date) as as_of_date,
        coalesce(pending_promises.customer_id, matured_promises.customer_id) as customer_id,
        pending_promises.call_id is not null as has_pending_promise,
        pending_promises.call_id as pending_call_id,
        pending_promises.document_id as pending_promise_document_id,
        pending_promises.call_date as pending_promise_call_date,
        pending_promises.promised_date,
        pending_promises.promised_amount,
        pending_promises.paid_amount as promise_paid_amount,
        pending_promises.promised_amount - pending_promises.paid_amount as promise_remaining_amount,
        coalesce(matured_promises.promises_matured, 0) as cust_promises_matured,
        coalesce(matured_promises.promises_kept, 0) as cust_promises_kept
    from pending_promises
    full outer join matured_promises
        on pending_promises.as_of_date = matured_promises.as_of_date
        and pending_promises.customer_id = matured_promises.customer_id
)

select * from final
