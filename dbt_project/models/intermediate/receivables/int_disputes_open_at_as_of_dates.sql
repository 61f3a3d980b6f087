-- grain: one row per as-of date D x dispute open at D
-- (opened_date <= D and (closed_date is null or closed_date > D)).
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
with disputes as (
    select * from {{ ref('stg_erp__disputes') }}
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }} where {{ rebuilt_dates() }}
),

final as (
    select
        as_of_dates.as_of_date,
        disputes.dispute_id,
        disputes.document_id,
        disputes.customer_id,
        disputes.reason,
        disputes.owner,
        disputes.disputed_amount,
        disputes.opened_date
    from disputes
    inner join as_of_dates
        on disputes.opened_date <= as_of_dates.as_of_date
        and coalesce(disputes.closed_date, date '9999-12-31') > as_of_dates.as_of_date
)

select * from final
