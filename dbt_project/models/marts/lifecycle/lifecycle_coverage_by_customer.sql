-- grain: one row per customer with an invoice with an e-invoicing status, counting the
-- invoices issued since the customer's first invoice with a status (its platform's start:
-- public buyers have been on Chorus Pro for years, the others since the 2026 go-live),
-- as of the run's as-of date: the share of its invoices with statuses (many buyers' tools send
-- only the mandatory 200, 210, 212, 213), the optional statuses its platform sends, and the
-- platform disputes the dispute log never recorded (a data-quality warning).
with statuses as (
    select * from {{ ref('stg_einvoicing__invoice_statuses') }}
    where status_code between 200 and 213
),

invoices as (
    select * from {{ ref('stg_erp__invoices') }} where document_type = 'invoice'
),

customers as (
    select * from {{ ref('stg_erp__customers') }}
),

lifecycle as (
    select * from {{ ref('invoice_lifecycle') }}
),

disputes as (
    select * from {{ ref('stg_erp__disputes') }}
),

run_date as (
    select as_of_date as run_as_of_date from {{ ref('int_as_of_dates') }} where is_run_as_of_date
),

statuses_to_date as (
    select statuses.*, invoices.customer_id
    from statuses
    inner join invoices on statuses.document_id = invoices.document_id
    cross join run_date
    where statuses.status_date <= run_date.run_as_of_date
),

first_invoice_with_status as (
    select customer_id, min(document_date) as document_date from lifecycle group by customer_id
),

invoices_since_first_status as (
    select invoices.customer_id, invoices.document_id
    from invoices
    inner join first_invoice_with_status
        on invoices.customer_id = first_invoice_with_status.customer_id
    cross join run_date
    where invoices.document_date >= first_invoice_with_status.document_date
        and invoices.document_date <= run_date.run_as_of_date
),

coverage as (
    select
        invoices_since_first_status.customer_id,
        count(*) as invoices_issued,
        count(lifecycle.document_id) as invoices_with_status
    from invoices_since_first_status
    left join lifecycle on invoices_since_first_status.document_id = lifecycle.document_id
    group by invoices_since_first_status.customer_id
),

optional_statuses as (
    select
        customer_id,
        count(distinct status_code) filter (where status_code not in (200, 210, 212, 213))
            as optional_statuses_seen
    from statuses_to_date
    group by customer_id
),

-- invoices ever disputed, suspended or refused on the platform, and whether the log has them
platform_disputed_invoices as (
    select distinct statuses_to_date.customer_id, statuses_to_date.document_id
    from statuses_to_date
    where statuses_to_date.status_code in {{ platform_dispute_status_codes() }}
),

invoices_in_dispute_log as (
    select distinct disputes.document_id
    from disputes
    cross join run_date
    where disputes.opened_date <= run_date.run_as_of_date
),

platform_disputes as (
    select
        platform_disputed_invoices.customer_id,
        count(*) as platform_disputes,
        count(*) filter (where invoices_in_dispute_log.document_id is null) as platform_disputes_not_in_log
    from platform_disputed_invoices
    left join invoices_in_dispute_log
        on platform_disputed_invoices.document_id = invoices_in_dispute_log.document_id
    group by platform_disputed_invoices.customer_id
),

final as (
    select
        customers.customer_id,
        customers.customer_name,
        customers.segment,
        customers.region,
        customers.country,
        customers.business_unit,
        customers.collector_id,
        coverage.invoices_issued,
        coverage.invoices_with_status,
        {{ safe_divide('coverage.invoices_with_status', 'coverage.invoices_issued') }} as coverage,
        coalesce(optional_statuses.optional_statuses_seen, 0) as optional_statuses_seen,
        coalesce(platform_disputes.platform_disputes, 0) as platform_disputes,
        coalesce(platform_disputes.platform_disputes_not_in_log, 0) as platform_disputes_not_in_log
    from coverage
    inner join customers on coverage.customer_id = customers.customer_id
    left join optional_statuses on coverage.customer_id = optional_statuses.customer_id
    left join platform_disputes on coverage.customer_id = platform_disputes.customer_id
)

select * from final
