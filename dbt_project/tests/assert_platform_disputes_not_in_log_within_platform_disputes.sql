-- Invariant: the data-quality warning counts a subset of the platform disputes, and the coverage
-- counts a subset of the invoices issued. Returns the customers where it does not hold.
select customer_id, invoices_issued, invoices_with_status, platform_disputes, platform_disputes_not_in_log
from {{ ref('lifecycle_coverage_by_customer') }}
where platform_disputes_not_in_log > platform_disputes
    or invoices_with_status > invoices_issued
