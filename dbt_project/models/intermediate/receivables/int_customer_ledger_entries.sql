-- grain: one row per document (invoice, credit note) or payment of a customer, in booking order,
-- with the running balance (what the customer owes after the entry).
with invoices as (
    select * from {{ ref('stg_erp__invoices') }}
),

payments as (
    select * from {{ ref('stg_erp__payments') }}
),

documents as (
    select
        customer_id,
        document_date as entry_date,
        document_type as entry_type,
        document_id as entry_id,
        document_id,
        applies_to_document_id as applied_to_document_id,
        due_date,
        signed_amount as balance_change,
        -- net sales: invoices net of credit notes
        signed_amount as net_sales
    from invoices
),

cash as (
    select
        customer_id,
        payment_date as entry_date,
        'payment' as entry_type,
        payment_id as entry_id,
        null as document_id,
        document_id as applied_to_document_id,
        null::date as due_date,
        -amount as balance_change,
        0 as net_sales
    from payments
),

entries as (
    select * from documents
    union all
    select * from cash
),

final as (
    select
        *,
        sum(balance_change) over (
            partition by customer_id
            order by entry_date, entry_type = 'payment', entry_id
            rows unbounded preceding
        ) as running_balance
    from entries
)

select * from final
