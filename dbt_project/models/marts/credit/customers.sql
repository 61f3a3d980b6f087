-- grain: one row per customer: the customer master as the dashboard reads it (filter options,
-- names, scope checks), with the same dimension values as every mart.
with customers as (
    select * from {{ ref('stg_erp__customers') }}
),

final as (
    select
        customer_id,
        customer_name,
        segment,
        region,
        country,
        business_unit,
        collector_id,
        credit_limit,
        payment_terms_days,
        payment_terms_basis
    from customers
)

select * from final
order by customer_id
