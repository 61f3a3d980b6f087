with source as (
    select * from {{ source('einvoicing', 'invoice_statuses') }}
),

renamed as (
    select
        status_id,
        document_id,
        status_code,
        status_time,
        -- a status counts at D when it is dated <= D, like every other extract
        cast(status_time as date) as status_date,
        issuer,
        reason_code,
        requested_action,
        amount
    from source
)

select * from renamed
