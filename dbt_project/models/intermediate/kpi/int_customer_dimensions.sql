-- grain: one row per customer x dimension: the groups a customer's numbers are added into.
-- dimension 'company' (value 'all') is the whole book; missing values are grouped as '(not set)'
-- so that every dimension adds up to the company total.
with customers as (
    select * from {{ ref('stg_erp__customers') }}
),

final as (
    {%- set dimensions = ['segment', 'region', 'country', 'business_unit', 'collector_id'] %}
    select customer_id, 'company' as dimension, 'all' as dimension_value from customers
    {%- for dimension in dimensions %}
    union all
    select customer_id, '{{ dimension }}', coalesce(cast({{ dimension }} as varchar), '(not set)')
    from customers
    {%- endfor %}
)

select * from final
