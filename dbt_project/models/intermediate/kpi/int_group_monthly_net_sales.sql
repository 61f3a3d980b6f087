-- grain: one row per dimension x dimension value x calendar month with documents:
-- net sales (invoices net of credit notes) of the whole month.
with daily_movements as (
    select * from {{ ref('int_customer_daily_movements') }}
),

dimensions as (
    select * from {{ ref('int_customer_dimensions') }}
),

final as (
    select
        dimensions.dimension,
        dimensions.dimension_value,
        daily_movements.movement_month as sales_month,
        sum(daily_movements.net_sales) as net_sales
    from daily_movements
    inner join dimensions on daily_movements.customer_id = dimensions.customer_id
    group by dimensions.dimension, dimensions.dimension_value, daily_movements.movement_month
)

select * from final
