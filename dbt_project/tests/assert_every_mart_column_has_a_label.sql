-- Rule: every column of the marts the dashboard may show has a human label (English, French,
-- unit): a KPI of kpi_catalogue or a column of column_labels. Checks every mart dbt builds (but
-- the catalogue itself). Returns the columns without a label.
{#- the marts, so that this test runs once they are built -#}
-- depends_on: {{ ref('account_statement') }}, {{ ref('aged_balance') }}, {{ ref('aged_balance_by_group') }}
-- depends_on: {{ ref('call_uplift') }}, {{ ref('calls') }}, {{ ref('collection_worklist') }}
-- depends_on: {{ ref('customer_profile') }}, {{ ref('customer_profile_history') }}, {{ ref('customers') }}
-- depends_on: {{ ref('dispute_analysis') }}, {{ ref('disputes') }}, {{ ref('dso_bridge') }}
-- depends_on: {{ ref('kpi_by_dimension') }}, {{ ref('kpi_monthly') }}, {{ ref('late_payment_penalties') }}
-- depends_on: {{ ref('open_disputes') }}, {{ ref('promises') }}, {{ ref('reminder_effectiveness') }}
-- depends_on: {{ ref('invoice_payment_forecast') }}, {{ ref('cash_forecast') }}, {{ ref('cash_forecast_by_dimension') }}
-- depends_on: {{ ref('cash_forecast_vs_actual') }}, {{ ref('forecast_accuracy') }}
{%- set marts = [] %}
{%- if execute %}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.config.schema == 'marts' %}
        {%- do marts.append(node.alias) %}
    {%- endfor %}
{%- endif %}
with shown_columns as (
    select table_name, column_name
    from information_schema.columns
    where table_catalog = current_database()
        and table_schema = 'marts'
        and table_name in ('{{ marts | join("', '") }}')
),

labelled as (
    select kpi as column_name from {{ ref('kpi_catalogue') }}
    union all
    select column_name from {{ ref('column_labels') }}
)

select shown_columns.*
from shown_columns
anti join labelled on shown_columns.column_name = labelled.column_name
