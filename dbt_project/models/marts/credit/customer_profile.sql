-- grain: one row per customer, as of the run's as-of date: the run date's rows of
-- customer_profile_history (every column of the profile at that date).
with history as (
    select * from {{ ref('customer_profile_history') }}
),

run_date as (
    select as_of_date as run_as_of_date from {{ ref('int_as_of_dates') }} where is_run_as_of_date
),

final as (
    select history.*
    from history
    inner join run_date on history.as_of_date = run_date.run_as_of_date
)

-- stored by customer: the customer page reads one customer's profile
select * from final
order by customer_id
