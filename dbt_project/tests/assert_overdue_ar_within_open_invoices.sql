-- Invariant: overdue_ar never exceeds the open amount of the invoices (unapplied cash and
-- credit notes are never overdue), and no open amount is negative.
with open_invoices as (
    select as_of_date, sum(open_amount) as open_invoices_amount
    from {{ ref('aged_balance') }}
    where aging_bucket <> 'unapplied'
    group by as_of_date
)

select kpis.as_of_date, kpis.overdue_ar, coalesce(open_invoices.open_invoices_amount, 0) as open_invoices_amount
from {{ ref('kpi_monthly') }} as kpis
left join open_invoices on kpis.as_of_date = open_invoices.as_of_date
where kpis.overdue_ar > coalesce(open_invoices.open_invoices_amount, 0) + 0.005
union all
select as_of_date, null, open_amount
from {{ ref('aged_balance') }}
where aging_bucket <> 'unapplied' and open_amount <= 0
