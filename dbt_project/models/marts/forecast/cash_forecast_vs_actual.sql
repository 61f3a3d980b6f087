-- grain: one row per as_of_date x week_number x method, for the weeks ended by the run's as-of date
-- The cash each method expected in week k after D from the invoices open at D (not in
-- litigation), against the cash those invoices really brought that week: `model` is
-- cash_forecast; a baseline puts an invoice's open amount in the week of its date.
with invoice_forecasts as (
    select * from {{ ref('invoice_payment_forecast') }}
    where not is_litigation
),

cash_forecast as (
    select * from {{ ref('cash_forecast') }}
),

payments as (
    select * from {{ ref('stg_erp__payments') }}
    where document_id is not null
),

as_of_dates as (
    select * from {{ ref('int_as_of_dates') }}
),

run_date as (
    select max(as_of_date) as run_as_of_date from as_of_dates
),

weeks as (
    select cast(unnest(generate_series(1, 13)) as integer) as week_number
),

methods as (
    select unnest(['model', 'due_date', 'customer_delay', 'rules']) as method
),

past_weeks as (
    select
        forecast_dates.as_of_date,
        weeks.week_number,
        methods.method
    from (select distinct as_of_date from invoice_forecasts) as forecast_dates
    cross join weeks
    cross join methods
    cross join run_date
    where forecast_dates.as_of_date + 7 * weeks.week_number <= run_date.run_as_of_date
),

baseline_dates as (
    unpivot (
        select as_of_date, open_amount, due_date_method_date, customer_delay_method_date,
            rules_method_date
        from invoice_forecasts
    )
    on due_date_method_date, customer_delay_method_date, rules_method_date
    into name method_column value method_date
),

baseline_expected as (
    select
        as_of_date,
        replace(method_column, '_method_date', '') as method,
        cast((method_date - as_of_date + 6) // 7 as integer) as week_number,
        sum(open_amount) as expected_cash
    from baseline_dates
    where method_date <= as_of_date + 91
    group by all
),

model_expected as (
    select
        as_of_date,
        'model' as method,
        week_number,
        expected_cash
    from cash_forecast
),

actual as (
    select
        invoice_forecasts.as_of_date,
        cast((payments.payment_date - invoice_forecasts.as_of_date + 6) // 7 as integer) as week_number,
        sum(payments.amount) as actual_cash
    from invoice_forecasts
    inner join payments
        on invoice_forecasts.document_id = payments.document_id
        and payments.payment_date > invoice_forecasts.as_of_date
        and payments.payment_date <= invoice_forecasts.as_of_date + 91
    group by all
),

expected as (
    select * from baseline_expected
    union all
    select * from model_expected
),

final as (
    select
        past_weeks.as_of_date,
        past_weeks.week_number,
        past_weeks.method,
        past_weeks.as_of_date + 7 * (past_weeks.week_number - 1) + 1 as week_start,
        past_weeks.as_of_date + 7 * past_weeks.week_number as week_end,
        cast(coalesce(expected.expected_cash, 0) as decimal(18, 2)) as expected_cash,
        cast(coalesce(actual.actual_cash, 0) as decimal(18, 2)) as actual_cash
    from past_weeks
    left join expected
        on past_weeks.as_of_date = expected.as_of_date
        and past_weeks.week_number = expected.week_number
        and past_weeks.method = expected.method
    left join actual
        on past_weeks.as_of_date = actual.as_of_date
        and past_weeks.week_number = actual.week_number
)

select * from final
order by as_of_date, method, week_number
