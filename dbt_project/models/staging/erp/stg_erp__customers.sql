with source as (
    select * from {{ source('erp', 'customers') }}
),

renamed as (
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
    from source
)

select * from renamed
