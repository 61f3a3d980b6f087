with source as (
    select * from {{ source('erp', 'payments') }}
),

renamed as (
    select
        payment_id,
        customer_id,
        document_id,
        payment_date,
        amount,
        method
    from source
)

select * from renamed
