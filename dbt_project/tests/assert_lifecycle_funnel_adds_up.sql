-- Invariant: the monthly funnel holds every invoice with a status once (company rows), each
-- dimension adds up to the company, and no month has more invoices with a status, or at a step,
-- than invoices issued. Returns the months and groups where it does not hold.
with company as (
    select * from {{ ref('lifecycle_by_month') }} where dimension = 'company'
),

by_dimension as (
    select
        month,
        dimension,
        sum(invoices_issued) as invoices_issued,
        sum(invoices_with_status) as invoices_with_status
    from {{ ref('lifecycle_by_month') }}
    where dimension <> 'company'
    group by month, dimension
),

lifecycle_invoices as (
    select count(*) as invoices_with_status from {{ ref('invoice_lifecycle') }}
)

select 'company total' as check_name, null as month, null as dimension
from lifecycle_invoices
where invoices_with_status <> (select coalesce(sum(invoices_with_status), 0) from company)
union all
select 'dimension adds up', by_dimension.month, by_dimension.dimension
from by_dimension
inner join company on by_dimension.month = company.month
where by_dimension.invoices_issued <> company.invoices_issued
    or by_dimension.invoices_with_status <> company.invoices_with_status
union all
select 'steps within issued', month, dimension
from {{ ref('lifecycle_by_month') }}
where invoices_with_status > invoices_issued
    or greatest(deposited, made_available, approved, disputed, refused, payment_transmitted, cashed, rejected)
    > invoices_with_status
