-- grain: one row per customer x day on which invoices of the customer were fully settled.
-- The running sums, up to that day, of the settled invoices' amounts, weighted by days to pay,
-- terms and days beyond terms: int_customer_settlements_at_as_of_dates reads them at D and at
-- the start of each look-back window. Built apart so that an incremental build adds the new
-- days to the sums carried over, instead of summing every settlement again.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates('settlement_date') }}") }}
{%- set measures = ['settled_amount', 'settled_amount_x_days_to_pay', 'settled_amount_x_terms_days',
                    'settled_amount_x_days_beyond', 'settled_invoices', 'settled_invoices_paid_late'] %}
-- An invoice paid in advance counts from its issue date: before it, the invoice is not known
-- (a KPI at D reads nothing dated after D), so settlement_date here is the later of the two.
with all_settlements as (
    select * exclude (settlement_date),
        greatest(settlement_date, document_date) as settlement_date
    from {{ ref('int_invoice_settlements') }}
),

settlements as (
    select * from all_settlements where {{ rebuilt_dates('settlement_date') }}
),

daily as (
    select
        customer_id,
        settlement_date,
        sum(invoice_amount) as settled_amount,
        sum(invoice_amount * days_to_pay) as settled_amount_x_days_to_pay,
        sum(invoice_amount * contract_terms_days) as settled_amount_x_terms_days,
        sum(invoice_amount * days_beyond_terms) as settled_amount_x_days_beyond,
        count(*) as settled_invoices,
        count(*) filter (where is_paid_late) as settled_invoices_paid_late
    from settlements
    group by customer_id, settlement_date
),

-- an incremental build carries each customer's sums over from its last day before
-- rebuild_from (the pre-hook deleted the later ones)
carried_over as (
    {%- if rebuild_from() %}
    select
        customer_id,
        {%- for measure in measures %}
        max_by({{ measure }}, settlement_date) as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ this }}
    group by customer_id
    {%- else %}
    select
        null::varchar as customer_id,
        {%- for measure in measures %}
        0 as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    where false
    {%- endif %}
),

final as (
    select
        daily.customer_id,
        daily.settlement_date,
        {%- for measure in measures %}
        coalesce(carried_over.{{ measure }}, 0) + sum(daily.{{ measure }}) over customer_dates
            as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from daily
    left join carried_over on daily.customer_id = carried_over.customer_id
    window customer_dates as (partition by daily.customer_id order by daily.settlement_date
                              rows unbounded preceding)
)

select * from final
