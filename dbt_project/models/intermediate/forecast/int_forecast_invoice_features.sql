-- grain: one row per as-of date D x invoice open at D (open_amount > 0).
-- What was known about the invoice, its customer and its collection at D, the inputs of the
-- payment forecast made at D, and the three baseline forecasts of CONTRACT.md section 3.
-- No leakage: every value at D reads only rows dated <= D (documents, payments, settlements,
-- calls, promises, e-invoicing statuses; a dispute is closed, with its resolution, only if
-- closed_date <= D), so a run on the extracts cut at D gives the same rows for D.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
with open_items as (
    select * from {{ ref('int_open_items_at_as_of_dates') }}
    where {{ rebuilt_dates() }} and open_amount > 0
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }} where {{ rebuilt_dates() }}
),

customers as (
    select * from {{ ref('stg_erp__customers') }}
),

customer_history as (
    select * from {{ ref('int_forecast_customer_history_at_as_of_dates') }} where {{ rebuilt_dates() }}
),

customer_promises as (
    select * from {{ ref('int_forecast_promises_at_as_of_dates') }} where {{ rebuilt_dates() }}
),

promises as (
    select * from {{ ref('int_forecast_promises') }}
),

customer_balances as (
    select * from {{ ref('int_customer_balances_at_as_of_dates') }} where {{ rebuilt_dates() }}
),

calls as (
    select * from {{ ref('stg_collection__calls') }}
),

open_disputes as (
    select * from {{ ref('int_disputes_open_at_as_of_dates') }} where {{ rebuilt_dates() }}
),

disputes as (
    select * from {{ ref('stg_erp__disputes') }}
),

invoice_statuses as (
    select * from {{ ref('stg_einvoicing__invoice_statuses') }}
),

settlements as (
    select * from {{ ref('int_invoice_settlements') }}
),

customer_positions as (
    select
        as_of_date,
        customer_id,
        count(*) as open_invoices,
        coalesce(sum(open_amount) filter (where is_overdue), 0) as overdue_amount
    from open_items
    group by as_of_date, customer_id
),

-- the customer's latest call at D: each call is the latest from its day until the next call's
calls_in_order as (
    select
        *,
        lead(call_date) over (partition by customer_id order by call_time, call_id) as next_call_date
    from calls
),

last_calls as (
    select
        as_of_dates.as_of_date,
        calls_in_order.customer_id,
        calls_in_order.call_date as last_call_date,
        calls_in_order.stage as last_call_stage
    from calls_in_order
    inner join as_of_dates
        on calls_in_order.call_date <= as_of_dates.as_of_date
        and coalesce(calls_in_order.next_call_date, date '9999-12-31') > as_of_dates.as_of_date
),

-- the customer's latest formal notice or litigation call at D: the invoices overdue on that
-- day are in litigation (a later reminder about newer invoices does not take them out)
latest_legal_actions as (
    select
        as_of_dates.as_of_date,
        calls.customer_id,
        max(calls.call_date) as last_legal_action_date
    from calls
    inner join as_of_dates on calls.call_date <= as_of_dates.as_of_date
    where calls.stage in ('formal_notice', 'litigation') or calls.channel = 'formal_notice'
    group by as_of_dates.as_of_date, calls.customer_id
),

post_due_calls as (
    select
        as_of_dates.as_of_date,
        calls.customer_id,
        count(*) as post_due_calls_30d
    from calls
    inner join as_of_dates
        on calls.call_date > as_of_dates.as_of_date - 30
        and calls.call_date <= as_of_dates.as_of_date
    where calls.is_post_due
    group by as_of_dates.as_of_date, calls.customer_id
),

-- the collector's promise record at D (promises the collector obtained, matured by D)
collector_promises as (
    select
        as_of_dates.as_of_date,
        promises.collector_id,
        count(*) as promises_matured,
        count(*) filter (where promises.is_kept) as promises_kept
    from promises
    inner join as_of_dates on promises.maturity_date <= as_of_dates.as_of_date
    where promises.superseded_date is null
        and promises.collector_id is not null
    group by as_of_dates.as_of_date, promises.collector_id
),

