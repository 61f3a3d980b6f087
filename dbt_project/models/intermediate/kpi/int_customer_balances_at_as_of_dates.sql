-- grain: one row per customer x as-of date D (every customer at every D: the KPI grid).
-- What the customer's daily movements say at D: total_ar(D) and the last payment day, the
-- month ending D (net sales, change in balance, sum of daily balances) and the sales of the
-- DSO window. A stage of int_customer_kpi_components, built apart so that no one query
-- holds the hash tables of every source of the grid at once.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
{%- set window_days = var('dso_window_days') %}
with customers as (
    select * from {{ ref('stg_erp__customers') }}
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }} where {{ rebuilt_dates() }}
),

daily_movements as (
    select * from {{ ref('int_customer_daily_movements') }}
),

invoices as (
    select * from {{ ref('stg_erp__invoices') }} where document_type = 'invoice'
),

grid as (
    select
        customers.customer_id,
        customers.credit_limit,
        as_of_dates.as_of_date,
        as_of_dates.days_in_period
    from customers
    cross join as_of_dates
),

-- total_ar(D): everything invoiced - paid - credited up to D, read off the running balance,
-- and the last day the customer paid anything up to D
balance_at_as_of_date as (
    select
        grid.customer_id,
        grid.as_of_date,
        daily_movements.balance_at_end_of_day as total_ar,
        daily_movements.last_payment_date
    from grid
    asof inner join daily_movements
        on grid.customer_id = daily_movements.customer_id
        and grid.as_of_date >= daily_movements.movement_date
),

-- the month ending D (counted up to D): net sales, the change in balance (the opening balance
-- is total_ar(D) minus it) and the sum of the daily balances, which is opening balance x days
-- + each movement x the days it was carried until D
month_activity as (
    select
        daily_movements.customer_id,
        as_of_dates.as_of_date,
        sum(daily_movements.net_sales) as month_net_sales,
        sum(daily_movements.balance_change) as month_balance_change,
        sum(daily_movements.balance_change * (as_of_dates.as_of_date - daily_movements.movement_date + 1))
            as month_movements_balance_days
    from daily_movements
    inner join as_of_dates
        on daily_movements.movement_month = as_of_dates.month_start
        and daily_movements.movement_date <= as_of_dates.as_of_date
    group by daily_movements.customer_id, as_of_dates.as_of_date
),

sales_window as (
    select
        daily_movements.customer_id,
        as_of_dates.as_of_date,
        sum(daily_movements.net_sales) as sales_window
    from daily_movements
    inner join as_of_dates
        on daily_movements.movement_date > as_of_dates.as_of_date - {{ window_days }}
        and daily_movements.movement_date <= as_of_dates.as_of_date
    group by daily_movements.customer_id, as_of_dates.as_of_date
),

-- the customer's first invoice (days without payment of a customer who never paid)
first_invoice as (
    select customer_id, min(document_date) as first_invoice_date from invoices group by customer_id
),

final as (
    select
        grid.customer_id,
        grid.as_of_date,
        grid.credit_limit,
        grid.days_in_period,
        balance_at_as_of_date.total_ar,
        balance_at_as_of_date.last_payment_date,
        first_invoice.first_invoice_date,
        month_activity.month_net_sales,
        month_activity.month_balance_change,
        month_activity.month_movements_balance_days,
        sales_window.sales_window
    from grid
    left join balance_at_as_of_date
        on grid.customer_id = balance_at_as_of_date.customer_id
        and grid.as_of_date = balance_at_as_of_date.as_of_date
    left join month_activity
        on grid.customer_id = month_activity.customer_id and grid.as_of_date = month_activity.as_of_date
    left join sales_window
        on grid.customer_id = sales_window.customer_id and grid.as_of_date = sales_window.as_of_date
    -- known at D only once issued: a KPI at D reads nothing dated after D
    left join first_invoice on grid.customer_id = first_invoice.customer_id
        and first_invoice.first_invoice_date <= grid.as_of_date
)

select * from final
