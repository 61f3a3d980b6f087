-- grain: one row per payment allocation or credit note applied to an invoice of the same customer.
-- Cash or credit notes that name no invoice, or a document that is not an invoice of that
-- customer, are not applied: they stay on account (int_unapplied_cash_and_credit_notes).
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates('settlement_date') }}") }}
with invoices as (
    select * from {{ ref('stg_erp__invoices') }} where document_type = 'invoice'
),

credit_notes as (
    select * from {{ ref('stg_erp__invoices') }}
    where document_type = 'credit_note' and {{ rebuilt_dates('document_date') }}
),

payments as (
    select * from {{ ref('stg_erp__payments') }} where {{ rebuilt_dates('payment_date') }}
),

payments_applied as (
    select
        invoices.document_id,
        invoices.customer_id,
        payments.payment_date as settlement_date,
        payments.amount as settled_amount,
        'payment' as settlement_type,
        payments.payment_id as settlement_id
    from payments
    inner join invoices
        on payments.document_id = invoices.document_id
        and payments.customer_id = invoices.customer_id
),

credit_notes_applied as (
    select
        invoices.document_id,
        invoices.customer_id,
        credit_notes.document_date as settlement_date,
        abs(credit_notes.amount) as settled_amount,
        'credit_note' as settlement_type,
        credit_notes.document_id as settlement_id
    from credit_notes
    inner join invoices
        on credit_notes.applies_to_document_id = invoices.document_id
        and credit_notes.customer_id = invoices.customer_id
),

final as (
    select * from payments_applied
    union all
    select * from credit_notes_applied
)

select * from final
