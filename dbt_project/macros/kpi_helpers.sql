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

{#- Aging buckets are data: seeds/aging_buckets.csv (boundaries, labels, order, colour), the one
    file to change. The var that held the boundaries before is refused, so that a run never
    silently ignores it. -#}
{% macro reject_retired_vars() -%}
    {%- if var('aging_bucket_boundaries', none) is not none -%}
        {{ exceptions.raise_compiler_error(
            "The var aging_bucket_boundaries is no longer read: the aging buckets (boundaries, "
            ~ "English and French labels, order, colour) are the seed "
            ~ "dbt_project/seeds/aging_buckets.csv. Edit that file instead of passing the var.") }}
    {%- endif -%}
{%- endmacro %}

{#- The month-end as-of date a trend at D compares with: the latest month end at least 3 calendar
    months before D (31 Jan for 30 Apr and for 10 May; month ends map to month ends). -#}
{% macro three_months_before(date_expression) -%}
    (case
        when {{ date_expression }} = last_day({{ date_expression }})
            then last_day({{ add_months(date_expression, -3) }})
        when {{ add_months(date_expression, -3) }} = last_day({{ add_months(date_expression, -3) }})
            then {{ add_months(date_expression, -3) }}
        else cast(date_trunc('month', {{ add_months(date_expression, -3) }}) as date) - 1
    end)
{%- endmacro %}

{#- Amounts and dates in words, for the reasons people read (the worklist, risk reasons).
    English: EUR 134,740 and 12 Oct; French: 134 740 EUR and 12 oct. (narrow no-break space as
    the thousands separator, as the dashboard's French numbers). -#}
{% macro words_amount_en(amount) -%}
    ('EUR ' || format('{:,.0f}', cast(round({{ amount }}) as double)))
{%- endmacro %}

{% macro words_amount_fr(amount) -%}
    (replace(format('{:,.0f}', cast(round({{ amount }}) as double)), ',', ' ') || ' EUR')
{%- endmacro %}

{% macro words_date_en(date_expression, with_year=false) -%}
    strftime({{ date_expression }}, '%-d %b{{ " %Y" if with_year }}')
{%- endmacro %}

{% macro words_date_fr(date_expression, with_year=false) -%}
    (cast(day({{ date_expression }}) as varchar) || ' '
     || ['janv.', 'févr.', 'mars', 'avr.', 'mai', 'juin', 'juil.', 'août', 'sept.', 'oct.', 'nov.',
         'déc.'][month({{ date_expression }})]
     {%- if with_year %} || ' ' || cast(year({{ date_expression }}) as varchar){% endif %})
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
