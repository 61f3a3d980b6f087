-- Invariant: the open-disputes list explains disputed_ar. At every as-of date, the open amount of
-- the disputed invoices, counted once per invoice (counts_in_disputed_ar), equals kpi_monthly's
-- disputed_ar (the dispute log's part of it). Returns the dates where it does not.
with open_disputes as (
    select as_of_date, sum(invoice_open_amount) filter (where counts_in_disputed_ar) as disputed_ar
    from {{ ref('open_disputes') }}
    group by as_of_date
)

select kpis.as_of_date, kpis.disputed_ar, open_disputes.disputed_ar as open_disputes_disputed_ar
from {{ ref('kpi_monthly') }} as kpis
left join open_disputes on kpis.as_of_date = open_disputes.as_of_date
where abs(kpis.disputed_ar - coalesce(open_disputes.disputed_ar, 0)) > 0.005
