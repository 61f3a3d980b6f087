-- grain: one row per as-of date D x dimension x dimension value (dimension 'company' = all).
-- Sums of the customers' KPI building blocks (and counts of their flags: to reconcile, worsening).
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
with components as (
    select * from {{ ref('int_customer_kpi_components') }} where {{ rebuilt_dates() }}
),

dimensions as (
    select * from {{ ref('int_customer_dimensions') }}
),

risk_grades as (
    select * from {{ ref('int_customer_risk_grades') }} where {{ rebuilt_dates() }}
),

worsening as (
    select * from {{ ref('int_customer_worsening') }} where {{ rebuilt_dates() }}
),

customer_amounts as (
    select
        components.*,
        risk_grades.is_to_reconcile,
        risk_grades.amount_to_reconcile,
        worsening.is_worsening
    from components
    inner join risk_grades
        on components.customer_id = risk_grades.customer_id
        and components.as_of_date = risk_grades.as_of_date
    inner join worsening
        on components.customer_id = worsening.customer_id
        and components.as_of_date = worsening.as_of_date
),

final as (
    select
        customer_amounts.as_of_date,
        dimensions.dimension,
        dimensions.dimension_value,
        any_value(customer_amounts.days_in_period) as days_in_period,
        count(*) as customers,
        {%- for measure in [
            'total_ar', 'overdue_ar', 'not_due_ar', 'open_invoices_amount', 'disputed_ar',
            'disputed_overdue_ar', 'overdue_invoices', 'open_disputes', 'opening_ar', 'month_net_sales',
            'sales_window', 'month_balance_days', 'over_limit_amount',
            'settled_amount_12m', 'settled_amount_x_days_to_pay_12m', 'settled_amount_x_terms_days_12m',
            'settled_amount_x_days_beyond_12m', 'settled_invoices_12m', 'settled_invoices_paid_late_12m',
            'calls', 'right_party_contacts', 'promises', 'promises_matured', 'promises_kept',
            'penalty_interest', 'recovery_indemnities', 'invoices_issued', 'invoiced_amount',
            'invoices_beyond_legal_terms', 'invoiced_amount_beyond_legal_terms',
            'unapplied_cash_amount', 'unapplied_credit_notes_amount', 'unapplied_cash_amount_x_age_days',
            'amount_to_reconcile'] %}
        sum(customer_amounts.{{ measure }}) as {{ measure }},
        {%- endfor %}
        count(*) filter (where customer_amounts.is_over_limit) as customers_over_limit,
        count(*) filter (where customer_amounts.is_to_reconcile) as customers_to_reconcile,
        count(*) filter (where customer_amounts.is_worsening) as customers_worsening
    from customer_amounts
    inner join dimensions on customer_amounts.customer_id = dimensions.customer_id
    group by customer_amounts.as_of_date, dimensions.dimension, dimensions.dimension_value
)

select * from final
