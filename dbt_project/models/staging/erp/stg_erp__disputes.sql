with source as (
    select * from {{ source('erp', 'disputes') }}
),

renamed as (
    select
        dispute_id,
        document_id,
        customer_id,
        opened_date,
        reason,
        disputed_amount,
        status,
        closed_date,
        coalesce(owner, '(not set)') as owner,
        resolution
    from source
)

select * from renamed
