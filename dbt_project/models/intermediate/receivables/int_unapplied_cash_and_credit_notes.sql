-- grain: one row per payment or credit note that is not applied to an invoice of its customer
-- (cash on account, credit notes without a valid invoice): they lower the balance as unapplied.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates('item_date') }}") }}
with invoices as (
    select * from {{ ref('stg_erp__invoices') }} where {{ rebuilt_dates('document_date') }}
),

payments as (
    select * from {{ ref('stg_erp__payments') }} where {{ rebuilt_dates('payment_date') }}
),

applied as (
    select * from {{ ref('int_settlements_applied_to_invoices') }}
    where {{ rebuilt_dates('settlement_date') }}
),

unapplied_payments as (
    select
        payments.customer_id,
        payments.payment_date as item_date,
        -payments.amount as unapplied_amount,
        'payment' as item_type,
        payments.payment_id as item_id
    from payments
    anti join applied
        on applied.settlement_type = 'payment'
        and applied.settlement_id = payments.payment_id
),

unapplied_credit_notes as (
    select
        invoices.customer_id,
        invoices.document_date as item_date,
        invoices.signed_amount as unapplied_amount,
        'credit_note' as item_type,
        invoices.document_id as item_id
    from invoices
    anti join applied
        on applied.settlement_type = 'credit_note'
        and applied.settlement_id = invoices.document_id
    where invoices.document_type = 'credit_note'
),

final as (
    select * from unapplied_payments
    union all
    select * from unapplied_credit_notes
)

select * from final
