-- grain: one row per customer x as-of date D with overdue invoices and unapplied cash or credit
-- notes at D. Reconcile before chasing: the customer's own unapplied cash and credit notes are
-- allocated to its oldest overdue invoices first; what they do not cover is the overdue that is
-- really owed, and its oldest invoice the one the risk grade looks at. (Customers without
-- unapplied credit owe all their overdue: they have no row here.)
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
with open_items as (
    select * from {{ ref('int_open_items_at_as_of_dates') }}
    where is_overdue and open_amount > 0 and {{ rebuilt_dates() }}
),

unapplied as (
    select * from {{ ref('int_customer_unapplied_at_as_of_dates') }}
    where unapplied_cash_amount + unapplied_credit_notes_amount > 0 and {{ rebuilt_dates() }}
),

-- oldest first: the overdue amount up to and including each invoice
overdue_items_oldest_first as (
    select
        open_items.customer_id,
        open_items.as_of_date,
        open_items.days_past_due,
        open_items.open_amount,
        unapplied.unapplied_cash_amount + unapplied.unapplied_credit_notes_amount as unapplied_credit_amount,
        sum(open_items.open_amount) over (
            partition by open_items.customer_id, open_items.as_of_date
            order by open_items.days_past_due desc, open_items.document_id
            rows unbounded preceding
        ) as overdue_amount_to_here
    from open_items
    inner join unapplied
        on open_items.customer_id = unapplied.customer_id
        and open_items.as_of_date = unapplied.as_of_date
),

final as (
    select
        customer_id,
        as_of_date,
        sum(open_amount) as overdue_ar,
        any_value(unapplied_credit_amount) as unapplied_credit_amount,
        greatest(sum(open_amount) - any_value(unapplied_credit_amount), 0) as uncovered_overdue_amount,
        -- the invoices the unapplied credit does not reach in full
        max(days_past_due) filter (where overdue_amount_to_here > unapplied_credit_amount)
            as oldest_uncovered_days_past_due
    from overdue_items_oldest_first
    group by customer_id, as_of_date
)

select * from final
