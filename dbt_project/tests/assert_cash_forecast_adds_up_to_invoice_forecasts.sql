-- Rule: the cash expected over the 13 weeks after D (cash_forecast) is the invoices' expected
-- cash less what comes after week 13, over the invoices open at D not in litigation; and the
-- litigation amount is their open amount. After week 13 comes what is left at the settlement
-- of an invoice settled later (p_later), once 13 weeks of part payments were paid:
-- p_later * max(0, 1 - 13 x rate) (forecast/part_payments.py).
-- Returns the as-of dates where either differs by more than a cent per week.
with invoice_totals as (
    select
        as_of_date,
        sum(case when not is_litigation then expected_cash_amount
            * (1 - p_later * greatest(0, 1 - 13 * part_payment_weekly_rate)) else 0 end)
            as expected_cash,
        sum(case when is_litigation then open_amount else 0 end) as litigation_amount
    from {{ ref('invoice_payment_forecast') }}
    group by as_of_date
),

weekly_totals as (
    select
        as_of_date,
        sum(expected_cash) as expected_cash,
        max(litigation_amount) as litigation_amount
    from {{ ref('cash_forecast') }}
    group by as_of_date
)

select
    invoice_totals.as_of_date,
    invoice_totals.expected_cash as invoice_expected_cash,
    weekly_totals.expected_cash as weekly_expected_cash,
    invoice_totals.litigation_amount as invoice_litigation_amount,
    weekly_totals.litigation_amount as weekly_litigation_amount
from invoice_totals
full join weekly_totals on invoice_totals.as_of_date = weekly_totals.as_of_date
where abs(coalesce(invoice_totals.expected_cash, 0) - coalesce(weekly_totals.expected_cash, 0)) > 0.13
    or abs(coalesce(invoice_totals.litigation_amount, 0) - coalesce(weekly_totals.litigation_amount, 0)) > 0.01
