-- grain: one row per customer x as-of date D.
-- Has the customer worsened over 3 months? Its risk grade and its 12-month days beyond terms at D
-- against the same at the latest month end at least 3 months before D (31 Jan for 30 Apr or
-- 10 May): the grade is worse, or it pays more than worsening_days_beyond_terms days later.
-- Both dates are <= D: nothing dated after D is read.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
with risk_grades as (
    select * from {{ ref('int_customer_risk_grades') }}
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }} where {{ rebuilt_dates() }}
),

comparison_dates as (
    select
        as_of_date,
        {{ three_months_before('as_of_date') }} as three_months_before
    from as_of_dates
),

now_and_before as (
    select
        current_grades.customer_id,
        current_grades.as_of_date,
        comparison_dates.three_months_before,
        current_grades.risk_grade,
        earlier_grades.risk_grade as risk_grade_3_months_before,
        current_grades.avg_days_beyond_terms_12m,
        earlier_grades.avg_days_beyond_terms_12m as avg_days_beyond_terms_12m_3_months_before
    from risk_grades as current_grades
    inner join comparison_dates on current_grades.as_of_date = comparison_dates.as_of_date
    -- no row before the first month end: nothing to compare with
    left join risk_grades as earlier_grades
        on current_grades.customer_id = earlier_grades.customer_id
        and comparison_dates.three_months_before = earlier_grades.as_of_date
),

flags as (
    select
        *,
        -- grades are letters A (best) .. E: a later letter is worse
        coalesce(risk_grade > risk_grade_3_months_before, false) as is_grade_worsening,
        coalesce(
            avg_days_beyond_terms_12m - avg_days_beyond_terms_12m_3_months_before
            > {{ var('worsening_days_beyond_terms') }},
            false
        ) as is_paying_later
    from now_and_before
),

final as (
    select
        *,
        is_grade_worsening or is_paying_later as is_worsening
    from flags
)

select * from final
