-- grain: one row per document (invoice, credit note) or payment of a customer, in booking order,
-- with the running balance (what the customer owes after the entry).
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates('entry_date') }}") }}
with invoices as (
    select * from {{ ref('stg_erp__invoices') }} where {{ rebuilt_dates('document_date') }}
),

payments as (
    select * from {{ ref('stg_erp__payments') }} where {{ rebuilt_dates('payment_date') }}
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

-- an incremental build carries each customer's balance over from its entries before
-- rebuild_from (the pre-hook deleted the later ones)
balances_before as (
    {%- if rebuild_from() %}
    select customer_id, sum(balance_change) as balance from {{ this }} group by customer_id
    {%- else %}
    select null::varchar as customer_id, 0 as balance where false
    {%- endif %}
),

final as (
    select
        entries.*,
        coalesce(balances_before.balance, 0) + sum(entries.balance_change) over (
            partition by entries.customer_id
            order by entries.entry_date, entries.entry_type = 'payment', entries.entry_id
            rows unbounded preceding
        ) as running_balance
    from entries
    left join balances_before on entries.customer_id = balances_before.customer_id
)

select * from final
