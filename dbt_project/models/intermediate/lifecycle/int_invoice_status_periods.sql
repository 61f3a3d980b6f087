-- grain: one row per invoice x day on which its latest e-invoicing status changed.
-- Each period [valid_from, valid_to) carries the invoice's latest status dated <= D for every D in
-- it: range-joining the periods to the as-of dates gives the status at every D (as the open-amount
-- segments do). Only the codes with a meaning for the KPIs (200..213) count; other codes are kept
-- in staging and ignored here. Statuses of credit notes are ignored: the KPIs read invoices.
with statuses as (
    select * from {{ ref('stg_einvoicing__invoice_statuses') }}
    where status_code between 200 and 213
),

invoices as (
    select * from {{ ref('stg_erp__invoices') }} where document_type = 'invoice'
),

invoice_statuses as (
    select
        statuses.*,
        invoices.customer_id,
        -- several statuses on one day: the last one by time is the status of that day (a higher
        -- code first at the same time: the later step of the lifecycle)
        row_number() over (
            partition by statuses.document_id, statuses.status_date
            order by statuses.status_time desc, statuses.status_code desc, statuses.status_id desc
        ) as rank_in_day
    from statuses
    inner join invoices on statuses.document_id = invoices.document_id
),

status_days as (
    select
        document_id,
        customer_id,
        status_date,
        -- 203 or any later buyer status (204..212): the buyer had the invoice
        bool_or(status_code between 203 and 212) as has_availability_status,
        -- a buyer status the optional list only (203..211): the customer's platform reports back
        min(status_date) filter (where status_code between 203 and 211) as buyer_status_date
    from invoice_statuses
    group by document_id, customer_id, status_date
),

latest_status_of_day as (
    select * from invoice_statuses where rank_in_day = 1
),

final as (
    select
        status_days.document_id,
        status_days.customer_id,
        status_days.status_date as valid_from,
        coalesce(
            lead(status_days.status_date) over by_invoice, date '9999-12-31'
        ) as valid_to,
        latest_status_of_day.status_code,
        latest_status_of_day.status_time,
        latest_status_of_day.reason_code,
        latest_status_of_day.requested_action,
        latest_status_of_day.status_code in {{ platform_dispute_status_codes() }} as is_platform_disputed,
        latest_status_of_day.status_code = 213 as is_rejected,
        bool_or(status_days.has_availability_status) over (
            by_invoice rows unbounded preceding
        ) as is_made_available,
        min(status_days.buyer_status_date) over (
            partition by status_days.customer_id
        ) as customer_reports_availability_from
    from status_days
    inner join latest_status_of_day
        on status_days.document_id = latest_status_of_day.document_id
        and status_days.status_date = latest_status_of_day.status_date
    window by_invoice as (partition by status_days.document_id order by status_days.status_date)
)

select * from final
