-- grain: one row per promise to pay made up to the run's as-of date, with its status then:
-- pending, kept, partly_kept, broken or superseded.
select
    call_id,
    customer_id,
    collector_id,
    call_time,
    call_date,
    channel,
    stage,
    outcome,
    promised_amount,
    promised_date,
    maturity_date,
    paid_amount,
    promise_status,
    is_kept,
    superseded_by_call_id
from {{ ref('int_promises') }}
