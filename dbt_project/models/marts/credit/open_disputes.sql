-- grain: one row per as_of_date x dispute open at that date (opened_date <= D and closed_date
-- null or after D), at every as-of date, as known at D (status open, no closing yet).
-- Why the open-disputes total differs from disputed_ar: disputed_amount is what the customer
-- contests; disputed_ar is the open amount at D of the disputed invoices (invoice_open_amount,
-- 0 once settled), counted once per invoice (counts_in_disputed_ar) when several disputes name it.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
with open_disputes as (
    select * from {{ ref('int_disputes_open_at_as_of_dates') }} where {{ rebuilt_dates() }}
),

open_items as (
    select * from {{ ref('int_open_items_at_as_of_dates') }} where {{ rebuilt_dates() }}
),

customers as (
    select * from {{ ref('stg_erp__customers') }}
),

final as (
    select
        open_disputes.as_of_date,
        open_disputes.dispute_id,
        open_disputes.document_id,
        open_disputes.customer_id,
        customers.customer_name,
        customers.segment,
        customers.region,
        customers.country,
        customers.business_unit,
        customers.collector_id,
        open_disputes.opened_date,
        null::date as closed_date,
        'open' as status,
        open_disputes.reason,
        open_disputes.owner,
        null::varchar as resolution,
        open_disputes.disputed_amount,
        null::integer as resolution_days,
        open_disputes.as_of_date - open_disputes.opened_date as age_days,
        coalesce(greatest(open_items.open_amount, 0), 0) as invoice_open_amount,
        row_number() over (
            partition by open_disputes.as_of_date, open_disputes.document_id
            order by open_disputes.opened_date, open_disputes.dispute_id
        ) = 1 as counts_in_disputed_ar
    from open_disputes
    inner join customers on open_disputes.customer_id = customers.customer_id
    left join open_items
        on open_disputes.as_of_date = open_items.as_of_date
        and open_disputes.document_id = open_items.document_id
)

-- stored by as-of date: the dashboard reads one as-of date
select * from final
order by as_of_date, customer_id
