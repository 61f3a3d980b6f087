-- grain: one row per as-of date D x customer.
-- How the customer paid in the 12 months up to D, read only from what is known at D:
-- - settled invoices, weighted by invoice amount as the contract's avg_days_beyond_terms: an
--   invoice is known as settled from the later of its settlement and document dates (one paid
--   in advance settles before it is issued, and is unknown until then), and counts in the
--   window (D - 12 months, D] by that date; the 3-month figure (D - 3 months, D] is the trend;
-- - cash habits: the payments dated in (D - 12 months, D];
-- - disputes opened in (D - 12 months, D].
-- As int_customer_settlements_at_as_of_dates does: running sums per customer and day, read at D
-- and at the start of each window (in the window = running sum at D - running sum at its start),
-- so that no settlement is joined to every as-of date. The sums stay in decimals until the last
-- division: a figure at D is exactly the same on the extracts cut at D.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
{%- set behaviour_months = var('payment_behaviour_months') %}
{%- set measures = ['settled_amount', 'settled_amount_x_days_beyond', 'settled_amount_x_days_beyond_squared',
                    'settled_amount_x_days_to_pay', 'settled_invoices', 'settled_invoices_paid_late',
                    'paid_amount', 'direct_debit_amount', 'payment_days', 'run_payment_days'] %}
{%- set points = ['as_of_date', 'behaviour_window_start', 'three_months_before'] %}
with customers as (
    select * from {{ ref('stg_erp__customers') }}
),

settlements as (
    select * from {{ ref('int_invoice_settlements') }}
),

payments as (
    select * from {{ ref('stg_erp__payments') }}
),

disputes as (
    select * from {{ ref('stg_erp__disputes') }}
),

as_of_dates as (
    select
        as_of_date,
        {{ add_months('as_of_date', -behaviour_months) }} as behaviour_window_start,
        {{ add_months('as_of_date', -3) }} as three_months_before
    from {{ ref('int_as_of_dates') }}
    where {{ rebuilt_dates() }}
),

-- what each day adds to the customer's record: the invoices that became known as settled that
-- day, and the day's payments (a "run day" is the 9th-11th or one of the month's last 3 days)
settled_invoices_by_day as (
    select
        customer_id,
        greatest(settlement_date, document_date) as known_date,
        sum(invoice_amount) as settled_amount,
        sum(invoice_amount * days_beyond_terms) as settled_amount_x_days_beyond,
        sum(invoice_amount * days_beyond_terms * days_beyond_terms) as settled_amount_x_days_beyond_squared,
        sum(invoice_amount * days_to_pay) as settled_amount_x_days_to_pay,
        count(*) as settled_invoices,
        count(*) filter (where is_paid_late) as settled_invoices_paid_late
    from settlements
    group by customer_id, greatest(settlement_date, document_date)
),

payments_by_day as (
    select
        customer_id,
        payment_date,
        sum(amount) as paid_amount,
        coalesce(sum(amount) filter (where method = 'direct_debit'), 0) as direct_debit_amount,
        1 as payment_days,
        case when day(payment_date) between 9 and 11
                  or day(payment_date) >= day(last_day(payment_date)) - 2 then 1 else 0 end
            as run_payment_days
    from payments
    group by customer_id, payment_date
),

customer_days as (
    select
        coalesce(settled_invoices_by_day.customer_id, payments_by_day.customer_id) as customer_id,
        coalesce(settled_invoices_by_day.known_date, payments_by_day.payment_date) as record_date,
        {%- for measure in measures %}
        coalesce({{ measure }}, 0) as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from settled_invoices_by_day
    full outer join payments_by_day
        on settled_invoices_by_day.customer_id = payments_by_day.customer_id
        and settled_invoices_by_day.known_date = payments_by_day.payment_date
),

