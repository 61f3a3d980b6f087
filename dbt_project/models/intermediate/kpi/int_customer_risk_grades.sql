-- grain: one row per customer x as-of date D.
-- An explainable risk grade: points for each warning signal seen at D (data up to D only),
-- A (0 points) .. E (7 points or more), with the signals spelt out as reasons.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
with components as (
    select * from {{ ref('int_customer_kpi_components') }} where {{ rebuilt_dates() }}
),

signals as (
    select
        customer_id,
        as_of_date,
        total_ar,
        overdue_ar,
        credit_limit,
        oldest_days_past_due,
        promises_broken_12m,
        open_disputes,
        -- a customer with overdue debt who has stopped paying altogether
        case when overdue_ar > 0 then days_without_payment end as days_without_payment,
        {{ safe_divide('settled_amount_x_days_beyond_12m', 'settled_amount_12m') }} as avg_days_beyond_terms_12m,
        {{ safe_divide('settled_amount_x_days_beyond_3m', 'settled_amount_3m') }}
        - {{ safe_divide('settled_amount_x_days_beyond_previous_3m', 'settled_amount_previous_3m') }}
            as days_beyond_terms_trend,
        {{ safe_divide('disputed_ar', 'total_ar') }} as disputed_share,
        {{ safe_divide('total_ar', 'credit_limit') }} as credit_limit_use
    from components
),

points as (
    select
        *,
        case
            when avg_days_beyond_terms_12m > 30 then 2 when avg_days_beyond_terms_12m > 10 then 1 else 0
        end as beyond_terms_points,
        case when days_beyond_terms_trend > 10 then 1 else 0 end as trend_points,
        case when promises_broken_12m >= 2 then 2 when promises_broken_12m = 1 then 1 else 0 end
            as broken_promise_points,
        case when disputed_share > 0.2 then 1 else 0 end as dispute_points,
        case when credit_limit_use > 1 then 2 when credit_limit_use > 0.8 then 1 else 0 end
            as limit_use_points,
        case when oldest_days_past_due > 90 then 2 when oldest_days_past_due > 60 then 1 else 0 end
            as overdue_age_points,
        case when days_without_payment > 90 then 2 else 0 end as no_payment_points
    from signals
),

final as (
    select
        *,
        beyond_terms_points + trend_points + broken_promise_points + dispute_points
        + limit_use_points + overdue_age_points + no_payment_points as risk_points,
        case
            when risk_points = 0 then 'A'
            when risk_points <= 2 then 'B'
            when risk_points <= 4 then 'C'
            when risk_points <= 6 then 'D'
            else 'E'
        end as risk_grade,
        coalesce(nullif(concat_ws('; ',
            case when beyond_terms_points > 0
                then printf('pays %.0f days beyond terms (12 months)', avg_days_beyond_terms_12m) end,
            case when trend_points > 0
                then printf('paying %.0f days later than in the previous quarter', days_beyond_terms_trend) end,
            case when broken_promise_points > 0
                then printf('%d broken promise(s) in 12 months', promises_broken_12m) end,
            case when dispute_points > 0
                then printf('%.0f%% of the balance in dispute', 100 * disputed_share) end,
            case when limit_use_points > 0
                then printf('credit limit used at %.0f%%', 100 * credit_limit_use) end,
            case when overdue_age_points > 0
                then printf('oldest overdue item %d days past due', oldest_days_past_due) end,
            case when no_payment_points > 0
                then printf('no payment received for %d days', days_without_payment) end
        ), ''), 'no warning signal') as risk_reasons
    from points
)

select * from final
