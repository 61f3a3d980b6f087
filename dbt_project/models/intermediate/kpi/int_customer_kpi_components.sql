-- grain: one row per customer x as-of date D.
-- The additive building blocks of every KPI (amounts, counts, weighted sums), so that the
-- company, each dimension value and each customer get their ratios from the same sums.
{%- set window_days = var('dso_window_days') %}
{%- set behaviour_months = var('payment_behaviour_months') %}
with customers as (
    select * from {{ ref('stg_erp__customers') }}
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }}
),

daily_movements as (
    select * from {{ ref('int_customer_daily_movements') }}
),

open_items as (
    select * from {{ ref('int_open_items_at_as_of_dates') }}
),

open_disputes as (
    select * from {{ ref('int_disputes_open_at_as_of_dates') }}
),

settlements as (
    select * from {{ ref('int_invoice_settlements') }}
),

calls as (
    select * from {{ ref('stg_collection__calls') }}
),

promises as (
    select * from {{ ref('int_promises') }}
),

penalties as (
    select * from {{ ref('int_late_payment_penalties') }}
),

invoices as (
    select * from {{ ref('stg_erp__invoices') }} where document_type = 'invoice'
),

grid as (
    select
        customers.customer_id,
        customers.credit_limit,
        as_of_dates.as_of_date,
        as_of_dates.month_start,
        as_of_dates.previous_month_end,
        as_of_dates.days_in_period,
        {{ add_months('as_of_dates.as_of_date', -behaviour_months) }} as behaviour_window_start,
        {{ add_months('as_of_dates.as_of_date', -3) }} as three_months_before,
        {{ add_months('as_of_dates.as_of_date', -6) }} as six_months_before
    from customers
    cross join as_of_dates
),

-- total_ar(D): everything invoiced - paid - credited up to D, read off the running balance,
-- and the last day the customer paid anything up to D
balance_at_as_of_date as (
    select
        grid.customer_id,
        grid.as_of_date,
        daily_movements.balance_at_end_of_day as total_ar,
        daily_movements.last_payment_date
    from grid
    asof inner join daily_movements
        on grid.customer_id = daily_movements.customer_id
        and grid.as_of_date >= daily_movements.movement_date
),

-- the month ending D (counted up to D): net sales, the change in balance (the opening balance
-- is total_ar(D) minus it) and the sum of the daily balances, which is opening balance x days
-- + each movement x the days it was carried until D
month_activity as (
    select
        daily_movements.customer_id,
        as_of_dates.as_of_date,
        sum(daily_movements.net_sales) as month_net_sales,
        sum(daily_movements.balance_change) as month_balance_change,
        sum(daily_movements.balance_change * (as_of_dates.as_of_date - daily_movements.movement_date + 1))
            as month_movements_balance_days
    from daily_movements
    inner join as_of_dates
        on daily_movements.movement_month = as_of_dates.month_start
        and daily_movements.movement_date <= as_of_dates.as_of_date
    group by daily_movements.customer_id, as_of_dates.as_of_date
),

sales_window as (
    select
        daily_movements.customer_id,
        as_of_dates.as_of_date,
        sum(daily_movements.net_sales) as sales_window
    from daily_movements
    inner join as_of_dates
        on daily_movements.movement_date > as_of_dates.as_of_date - {{ window_days }}
        and daily_movements.movement_date <= as_of_dates.as_of_date
    group by daily_movements.customer_id, as_of_dates.as_of_date
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
        max(days_past_due) filter (where is_overdue and open_amount > 0) as oldest_days_past_due
    from open_items
    group by customer_id, as_of_date
),

open_disputes_by_customer as (
    select customer_id, as_of_date, count(*) as open_disputes
    from open_disputes
    group by customer_id, as_of_date
),

-- payment behaviour: cumulative weighted sums by settlement date, read at D and at the start
-- of each look-back window (settlements in (start, D] = cumulative at D - cumulative at start)
settlements_cumulated as (
    select
        customer_id,
        settlement_date,
        sum(sum(invoice_amount)) over customer_dates as settled_amount,
        sum(sum(invoice_amount * days_to_pay)) over customer_dates as settled_amount_x_days_to_pay,
        sum(sum(invoice_amount * contract_terms_days)) over customer_dates as settled_amount_x_terms_days,
        sum(sum(invoice_amount * days_beyond_terms)) over customer_dates as settled_amount_x_days_beyond,
        sum(count(*)) over customer_dates as settled_invoices,
        sum(count(*) filter (where is_paid_late)) over customer_dates as settled_invoices_paid_late
    from settlements
    group by customer_id, settlement_date
    window customer_dates as (partition by customer_id order by settlement_date rows unbounded preceding)
),

{%- for point in ['as_of_date', 'behaviour_window_start', 'three_months_before', 'six_months_before'] %}

settlements_to_{{ point }} as (
    select grid.customer_id, grid.as_of_date, settlements_cumulated.* exclude (customer_id, settlement_date)
    from grid
    asof inner join settlements_cumulated
        on grid.customer_id = settlements_cumulated.customer_id
        and grid.{{ point }} >= settlements_cumulated.settlement_date
),
{%- endfor %}

