-- grain: one row per as_of_date x customer with at least one overdue invoice at that date.
-- What the law (Code de commerce L441-10) entitles the company to claim on the overdue
-- invoices at D: interest at the ECB rate + 10 points for the days late, and 40 EUR per invoice.
with penalties as (
    select * from {{ ref('int_late_payment_penalties') }}
),

customers as (
    select * from {{ ref('stg_erp__customers') }}
),

final as (
    select
        penalties.as_of_date,
        penalties.customer_id,
        any_value(customers.customer_name) as customer_name,
        any_value(customers.segment) as segment,
        any_value(customers.region) as region,
        any_value(customers.country) as country,
        any_value(customers.business_unit) as business_unit,
        any_value(customers.collector_id) as collector_id,
        count(*) as overdue_invoices,
        sum(penalties.open_amount) as overdue_amount,
        max(penalties.days_late) as oldest_days_late,
        sum(penalties.penalty_interest) as penalty_interest,
        sum(penalties.recovery_indemnity) as recovery_indemnities,
        sum(penalties.penalty_interest) + sum(penalties.recovery_indemnity) as total_penalties
    from penalties
    inner join customers on penalties.customer_id = customers.customer_id
    group by penalties.as_of_date, penalties.customer_id
)

select * from final
