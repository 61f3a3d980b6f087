-- grain: one row per invoice ever issued, with its settlement date (NULL while open): the
-- outcome the forecast engine learns from. Read it only through a date guard
-- (settlement_date <= the training cut-off): the settlement date is known from that day on.
with invoices as (
    select * from {{ ref('stg_erp__invoices') }} where document_type = 'invoice'
),

settlements as (
    select * from {{ ref('int_invoice_settlements') }}
),

final as (
    select
        invoices.document_id,
        invoices.customer_id,
        settlements.settlement_date
    from invoices
    left join settlements on invoices.document_id = settlements.document_id
)

select * from final
