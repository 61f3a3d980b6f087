{#- Small building blocks shared by the KPI models: one place for each convention. -#}

{#- The run's as-of date: the var the pipeline passes, else the latest date in the extracts. -#}
{% macro run_as_of_date() -%}
    {%- if var('as_of_date') -%}
        date '{{ var("as_of_date") }}'
    {%- else -%}
        (
            select greatest(
                (select max(document_date) from {{ source('erp', 'invoices') }}),
                (select max(payment_date) from {{ source('erp', 'payments') }}),
                (select max(coalesce(closed_date, opened_date)) from {{ source('erp', 'disputes') }}),
                (select max(call_time)::date from {{ source('collection', 'calls') }})
            )
        )
    {%- endif -%}
{%- endmacro %}

{#- A ratio whose denominator is zero or missing is NULL, never 0 and never an error. -#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0))
{%- endmacro %}

{#- Aging bucket of a number of days past due; the boundaries are the var
    aging_bucket_boundaries ([30, 60, 90, 120] gives not_due, 1-30, 31-60, 61-90, 91-120, >120). -#}
{% macro aging_bucket(days_past_due) -%}
    {%- set boundaries = var('aging_bucket_boundaries') -%}
    case
        when {{ days_past_due }} <= 0 then 'not_due'
        {%- for upper in boundaries %}
        when {{ days_past_due }} <= {{ upper }}
            then '{{ 1 if loop.first else boundaries[loop.index0 - 1] + 1 }}-{{ upper }}'
        {%- endfor %}
        else '>{{ boundaries[-1] }}'
    end
{%- endmacro %}

{#- The bucket labels in order, for accepted_values tests and the dashboard. -#}
{% macro aging_bucket_labels() -%}
    {%- set boundaries = var('aging_bucket_boundaries') -%}
    {%- set labels = ['not_due'] -%}
    {%- for upper in boundaries -%}
        {%- do labels.append((1 if loop.first else boundaries[loop.index0 - 1] + 1) ~ '-' ~ upper) -%}
    {%- endfor -%}
    {%- do labels.append('>' ~ boundaries[-1]) -%}
    {%- do labels.append('unapplied') -%}
    {{ return(labels) }}
{%- endmacro %}

{#- A date shifted by whole calendar months (end of month clipped: 29 Feb - 12 months = 28 Feb). -#}
{% macro add_months(date_expression, months) -%}
    cast({{ date_expression }} + interval ({{ months }}) month as date)
{%- endmacro %}

{#- Overdue amount band used to compare like with like in the call uplift. -#}
{% macro overdue_amount_band(amount) -%}
    case
        when {{ amount }} < 1000 then '<1k'
        when {{ amount }} < 10000 then '1k-10k'
        when {{ amount }} < 50000 then '10k-50k'
        else '>=50k'
    end
{%- endmacro %}
