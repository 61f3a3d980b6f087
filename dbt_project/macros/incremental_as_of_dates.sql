{#- Incremental builds by as-of date. A model at grain "as-of date x ..." whose rows at D read
    only data dated up to D is configured with

        {{ config(materialized='incremental', incremental_strategy='append',
                  pre_hook="{{ delete_rebuilt_as_of_dates() }}") }}

    and filters every as-of source with `where {{ rebuilt_as_of_dates() }}`. On a run with the
    var rebuild_from (the pipeline passes it when nothing loaded since the last build is dated
    earlier: see pipeline.rebuild_from), the model deletes its rows from that date on (rebuild_from
    is never after the previous run date, which is no longer in the grid), then appends the
    recomputed dates; the closed months before stay as they are. Without the var, or with --full-refresh, the
    model is rebuilt whole. -#}

{#- The first as-of date this build recomputes, or none when it computes every date. -#}
{% macro rebuild_from() -%}
    {{- return(var('rebuild_from', none) if is_incremental() else none) -}}
{%- endmacro %}

{#- A filter on an as-of date column: the dates this build computes. -#}
{% macro rebuilt_as_of_dates(column='as_of_date') -%}
    {%- if rebuild_from() -%}
        {{ column }} >= date '{{ rebuild_from() }}'
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The pre-hook: make room for the recomputed dates. -#}
{% macro delete_rebuilt_as_of_dates() -%}
    {%- if rebuild_from() -%}
        delete from {{ this }} where as_of_date >= date '{{ rebuild_from() }}'
    {%- endif -%}
{%- endmacro %}
