-- grain: one row per month x source x status_code x reason x requested_action: the reasons of
-- the e-invoicing statuses that dispute, suspend, refuse or reject an invoice (source 'lifecycle':
-- 206, 207, 208, 210, 213), next to the reasons of the disputes opened in the dispute log (source
-- 'dispute_log', status_code and requested_action empty), up to the run's as-of date. month is the
-- month's as-of date: its month end, or the run's as-of date for the month in progress.
with statuses as (
    select * from {{ ref('stg_einvoicing__invoice_statuses') }}
    where status_code in (206, 207, 208, 210, 213)
),

invoices as (
    select * from {{ ref('stg_erp__invoices') }} where document_type = 'invoice'
),

disputes as (
    select * from {{ ref('stg_erp__disputes') }}
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }}
),

run_date as (
    select as_of_date as run_as_of_date from as_of_dates where is_run_as_of_date
),

-- one row per invoice and reason in a month (a reason sent twice counts once): the amount in
-- question is the invoice's amount, or its part not approved for a 206 partial approval
lifecycle_reasons_by_invoice as (
    select
        as_of_dates.as_of_date as month,
        statuses.status_code,
        coalesce(statuses.reason_code, '(not set)') as reason,
        coalesce(statuses.requested_action, '(not set)') as requested_action,
        statuses.document_id,
        max(
            case
                when statuses.status_code = 206
                    then greatest(invoices.amount - coalesce(statuses.amount, 0), 0)
                else invoices.amount
            end
        ) as amount
    from statuses
    inner join invoices on statuses.document_id = invoices.document_id
    inner join as_of_dates on as_of_dates.month_start = date_trunc('month', statuses.status_date)
    cross join run_date
    where statuses.status_date <= run_date.run_as_of_date
    group by all
),

lifecycle_reasons as (
    select
        month,
        'lifecycle' as source,
        status_code,
        reason,
        requested_action,
        count(*) as invoices,
        sum(amount) as amount
    from lifecycle_reasons_by_invoice
    group by month, status_code, reason, requested_action
),

dispute_log_reasons as (
    select
        as_of_dates.as_of_date as month,
        'dispute_log' as source,
        null::integer as status_code,
        disputes.reason,
        null::varchar as requested_action,
        count(distinct disputes.document_id) as invoices,
        sum(disputes.disputed_amount) as amount
    from disputes
    inner join as_of_dates on as_of_dates.month_start = date_trunc('month', disputes.opened_date)
    cross join run_date
    where disputes.opened_date <= run_date.run_as_of_date
    group by as_of_dates.as_of_date, disputes.reason
),

final as (
    select * from lifecycle_reasons
    union all
    select * from dispute_log_reasons
)

select * from final
