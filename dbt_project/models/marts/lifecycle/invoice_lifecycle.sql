-- grain: one row per invoice with at least one e-invoicing status (codes 200..213) dated up to the
-- run's as-of date, as known then: the first date of each step, the latest status and the flags
-- a collector checks before calling.
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

disputes as (
    select * from {{ ref('stg_erp__disputes') }}
),

status_periods as (
    select * from {{ ref('int_invoice_status_periods') }}
),

run_date as (
    select as_of_date as run_as_of_date from {{ ref('int_as_of_dates') }} where is_run_as_of_date
),

open_items_now as (
    select open_items.*
    from {{ ref('int_open_items_at_as_of_dates') }} as open_items
    inner join run_date on open_items.as_of_date = run_date.run_as_of_date
),

-- the first time the invoice reached each step, up to the run's as-of date
steps as (
    select
        statuses.document_id,
        min(statuses.status_time) filter (where statuses.status_code = 200) as deposited_at,
        min(statuses.status_time) filter (where statuses.status_code = 203) as made_available_at,
        min(statuses.status_time) filter (where statuses.status_code = 205) as approved_at,
        min(statuses.status_time) filter (where statuses.status_code in (206, 207)) as disputed_at,
        min(statuses.status_time) filter (where statuses.status_code = 210) as refused_at,
        min(statuses.status_time) filter (where statuses.status_code = 211) as payment_transmitted_at,
        min(statuses.status_time) filter (where statuses.status_code = 212) as cashed_at,
        min(statuses.status_time) filter (where statuses.status_code = 213) as rejected_at
    from statuses
    inner join invoices on statuses.document_id = invoices.document_id
    cross join run_date
    where statuses.status_date <= run_date.run_as_of_date
    group by statuses.document_id
),

status_now as (
    select status_periods.*
    from status_periods
    inner join run_date
        on status_periods.valid_from <= run_date.run_as_of_date
        and status_periods.valid_to > run_date.run_as_of_date
),

invoices_in_dispute_log as (
    select distinct disputes.document_id
    from disputes
    inner join run_date on disputes.opened_date <= run_date.run_as_of_date
),

final as (
    select
        steps.document_id,
        invoices.customer_id,
        status_now.status_code as current_status_code,
        steps.deposited_at,
        steps.made_available_at,
        steps.approved_at,
        steps.disputed_at,
        steps.refused_at,
        steps.payment_transmitted_at,
        steps.cashed_at,
        steps.rejected_at,
        cast(steps.made_available_at as date) - invoices.document_date as days_to_available,
        cast(steps.approved_at as date) - invoices.document_date as days_to_approval,
        status_now.status_time as current_status_at,
        status_now.reason_code as current_reason_code,
        status_now.requested_action as current_requested_action,
        invoices.document_date,
        invoices.due_date,
        invoices.amount as invoice_amount,
        coalesce(open_items_now.open_amount, 0) as open_amount,
        coalesce(open_items_now.open_amount, 0) > 0 and invoices.due_date < run_date.run_as_of_date
            as is_overdue,
        {{ never_made_available('status_now', 'run_date.run_as_of_date') }} as never_made_available,
        status_now.is_rejected,
        status_now.is_platform_disputed,
        invoices_in_dispute_log.document_id is not null as in_dispute_log,
        customers.customer_name,
        customers.segment,
        customers.region,
        customers.country,
        customers.business_unit,
        customers.collector_id
    from steps
    inner join invoices on steps.document_id = invoices.document_id
    inner join customers on invoices.customer_id = customers.customer_id
    inner join status_now on steps.document_id = status_now.document_id
    cross join run_date
    left join open_items_now on steps.document_id = open_items_now.document_id
    left join invoices_in_dispute_log on steps.document_id = invoices_in_dispute_log.document_id
)

select * from final
