-- Invariant: an invoice is made available and approved on or after its invoice date: days_to_available
-- and days_to_approval are >= 0 when the status came (a negative count means a status dated before
-- its invoice: a wrong date in the extracts). Returns those invoices.
select document_id, document_date, made_available_at, approved_at, days_to_available, days_to_approval
from {{ ref('invoice_lifecycle') }}
where days_to_available < 0 or days_to_approval < 0
