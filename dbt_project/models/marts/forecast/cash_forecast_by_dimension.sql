-- grain: one row per as_of_date x dimension x dimension_value x week_number (1..13)
-- The cash expected in each of the 13 weeks after D from the invoices open at D, by group of
-- customers (int_customer_dimensions: the company as a whole, segment, region, country,
-- business unit, collector). Invoices in litigation are reported apart, not spread.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_rebuilt_dates() }}",
) }}

with invoice_forecasts as (
    select * from {{ ref('invoice_payment_forecast') }}
    where {{ rebuilt_dates() }}
),

customer_dimensions as (
    select * from {{ ref('int_customer_dimensions') }}
),

weeks as (
    select cast(unnest(generate_series(1, 13)) as integer) as week_number
),

invoice_weeks as (
    select
        invoice_forecasts.as_of_date,
        invoice_forecasts.customer_id,
        weeks.week_number,
        invoice_forecasts.expected_cash_amount,
        invoice_forecasts.is_promised,
        invoice_forecasts.is_disputed,
        invoice_forecasts.part_payment_weekly_rate as weekly_rate,
        [
            p_week_1, p_week_2, p_week_3, p_week_4, p_week_5, p_week_6, p_week_7,
            p_week_8, p_week_9, p_week_10, p_week_11, p_week_12, p_week_13
        ] as p_weeks
    from invoice_forecasts
    cross join weeks
    where not invoice_forecasts.is_litigation
),

-- the share of the invoice's expected cash arriving in week k (forecast/part_payments.py):
-- while open it pays `weekly_rate` a week, on its settlement week what is left
-- cash_share_k = p_k * max(0, 1 - rate * (k - 1)) + rate * P(settled after week k)
invoice_cash_weeks as (
    select
        *,
        p_weeks[week_number] * greatest(0, 1 - weekly_rate * (week_number - 1))
        + weekly_rate * greatest(0, 1 - list_sum(p_weeks[1:week_number])) as p_week
    from invoice_weeks
),

-- a customer's invoices move together (one payment run settles several): their spreads add up
customer_weeks as (
    select
        as_of_date,
        customer_id,
        week_number,
        sum(expected_cash_amount * p_week) as expected_cash,
        sum(expected_cash_amount * sqrt(p_week * (1 - p_week))) as expected_cash_spread,
        -- disjoint parts (a disputed invoice's promise is counted as disputed): they stack
        sum(case when is_promised and not is_disputed then expected_cash_amount * p_week else 0 end)
            as promised_cash,
        sum(case when is_disputed then expected_cash_amount * p_week else 0 end) as disputed_cash
    from invoice_cash_weeks
    group by as_of_date, customer_id, week_number
),

customer_litigation as (
    select
        as_of_date,
        customer_id,
        sum(open_amount) as litigation_amount
    from invoice_forecasts
    where is_litigation
    group by as_of_date, customer_id
),

customers_at_as_of_dates as (
    select distinct as_of_date, customer_id from invoice_forecasts
),

-- every customer with an open invoice at D, every week (litigation alone included)
customer_grid as (
    select
        customers_at_as_of_dates.as_of_date,
        customers_at_as_of_dates.customer_id,
        weeks.week_number
    from customers_at_as_of_dates
    cross join weeks
),

grouped as (
    select
        customer_grid.as_of_date,
        customer_dimensions.dimension,
        customer_dimensions.dimension_value,
        customer_grid.week_number,
        coalesce(sum(customer_weeks.expected_cash), 0) as expected_cash,
        sqrt(coalesce(sum(customer_weeks.expected_cash_spread ^ 2), 0)) as standard_deviation,
        coalesce(sum(customer_weeks.promised_cash), 0) as promised_cash,
        coalesce(sum(customer_weeks.disputed_cash), 0) as disputed_cash,
        coalesce(sum(customer_litigation.litigation_amount), 0) as litigation_amount
    from customer_grid
    inner join customer_dimensions
        on customer_grid.customer_id = customer_dimensions.customer_id
    left join customer_weeks
        on customer_grid.as_of_date = customer_weeks.as_of_date
        and customer_grid.customer_id = customer_weeks.customer_id
        and customer_grid.week_number = customer_weeks.week_number
    left join customer_litigation
        on customer_grid.as_of_date = customer_litigation.as_of_date
        and customer_grid.customer_id = customer_litigation.customer_id
    group by customer_grid.as_of_date, customer_dimensions.dimension,
        customer_dimensions.dimension_value, customer_grid.week_number
),

final as (
    select
        as_of_date,
        dimension,
        dimension_value,
        week_number,
        as_of_date + 7 * (week_number - 1) + 1 as week_start,
        as_of_date + 7 * week_number as week_end,
        cast(round(expected_cash, 2) as decimal(18, 2)) as expected_cash,
        -- an 80 % band under a normal approximation (z = 1.2816), never below 0
        cast(round(greatest(expected_cash - 1.2816 * standard_deviation, 0), 2) as decimal(18, 2))
            as cash_p10,
        cast(round(expected_cash + 1.2816 * standard_deviation, 2) as decimal(18, 2)) as cash_p90,
        cast(round(promised_cash, 2) as decimal(18, 2)) as promised_cash,
        cast(round(disputed_cash, 2) as decimal(18, 2)) as disputed_cash,
        cast(round(litigation_amount, 2) as decimal(18, 2)) as litigation_amount
    from grouped
)

select * from final
order by as_of_date, dimension, dimension_value, week_number