customer_days_cumulated as (
    select
        customer_id,
        record_date,
        {%- for measure in measures %}
        sum({{ measure }}) over customer_record as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from customer_days
    window customer_record as (partition by customer_id order by record_date rows unbounded preceding)
),

grid as (
    select
        customers.customer_id,
        as_of_dates.as_of_date,
        as_of_dates.behaviour_window_start,
        as_of_dates.three_months_before
    from customers
    cross join as_of_dates
),

-- as-of joins one after the other: sort-based, so no hash table of the grid
cumulated_at_points as (
    select
        grid.customer_id,
        grid.as_of_date,
        {%- for point in points %}
        {%- set point_loop = loop %}
        {%- for measure in measures %}
        coalesce(at_{{ point }}.{{ measure }}, 0) as {{ measure }}_to_{{ point }}
        {{- ',' if not (point_loop.last and loop.last) }}
        {%- endfor %}
        {%- endfor %}
    from grid
    {%- for point in points %}
    asof left join customer_days_cumulated as at_{{ point }}
        on grid.customer_id = at_{{ point }}.customer_id
        and grid.{{ point }} >= at_{{ point }}.record_date
    {%- endfor %}
),

windows as (
    select
        customer_id,
        as_of_date,
        {%- for measure in measures %}
        {{ measure }}_to_as_of_date - {{ measure }}_to_behaviour_window_start as {{ measure }}_12m,
        {%- endfor %}
        settled_amount_to_as_of_date - settled_amount_to_three_months_before as settled_amount_3m,
        settled_amount_x_days_beyond_to_as_of_date - settled_amount_x_days_beyond_to_three_months_before
            as settled_amount_x_days_beyond_3m
    from cumulated_at_points
),

disputes_in_window as (
    select
        disputes.customer_id,
        as_of_dates.as_of_date,
        count(*) as disputes_12m
    from disputes
    inner join as_of_dates
        on disputes.opened_date > as_of_dates.behaviour_window_start
        and disputes.opened_date <= as_of_dates.as_of_date
    group by disputes.customer_id, as_of_dates.as_of_date
),

final as (
    select
        windows.as_of_date,
        windows.customer_id,
        cast(windows.settled_invoices_12m as bigint) as cust_settled_invoices_12m,
        {{ safe_divide('windows.settled_amount_x_days_beyond_12m', 'windows.settled_amount_12m') }}
            as cust_avg_days_beyond_terms_12m,
        -- amount-weighted population standard deviation: sqrt(E[x^2] - E[x]^2)
        case when windows.settled_amount_12m <> 0 then sqrt(greatest(
            {{ safe_divide('windows.settled_amount_x_days_beyond_squared_12m', 'windows.settled_amount_12m') }}
            - pow({{ safe_divide('windows.settled_amount_x_days_beyond_12m', 'windows.settled_amount_12m') }}, 2),
            0
        )) end as cust_stddev_days_beyond_terms_12m,
        {{ safe_divide('windows.settled_amount_x_days_beyond_3m', 'windows.settled_amount_3m') }}
            as cust_avg_days_beyond_terms_3m,
        {{ safe_divide('windows.settled_invoices_paid_late_12m', 'windows.settled_invoices_12m') }}
            as cust_share_paid_late_12m,
        {{ safe_divide('windows.settled_amount_x_days_to_pay_12m', 'windows.settled_amount_12m') }}
            as cust_avg_days_to_pay_12m,
        {{ safe_divide('windows.direct_debit_amount_12m', 'windows.paid_amount_12m') }}
            as cust_direct_debit_share_12m,
        {{ safe_divide('windows.run_payment_days_12m', 'windows.payment_days_12m') }}
            as cust_payment_run_share_12m,
        coalesce(disputes_in_window.disputes_12m, 0) as cust_disputes_12m
    from windows
    left join disputes_in_window
        on windows.customer_id = disputes_in_window.customer_id
        and windows.as_of_date = disputes_in_window.as_of_date
)

select * from final
