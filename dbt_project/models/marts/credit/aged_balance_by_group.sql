-- grain: one row per as_of_date x aging_bucket x segment x region x country x business_unit
-- x collector_id with a balance.
-- The aged balance summed over the customers of each combination of the dashboard's filter
-- dimensions, so that charts over many customers read a few thousand rows, not every open
-- invoice. A customer has one value of each dimension, so customer counts add up across rows
-- of the same as-of date and bucket. Amounts that no row carries stay null (as a filtered sum
-- over the aged balance would be).
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
with aged_balance as (
    select * from {{ ref('aged_balance') }} where {{ rebuilt_dates() }}
),

final as (
    select
        as_of_date,
        aging_bucket,
        segment,
        region,
        country,
        business_unit,
        collector_id,
        count(distinct customer_id) as customers,
        count(document_id) as open_invoices,
        sum(open_amount) as open_amount,
        sum(open_amount) filter (where days_past_due > 0) as overdue_amount,
        sum(open_amount) filter (where is_disputed) as disputed_amount,
        sum(open_amount) filter (where days_past_due > 0 and is_disputed) as disputed_overdue_amount
    from aged_balance
    group by as_of_date, aging_bucket, segment, region, country, business_unit, collector_id
)

-- stored in as-of date order: the dashboard reads one as-of date at a time
select * from final
order by as_of_date
