-- Invariant: each payment is attributed to one call at most (CONTRACT.md section 3), so the cash
-- collected after calls adds up the same in calls and in reminder_effectiveness, never exceeds
-- the cash received up to the run's as-of date, and 7 days never exceed 30.
with calls as (
    select
        coalesce(sum(collected_7d), 0) as collected_7d,
        coalesce(sum(collected_30d), 0) as collected_30d,
        count(*) as calls
    from {{ ref('calls') }}
),

reminders as (
    select
        coalesce(sum(collected_7d), 0) as collected_7d,
        coalesce(sum(collected_30d), 0) as collected_30d,
        coalesce(sum(calls), 0) as calls
    from {{ ref('reminder_effectiveness') }}
),

cash_received as (
    select coalesce(sum(payments.amount), 0) as received
    from {{ ref('stg_erp__payments') }} as payments
    inner join {{ ref('int_as_of_dates') }} as as_of_dates
        on as_of_dates.is_run_as_of_date and payments.payment_date <= as_of_dates.as_of_date
)

select calls.*, reminders.*, cash_received.received
from calls
cross join reminders
cross join cash_received
where calls.collected_7d <> reminders.collected_7d
    or calls.collected_30d <> reminders.collected_30d
    or calls.calls <> reminders.calls
    or calls.collected_30d > cash_received.received
    or calls.collected_7d > calls.collected_30d
