-- grain: one row per as_of_date (company level).
select * exclude (dimension, dimension_value)
from {{ ref('int_kpi_by_group') }}
where dimension = 'company'