-- a pending promise covers the invoice the call was about, and the customer's overdue invoices
-- (oldest due first, then document_id) that the promised amount still to come reaches
overdue_items_under_promise as (
    select
        open_items.as_of_date,
        open_items.document_id,
        customer_promises.promise_remaining_amount,
        coalesce(sum(open_items.open_amount) over (
            partition by open_items.as_of_date, open_items.customer_id
            order by open_items.due_date, open_items.document_id
            rows between unbounded preceding and 1 preceding
        ), 0) as open_amount_before
    from open_items
    inner join customer_promises
        on open_items.as_of_date = customer_promises.as_of_date
        and open_items.customer_id = customer_promises.customer_id
    where customer_promises.has_pending_promise
        and open_items.is_overdue
),

promised_invoices as (
    select as_of_date, document_id
    from overdue_items_under_promise
    where open_amount_before < promise_remaining_amount
    union
    select as_of_date, pending_promise_document_id
    from customer_promises
    where has_pending_promise and pending_promise_document_id is not null
),

-- the invoice's e-invoicing lifecycle at D (statuses dated <= D): its latest status, and
-- when the buyer approved it (205) and said the payment was sent (211), if it did
statuses_at_as_of_dates as (
    select
        open_items.as_of_date,
        open_items.document_id,
        arg_max(invoice_statuses.status_code,
                (invoice_statuses.status_time, invoice_statuses.status_id)) as lifecycle_status_code,
        max(invoice_statuses.status_date) as last_status_date,
        min(invoice_statuses.status_date) filter (where invoice_statuses.status_code = 205)
            as approved_date,
        max(invoice_statuses.status_date) filter (where invoice_statuses.status_code = 211)
            as payment_transmitted_date
    from open_items
    inner join invoice_statuses
        on open_items.document_id = invoice_statuses.document_id
        and invoice_statuses.status_date <= open_items.as_of_date
    group by open_items.as_of_date, open_items.document_id
),

-- how many days after the buyer's "payment transmitted" (211) the invoice was settled, over
-- the invoices settled by D: the rule for an invoice whose payment was sent but not received
transmitted_to_settled as (
    select
        invoice_statuses.document_id,
        max(invoice_statuses.status_date) as transmitted_date
    from invoice_statuses
    where invoice_statuses.status_code = 211
    group by invoice_statuses.document_id
),

transmitted_lags as (
    select
        as_of_dates.as_of_date,
        count(*) as transmitted_settled_invoices,
        quantile_disc(settlements.settlement_date - transmitted_to_settled.transmitted_date, 0.1)
            as transmitted_to_cash_days_p10,
        quantile_disc(settlements.settlement_date - transmitted_to_settled.transmitted_date, 0.5)
            as transmitted_to_cash_days_median,
        quantile_disc(settlements.settlement_date - transmitted_to_settled.transmitted_date, 0.9)
            as transmitted_to_cash_days_p90
    from transmitted_to_settled
    inner join settlements on transmitted_to_settled.document_id = settlements.document_id
    inner join as_of_dates
        on settlements.settlement_date <= as_of_dates.as_of_date
        and transmitted_to_settled.transmitted_date <= settlements.settlement_date
    group by as_of_dates.as_of_date
),

-- the disputes open at D on the invoice: the oldest one gives reason, owner and age
invoice_disputes as (
    select
        as_of_date,
        document_id,
        arg_min(reason, (opened_date, dispute_id)) as dispute_reason,
        arg_min(owner, (opened_date, dispute_id)) as dispute_owner,
        min(opened_date) as dispute_opened_date,
        sum(disputed_amount) as disputed_amount
    from open_disputes
    group by as_of_date, document_id
),

-- disputes closed by D: how long each reason (and owner) takes, how often it ends in a credit
disputes_closed_at_as_of_dates as (
    select
        as_of_dates.as_of_date,
        disputes.reason,
        disputes.owner,
        disputes.resolution,
        disputes.closed_date - disputes.opened_date as resolution_days
    from disputes
    inner join as_of_dates
        on disputes.closed_date <= as_of_dates.as_of_date
        and disputes.opened_date <= as_of_dates.as_of_date
),

