with source as (
    select * from {{ source('collection', 'calls') }}
),

renamed as (
    select
        call_id,
        customer_id,
        collector_id,
        call_time,
        cast(call_time as date) as call_date,
        coalesce(channel, 'phone') as channel,
        coalesce(stage, '(not set)') as stage,
        -- only preventive calls are pre-due; a call of unknown stage counts as a reminder
        stage is distinct from 'pre_due' as is_post_due,
        coalesce(right_party_contact, false) as is_right_party_contact,
        outcome,
        coalesce(outcome in ('promise_to_pay', 'payment_plan'), false) as is_promise,
        promised_amount,
        promised_date,
        document_id,
        duration_seconds
    from source
)

select * from renamed
