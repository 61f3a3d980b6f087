-- grain: one row per invoice x period between two of its events (issue, settlements).
-- Each period [valid_from, valid_to) carries the invoice's open amount and the part of its
-- settlements that is unapplied (an excess over the amount, or cash received before the
-- invoice was issued): range-joining these periods to the as-of dates gives every open
-- item at every D without a cross join of invoices and dates.
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='document_id',
          pre_hook="{% if rebuild_from() %}delete from {{ this }} where {{ rebuilt_dates('valid_from') }}
              and document_id not in (select document_id from {{ ref('stg_erp__invoices') }}
                                      where document_type = 'invoice'){% endif %}") }}
{#- (the pre-hook drops the segments of invoices removed since: they have nothing to insert) #}
with all_invoices as (
    select * from {{ ref('stg_erp__invoices') }} where document_type = 'invoice'
),

all_settlements as (
    select * from {{ ref('int_settlements_applied_to_invoices') }}
),

{%- if rebuild_from() %}

-- an incremental build recomputes the invoices with an event from rebuild_from on, in the
-- new data or in their current segments (an event since changed or removed)
rebuilt_invoices as (
    select document_id from all_invoices where {{ rebuilt_dates('document_date') }}
    union
    select document_id from all_settlements where {{ rebuilt_dates('settlement_date') }}
    union
    select document_id from {{ this }} where {{ rebuilt_dates('valid_from') }}
),
{%- endif %}

invoices as (
    select * from all_invoices
    {%- if rebuild_from() %} semi join rebuilt_invoices using (document_id){% endif %}
),

settlements as (
    select * from all_settlements
    {%- if rebuild_from() %} semi join rebuilt_invoices using (document_id){% endif %}
),

events as (
    select document_id, document_date as event_date, 0 as settled_amount from invoices
    union all
    select document_id, settlement_date, settled_amount from settlements
),

events_by_date as (
    select document_id, event_date, sum(settled_amount) as settled_amount
    from events
    group by document_id, event_date
),

cumulated as (
    select
        document_id,
        event_date as valid_from,
        coalesce(
            lead(event_date) over (partition by document_id order by event_date),
            date '9999-12-31'
        ) as valid_to,
        sum(settled_amount) over (
            partition by document_id order by event_date rows unbounded preceding
        ) as cumulative_settled_amount
    from events_by_date
),

final as (
    select
        invoices.document_id,
        invoices.customer_id,
        invoices.document_date,
        invoices.due_date,
        invoices.amount as invoice_amount,
        cumulated.valid_from,
        cumulated.valid_to,
        cumulated.cumulative_settled_amount,
        cumulated.valid_from >= invoices.document_date as is_issued,
        -- the open amount never goes below 0 ...
        case
            when cumulated.valid_from >= invoices.document_date
                then greatest(invoices.amount - cumulated.cumulative_settled_amount, 0)
            else 0
        end as open_amount,
        -- ... the excess (or cash received before the invoice exists) is unapplied credit
        case
            when cumulated.valid_from >= invoices.document_date
                then -greatest(cumulated.cumulative_settled_amount - invoices.amount, 0)
            else -cumulated.cumulative_settled_amount
        end as unapplied_amount
    from cumulated
    inner join invoices on cumulated.document_id = invoices.document_id
)

select * from final
