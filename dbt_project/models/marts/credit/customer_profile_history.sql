-- grain: one row per as_of_date x customer, at every as-of date (month ends and the run's as-of
-- date): the customer's profile at D (balances, credit limit use, payment behaviour and its trend,
-- disputes, promises, risk grade with its reasons, reconciliation and worsening flags), from data
-- dated up to D only. customer_profile is its run-date rows.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
{%- set behaviour_months = var('payment_behaviour_months') %}
with customers as (
    select * from {{ ref('stg_erp__customers') }}
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }} where {{ rebuilt_dates() }}
),

components as (
    select * from {{ ref('int_customer_kpi_components') }} where {{ rebuilt_dates() }}
),

risk_grades as (
    select * from {{ ref('int_customer_risk_grades') }} where {{ rebuilt_dates() }}
),

worsening as (
    select * from {{ ref('int_customer_worsening') }} where {{ rebuilt_dates() }}
),

promises as (
    select * from {{ ref('int_promises') }}
),

disputes as (
    select * from {{ ref('stg_erp__disputes') }}
),

promises_12m as (
    select
        promises.customer_id,
        as_of_dates.as_of_date,
        count(*) as promises_made_12m,
        coalesce(sum(promises.promised_amount), 0) as promised_amount_12m
    from promises
    inner join as_of_dates
        on promises.call_date > {{ add_months('as_of_dates.as_of_date', -behaviour_months) }}
        and promises.call_date <= as_of_dates.as_of_date
    group by promises.customer_id, as_of_dates.as_of_date
),

disputes_12m as (
    select
        disputes.customer_id,
        as_of_dates.as_of_date,
        count(*) as disputes_opened_12m
    from disputes
    inner join as_of_dates
        on disputes.opened_date > {{ add_months('as_of_dates.as_of_date', -behaviour_months) }}
        and disputes.opened_date <= as_of_dates.as_of_date
    group by disputes.customer_id, as_of_dates.as_of_date
),

final as (
    select
        components.as_of_date,
        customers.customer_id,
        customers.customer_name,
        customers.segment,
        customers.region,
        customers.country,
        customers.business_unit,
        customers.collector_id,
        customers.payment_terms_days,
        customers.payment_terms_basis,
        components.total_ar,
        components.not_due_ar,
        components.overdue_ar,
        components.total_ar - components.open_invoices_amount as unapplied_amount,
        {{ safe_divide('components.overdue_ar', 'components.total_ar') }} as overdue_rate,
        components.overdue_invoices,
        components.oldest_days_past_due,
        customers.credit_limit,
        {{ safe_divide('components.total_ar', 'customers.credit_limit') }} as credit_limit_use,
        customers.credit_limit - components.total_ar as available_credit,
        components.is_over_limit,
        components.over_limit_amount,
        {{ safe_divide('components.settled_amount_x_days_to_pay_12m', 'components.settled_amount_12m') }}
            as dmp_days_12m,
        {{ safe_divide('components.settled_amount_x_terms_days_12m', 'components.settled_amount_12m') }}
            as contract_terms_days_12m,
        risk_grades.avg_days_beyond_terms_12m,
        {{ safe_divide('components.settled_amount_x_days_to_pay_3m', 'components.settled_amount_3m') }}
        - {{ safe_divide('components.settled_amount_x_days_to_pay_previous_3m', 'components.settled_amount_previous_3m') }}
            as dmp_days_trend,
        risk_grades.days_beyond_terms_trend,
        components.settled_invoices_12m,
        {{ safe_divide('components.settled_invoices_paid_late_12m', 'components.settled_invoices_12m') }}
            as share_paid_late_12m,
        components.open_disputes,
        components.disputed_ar,
        coalesce(disputes_12m.disputes_opened_12m, 0) as disputes_opened_12m,
        coalesce(promises_12m.promises_made_12m, 0) as promises_made_12m,
        coalesce(promises_12m.promised_amount_12m, 0) as promised_amount_12m,
        components.promises_matured_12m,
        components.promises_matured_12m - components.promises_broken_12m as promises_kept_12m,
        components.promises_broken_12m,
        {{ safe_divide('components.promises_matured_12m - components.promises_broken_12m',
                       'components.promises_matured_12m') }} as promise_kept_rate_12m,
        components.penalty_interest + components.recovery_indemnities as late_payment_penalties,
        risk_grades.risk_points,
        risk_grades.risk_grade,
        risk_grades.risk_reasons,
        worsening.risk_grade_3_months_before,
        worsening.is_grade_worsening,
        worsening.is_paying_later,
        components.promises_broken_12m > 0 as has_broken_promises,
        -- reconcile before chasing
        components.unapplied_cash_amount,
        components.unapplied_credit_notes_amount,
        components.as_of_date - components.oldest_unapplied_cash_date as oldest_unapplied_cash_days,
        {{ safe_divide('components.unapplied_cash_amount_x_age_days', 'components.unapplied_cash_amount') }}
            as unapplied_cash_age_days,
        risk_grades.is_to_reconcile,
        risk_grades.amount_to_reconcile,
        risk_grades.uncovered_overdue_amount,
        components.oldest_uncovered_days_past_due,
        components.disputed_overdue_ar,
        -- worsening over 3 months
        worsening.three_months_before as compared_with_as_of_date,
        worsening.avg_days_beyond_terms_12m_3_months_before,
        worsening.is_worsening,
        -- promises and the risk-grade floor
        components.last_broken_promise_date,
        components.last_payment_date,
        risk_grades.days_without_payment,
        risk_grades.litigation_call_date as last_litigation_call_date,
        risk_grades.risk_floor_applied,
        risk_grades.risk_reasons_fr
    from components
    inner join customers on components.customer_id = customers.customer_id
    inner join risk_grades
        on components.customer_id = risk_grades.customer_id
        and components.as_of_date = risk_grades.as_of_date
    inner join worsening
        on components.customer_id = worsening.customer_id
        and components.as_of_date = worsening.as_of_date
    left join promises_12m
        on components.customer_id = promises_12m.customer_id
        and components.as_of_date = promises_12m.as_of_date
    left join disputes_12m
        on components.customer_id = disputes_12m.customer_id
        and components.as_of_date = disputes_12m.as_of_date
)

-- stored by as-of date, then customer: pages read one date, or one customer's history
select * from final
order by as_of_date, customer_id
