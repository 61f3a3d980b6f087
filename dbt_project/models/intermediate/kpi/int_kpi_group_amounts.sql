-- grain: one row per as-of date D x dimension x dimension value (dimension 'company' = all).
-- Sums of the customers' KPI building blocks.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
with components as (
    select * from {{ ref('int_customer_kpi_components') }} where {{ rebuilt_dates() }}
),

dimensions as (
    select * from {{ ref('int_customer_dimensions') }}
),

final as (
    select
        components.as_of_date,
        dimensions.dimension,
        dimensions.dimension_value,
        any_value(components.days_in_period) as days_in_period,
        count(*) as customers,
        {%- for measure in [
            'total_ar', 'overdue_ar', 'not_due_ar', 'open_invoices_amount', 'disputed_ar',
            'disputed_overdue_ar', 'overdue_invoices', 'open_disputes', 'opening_ar', 'month_net_sales',
            'sales_window', 'month_balance_days', 'over_limit_amount',
            'settled_amount_12m', 'settled_amount_x_days_to_pay_12m', 'settled_amount_x_terms_days_12m',
            'settled_amount_x_days_beyond_12m', 'settled_invoices_12m', 'settled_invoices_paid_late_12m',
            'calls', 'right_party_contacts', 'promises', 'promises_matured', 'promises_kept',
            'penalty_interest', 'recovery_indemnities', 'invoices_issued', 'invoiced_amount',
            'invoices_beyond_legal_terms', 'invoiced_amount_beyond_legal_terms'] %}
        sum(components.{{ measure }}) as {{ measure }},
        {%- endfor %}
        count(*) filter (where components.is_over_limit) as customers_over_limit
    from components
    inner join dimensions on components.customer_id = dimensions.customer_id
    group by components.as_of_date, dimensions.dimension, dimensions.dimension_value
)

select * from final
