-- grain: one row per customer x as-of date D with unapplied cash or credit notes at D
-- (a credit balance: negative). Sum of unapplied items dated <= D and of invoices' excess settlements.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
with unapplied_items as (
    select * from {{ ref('int_unapplied_cash_and_credit_notes') }}
),

open_items as (
    select * from {{ ref('int_open_items_at_as_of_dates') }} where {{ rebuilt_dates() }}
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }} where {{ rebuilt_dates() }}
),

items_cumulated as (
    select
        customer_id,
        item_date,
        sum(sum(unapplied_amount)) over (
            partition by customer_id order by item_date rows unbounded preceding
        ) as cumulative_unapplied_amount
    from unapplied_items
    group by customer_id, item_date
),

customers_with_items as (
    select distinct items_cumulated.customer_id, as_of_dates.as_of_date
    from items_cumulated
    cross join as_of_dates
),

items_at_as_of_dates as (
    select
        customers_with_items.customer_id,
        customers_with_items.as_of_date,
        items_cumulated.cumulative_unapplied_amount as unapplied_amount
    from customers_with_items
    asof inner join items_cumulated
        on customers_with_items.customer_id = items_cumulated.customer_id
        and customers_with_items.as_of_date >= items_cumulated.item_date
),

excess_settlements as (
    select customer_id, as_of_date, sum(unapplied_amount) as unapplied_amount
    from open_items
    where unapplied_amount <> 0
    group by customer_id, as_of_date
),

final as (
    select customer_id, as_of_date, sum(unapplied_amount) as unapplied_amount
    from (
        select * from items_at_as_of_dates
        union all
        select * from excess_settlements
    )
    group by customer_id, as_of_date
    having sum(unapplied_amount) <> 0
)

select * from final
