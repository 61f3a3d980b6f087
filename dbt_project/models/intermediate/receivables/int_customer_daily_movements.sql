-- grain: one row per customer x day with at least one document or payment: the day's change
-- in balance and net sales, the balance at the end of the day and the last day (up to this one)
-- on which the customer paid anything. An as-of join to this table reads both at any date D.
with entries as (
    select * from {{ ref('int_customer_ledger_entries') }}
),

daily as (
    select
        customer_id,
        entry_date as movement_date,
        cast(date_trunc('month', entry_date) as date) as movement_month,
        sum(balance_change) as balance_change,
        sum(net_sales) as net_sales,
        bool_or(entry_type = 'payment') as has_payment
    from entries
    group by customer_id, entry_date
),

final as (
    select
        customer_id,
        movement_date,
        movement_month,
        balance_change,
        net_sales,
        sum(balance_change) over customer_days as balance_at_end_of_day,
        max(case when has_payment then movement_date end) over customer_days as last_payment_date
    from daily
    window customer_days as (partition by customer_id order by movement_date rows unbounded preceding)
)

select * from final
