-- grain: one row per as-of date D x invoice that is open at D or carries unapplied credit at D.
-- An invoice is disputed at D when a dispute of the log is open at D or when its latest
-- e-invoicing status dated <= D is 206, 207, 208 or 210 (CONTRACT.md section 3): counted once.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
with segments as (
    select * from {{ ref('int_invoice_open_amount_segments') }}
    -- settled invoices with nothing unapplied never reach the range join
    where open_amount <> 0 or unapplied_amount <> 0
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }} where {{ rebuilt_dates() }}
),

disputed_invoices as (
    select distinct as_of_date, document_id from {{ ref('int_disputes_open_at_as_of_dates') }}
    where {{ rebuilt_dates() }}
),

status_periods as (
    select * from {{ ref('int_invoice_status_periods') }}
),

segments_at_as_of_dates as (
    select
        as_of_dates.as_of_date,
        segments.customer_id,
        segments.document_id,
        segments.document_date,
        segments.due_date,
        segments.invoice_amount,
        segments.open_amount,
        segments.unapplied_amount
    from segments
    inner join as_of_dates
        on segments.valid_from <= as_of_dates.as_of_date
        and segments.valid_to > as_of_dates.as_of_date
),

final as (
    select
        segments_at_as_of_dates.*,
        -- an invoice due exactly on D is not yet due (0 days past due)
        segments_at_as_of_dates.as_of_date - segments_at_as_of_dates.due_date as days_past_due,
        segments_at_as_of_dates.due_date < segments_at_as_of_dates.as_of_date as is_overdue,
        disputed_invoices.document_id is not null
        or coalesce(status_periods.is_platform_disputed, false) as is_disputed,
        disputed_invoices.document_id is not null as is_disputed_in_log,
        coalesce(status_periods.is_platform_disputed, false) as is_platform_disputed,
        -- the latest e-invoicing status dated <= D (empty: no status yet)
        status_periods.status_code as lifecycle_status_code,
        status_periods.status_time as lifecycle_status_at,
        coalesce({{ never_made_available('status_periods', 'segments_at_as_of_dates.as_of_date') }}, false)
            as never_made_available,
        coalesce(status_periods.is_rejected, false) as is_rejected
    from segments_at_as_of_dates
    left join disputed_invoices
        on segments_at_as_of_dates.as_of_date = disputed_invoices.as_of_date
        and segments_at_as_of_dates.document_id = disputed_invoices.document_id
    left join status_periods
        on segments_at_as_of_dates.document_id = status_periods.document_id
        and status_periods.valid_from <= segments_at_as_of_dates.as_of_date
        and status_periods.valid_to > segments_at_as_of_dates.as_of_date
)

select * from final
