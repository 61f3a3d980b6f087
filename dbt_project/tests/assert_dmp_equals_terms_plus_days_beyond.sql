-- Invariant: dmp_days = contract_terms_days + avg_days_beyond_terms, for the company and for
-- every dimension value (all three are NULL together when nothing was settled).
with payment_behaviour as (
    select as_of_date, 'company' as dimension, 'all' as dimension_value,
        dmp_days, contract_terms_days, avg_days_beyond_terms
    from {{ ref('kpi_monthly') }}
    union all
    select as_of_date, dimension, dimension_value, dmp_days, contract_terms_days, avg_days_beyond_terms
    from {{ ref('kpi_by_dimension') }}
)

select *
from payment_behaviour
where abs(dmp_days - (contract_terms_days + avg_days_beyond_terms)) > 1e-6
    or (dmp_days is null) <> (contract_terms_days is null)
    or (dmp_days is null) <> (avg_days_beyond_terms is null)
