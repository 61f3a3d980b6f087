-- grain: one row per customer x day with at least one document or payment: the day's change
-- in balance and net sales, and the balance at the end of the day.
with entries as (
    select * from {{ ref('int_customer_ledger_entries') }}
),

daily as (
    select
        customer_id,
        entry_date as movement_date,
        cast(date_trunc('month', entry_date) as date) as movement_month,
        sum(balance_change) as balance_change,
        sum(net_sales) as net_sales
    from entries
    group by customer_id, entry_date
),

final as (
    select
        *,
        sum(balance_change) over (
            partition by customer_id order by movement_date rows unbounded preceding
        ) as balance_at_end_of_day
    from daily
)

select * from final
