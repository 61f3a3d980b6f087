-- grain: one row per customer, as of the run's as-of date.
{%- set behaviour_months = var('payment_behaviour_months') %}
with customers as (
    select * from {{ ref('stg_erp__customers') }}
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }}
),

components as (
    select components.*
    from {{ ref('int_customer_kpi_components') }} as components
    inner join as_of_dates on components.as_of_date = as_of_dates.as_of_date
    where as_of_dates.is_run_as_of_date
),

risk_grades as (
    select * from {{ ref('int_customer_risk_grades') }}
),

promises as (
    select * from {{ ref('int_promises') }}
),

disputes as (
    select * from {{ ref('stg_erp__disputes') }}
),

run_date as (
    select as_of_date as run_as_of_date from as_of_dates where is_run_as_of_date
),

-- the grade at the latest month end at least 3 months before, to see degradation
grade_3_months_before as (
    select risk_grades.customer_id, risk_grades.risk_grade
    from risk_grades
    cross join run_date
    where risk_grades.as_of_date = (
        select max(as_of_date) from as_of_dates
        where is_month_end and as_of_date <= {{ add_months('run_date.run_as_of_date', -3) }}
    )
),

promises_12m as (
    select
        promises.customer_id,
        count(*) as promises_made_12m,
        coalesce(sum(promises.promised_amount), 0) as promised_amount_12m
    from promises
    cross join run_date
    where promises.call_date > {{ add_months('run_date.run_as_of_date', -behaviour_months) }}
    group by promises.customer_id
),

disputes_12m as (
    select disputes.customer_id, count(*) as disputes_opened_12m
    from disputes
    cross join run_date
    where disputes.opened_date > {{ add_months('run_date.run_as_of_date', -behaviour_months) }}
        and disputes.opened_date <= run_date.run_as_of_date
    group by disputes.customer_id
),

final as (
    select
        customers.customer_id,
        customers.customer_name,
        customers.segment,
        customers.region,
        customers.country,
        customers.business_unit,
        customers.collector_id,
        customers.payment_terms_days,
        customers.payment_terms_basis,
        components.as_of_date,
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
        {{ safe_divide('components.settled_amount_x_days_beyond_12m', 'components.settled_amount_12m') }}
            as avg_days_beyond_terms_12m,
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
        grade_3_months_before.risk_grade as risk_grade_3_months_before,
        -- degradation flags
        coalesce(risk_grades.risk_grade > grade_3_months_before.risk_grade, false) as is_grade_worsening,
        coalesce(risk_grades.days_beyond_terms_trend > 10, false) as is_paying_later,
        components.promises_broken_12m > 0 as has_broken_promises
    from customers
    inner join components on customers.customer_id = components.customer_id
    inner join risk_grades
        on components.customer_id = risk_grades.customer_id
        and components.as_of_date = risk_grades.as_of_date
    left join grade_3_months_before on customers.customer_id = grade_3_months_before.customer_id
    left join promises_12m on customers.customer_id = promises_12m.customer_id
    left join disputes_12m on customers.customer_id = disputes_12m.customer_id
)

-- stored by customer: the customer page reads one customer's profile
select * from final
order by customer_id
