-- grain: one row per as_of_date x dimension x dimension_value (dimension 'company' = the whole book),
-- from the second as-of date on: the change in DSO since the previous as-of date, split into
-- the terms effect (change in best possible DSO) and the delinquency effect (change in average
-- days delinquent), and the delinquency effect into its disputed and undisputed parts.
{%- set window_days = var('dso_window_days') %}
with kpis as (
    select
        *,
        {{ safe_divide('disputed_overdue_ar', 'sales_window') }} * {{ window_days }} as disputed_days_delinquent
    from {{ ref('int_kpi_by_group') }}
),

with_previous as (
    select
        as_of_date,
        dimension,
        dimension_value,
        lag(as_of_date) over by_group as previous_as_of_date,
        lag(dso_simple) over by_group as dso_previous,
        dso_simple as dso_current,
        lag(best_possible_dso) over by_group as best_possible_dso_previous,
        best_possible_dso as best_possible_dso_current,
        lag(average_days_delinquent) over by_group as average_days_delinquent_previous,
        average_days_delinquent as average_days_delinquent_current,
        lag(disputed_days_delinquent) over by_group as disputed_days_delinquent_previous,
        disputed_days_delinquent as disputed_days_delinquent_current,
        {{ safe_divide('disputed_overdue_ar', 'overdue_ar') }} as disputed_share_of_overdue
    from kpis
    window by_group as (partition by dimension, dimension_value order by as_of_date)
),

final as (
    select
        as_of_date,
        previous_as_of_date,
        dimension,
        dimension_value,
        dso_previous,
        dso_current,
        dso_current - dso_previous as dso_change,
        best_possible_dso_previous,
        best_possible_dso_current,
        best_possible_dso_current - best_possible_dso_previous as terms_effect,
        average_days_delinquent_previous,
        average_days_delinquent_current,
        average_days_delinquent_current - average_days_delinquent_previous as delinquency_effect,
        disputed_days_delinquent_previous,
        disputed_days_delinquent_current,
        disputed_days_delinquent_current - disputed_days_delinquent_previous as disputed_delinquency_effect,
        (average_days_delinquent_current - average_days_delinquent_previous)
        - (disputed_days_delinquent_current - disputed_days_delinquent_previous)
            as undisputed_delinquency_effect,
        disputed_share_of_overdue
    from with_previous
    where previous_as_of_date is not null
)

select * from final
