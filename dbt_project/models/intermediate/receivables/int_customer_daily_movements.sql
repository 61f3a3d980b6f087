-- grain: one row per customer x day with at least one document or payment: the day's change
-- in balance and net sales, the balance at the end of the day and the last day (up to this one)
-- on which the customer paid anything. An as-of join to this table reads both at any date D.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates('movement_date') }}") }}
with entries as (
    select * from {{ ref('int_customer_ledger_entries') }} where {{ rebuilt_dates('entry_date') }}
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

-- an incremental build carries each customer's balance and last payment day over from its
-- days before rebuild_from (the pre-hook deleted the later ones)
carried_over as (
    {%- if rebuild_from() %}
    select customer_id, sum(balance_change) as balance, max(last_payment_date) as last_payment_date
    from {{ this }}
    group by customer_id
    {%- else %}
    select null::varchar as customer_id, 0 as balance, null::date as last_payment_date where false
    {%- endif %}
),

final as (
    select
        daily.customer_id,
        daily.movement_date,
        daily.movement_month,
        daily.balance_change,
        daily.net_sales,
        coalesce(carried_over.balance, 0) + sum(daily.balance_change) over customer_days
            as balance_at_end_of_day,
        coalesce(
            max(case when daily.has_payment then daily.movement_date end) over customer_days,
            carried_over.last_payment_date
        ) as last_payment_date
    from daily
    left join carried_over on daily.customer_id = carried_over.customer_id
    window customer_days as (partition by daily.customer_id order by daily.movement_date
                             rows unbounded preceding)
)

select * from final
