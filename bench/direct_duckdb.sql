-- The headline KPIs straight from the landing files, hand-optimised for DuckDB: what the
-- hardware can do. No staging, no customer grid, one pass over each file.
-- bench/direct_duckdb.py substitutes {invoices} {payments} {disputes} {calls} (file lists)
-- and {aging_buckets} (the seed file of the bucket bounds)
-- and runs the statements in order; the last two leave `kpis` and `aged`.
-- Same definitions as CONTRACT.md section 3: total_ar is the net balance; an invoice is
-- settled by payments and credit notes naming it for the same customer; buckets by days
-- past due (not_due <= 0, 1-30, 31-60, 61-90, 91-120, >120) plus `unapplied`.

create temp table documents as
select customer_id, document_id, document_type, document_date, due_date,
    cast(amount as DECIMAL(18, 2)) as amount, applies_to_document_id
from read_parquet({invoices});

create temp table cash as
select customer_id, document_id, payment_date, cast(amount as DECIMAL(18, 2)) as amount
from read_parquet({payments});

-- As-of dates: month ends from the first document month to the last complete month, plus
-- the run's date (the latest date in any extract).
create temp table run_date as
select greatest(
    (select max(document_date) from documents),
    (select max(payment_date) from cash),
    (select max(greatest(opened_date, coalesce(closed_date, opened_date)))
     from read_parquet({disputes})),
    (select max(call_time)::date from read_parquet({calls}))
) as d;

create temp table as_of as
select d from (
    select cast(last_day(m) as date) as d
    from range((select date_trunc('month', min(document_date)) from documents),
               (select d from run_date) + interval 1 day, interval 1 month) as t(m)
    union
    select d from run_date
) where d <= (select d from run_date);

-- Company balance and net sales by day.
create temp table daily as
select day, sum(balance_change) as balance_change, sum(net_sales) as net_sales from (
    select document_date as day, amount as balance_change, amount as net_sales from documents
    union all
    select payment_date, -amount, 0 from cash
) group by day;

-- Settlements applied to invoices of the same customer, cumulated by invoice and date.
create temp table settled as
with invoices as (
    select document_id, customer_id from documents where document_type = 'invoice'
),
applied as (
    select cash.document_id, cash.payment_date as settled_on, cash.amount
    from cash join invoices using (document_id, customer_id)
    union all
    select notes.applies_to_document_id, notes.document_date, -notes.amount
    from documents as notes
    join invoices on notes.applies_to_document_id = invoices.document_id
        and notes.customer_id = invoices.customer_id
    where notes.document_type = 'credit_note'
)
select document_id, settled_on,
    sum(sum(amount)) over (partition by document_id order by settled_on) as settled_to_date
from applied group by document_id, settled_on;

-- Each invoice is open from its date until the first day its settlements reach its amount.
create temp table open_rows as
with closing as (
    select invoices.document_id, invoices.document_date, invoices.due_date, invoices.amount,
        min(settled.settled_on) filter (where settled.settled_to_date >= invoices.amount)
            as closed_on
    from documents as invoices
    left join settled using (document_id)
    where invoices.document_type = 'invoice'
    group by all
),
rows_at_as_of as (
    select as_of.d, closing.document_id, closing.due_date, closing.amount
    from closing join as_of
        on as_of.d >= closing.document_date
        and (closing.closed_on is null or as_of.d < closing.closed_on)
)
select rows_at_as_of.d, rows_at_as_of.d - rows_at_as_of.due_date as days_past_due,
    rows_at_as_of.amount - coalesce(settled.settled_to_date, 0) as open_amount
from rows_at_as_of
asof left join settled
    on rows_at_as_of.document_id = settled.document_id
    and rows_at_as_of.d >= settled.settled_on;

create temp table balances as
select as_of.d,
    (select sum(balance_change) from daily where day <= as_of.d) as total_ar,
    (select sum(net_sales) from daily where day > as_of.d - 90 and day <= as_of.d)
        as sales_window
from as_of;

create temp table countback as
with months as (
    select as_of.d, balances.total_ar, back,
        cast(date_trunc('month', as_of.d) - to_months(back) as date) as month_start
    from as_of join balances using (d) cross join range(0, 24) as t(back)
),
monthly as (
    select months.*,
        coalesce((select sum(net_sales) from daily
                  where day >= months.month_start
                    and day <= least(last_day(months.month_start), months.d)), 0) as sales,
        case when back = 0 then day(months.d) else day(last_day(months.month_start)) end
            as days
    from months
),
walked as (
    select *,
        total_ar - coalesce(sum(sales) over before, 0) as remaining,
        coalesce(sum(days) over before, 0) as days_before
    from monthly
    window before as (partition by d order by back
                      rows between unbounded preceding and 1 preceding)
),
last_month as (
    select * from walked where sales <= 0 or remaining <= sales
    qualify row_number() over (partition by d order by back) = 1
)
select as_of.d,
    case when last_month.sales > 0 then last_month.days_before
        + cast(last_month.remaining as double) / cast(last_month.sales as double)
        * last_month.days end as dso_countback
from as_of left join last_month using (d);

create temp table aged as
with buckets as (
    -- bucket bounds from the one file that defines them (dbt seed aging_buckets.csv)
    select open_rows.d, bounds.bucket as aging_bucket, sum(open_rows.open_amount) as open_amount
    from open_rows
    join read_csv('{aging_buckets}', header = true) as bounds
      on (bounds.min_days_past_due is not null or bounds.max_days_past_due is not null)
     and open_rows.days_past_due >= coalesce(bounds.min_days_past_due, -1e9)
     and open_rows.days_past_due <= coalesce(bounds.max_days_past_due, 1e9)
    group by all
)
select d as as_of_date, aging_bucket, open_amount from buckets
union all
select balances.d, 'unapplied',
    balances.total_ar - coalesce((select sum(open_amount) from buckets
                                  where buckets.d = balances.d), 0)
from balances;

create temp table kpis as
select balances.d as as_of_date, balances.total_ar,
    coalesce((select sum(open_amount) from open_rows
              where open_rows.d = balances.d and open_rows.days_past_due > 0), 0) as overdue_ar,
    cast(balances.total_ar as double) / nullif(cast(balances.sales_window as double), 0) * 90
        as dso_simple,
    countback.dso_countback
from balances join countback using (d);