-- the customer's first invoice (days without payment of a customer who never paid)
first_invoice as (
    select customer_id, min(document_date) as first_invoice_date from invoices group by customer_id
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
        count(*) filter (where not promises.is_kept) as promises_broken_12m
    from promises
    inner join as_of_dates
        on promises.maturity_date > {{ add_months('as_of_dates.as_of_date', -behaviour_months) }}
        and promises.maturity_date <= as_of_dates.as_of_date
    where promises.superseded_by_call_id is null
    group by promises.customer_id, as_of_dates.as_of_date
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
        grid.customer_id,
        grid.as_of_date,
        grid.credit_limit,
        grid.days_in_period,
        coalesce(balance_at_as_of_date.total_ar, 0) as total_ar,
        coalesce(open_items_by_customer.overdue_ar, 0) as overdue_ar,
        coalesce(balance_at_as_of_date.total_ar, 0) - coalesce(open_items_by_customer.overdue_ar, 0)
            as not_due_ar,
        coalesce(open_items_by_customer.open_invoices_amount, 0) as open_invoices_amount,
        coalesce(open_items_by_customer.disputed_ar, 0) as disputed_ar,
        coalesce(open_items_by_customer.disputed_overdue_ar, 0) as disputed_overdue_ar,
        coalesce(open_items_by_customer.overdue_invoices, 0) as overdue_invoices,
        open_items_by_customer.oldest_days_past_due,
        coalesce(open_disputes_by_customer.open_disputes, 0) as open_disputes,
        balance_at_as_of_date.last_payment_date,
        grid.as_of_date - coalesce(balance_at_as_of_date.last_payment_date, first_invoice.first_invoice_date)
            as days_without_payment,
        coalesce(balance_at_as_of_date.total_ar, 0) - coalesce(month_activity.month_balance_change, 0)
            as opening_ar,
        coalesce(month_activity.month_net_sales, 0) as month_net_sales,
        coalesce(sales_window.sales_window, 0) as sales_window,
        (coalesce(balance_at_as_of_date.total_ar, 0) - coalesce(month_activity.month_balance_change, 0))
        * grid.days_in_period
        + coalesce(month_activity.month_movements_balance_days, 0) as month_balance_days,
        -- credit limit: customers without a limit are never over it
        coalesce(coalesce(balance_at_as_of_date.total_ar, 0) > grid.credit_limit, false) as is_over_limit,
        case
            when coalesce(balance_at_as_of_date.total_ar, 0) > grid.credit_limit
                then coalesce(balance_at_as_of_date.total_ar, 0) - grid.credit_limit
            else 0
        end as over_limit_amount,
        {%- for measure in ['settled_amount', 'settled_amount_x_days_to_pay', 'settled_amount_x_terms_days',
                            'settled_amount_x_days_beyond', 'settled_invoices', 'settled_invoices_paid_late'] %}
        coalesce(settlements_to_as_of_date.{{ measure }}, 0)
        - coalesce(settlements_to_behaviour_window_start.{{ measure }}, 0) as {{ measure }}_12m,
        {%- endfor %}
        coalesce(settlements_to_as_of_date.settled_amount, 0)
        - coalesce(settlements_to_three_months_before.settled_amount, 0) as settled_amount_3m,
        coalesce(settlements_to_as_of_date.settled_amount_x_days_beyond, 0)
        - coalesce(settlements_to_three_months_before.settled_amount_x_days_beyond, 0)
            as settled_amount_x_days_beyond_3m,
        coalesce(settlements_to_as_of_date.settled_amount_x_days_to_pay, 0)
        - coalesce(settlements_to_three_months_before.settled_amount_x_days_to_pay, 0)
            as settled_amount_x_days_to_pay_3m,
        coalesce(settlements_to_three_months_before.settled_amount, 0)
        - coalesce(settlements_to_six_months_before.settled_amount, 0) as settled_amount_previous_3m,
        coalesce(settlements_to_three_months_before.settled_amount_x_days_to_pay, 0)
        - coalesce(settlements_to_six_months_before.settled_amount_x_days_to_pay, 0)
            as settled_amount_x_days_to_pay_previous_3m,
        coalesce(settlements_to_three_months_before.settled_amount_x_days_beyond, 0)
        - coalesce(settlements_to_six_months_before.settled_amount_x_days_beyond, 0)
            as settled_amount_x_days_beyond_previous_3m,
        coalesce(calls_in_month.calls, 0) as calls,
        coalesce(calls_in_month.right_party_contacts, 0) as right_party_contacts,
        coalesce(calls_in_month.promises, 0) as promises,
        coalesce(matured_promises.promises_matured, 0) as promises_matured,
        coalesce(matured_promises.promises_kept, 0) as promises_kept,
        coalesce(matured_promises.promises_matured_12m, 0) as promises_matured_12m,
        coalesce(matured_promises.promises_broken_12m, 0) as promises_broken_12m,
        coalesce(penalties_by_customer.penalty_interest, 0) as penalty_interest,
        coalesce(penalties_by_customer.recovery_indemnities, 0) as recovery_indemnities,
        coalesce(invoices_issued_in_month.invoices_issued, 0) as invoices_issued,
        coalesce(invoices_issued_in_month.invoiced_amount, 0) as invoiced_amount,
        coalesce(invoices_issued_in_month.invoices_beyond_legal_terms, 0) as invoices_beyond_legal_terms,
        coalesce(invoices_issued_in_month.invoiced_amount_beyond_legal_terms, 0)
            as invoiced_amount_beyond_legal_terms
    from grid
    {%- for cte in ['balance_at_as_of_date', 'month_activity', 'sales_window',
                    'open_items_by_customer', 'open_disputes_by_customer', 'settlements_to_as_of_date',
                    'settlements_to_behaviour_window_start', 'settlements_to_three_months_before',
                    'settlements_to_six_months_before', 'calls_in_month', 'matured_promises',
                    'penalties_by_customer', 'invoices_issued_in_month'] %}
    left join {{ cte }}
        on grid.customer_id = {{ cte }}.customer_id and grid.as_of_date = {{ cte }}.as_of_date
    {%- endfor %}
    left join first_invoice on grid.customer_id = first_invoice.customer_id
)

select * from final
