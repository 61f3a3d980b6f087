-- grain: one row per dispute opened up to the run's as-of date, as known then: a dispute closed
-- after the run's as-of date is still open (no closed date, resolution or resolution days).
with disputes as (
    select * from {{ ref('stg_erp__disputes') }}
),

customers as (
    select * from {{ ref('stg_erp__customers') }}
),

run_date as (
    select as_of_date as run_as_of_date from {{ ref('int_as_of_dates') }} where is_run_as_of_date
),

disputes_at_run_date as (
    select
        disputes.*,
        disputes.closed_date is not null and disputes.closed_date <= run_date.run_as_of_date as is_closed
    from disputes
    cross join run_date
    where disputes.opened_date <= run_date.run_as_of_date
),

final as (
    select
        disputes_at_run_date.dispute_id,
        disputes_at_run_date.document_id,
        disputes_at_run_date.customer_id,
        customers.customer_name,
        customers.segment,
        customers.region,
        customers.country,
        customers.business_unit,
        customers.collector_id,
        disputes_at_run_date.opened_date,
        case when disputes_at_run_date.is_closed then disputes_at_run_date.closed_date end as closed_date,
        case when disputes_at_run_date.is_closed then disputes_at_run_date.status else 'open' end as status,
        disputes_at_run_date.reason,
        disputes_at_run_date.owner,
        case when disputes_at_run_date.is_closed then disputes_at_run_date.resolution end as resolution,
        disputes_at_run_date.disputed_amount,
        case
            when disputes_at_run_date.is_closed
                then disputes_at_run_date.closed_date - disputes_at_run_date.opened_date
        end as resolution_days
    from disputes_at_run_date
    inner join customers on disputes_at_run_date.customer_id = customers.customer_id
)

select * from final
order by customer_id, opened_date
