-- grain: one row per payment or credit note x period during which it is (partly) unapplied:
-- - cash on account and credit notes that name no invoice of their customer: from their date on;
-- - a settlement dated before its invoice was issued: from its date until the invoice's date;
-- - the part of an invoice's settlements beyond its amount: settlements apply in date order, so
--   what comes after the invoice is covered stays unapplied (from its date, or the invoice's).
-- Summed at D, by type, they are the customer's unapplied cash and unapplied credit notes
-- (together: total_ar - open amount of the invoices), dated for the cash's age.
with unapplied_items as (
    select * from {{ ref('int_unapplied_cash_and_credit_notes') }}
),

segments as (
    select * from {{ ref('int_invoice_open_amount_segments') }}
),

settlements as (
    select * from {{ ref('int_settlements_applied_to_invoices') }}
),

-- the few invoices that ever carry unapplied credit: settled ahead of issue or beyond their amount
invoices_with_unapplied as (
    select
        document_id,
        any_value(document_date) as document_date,
        any_value(invoice_amount) as invoice_amount
    from segments
    where unapplied_amount <> 0
    group by document_id
),

settlements_in_order as (
    select
        settlements.customer_id,
        settlements.settlement_type as item_type,
        settlements.settlement_id as item_id,
        settlements.settlement_date as item_date,
        settlements.settled_amount,
        invoices_with_unapplied.document_date,
        -- how far the settlements up to this one (in date order) go beyond the invoice's amount
        sum(settlements.settled_amount) over (
            partition by settlements.document_id
            order by settlements.settlement_date, settlements.settlement_type, settlements.settlement_id
            rows unbounded preceding
        ) - invoices_with_unapplied.invoice_amount as settled_beyond_amount
    from settlements
    inner join invoices_with_unapplied on settlements.document_id = invoices_with_unapplied.document_id
),

final as (
    select
        customer_id,
        item_type,
        item_id,
        item_date,
        item_date as valid_from,
        date '9999-12-31' as valid_to,
        -unapplied_amount as unapplied_amount
    from unapplied_items
    union all
    select
        customer_id,
        item_type,
        item_id,
        item_date,
        item_date as valid_from,
        document_date as valid_to,
        settled_amount as unapplied_amount
    from settlements_in_order
    where item_date < document_date
    union all
    select
        customer_id,
        item_type,
        item_id,
        item_date,
        greatest(item_date, document_date) as valid_from,
        date '9999-12-31' as valid_to,
        least(settled_amount, settled_beyond_amount) as unapplied_amount
    from settlements_in_order
    where settled_beyond_amount > 0
)

select * from final
