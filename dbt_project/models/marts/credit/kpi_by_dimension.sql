-- grain: one row per as_of_date x dimension x dimension_value
-- (dimension in segment, region, country, business_unit, collector_id).
select *
from {{ ref('int_kpi_by_group') }}
where dimension <> 'company'
