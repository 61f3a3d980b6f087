with source as (
    select * from {{ source('erp', 'invoices') }}
),

renamed as (
    select
        document_id,
        customer_id,
        document_type,
        document_type = 'credit_note' as is_credit_note,
        document_date,
        due_date,
        amount,
        -- the effect on the customer's balance: invoices add, credit notes subtract |amount|
        case when document_type = 'credit_note' then -abs(amount) else amount end as signed_amount,
        applies_to_document_id,
        currency
    from source
)

select * from renamed
