-- grain: one row per call (collection contact) dated up to the run's as-of date.
-- With the customer's name and dimensions (collector_id: the customer's collector, as in every
-- mart; call_collector_id: who made the call), the promise's status at the run's as-of date, and
-- the payments attributed to the call (each payment to one call: their sums over calls equal
-- reminder_effectiveness's).
with calls as (
    select * from {{ ref('stg_collection__calls') }}
),

customers as (
    select * from {{ ref('stg_erp__customers') }}
),

promises as (
    select * from {{ ref('int_promises') }}
),

attributed_payments as (
    select * from {{ ref('int_payments_attributed_to_calls') }}
),

run_date as (
    select as_of_date as run_as_of_date from {{ ref('int_as_of_dates') }} where is_run_as_of_date
),

collected_after_calls as (
    select
        call_id,
        coalesce(sum(amount) filter (where is_within_7d), 0) as collected_7d,
        sum(amount) as collected_30d
    from attributed_payments
    group by call_id
),

final as (
    select
        calls.call_id,
        calls.call_time,
        calls.call_date,
        calls.customer_id,
        customers.customer_name,
        customers.segment,
        customers.region,
        customers.country,
        customers.business_unit,
        customers.collector_id,
        calls.collector_id as call_collector_id,
        calls.stage,
        calls.channel,
        calls.is_right_party_contact,
        calls.outcome,
        calls.is_promise,
        calls.promised_amount,
        calls.promised_date,
        promises.promise_status,
        promises.paid_amount,
        calls.document_id,
        calls.duration_seconds,
        coalesce(collected_after_calls.collected_7d, 0) as collected_7d,
        coalesce(collected_after_calls.collected_30d, 0) as collected_30d
    from calls
    cross join run_date
    inner join customers on calls.customer_id = customers.customer_id
    left join promises on calls.call_id = promises.call_id
    left join collected_after_calls on calls.call_id = collected_after_calls.call_id
    where calls.call_date <= run_date.run_as_of_date
)

-- stored by customer: the customer page and the call sheet read one customer's calls
select * from final
order by customer_id, call_time
