"""One more business day of extracts on top of a generated book, as a daily ERP export
would bring it: `invoices_<day>.parquet`, `payments_<day>.parquet`, `disputes_<day>...`,
`calls_<day>...` (customers do not change). Each holds about one average business day of
the book's rows: new invoices and credit notes of existing customers, payments of invoices
falling due, new disputes, the day's calls. The rows are drawn from the book itself (picked
by a hash of their key, re-dated to the new day, new keys), so they follow the contract rules.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb


def _next_business_day(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def write_new_day(landing: Path) -> dict[str, int]:
    """Write the day after the book's last date; returns rows written per file."""
    landing = Path(landing)
    con = duckdb.connect()
    try:
        for entity in ("invoices", "payments", "disputes", "calls"):
            con.execute(f"create view {entity} as select * from "
                        f"read_parquet('{landing / f'{entity}.parquet'}')")
        last_day, business_days = con.execute(
            "select max(document_date), count(distinct document_date) from invoices").fetchone()
        day = _next_business_day(last_day)
        stamp = day.strftime("%Y%m%d")
        per_day = {entity: max(1, round(con.execute(f"select count(*) from {entity}")
                                        .fetchone()[0] / business_days))
                   for entity in ("invoices", "payments", "disputes", "calls")}
        con.execute(f"set variable day = date '{day}'")
        recent = "document_type = 'invoice' and document_date > getvariable('day') - 60"
        queries = {
            # Invoices re-dated to the day (same terms), and credit notes on recent invoices.
            "invoices": f"""
                select 'D{stamp}-' || document_id as document_id, customer_id, document_type,
                    getvariable('day') as document_date,
                    getvariable('day') + cast(due_date - document_date as integer) as due_date,
                    amount,
                    null::varchar as applies_to_document_id, currency
                from (select * from invoices where document_type = 'invoice'
                      order by hash(document_id, 1) limit {per_day['invoices']})
                union all
                select 'D{stamp}-CN-' || document_id, customer_id, 'credit_note',
                    getvariable('day'), getvariable('day'),
                    -greatest(round(amount * 0.1, 2), 0.01), document_id, currency
                from (select * from invoices where {recent}
                      order by hash(document_id, 2) limit {max(1, per_day['invoices'] // 30)})
            """,
            # Payments in full of invoices due around the day and not paid yet.
            "payments": f"""
                select 'D{stamp}-PAY-' || document_id as payment_id, customer_id, document_id,
                    getvariable('day') as payment_date, amount, 'transfer' as method
                from (select * from invoices
                      where document_type = 'invoice'
                        and due_date between getvariable('day') - 30 and getvariable('day') + 5
                        and document_id not in (select document_id from payments
                                                where document_id is not null)
                      order by hash(document_id, 3) limit {per_day['payments']})
            """,
            "disputes": f"""
                select 'D{stamp}-DSP-' || document_id as dispute_id, document_id, customer_id,
                    getvariable('day') as opened_date, 'billing_error' as reason,
                    amount as disputed_amount, 'open' as status, null::date as closed_date,
                    'billing' as owner, null::varchar as resolution
                from (select * from invoices where {recent}
                      order by hash(document_id, 4) limit {per_day['disputes']})
            """,
            # Recent calls replayed on the day (same customers, stages and outcomes).
            "calls": f"""
                select 'D{stamp}-' || call_id as call_id, customer_id, collector_id,
                    getvariable('day') + (call_time - date_trunc('day', call_time)) as call_time,
                    channel, stage, right_party_contact, outcome, promised_amount,
                    case when promised_date is not null then getvariable('day') + 7 end
                        as promised_date,
                    document_id, duration_seconds
                from (select * from calls where call_time > getvariable('day') - 60
                      order by hash(call_id, 5) limit {per_day['calls']})
            """,
        }
        written = {}
        for entity, query in queries.items():
            path = landing / f"{entity}_{stamp}.parquet"
            con.execute(f"copy ({query}) to '{path}' (format parquet, compression zstd)")
            written[path.name] = con.execute(
                f"select count(*) from read_parquet('{path}')").fetchone()[0]
    finally:
        con.close()
    return written
