-- Invariant: the unapplied credit is split without remainder into unapplied cash and unapplied
-- credit notes: unapplied_amount (total_ar - open invoices, negative) = -(cash + credit notes),
-- for the company and every dimension value, at every as-of date. Returns the rows that differ.
select as_of_date, dimension, dimension_value, unapplied_amount, unapplied_cash_amount, unapplied_credit_notes_amount
from {{ ref('int_kpi_by_group') }}
where abs(unapplied_amount + unapplied_cash_amount + unapplied_credit_notes_amount) > 0.005
    or unapplied_cash_amount < 0
    or unapplied_credit_notes_amount < 0
