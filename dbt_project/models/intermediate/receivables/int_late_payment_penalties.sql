-- grain: one row per as-of date D x invoice overdue at D.
-- French Code de commerce L441-10: interest = open amount x (ECB main refinancing rate + 10
-- points) x days late / 365, plus a fixed 40 EUR recovery indemnity per late invoice. The ECB
-- rate is the one in force at the start of the half-year in which the invoice fell due
-- (the half-year of its first day late).
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
with open_items as (
    select * from {{ ref('int_open_items_at_as_of_dates') }}
    where is_overdue and open_amount > 0 and {{ rebuilt_dates() }}
),

ecb_rates as (
    select * from {{ ref('ecb_main_refinancing_rates') }}
),

final as (
    select
        open_items.as_of_date,
        open_items.customer_id,
        open_items.document_id,
        open_items.due_date,
        open_items.open_amount,
        open_items.days_past_due as days_late,
        ecb_rates.half_year_start as rate_half_year_start,
        ecb_rates.main_refinancing_rate_percent,
        ecb_rates.main_refinancing_rate_percent + {{ var('late_payment_penalty_points') }}
            as penalty_rate_percent,
        cast(open_items.open_amount as double)
            * (ecb_rates.main_refinancing_rate_percent + {{ var('late_payment_penalty_points') }}) / 100
            * open_items.days_past_due / 365 as penalty_interest,
        {{ var('recovery_indemnity_eur') }} as recovery_indemnity
    from open_items
    asof left join ecb_rates
        on open_items.due_date + 1 >= ecb_rates.half_year_start
)

select * from final
