-- grain: one row per month x dimension x dimension_value (dimension 'company', value 'all', and
-- each customer dimension), from the month of the book's first invoice with an e-invoicing
-- status to the run's month. month is the month's as-of date: its month end, or the run's as-of
-- date for the month in progress. The invoices of a month are those dated in it; the steps they
-- reached are counted as known at the run's as-of date (a late approval still counts for its
-- invoice's month).
with as_of_dates as (
    select * from {{ ref('int_as_of_dates') }}
),

invoices as (
    select * from {{ ref('stg_erp__invoices') }} where document_type = 'invoice'
),

lifecycle as (
    select * from {{ ref('invoice_lifecycle') }}
),

customer_groups as (
    select * from {{ ref('int_customer_dimensions') }}
),

-- the month of the first invoice with a status: every invoice with a status is in a month shown
first_status_month as (
    select cast(date_trunc('month', min(document_date)) as date) as month_start
    from lifecycle
),

-- one as-of date per month: its month end, or the run's date in the month in progress
months as (
    select as_of_dates.as_of_date as month, as_of_dates.month_start
    from as_of_dates
    inner join first_status_month on as_of_dates.month_start >= first_status_month.month_start
),

invoices_of_months as (
    select
        months.month,
        invoices.document_id,
        invoices.customer_id
    from invoices
    inner join months
        on invoices.document_date >= months.month_start
        and invoices.document_date <= months.month
),

final as (
    select
        invoices_of_months.month,
        customer_groups.dimension,
        customer_groups.dimension_value,
        count(*) as invoices_issued,
        count(lifecycle.document_id) as invoices_with_status,
        {{ safe_divide('count(lifecycle.document_id)', 'count(*)') }} as coverage,
        count(lifecycle.deposited_at) as deposited,
        count(lifecycle.made_available_at) as made_available,
        count(lifecycle.approved_at) as approved,
        count(lifecycle.disputed_at) as disputed,
        count(lifecycle.refused_at) as refused,
        count(lifecycle.payment_transmitted_at) as payment_transmitted,
        count(lifecycle.cashed_at) as cashed,
        count(lifecycle.rejected_at) as rejected,
        avg(lifecycle.days_to_available) as avg_days_to_available,
        avg(lifecycle.days_to_approval) as avg_days_to_approval,
        median(lifecycle.days_to_approval) as median_days_to_approval
    from invoices_of_months
    inner join customer_groups on invoices_of_months.customer_id = customer_groups.customer_id
    left join lifecycle on invoices_of_months.document_id = lifecycle.document_id
    group by invoices_of_months.month, customer_groups.dimension, customer_groups.dimension_value
)

select * from final
