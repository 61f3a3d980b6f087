{#- Incremental builds by date. The pipeline passes the var rebuild_from (see
    pipeline.rebuild_from) when every row changed since the last build, and every row linked
    to one (an invoice's payments and credit notes), is dated from that day on; a KPI at D
    reads only rows dated up to D. So:

    - a model at grain "as-of date x ..." deletes its rows from rebuild_from on and appends
      the recomputed dates; the closed months before stay as they are:

        {{ config(materialized='incremental', incremental_strategy='append',
                  pre_hook="{{ delete_rebuilt_dates() }}") }}
        ... every as-of source filtered with where {{ rebuilt_dates() }}

      (rebuild_from is never after the previous run date, which leaves the grid);
    - a model of dated events (ledger entries, settlements) does the same on its event date,
      carrying running totals over from its rows before rebuild_from;
    - a model per invoice recomputes the invoices with an event from rebuild_from on.

    Without the var, or with --full-refresh, every model is rebuilt whole. -#}

{#- The first date this build recomputes, or none when it computes every date. -#}
{% macro rebuild_from() -%}
    {{- return(var('rebuild_from', none) if is_incremental() else none) -}}
{%- endmacro %}

{#- A filter on a date column: the dates this build computes. -#}
{% macro rebuilt_dates(column='as_of_date') -%}
    {%- if rebuild_from() -%}
        {{ column }} >= date '{{ rebuild_from() }}'
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The pre-hook: make room for the recomputed dates. -#}
{% macro delete_rebuilt_dates(column='as_of_date') -%}
    {%- if rebuild_from() -%}
        delete from {{ this }} where {{ rebuilt_dates(column) }}
    {%- endif -%}
{%- endmacro %}
