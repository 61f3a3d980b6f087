-- grain: one row per month end D (period 'month') plus one row for all months together
-- (period 'overall', as_of_date null).
-- Uplift of post-due calls: share of the overdue amount collected within 30 days by customers
-- called in the 15 days after D, against comparable uncalled customers (same aging bucket of
-- the oldest overdue item, overdue amount band and risk grade): the difference of mean
-- outcomes within each stratum that has both groups, weighted by the stratum's treated units.
with units as (
    select * from {{ ref('int_call_uplift_units') }}
),

{%- for period, period_key in [('month', 'as_of_date'), ('overall', 'null::date')] %}

{{ period }}_strata as (
    select
        {{ period_key }} as as_of_date,
        oldest_aging_bucket,
        overdue_amount_band,
        risk_grade,
        count(*) filter (where is_treated) as treated_units,
        count(*) filter (where is_control) as control_units,
        avg(outcome) filter (where is_treated) as treated_mean_outcome,
        avg(outcome) filter (where is_control) as control_mean_outcome
    from units
    group by all
),

{{ period }}_units as (
    select
        {{ period_key }} as as_of_date,
        count(*) as units,
        count(*) filter (where is_treated) as treated_units,
        count(*) filter (where is_control) as control_units
    from units
    group by all
),

{{ period }}_uplift as (
    select
        '{{ period }}' as period,
        {{ period }}_units.as_of_date,
        {{ period }}_units.units,
        {{ period }}_units.treated_units,
        {{ period }}_units.control_units,
        coalesce(sum(strata.treated_units), 0) as matched_treated_units,
        sum(strata.treated_units * strata.treated_mean_outcome) / sum(strata.treated_units)
            as treated_mean_outcome,
        sum(strata.treated_units * strata.control_mean_outcome) / sum(strata.treated_units)
            as control_mean_outcome,
        sum(strata.treated_units * (strata.treated_mean_outcome - strata.control_mean_outcome))
        / sum(strata.treated_units) as uplift
    from {{ period }}_units
    left join {{ period }}_strata as strata
        on {{ period }}_units.as_of_date is not distinct from strata.as_of_date
        and strata.treated_units > 0
        and strata.control_units > 0
    group by all
),
{%- endfor %}

final as (
    select * from month_uplift
    union all
    select * from overall_uplift
)

select * from final
