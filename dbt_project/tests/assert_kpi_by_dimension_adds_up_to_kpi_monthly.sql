-- Invariant: within each dimension, the amounts and counts of kpi_by_dimension add up to
-- kpi_monthly's at every as-of date (customers without a value are in '(not set)').
{%- set additive = ['total_ar', 'not_due_ar', 'overdue_ar', 'sales_window', 'disputed_ar',
                    'customers_over_limit', 'over_limit_amount', 'calls', 'financing_cost',
                    'late_payment_penalties', 'unapplied_cash_amount', 'unapplied_credit_notes_amount',
                    'customers_to_reconcile', 'amount_to_reconcile', 'customers_worsening'] %}
with dimension_totals as (
    select
        as_of_date,
        dimension,
        {%- for column in additive %}
        sum({{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('kpi_by_dimension') }}
    group by as_of_date, dimension
),

dimensions as (
    select distinct dimension from {{ ref('kpi_by_dimension') }}
)

select kpis.as_of_date, dimensions.dimension
from {{ ref('kpi_monthly') }} as kpis
cross join dimensions
left join dimension_totals
    on kpis.as_of_date = dimension_totals.as_of_date
    and dimensions.dimension = dimension_totals.dimension
where dimension_totals.as_of_date is null
    {%- for column in additive %}
    or abs(cast(kpis.{{ column }} as double) - cast(dimension_totals.{{ column }} as double)) > 0.005
    {%- endfor %}
