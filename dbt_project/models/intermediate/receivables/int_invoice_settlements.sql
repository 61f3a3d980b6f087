-- grain: one row per invoice that is fully settled. The settlement date is the date of the
-- payment or credit note that brought the open amount to 0 (a prepayment settles on its own
-- date, so an invoice paid in advance has negative days to pay).
with segments as (
    select * from {{ ref('int_invoice_open_amount_segments') }}
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
