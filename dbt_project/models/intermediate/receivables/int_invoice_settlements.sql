-- grain: one row per invoice that is fully settled. The settlement date is the date of the
-- payment or credit note that brought the open amount to 0 (a prepayment settles on its own
-- date, so an invoice paid in advance has negative days to pay).
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='document_id',
          pre_hook="{{ delete_rebuilt_dates('settlement_date') }}") }}
with all_segments as (
    select * from {{ ref('int_invoice_open_amount_segments') }}
),

-- an incremental build recomputes the invoices with a segment from rebuild_from on (the
-- pre-hook deleted the settlements dated from then: an event since removed may undo them)
segments as (
    select * from all_segments
    {%- if rebuild_from() %}
    where document_id in (select document_id from all_segments where {{ rebuilt_dates('valid_from') }})
    {%- endif %}
),

first_full_settlement as (
    select
        document_id,
        any_value(customer_id) as customer_id,
        any_value(document_date) as document_date,
        any_value(due_date) as due_date,
        any_value(invoice_amount) as invoice_amount,
        min(valid_from) as settlement_date
    from segments
    where cumulative_settled_amount >= invoice_amount
    group by document_id
),

final as (
    select
        document_id,
        customer_id,
        document_date,
        due_date,
        invoice_amount,
        settlement_date,
        settlement_date - document_date as days_to_pay,
        due_date - document_date as contract_terms_days,
        settlement_date - due_date as days_beyond_terms,
        settlement_date > due_date as is_paid_late
    from first_full_settlement
)

select * from final
