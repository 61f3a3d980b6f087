-- grain: one row per customer x as-of date D with a settlement up to D.
-- Payment behaviour over look-back windows: the cumulative weighted sums of settled invoices
-- (int_customer_settlements_cumulated) read at D and at the start of each window (settlements
-- in (start, D] = cumulative at D - cumulative at start). A stage of int_customer_kpi_components.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
{%- set behaviour_months = var('payment_behaviour_months') %}
{%- set measures = ['settled_amount', 'settled_amount_x_days_to_pay', 'settled_amount_x_terms_days',
                    'settled_amount_x_days_beyond', 'settled_invoices', 'settled_invoices_paid_late'] %}
with customers as (
    select * from {{ ref('stg_erp__customers') }}
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }} where {{ rebuilt_dates() }}
),

grid as (
    select
        customers.customer_id,
        as_of_dates.as_of_date,
        {{ add_months('as_of_dates.as_of_date', -behaviour_months) }} as behaviour_window_start,
        {{ add_months('as_of_dates.as_of_date', -3) }} as three_months_before,
        {{ add_months('as_of_dates.as_of_date', -6) }} as six_months_before
    from customers
    cross join as_of_dates
),

settlements_cumulated as (
    select * from {{ ref('int_customer_settlements_cumulated') }}
),

-- as-of joins one after the other: sort-based, so no hash table of the grid
cumulated_at_points as (
    select
        grid.customer_id,
        grid.as_of_date,
        {%- for point in ['as_of_date', 'behaviour_window_start', 'three_months_before', 'six_months_before'] %}
        {%- set point_loop = loop %}
        {%- for measure in measures %}
        coalesce(at_{{ point }}.{{ measure }}, 0) as {{ measure }}_to_{{ point }}
        {{- ',' if not (point_loop.last and loop.last) }}
        {%- endfor %}
        {%- endfor %}
    from grid
    asof inner join settlements_cumulated as at_as_of_date
        on grid.customer_id = at_as_of_date.customer_id
        and grid.as_of_date >= at_as_of_date.settlement_date
    {%- for point in ['behaviour_window_start', 'three_months_before', 'six_months_before'] %}
    asof left join settlements_cumulated as at_{{ point }}
        on grid.customer_id = at_{{ point }}.customer_id
        and grid.{{ point }} >= at_{{ point }}.settlement_date
    {%- endfor %}
),

final as (
    select
        customer_id,
        as_of_date,
        {%- for measure in measures %}
        {{ measure }}_to_as_of_date - {{ measure }}_to_behaviour_window_start as {{ measure }}_12m,
        {%- endfor %}
        settled_amount_to_as_of_date - settled_amount_to_three_months_before as settled_amount_3m,
        settled_amount_x_days_beyond_to_as_of_date - settled_amount_x_days_beyond_to_three_months_before
            as settled_amount_x_days_beyond_3m,
        settled_amount_x_days_to_pay_to_as_of_date - settled_amount_x_days_to_pay_to_three_months_before
            as settled_amount_x_days_to_pay_3m,
        settled_amount_to_three_months_before - settled_amount_to_six_months_before
            as settled_amount_previous_3m,
        settled_amount_x_days_to_pay_to_three_months_before - settled_amount_x_days_to_pay_to_six_months_before
            as settled_amount_x_days_to_pay_previous_3m,
        settled_amount_x_days_beyond_to_three_months_before - settled_amount_x_days_beyond_to_six_months_before
            as settled_amount_x_days_beyond_previous_3m
    from cumulated_at_points
)

select * from final
