-- grain: one row per as-of date D x dimension x dimension value (dimension 'company' = all).
-- Every KPI of CONTRACT.md section 3 computed from the summed building blocks, so that the
-- company row and each dimension row follow one definition.
{%- set window_days = var('dso_window_days') %}
with amounts as (
    select * from {{ ref('int_kpi_group_amounts') }}
),

countback as (
    select * from {{ ref('int_dso_countback') }}
),

final as (
    select
        amounts.as_of_date,
        amounts.dimension,
        amounts.dimension_value,
        amounts.total_ar,
        amounts.not_due_ar,
        amounts.overdue_ar,
        {{ safe_divide('amounts.overdue_ar', 'amounts.total_ar') }} as overdue_rate,
        amounts.sales_window,
        {{ safe_divide('amounts.total_ar', 'amounts.sales_window') }} * {{ window_days }} as dso_simple,
        countback.dso_countback,
        {{ safe_divide('amounts.not_due_ar', 'amounts.sales_window') }} * {{ window_days }} as best_possible_dso,
        dso_simple - best_possible_dso as average_days_delinquent,
        {{ safe_divide('amounts.settled_amount_x_days_to_pay_12m', 'amounts.settled_amount_12m') }} as dmp_days,
        {{ safe_divide('amounts.settled_amount_x_terms_days_12m', 'amounts.settled_amount_12m') }}
            as contract_terms_days,
        {{ safe_divide('amounts.settled_amount_x_days_beyond_12m', 'amounts.settled_amount_12m') }}
            as avg_days_beyond_terms,
        100 * {{ safe_divide(
            'amounts.opening_ar + amounts.month_net_sales - amounts.total_ar',
            'amounts.opening_ar + amounts.month_net_sales - amounts.not_due_ar') }} as cei,
        amounts.disputed_ar,
        {{ safe_divide('amounts.disputed_ar', 'amounts.total_ar') }} as dispute_weight,
        amounts.customers_over_limit,
        amounts.over_limit_amount,
        amounts.calls,
        {{ safe_divide('amounts.right_party_contacts', 'amounts.calls') }} as right_party_contact_rate,
        {{ safe_divide('amounts.promises', 'amounts.right_party_contacts') }} as promise_rate,
        {{ safe_divide('amounts.promises_kept', 'amounts.promises_matured') }} as promise_kept_rate,
        cast(amounts.month_balance_days as double) * {{ var('financing_rate') }} / 365 as financing_cost,
        -- beyond the contract's list
        amounts.customers,
        amounts.opening_ar,
        amounts.month_net_sales,
        amounts.open_invoices_amount,
        amounts.total_ar - amounts.open_invoices_amount as unapplied_amount,
        amounts.disputed_overdue_ar,
        amounts.overdue_invoices,
        amounts.open_disputes,
        {{ safe_divide('amounts.month_balance_days', 'amounts.days_in_period') }} as average_daily_ar,
        amounts.settled_invoices_12m,
        amounts.settled_amount_12m,
        {{ safe_divide('amounts.settled_invoices_paid_late_12m', 'amounts.settled_invoices_12m') }}
            as share_paid_late_12m,
        amounts.right_party_contacts,
        amounts.promises,
        amounts.promises_matured,
        amounts.promises_kept,
        amounts.penalty_interest + amounts.recovery_indemnities as late_payment_penalties,
        amounts.penalty_interest as late_payment_interest,
        amounts.recovery_indemnities,
        amounts.invoices_issued,
        amounts.invoices_beyond_legal_terms,
        {{ safe_divide('amounts.invoices_beyond_legal_terms', 'amounts.invoices_issued') }}
            as legal_terms_breach_share,
        {{ safe_divide('amounts.invoiced_amount_beyond_legal_terms', 'amounts.invoiced_amount') }}
            as legal_terms_breach_amount_share,
        countback.countback_months,
        -- reconcile before chasing: cash and credit notes received but not allocated, and the
        -- overdue they fully cover
        amounts.unapplied_cash_amount,
        amounts.unapplied_credit_notes_amount,
        {{ safe_divide('amounts.unapplied_cash_amount_x_age_days', 'amounts.unapplied_cash_amount') }}
            as unapplied_cash_age_days,
        amounts.customers_to_reconcile,
        amounts.amount_to_reconcile,
        amounts.customers_worsening
    from amounts
    left join countback
        on amounts.as_of_date = countback.as_of_date
        and amounts.dimension = countback.dimension
        and amounts.dimension_value = countback.dimension_value
)

select * from final
