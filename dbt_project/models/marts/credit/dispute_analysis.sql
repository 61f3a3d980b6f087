-- grain: one row per as_of_date (the month ending then) x dispute reason x owner department.
with disputes as (
    select * from {{ ref('stg_erp__disputes') }}
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }}
),

open_disputes as (
    select * from {{ ref('int_disputes_open_at_as_of_dates') }}
),

open_items as (
    select * from {{ ref('int_open_items_at_as_of_dates') }}
),

company_kpis as (
    select as_of_date, overdue_ar from {{ ref('int_kpi_by_group') }} where dimension = 'company'
),

grid as (
    select as_of_dates.as_of_date, as_of_dates.month_start, reasons.reason, reasons.owner
    from as_of_dates
    cross join (select distinct reason, owner from disputes) as reasons
),

opened_and_closed as (
    select
        grid.as_of_date,
        grid.reason,
        grid.owner,
        count(*) filter (where disputes.opened_date >= grid.month_start and disputes.opened_date <= grid.as_of_date)
            as opened,
        count(*) filter (where disputes.closed_date >= grid.month_start and disputes.closed_date <= grid.as_of_date)
            as closed,
        avg(disputes.closed_date - disputes.opened_date) filter (
            where disputes.closed_date >= grid.month_start and disputes.closed_date <= grid.as_of_date
        ) as avg_resolution_days
    from grid
    inner join disputes on grid.reason = disputes.reason and grid.owner = disputes.owner
    group by all
),

open_at_as_of_date as (
    select as_of_date, reason, owner, count(*) as open_count, sum(disputed_amount) as open_amount
    from open_disputes
    group by all
),

-- overdue invoices held up by an open dispute: their open amount at D
overdue_in_dispute as (
    select
        disputed_invoices.as_of_date,
        disputed_invoices.reason,
        disputed_invoices.owner,
        sum(open_items.open_amount) as overdue_amount_in_dispute
    from (select distinct as_of_date, reason, owner, document_id from open_disputes) as disputed_invoices
    inner join open_items
        on disputed_invoices.as_of_date = open_items.as_of_date
        and disputed_invoices.document_id = open_items.document_id
    where open_items.is_overdue and open_items.open_amount > 0
    group by all
),

final as (
    select
        grid.as_of_date,
        grid.month_start as month,
        grid.reason,
        grid.owner,
        coalesce(opened_and_closed.opened, 0) as opened,
        coalesce(opened_and_closed.closed, 0) as closed,
        coalesce(open_at_as_of_date.open_count, 0) as open_count,
        coalesce(open_at_as_of_date.open_amount, 0) as open_amount,
        opened_and_closed.avg_resolution_days,
        coalesce(overdue_in_dispute.overdue_amount_in_dispute, 0) as overdue_amount_in_dispute,
        {{ safe_divide('coalesce(overdue_in_dispute.overdue_amount_in_dispute, 0)', 'company_kpis.overdue_ar') }}
            as share_of_overdue
    from grid
    left join opened_and_closed using (as_of_date, reason, owner)
    left join open_at_as_of_date using (as_of_date, reason, owner)
    left join overdue_in_dispute using (as_of_date, reason, owner)
    left join company_kpis using (as_of_date)
)

select * from final
