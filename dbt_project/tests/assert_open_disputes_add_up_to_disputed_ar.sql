-- Invariant: the open-disputes list and the platform's disputes explain disputed_ar. At every as-of
-- date, the open amount of the invoices with an open dispute of the log, counted once per invoice
-- (counts_in_disputed_ar), plus the open amount of the invoices disputed only on the e-invoicing
-- platform (aged_balance.is_platform_disputed, no open dispute of the log), equals kpi_monthly's
-- disputed_ar: an invoice in both counts once. Returns the dates where it does not.
with open_disputes as (
    select as_of_date, sum(invoice_open_amount) filter (where counts_in_disputed_ar) as disputed_ar
    from {{ ref('open_disputes') }}
    group by as_of_date
),

platform_only as (
    select aged.as_of_date, sum(aged.open_amount) as disputed_ar
    from {{ ref('aged_balance') }} as aged
    where aged.is_platform_disputed
        and not exists (
            select 1 from {{ ref('open_disputes') }} as disputes
            where disputes.as_of_date = aged.as_of_date and disputes.document_id = aged.document_id
        )
    group by aged.as_of_date
)

select
    kpis.as_of_date,
    kpis.disputed_ar,
    open_disputes.disputed_ar as open_disputes_disputed_ar,
    platform_only.disputed_ar as platform_only_disputed_ar
from {{ ref('kpi_monthly') }} as kpis
left join open_disputes on kpis.as_of_date = open_disputes.as_of_date
left join platform_only on kpis.as_of_date = platform_only.as_of_date
where abs(kpis.disputed_ar - coalesce(open_disputes.disputed_ar, 0) - coalesce(platform_only.disputed_ar, 0))
    > 0.005
