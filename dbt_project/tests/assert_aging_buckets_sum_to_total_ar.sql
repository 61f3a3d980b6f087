-- Invariant (CONTRACT.md section 3): the aged-balance buckets, unapplied included, sum to
-- total_ar at every as-of date. Returns the as-of dates where they do not (to the cent).
with aged as (
    select as_of_date, sum(open_amount) as aged_total
    from {{ ref('aged_balance') }}
    group by as_of_date
)

select
    kpis.as_of_date,
    kpis.total_ar,
    coalesce(aged.aged_total, 0) as aged_total
from {{ ref('kpi_monthly') }} as kpis
left join aged on kpis.as_of_date = aged.as_of_date
where abs(kpis.total_ar - coalesce(aged.aged_total, 0)) > 0.005
