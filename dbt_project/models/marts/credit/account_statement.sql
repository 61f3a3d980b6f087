-- grain: one row per document (invoice, credit note) or payment of a customer dated up to the
-- run's as-of date, in booking order, with the running balance.
-- An incremental build recomputes the entries dated from rebuild_from, and the invoices whose
-- columns read at the run date can change: open at the run date or at the previous one
-- (days past due move on), or with a settlement event from rebuild_from on.
{{ config(materialized='incremental', incremental_strategy='delete+insert',
          unique_key=['entry_type', 'entry_id'],
          pre_hook="{{ delete_rebuilt_dates('entry_date') }}") }}
-- depends_on: {{ ref('int_invoice_open_amount_segments') }} (read by incremental builds only)
with entries as (
    select * from {{ ref('int_customer_ledger_entries') }}
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }}
),

run_date as (
    select as_of_date as run_as_of_date from as_of_dates where is_run_as_of_date
),

open_items_now as (
    select open_items.*
    from {{ ref('int_open_items_at_as_of_dates') }} as open_items
    inner join run_date on open_items.as_of_date = run_date.run_as_of_date
),

settlements as (
    select * from {{ ref('int_invoice_settlements') }}
),

{%- if rebuild_from() %}

restated_invoices as (
    select document_id from open_items_now
    union
    select document_id from {{ ref('int_invoice_open_amount_segments') }}
    where {{ rebuilt_dates('valid_from') }}
    union
    select document_id from {{ this }}
    where entry_type = 'invoice' and (open_amount <> 0 or is_disputed)
),
{%- endif %}

entries_to_date as (
    select entries.*
    from entries
    cross join run_date
    where entries.entry_date <= run_date.run_as_of_date
    {%- if rebuild_from() %}
        and ({{ rebuilt_dates('entries.entry_date') }}
             or (entries.entry_type = 'invoice'
                 and entries.document_id in (select document_id from restated_invoices)))
    {%- endif %}
),

final as (
    select
        entries_to_date.customer_id,
        entries_to_date.entry_date,
        entries_to_date.entry_type,
        entries_to_date.entry_id,
        entries_to_date.document_id,
        entries_to_date.applied_to_document_id,
        entries_to_date.due_date,
        case when entries_to_date.balance_change > 0 then entries_to_date.balance_change else 0 end as debit,
        case when entries_to_date.balance_change < 0 then -entries_to_date.balance_change else 0 end as credit,
        entries_to_date.balance_change,
        -- the ledger runs in date order, so the entries up to the as-of date keep their balance
        entries_to_date.running_balance,
        case
            when entries_to_date.entry_type = 'invoice' then coalesce(open_items_now.open_amount, 0)
        end as open_amount,
        case
            when settlements.settlement_date <= run_date.run_as_of_date then settlements.settlement_date
        end as settlement_date,
        case when open_items_now.open_amount > 0 then open_items_now.days_past_due end as days_past_due,
        coalesce(open_items_now.is_disputed, false) as is_disputed
    from entries_to_date
    cross join run_date
    left join open_items_now on entries_to_date.document_id = open_items_now.document_id
        and entries_to_date.entry_type = 'invoice'
    left join settlements on entries_to_date.document_id = settlements.document_id
        and entries_to_date.entry_type = 'invoice'
)

-- stored by customer: the customer page reads one customer's statement
select * from final
order by customer_id
