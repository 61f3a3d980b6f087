-- grain: one row per as-of date D: every month end from the first document month to the
-- last complete month (month end <= the run's as-of date), plus the run's as-of date.
with invoices as (
    select * from {{ ref('stg_erp__invoices') }}
),

run_date as (
    select {{ run_as_of_date() }} as run_as_of_date
),

month_starts as (
    select
        unnest(generate_series(
            cast(date_trunc('month', min(invoices.document_date)) as timestamp),
            cast(any_value(run_date.run_as_of_date) as timestamp),
            interval 1 month
        )) as month_start
    from invoices
    cross join run_date
),

month_ends as (
    select cast(last_day(month_start) as date) as as_of_date
    from month_starts
    cross join run_date
    where last_day(month_start) <= run_date.run_as_of_date
),

all_as_of_dates as (
    select as_of_date from month_ends
    union
    select run_as_of_date from run_date
),

final as (
    select
        all_as_of_dates.as_of_date,
        cast(date_trunc('month', all_as_of_dates.as_of_date) as date) as month_start,
        cast(date_trunc('month', all_as_of_dates.as_of_date) as date) - 1 as previous_month_end,
        -- days of the month counted up to D (the whole month at a month end)
        day(all_as_of_dates.as_of_date) as days_in_period,
        all_as_of_dates.as_of_date = last_day(all_as_of_dates.as_of_date) as is_month_end,
        all_as_of_dates.as_of_date = run_date.run_as_of_date as is_run_as_of_date
    from all_as_of_dates
    cross join run_date
    where all_as_of_dates.as_of_date is not null
)

select * from final
