-- grain: one row per customer x as-of date D.
-- The additive building blocks of every KPI (amounts, counts, weighted sums), so that the
-- company, each dimension value and each customer get their ratios from the same sums.
-- Balances and payment behaviour come from their own stages
-- (int_customer_balances_at_as_of_dates, int_customer_settlements_at_as_of_dates): one query
-- joining every source to the grid held all their hash tables at once (over 20 GB at 10M
-- invoices).
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
{%- set behaviour_months = var('payment_behaviour_months') %}
with balances as (
    select * from {{ ref('int_customer_balances_at_as_of_dates') }} where {{ rebuilt_dates() }}
),

settlements as (
    select * from {{ ref('int_customer_settlements_at_as_of_dates') }} where {{ rebuilt_dates() }}
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }} where {{ rebuilt_dates() }}
),

open_items as (
    select * from {{ ref('int_open_items_at_as_of_dates') }} where {{ rebuilt_dates() }}
),

open_disputes as (
    select * from {{ ref('int_disputes_open_at_as_of_dates') }} where {{ rebuilt_dates() }}
),

calls as (
    select * from {{ ref('stg_collection__calls') }}
),

promises as (
    select * from {{ ref('int_promises') }}
),

penalties as (
    select * from {{ ref('int_late_payment_penalties') }} where {{ rebuilt_dates() }}
),

invoices as (
    select * from {{ ref('stg_erp__invoices') }} where document_type = 'invoice'
),

unapplied as (
    select * from {{ ref('int_customer_unapplied_at_as_of_dates') }} where {{ rebuilt_dates() }}
),

uncovered_overdue as (
    select * from {{ ref('int_customer_uncovered_overdue') }} where {{ rebuilt_dates() }}
),

open_items_by_customer as (
    select
        customer_id,
        as_of_date,
        sum(open_amount) as open_invoices_amount,
        sum(open_amount) filter (where is_overdue) as overdue_ar,
        sum(open_amount) filter (where is_disputed) as disputed_ar,
        sum(open_amount) filter (where is_disputed and is_overdue) as disputed_overdue_ar,
        count(*) filter (where is_overdue and open_amount > 0) as overdue_invoices,
        max(days_past_due) filter (where is_overdue and open_amount > 0) as oldest_days_past_due,
        -- the risk-grade floor's old items (compared with the unapplied credit in the grade)
        sum(open_amount) filter (where days_past_due > {{ var('risk_floor_days_past_due') }})
            as overdue_beyond_floor_amount
    from open_items
    group by customer_id, as_of_date
),

open_disputes_by_customer as (
    select customer_id, as_of_date, count(*) as open_disputes
    from open_disputes
    group by customer_id, as_of_date
),

calls_in_month as (
    select
        calls.customer_id,
        as_of_dates.as_of_date,
        count(*) as calls,
        count(*) filter (where calls.is_right_party_contact) as right_party_contacts,
        count(*) filter (where calls.is_promise) as promises
    from calls
    inner join as_of_dates
        on cast(date_trunc('month', calls.call_date) as date) = as_of_dates.month_start
        and calls.call_date <= as_of_dates.as_of_date
    group by calls.customer_id, as_of_dates.as_of_date
),

-- promises maturing in the month ending D, and over the look-back window (not superseded)
matured_promises as (
    select
        promises.customer_id,
        as_of_dates.as_of_date,
        count(*) filter (where promises.maturity_date >= as_of_dates.month_start) as promises_matured,
        count(*) filter (where promises.maturity_date >= as_of_dates.month_start and promises.is_kept)
            as promises_kept,
        count(*) as promises_matured_12m,
        count(*) filter (where not promises.is_kept) as promises_broken_12m,
        max(promises.promised_date) filter (where not promises.is_kept) as last_broken_promise_date
    from promises
    inner join as_of_dates
        on promises.maturity_date > {{ add_months('as_of_dates.as_of_date', -behaviour_months) }}
        and promises.maturity_date <= as_of_dates.as_of_date
    where promises.superseded_by_call_id is null
    group by promises.customer_id, as_of_dates.as_of_date
),

-- the customer's latest litigation call in the 12 months up to D (the risk-grade floor)
litigation_calls as (
    select
        calls.customer_id,
        as_of_dates.as_of_date,
        max(calls.call_date) as last_litigation_call_date
    from calls
    inner join as_of_dates
        on calls.call_date > {{ add_months('as_of_dates.as_of_date', -behaviour_months) }}
        and calls.call_date <= as_of_dates.as_of_date
    where calls.stage = 'litigation'
    group by calls.customer_id, as_of_dates.as_of_date
),

penalties_by_customer as (
    select
        customer_id,
        as_of_date,
        sum(penalty_interest) as penalty_interest,
        sum(recovery_indemnity) as recovery_indemnities
    from penalties
    group by customer_id, as_of_date
),

-- payment terms beyond the legal caps (L441-10): 60 days from the invoice date, or 45 days end
-- of month (either reading: end of month + 45 days, or + 45 days then end of month)
invoices_issued_in_month as (
    select
        invoices.customer_id,
        as_of_dates.as_of_date,
        count(*) as invoices_issued,
        sum(invoices.amount) as invoiced_amount,
        count(*) filter (where invoices.due_date > greatest(
            invoices.document_date + {{ var('legal_terms_cap_days') }},
            last_day(invoices.document_date) + {{ var('legal_terms_cap_end_of_month_days') }},
            last_day(invoices.document_date + {{ var('legal_terms_cap_end_of_month_days') }})
        )) as invoices_beyond_legal_terms,
        coalesce(sum(invoices.amount) filter (where invoices.due_date > greatest(
            invoices.document_date + {{ var('legal_terms_cap_days') }},
            last_day(invoices.document_date) + {{ var('legal_terms_cap_end_of_month_days') }},
            last_day(invoices.document_date + {{ var('legal_terms_cap_end_of_month_days') }})
        )), 0) as invoiced_amount_beyond_legal_terms
    from invoices
    inner join as_of_dates
        on cast(date_trunc('month', invoices.document_date) as date) = as_of_dates.month_start
        and invoices.document_date <= as_of_dates.as_of_date
    group by invoices.customer_id, as_of_dates.as_of_date
),

