-- grain: one row per customer x as-of date D.
-- An explainable risk grade: points for each warning signal seen at D (data up to D only),
-- A (0 points) .. E (7 points or more), with the signals spelt out as reasons (English, French).
-- Reconcile before chasing: a customer whose overdue is covered by its own unapplied cash and
-- credit notes is flagged to reconcile; the unapplied credit is allocated to the oldest overdue
-- invoices first, so the overdue signals (oldest item, no payment) look at what it does not cover.
-- Floor: items more than risk_floor_days_past_due days past due that the unapplied credit does not
-- cover, or litigation (a litigation call in the 12 months up to D and an overdue amount), make
-- the grade at least risk_floor_grade, and say so in the reasons.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
{%- set floor_days = var('risk_floor_days_past_due') %}
{%- set floor_grade = var('risk_floor_grade') %}
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
        oldest_uncovered_days_past_due,
        promises_broken_12m,
        open_disputes,
        unapplied_cash_amount,
        unapplied_credit_notes_amount,
        unapplied_cash_amount + unapplied_credit_notes_amount as unapplied_credit_amount,
        -- to reconcile: the overdue is fully covered by the customer's own unapplied credit
        overdue_ar > 0 and overdue_ar <= unapplied_cash_amount + unapplied_credit_notes_amount as is_to_reconcile,
        case
            when overdue_ar > 0 and overdue_ar <= unapplied_cash_amount + unapplied_credit_notes_amount then overdue_ar
            else 0
        end as amount_to_reconcile,
        greatest(overdue_ar - unapplied_cash_amount - unapplied_credit_notes_amount, 0) as uncovered_overdue_amount,
        -- the old items' amount the unapplied credit (allocated oldest first) leaves uncovered
        greatest(overdue_beyond_floor_amount - unapplied_cash_amount - unapplied_credit_notes_amount, 0)
            as uncovered_beyond_floor_amount,
        case when overdue_ar > 0 then last_litigation_call_date end as litigation_call_date,
        -- a customer with uncovered overdue debt who has stopped paying altogether
        case
            when overdue_ar > unapplied_cash_amount + unapplied_credit_notes_amount then days_without_payment
        end as days_without_payment,
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
        case
            when oldest_uncovered_days_past_due > 90 then 2 when oldest_uncovered_days_past_due > 60 then 1 else 0
        end as overdue_age_points,
        case when days_without_payment > 90 then 2 else 0 end as no_payment_points,
        uncovered_beyond_floor_amount > 0 as has_uncovered_old_items,
        litigation_call_date is not null as is_in_litigation
    from signals
),

graded as (
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
        end as points_grade
    from points
),

final as (
    select
        * exclude (points_grade),
        -- grades are letters A (best) .. E: the floor is the later letter of the two
        case
            when has_uncovered_old_items or is_in_litigation then greatest(points_grade, '{{ floor_grade }}')
            else points_grade
        end as risk_grade,
        (has_uncovered_old_items or is_in_litigation) and points_grade < '{{ floor_grade }}' as risk_floor_applied,
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
            case when overdue_age_points > 0 and oldest_uncovered_days_past_due = oldest_days_past_due
                then printf('oldest overdue item %d days past due', oldest_uncovered_days_past_due)
                when overdue_age_points > 0
                then printf('oldest overdue item not covered by unapplied cash %d days past due',
                            oldest_uncovered_days_past_due) end,
            case when no_payment_points > 0
                then printf('no payment received for %d days', days_without_payment) end,
            case when has_uncovered_old_items
                then {{ words_amount_en('uncovered_beyond_floor_amount') }}
                    || ' more than {{ floor_days }} days past due, not covered by unapplied cash: grade at least '
                    || '{{ floor_grade }}' end,
            case when is_in_litigation
                then 'in litigation (call of ' || {{ words_date_en('litigation_call_date', with_year=true) }}
                    || '): grade at least {{ floor_grade }}' end
        ), ''), 'no warning signal') as risk_reasons,
        coalesce(nullif(concat_ws(' ; ',
            case when beyond_terms_points > 0
                then printf('paie à %.0f jours au-delà des conditions (12 mois)', avg_days_beyond_terms_12m) end,
            case when trend_points > 0
                then printf('paie %.0f jours plus tard qu''au trimestre précédent', days_beyond_terms_trend) end,
            case when broken_promise_points > 0
                then printf('%d promesse(s) non tenue(s) en 12 mois', promises_broken_12m) end,
            case when dispute_points > 0
                then printf('%.0f %% du solde en litige', 100 * disputed_share) end,
            case when limit_use_points > 0
                then printf('encours autorisé utilisé à %.0f %%', 100 * credit_limit_use) end,
            case when overdue_age_points > 0 and oldest_uncovered_days_past_due = oldest_days_past_due
                then printf('plus ancienne échéance impayée à %d jours', oldest_uncovered_days_past_due)
                when overdue_age_points > 0
                then printf('plus ancienne échéance non couverte par les encaissements non lettrés à %d jours',
                            oldest_uncovered_days_past_due) end,
            case when no_payment_points > 0
                then printf('aucun paiement depuis %d jours', days_without_payment) end,
            case when has_uncovered_old_items
                then {{ words_amount_fr('uncovered_beyond_floor_amount') }}
                    || ' échus depuis plus de {{ floor_days }} jours, non couverts par les encaissements '
                    || 'non lettrés : note au moins {{ floor_grade }}' end,
            case when is_in_litigation
                then 'en contentieux (appel du ' || {{ words_date_fr('litigation_call_date', with_year=true) }}
                    || ') : note au moins {{ floor_grade }}' end
        ), ''), 'aucun signal d''alerte') as risk_reasons_fr
    from graded
)

select * from final
