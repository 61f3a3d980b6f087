-- grain: one row per promise to pay made up to the run's as-of date, with its status then:
-- kept (paid in full, even before it matures), broken (matured and paid short), pending or
-- superseded (see int_promises), and the customer's name and dimensions. collector_id is the
-- customer's collector, as in every mart (the filter and a collector's scope); the collector who
-- obtained the promise is call_collector_id.
with promises as (
    select * from {{ ref('int_promises') }}
),

customers as (
    select * from {{ ref('stg_erp__customers') }}
),

final as (
    select
        promises.call_id,
        promises.customer_id,
        customers.collector_id,
        promises.collector_id as call_collector_id,
        promises.call_time,
        promises.call_date,
        promises.channel,
        promises.stage,
        promises.outcome,
        promises.promised_amount,
        promises.promised_date,
        promises.maturity_date,
        promises.paid_amount,
        promises.promise_status,
        promises.is_kept,
        promises.superseded_by_call_id,
        promises.is_matured,
        customers.customer_name,
        customers.segment,
        customers.region,
        customers.country,
        customers.business_unit
    from promises
    inner join customers on promises.customer_id = customers.customer_id
)

select * from final