final as (
    select
        balances.customer_id,
        balances.as_of_date,
        balances.credit_limit,
        balances.days_in_period,
        coalesce(balances.total_ar, 0) as total_ar,
        coalesce(open_items_by_customer.overdue_ar, 0) as overdue_ar,
        coalesce(balances.total_ar, 0) - coalesce(open_items_by_customer.overdue_ar, 0)
            as not_due_ar,
        coalesce(open_items_by_customer.open_invoices_amount, 0) as open_invoices_amount,
        coalesce(open_items_by_customer.disputed_ar, 0) as disputed_ar,
        coalesce(open_items_by_customer.disputed_overdue_ar, 0) as disputed_overdue_ar,
        coalesce(open_items_by_customer.overdue_invoices, 0) as overdue_invoices,
        open_items_by_customer.oldest_days_past_due,
        -- without unapplied credit, every overdue invoice is uncovered
        case
            when uncovered_overdue.customer_id is not null then uncovered_overdue.oldest_uncovered_days_past_due
            else open_items_by_customer.oldest_days_past_due
        end as oldest_uncovered_days_past_due,
        coalesce(open_items_by_customer.overdue_beyond_floor_amount, 0) as overdue_beyond_floor_amount,
        coalesce(unapplied.unapplied_cash_amount, 0) as unapplied_cash_amount,
        coalesce(unapplied.unapplied_credit_notes_amount, 0) as unapplied_credit_notes_amount,
        coalesce(unapplied.unapplied_cash_amount_x_age_days, 0) as unapplied_cash_amount_x_age_days,
        unapplied.oldest_unapplied_cash_date,
        coalesce(open_disputes_by_customer.open_disputes, 0) as open_disputes,
        balances.last_payment_date,
        balances.as_of_date - coalesce(balances.last_payment_date, balances.first_invoice_date)
            as days_without_payment,
        coalesce(balances.total_ar, 0) - coalesce(balances.month_balance_change, 0)
            as opening_ar,
        coalesce(balances.month_net_sales, 0) as month_net_sales,
        coalesce(balances.sales_window, 0) as sales_window,
        (coalesce(balances.total_ar, 0) - coalesce(balances.month_balance_change, 0))
        * balances.days_in_period
        + coalesce(balances.month_movements_balance_days, 0) as month_balance_days,
        -- credit limit: customers without a limit are never over it
        coalesce(coalesce(balances.total_ar, 0) > balances.credit_limit, false) as is_over_limit,
        case
            when coalesce(balances.total_ar, 0) > balances.credit_limit
                then coalesce(balances.total_ar, 0) - balances.credit_limit
            else 0
        end as over_limit_amount,
        {%- for measure in ['settled_amount', 'settled_amount_x_days_to_pay', 'settled_amount_x_terms_days',
                            'settled_amount_x_days_beyond', 'settled_invoices', 'settled_invoices_paid_late'] %}
        coalesce(settlements.{{ measure }}_12m, 0) as {{ measure }}_12m,
        {%- endfor %}
        {%- for measure in ['settled_amount_3m', 'settled_amount_x_days_beyond_3m', 'settled_amount_x_days_to_pay_3m',
                            'settled_amount_previous_3m', 'settled_amount_x_days_to_pay_previous_3m',
                            'settled_amount_x_days_beyond_previous_3m'] %}
        coalesce(settlements.{{ measure }}, 0) as {{ measure }},
        {%- endfor %}
        coalesce(calls_in_month.calls, 0) as calls,
        coalesce(calls_in_month.right_party_contacts, 0) as right_party_contacts,
        coalesce(calls_in_month.promises, 0) as promises,
        coalesce(matured_promises.promises_matured, 0) as promises_matured,
        coalesce(matured_promises.promises_kept, 0) as promises_kept,
        coalesce(matured_promises.promises_matured_12m, 0) as promises_matured_12m,
        coalesce(matured_promises.promises_broken_12m, 0) as promises_broken_12m,
        matured_promises.last_broken_promise_date,
        litigation_calls.last_litigation_call_date,
        coalesce(penalties_by_customer.penalty_interest, 0) as penalty_interest,
        coalesce(penalties_by_customer.recovery_indemnities, 0) as recovery_indemnities,
        coalesce(invoices_issued_in_month.invoices_issued, 0) as invoices_issued,
        coalesce(invoices_issued_in_month.invoiced_amount, 0) as invoiced_amount,
        coalesce(invoices_issued_in_month.invoices_beyond_legal_terms, 0) as invoices_beyond_legal_terms,
        coalesce(invoices_issued_in_month.invoiced_amount_beyond_legal_terms, 0)
            as invoiced_amount_beyond_legal_terms
    from balances
    {%- for cte in ['settlements', 'open_items_by_customer', 'open_disputes_by_customer', 'calls_in_month',
                    'matured_promises', 'penalties_by_customer', 'invoices_issued_in_month',
                    'unapplied', 'uncovered_overdue', 'litigation_calls'] %}
    left join {{ cte }}
        on balances.customer_id = {{ cte }}.customer_id and balances.as_of_date = {{ cte }}.as_of_date
    {%- endfor %}
)

select * from final
