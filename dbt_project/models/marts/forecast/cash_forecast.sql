-- grain: one row per as_of_date x week_number (1..13)
-- The cash expected from the invoices open at D in each of the 13 weeks after D, week 1
-- being the 7 days after D (CONTRACT.md section 2): the company row of cash_forecast_by_dimension.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_rebuilt_dates() }}",
) }}

with cash_forecast_by_dimension as (
    select * from {{ ref('cash_forecast_by_dimension') }}
    where {{ rebuilt_dates() }}
),

final as (
    select
        as_of_date,
        week_number,
        week_start,
        week_end,
        expected_cash,
        cash_p10,
        cash_p90,
        promised_cash,
        disputed_cash,
        litigation_amount
    from cash_forecast_by_dimension
    where dimension = 'company'
)

select * from final
order by as_of_date, week_number
