-- grain: one row per customer x as-of date D with unapplied cash or credit notes at D.
-- The unapplied periods (int_unapplied_amount_periods) covering D, by type: cash received and not
-- allocated, credit notes not applied, the amount-weighted age of the cash and its oldest date.
-- unapplied_amount (negative, a credit balance) = total_ar - open amount of the invoices.
{{ config(materialized='incremental', incremental_strategy='append',
          pre_hook="{{ delete_rebuilt_dates() }}") }}
with periods as (
    select * from {{ ref('int_unapplied_amount_periods') }}
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }} where {{ rebuilt_dates() }}
),

-- pieces that stay unapplied (never applied later): running sums per customer, read at D with an
-- as-of join (rather than a join of every piece to every later date)
lasting_by_day as (
    select
        customer_id,
        valid_from,
        coalesce(sum(unapplied_amount) filter (where item_type = 'payment'), 0) as cash_amount,
        coalesce(sum(unapplied_amount) filter (where item_type = 'credit_note'), 0) as credit_notes_amount,
        -- amount x days from a fixed origin: the age at D is cash x (D - origin) minus this
        coalesce(sum(unapplied_amount * (item_date - date '2000-01-01')) filter (where item_type = 'payment'), 0)
            as cash_amount_x_item_day,
        min(item_date) filter (where item_type = 'payment') as oldest_cash_date
    from periods
    where valid_to = date '9999-12-31'
    group by customer_id, valid_from
),

lasting_cumulated as (
    select
        customer_id,
        valid_from,
        sum(cash_amount) over customer_days as cash_amount,
        sum(credit_notes_amount) over customer_days as credit_notes_amount,
        sum(cash_amount_x_item_day) over customer_days as cash_amount_x_item_day,
        min(oldest_cash_date) over customer_days as oldest_cash_date
    from lasting_by_day
    window customer_days as (partition by customer_id order by valid_from rows unbounded preceding)
),

customers_with_lasting as (
    select customers.customer_id, as_of_dates.as_of_date
    from (select distinct customer_id from lasting_by_day) as customers
    cross join as_of_dates
),

lasting_at_as_of_dates as (
    select
        customers_with_lasting.customer_id,
        customers_with_lasting.as_of_date,
        lasting_cumulated.cash_amount,
        lasting_cumulated.credit_notes_amount,
        lasting_cumulated.cash_amount_x_item_day,
        lasting_cumulated.oldest_cash_date
    from customers_with_lasting
    asof inner join lasting_cumulated
        on customers_with_lasting.customer_id = lasting_cumulated.customer_id
        and customers_with_lasting.as_of_date >= lasting_cumulated.valid_from
),

-- pieces unapplied for a while (received before their invoice was issued): the dates they cover
passing_at_as_of_dates as (
    select
        periods.customer_id,
        as_of_dates.as_of_date,
        coalesce(sum(periods.unapplied_amount) filter (where periods.item_type = 'payment'), 0) as cash_amount,
        coalesce(sum(periods.unapplied_amount) filter (where periods.item_type = 'credit_note'), 0)
            as credit_notes_amount,
        coalesce(sum(periods.unapplied_amount * (periods.item_date - date '2000-01-01'))
            filter (where periods.item_type = 'payment'), 0) as cash_amount_x_item_day,
        min(periods.item_date) filter (where periods.item_type = 'payment') as oldest_cash_date
    from periods
    inner join as_of_dates
        on periods.valid_from <= as_of_dates.as_of_date
        and periods.valid_to > as_of_dates.as_of_date
    where periods.valid_to <> date '9999-12-31'
    group by periods.customer_id, as_of_dates.as_of_date
),

combined as (
    select
        customer_id,
        as_of_date,
        sum(cash_amount) as unapplied_cash_amount,
        sum(credit_notes_amount) as unapplied_credit_notes_amount,
        sum(cash_amount_x_item_day) as cash_amount_x_item_day,
        min(oldest_cash_date) as oldest_unapplied_cash_date
    from (
        select * from lasting_at_as_of_dates
        union all
        select * from passing_at_as_of_dates
    )
    group by customer_id, as_of_date
),

final as (
    select
        customer_id,
        as_of_date,
        -(unapplied_cash_amount + unapplied_credit_notes_amount) as unapplied_amount,
        unapplied_cash_amount,
        unapplied_credit_notes_amount,
        unapplied_cash_amount * (as_of_date - date '2000-01-01') - cash_amount_x_item_day
            as unapplied_cash_amount_x_age_days,
        case when unapplied_cash_amount > 0 then oldest_unapplied_cash_date end as oldest_unapplied_cash_date
    from combined
    where unapplied_cash_amount + unapplied_credit_notes_amount <> 0
)

select * from final