reason_resolution as (
    select
        as_of_date,
        reason,
        count(*) as closed_disputes,
        avg(resolution_days) as avg_resolution_days,
        {{ safe_divide("count(*) filter (where resolution in ('credit_note', 'written_off'))", 'count(*)') }}
            as credit_share
    from disputes_closed_at_as_of_dates
    group by as_of_date, reason
),

reason_owner_resolution as (
    select
        as_of_date,
        reason,
        owner,
        avg(resolution_days) as avg_resolution_days
    from disputes_closed_at_as_of_dates
    group by as_of_date, reason, owner
),

features as (
    select
        open_items.as_of_date,
        open_items.document_id,
        open_items.customer_id,
        open_items.document_date,
        open_items.due_date,
        open_items.invoice_amount,
        open_items.open_amount,
        open_items.as_of_date - open_items.due_date as days_past_due,
        open_items.due_date - open_items.as_of_date as days_to_due,
        open_items.as_of_date - open_items.document_date as invoice_age_days,
        open_items.due_date - open_items.document_date as terms_days,
        {{ safe_divide('open_items.open_amount', 'open_items.invoice_amount') }} as open_share,
        open_items.open_amount < open_items.invoice_amount as is_partly_paid,

        customers.segment,
        customers.region,
        customers.business_unit,
        customers.collector_id,

        coalesce(customer_history.cust_settled_invoices_12m, 0) as cust_settled_invoices_12m,
        customer_history.cust_avg_days_beyond_terms_12m,
        customer_history.cust_stddev_days_beyond_terms_12m,
        customer_history.cust_avg_days_beyond_terms_3m,
        customer_history.cust_share_paid_late_12m,
        customer_history.cust_avg_days_to_pay_12m,
        customer_history.cust_direct_debit_share_12m,
        customer_history.cust_payment_run_share_12m,

        customer_positions.open_invoices as cust_open_invoices,
        customer_positions.overdue_amount as cust_overdue_amount,
        customer_balances.total_ar as cust_total_ar,

        open_items.as_of_date - last_calls.last_call_date as last_call_days_ago,
        last_calls.last_call_stage,
        coalesce(post_due_calls.post_due_calls_30d, 0) as post_due_calls_30d,
        coalesce(open_items.due_date < latest_legal_actions.last_legal_action_date, false)
            as is_litigation,

        coalesce(customer_promises.has_pending_promise, false) as has_pending_promise,
        customer_promises.promised_date,
        customer_promises.promised_date - open_items.as_of_date as promise_days_ahead,
        promised_invoices.document_id is not null as is_promised,
        coalesce(customer_promises.cust_promises_matured, 0) as cust_promises_matured,
        coalesce(customer_promises.cust_promises_kept, 0) as cust_promises_kept,
        coalesce(collector_promises.promises_matured, 0) as collector_promises_matured,
        coalesce(collector_promises.promises_kept, 0) as collector_promises_kept,

        invoice_disputes.document_id is not null as is_disputed,
        invoice_disputes.dispute_reason,
        invoice_disputes.dispute_owner,
        open_items.as_of_date - invoice_disputes.dispute_opened_date as dispute_age_days,
        invoice_disputes.disputed_amount,
        case when invoice_disputes.document_id is not null
            then coalesce(reason_resolution.closed_disputes, 0) end as reason_closed_disputes,
        reason_resolution.avg_resolution_days as reason_avg_resolution_days,
        reason_owner_resolution.avg_resolution_days as reason_owner_avg_resolution_days,
        reason_resolution.credit_share as reason_credit_share,
        coalesce(customer_history.cust_disputes_12m, 0) as cust_disputes_12m,

        statuses_at_as_of_dates.lifecycle_status_code,
        open_items.as_of_date - statuses_at_as_of_dates.last_status_date
            as lifecycle_status_days_ago,
        open_items.as_of_date - statuses_at_as_of_dates.approved_date as approved_days_ago,
        open_items.as_of_date - statuses_at_as_of_dates.payment_transmitted_date
            as payment_transmitted_days_ago,
        -- the lags of the invoices settled by D, on the invoices whose payment was sent
        case when statuses_at_as_of_dates.payment_transmitted_date is not null
            then transmitted_lags.transmitted_settled_invoices end as transmitted_settled_invoices,
        case when statuses_at_as_of_dates.payment_transmitted_date is not null
            then transmitted_lags.transmitted_to_cash_days_p10 end as transmitted_to_cash_days_p10,
        case when statuses_at_as_of_dates.payment_transmitted_date is not null
            then transmitted_lags.transmitted_to_cash_days_median end
            as transmitted_to_cash_days_median,
        case when statuses_at_as_of_dates.payment_transmitted_date is not null
            then transmitted_lags.transmitted_to_cash_days_p90 end as transmitted_to_cash_days_p90,

        month(open_items.as_of_date) as as_of_month,
        month(open_items.due_date) as due_month
    from open_items
    left join customers on open_items.customer_id = customers.customer_id
    left join customer_history
        on open_items.as_of_date = customer_history.as_of_date
        and open_items.customer_id = customer_history.customer_id
    left join customer_positions
        on open_items.as_of_date = customer_positions.as_of_date
        and open_items.customer_id = customer_positions.customer_id
    left join customer_balances
        on open_items.as_of_date = customer_balances.as_of_date
        and open_items.customer_id = customer_balances.customer_id
    left join last_calls
        on open_items.as_of_date = last_calls.as_of_date
        and open_items.customer_id = last_calls.customer_id
    left join latest_legal_actions
        on open_items.as_of_date = latest_legal_actions.as_of_date
        and open_items.customer_id = latest_legal_actions.customer_id
    left join post_due_calls
        on open_items.as_of_date = post_due_calls.as_of_date
        and open_items.customer_id = post_due_calls.customer_id
    left join customer_promises
        on open_items.as_of_date = customer_promises.as_of_date
        and open_items.customer_id = customer_promises.customer_id
    left join promised_invoices
        on open_items.as_of_date = promised_invoices.as_of_date
        and open_items.document_id = promised_invoices.document_id
    left join collector_promises
        on open_items.as_of_date = collector_promises.as_of_date
        and customers.collector_id = collector_promises.collector_id
    left join invoice_disputes
        on open_items.as_of_date = invoice_disputes.as_of_date
        and open_items.document_id = invoice_disputes.document_id
    left join statuses_at_as_of_dates
        on open_items.as_of_date = statuses_at_as_of_dates.as_of_date
        and open_items.document_id = statuses_at_as_of_dates.document_id
    left join transmitted_lags on open_items.as_of_date = transmitted_lags.as_of_date
    left join reason_resolution
        on open_items.as_of_date = reason_resolution.as_of_date
        and invoice_disputes.dispute_reason = reason_resolution.reason
    left join reason_owner_resolution
        on open_items.as_of_date = reason_owner_resolution.as_of_date
        and invoice_disputes.dispute_reason = reason_owner_resolution.reason
        and invoice_disputes.dispute_owner = reason_owner_resolution.owner
),

-- the baselines (CONTRACT.md section 3): never on or before D, day counts rounded to whole days
date_baselines as (
    select
        *,
        greatest(due_date, as_of_date + 1) as due_date_method_date,
        greatest(
            due_date + cast(round(coalesce(cust_avg_days_beyond_terms_12m, 0)) as integer),
            as_of_date + 1
        ) as customer_delay_method_date
    from features
),

final as (
    select
        *,
        case
            when has_pending_promise and is_promised
                then greatest(promised_date, as_of_date + 1)
            when is_disputed
                then greatest(
                    due_date
                    + cast(round(coalesce(reason_avg_resolution_days, 0)) as integer)
                    + cast(round(coalesce(cust_avg_days_beyond_terms_12m, 0)) as integer),
                    as_of_date + 1
                )
            else customer_delay_method_date
        end as rules_method_date
    from date_baselines
)

select * from final
