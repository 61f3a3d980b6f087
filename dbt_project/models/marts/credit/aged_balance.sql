-- grain: one row per as_of_date x open invoice, plus one row per as_of_date x customer with
-- unapplied cash or credit notes (document_id null, aging_bucket 'unapplied').
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
with open_items as (
    select * from {{ ref('int_open_items_at_as_of_dates') }} where open_amount > 0 and {{ rebuilt_dates() }}
),

unapplied as (
    select * from {{ ref('int_customer_unapplied_at_as_of_dates') }} where {{ rebuilt_dates() }}
),

customers as (
    select * from {{ ref('stg_erp__customers') }}
),

open_invoices as (
    select
        as_of_date,
        customer_id,
        document_id,
        document_date,
        due_date,
        days_past_due,
        {{ aging_bucket('days_past_due') }} as aging_bucket,
        open_amount,
        is_disputed
    from open_items
),

unapplied_balances as (
    select
        as_of_date,
        customer_id,
        null as document_id,
        null::date as document_date,
        null::date as due_date,
        null::integer as days_past_due,
        'unapplied' as aging_bucket,
        unapplied_amount as open_amount,
        false as is_disputed
    from unapplied
),

final as (
    select
        items.*,
        customers.segment,
        customers.region,
        customers.country,
        customers.business_unit,
        customers.collector_id
    from (
        select * from open_invoices
        union all
        select * from unapplied_balances
    ) as items
    inner join customers on items.customer_id = customers.customer_id
)

-- stored by as-of date, then customer: the dashboard reads one as-of date, or one customer's
-- history, and DuckDB skips the other row groups by their min/max (10M invoices, cold: a
-- customer's history 444 -> 78 ms, for 3 s more build)
select * from final
order by as_of_date, customer_id
