"""The only module that talks to DuckDB.

Rules that keep the dashboard safe and consistent:
- the published file is attached read-only once per published version and shared by
  the requests, each through its own connection for one page render (`open_warehouse`):
  nothing survives a publish (a new version is attached on the next request, the old
  one closes with its last reader), and everything one page shows comes from one
  connection, so a refresh published meanwhile can never mix two warehouses on one page;
- what a user may see (`Scope`) and what they asked for (`Filters`) become
  parameterised WHERE clauses here, on the server: user input never enters SQL text;
  only the fixed dimension names of `DIMENSIONS` are ever spliced in.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import duckdb
import pandas as pd

from credit_scoreboard.contract import KPI_DIMENSIONS, PROMISE_OUTCOMES

DIMENSIONS = KPI_DIMENSIONS  # segment, region, country, business_unit, collector_id
KPI_COLUMNS = (
    "total_ar", "not_due_ar", "overdue_ar", "overdue_rate", "sales_window", "dso_simple",
    "dso_countback", "best_possible_dso", "average_days_delinquent", "dmp_days",
    "contract_terms_days", "avg_days_beyond_terms", "cei", "disputed_ar", "dispute_weight",
    "customers_over_limit", "over_limit_amount", "calls", "right_party_contact_rate",
    "promise_rate", "promise_kept_rate", "financing_cost",
)
# Computable from the aged balance alone, hence for any combination of filters.
AGED_BALANCE_KPIS = ("total_ar", "not_due_ar", "overdue_ar", "overdue_rate", "disputed_ar",
                     "dispute_weight")
BUILD_HINT = (
    "Build one with: credit-scoreboard generate --out landing/sample && "
    "credit-scoreboard run --landing landing/sample --warehouse {path}"
)


class WarehouseUnavailable(Exception):
    """The warehouse file is missing, empty or not a built warehouse."""


@dataclass(frozen=True)
class Scope:
    """What a user may see; an empty tuple leaves that dimension unrestricted."""

    segments: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    collector_ids: tuple[str, ...] = ()
    can_see_rows_in_quarantine: bool = True

    @property
    def restricted(self) -> bool:
        return bool(self.segments or self.regions or self.collector_ids)

    def allowed(self) -> dict[str, tuple[str, ...]]:
        return {dimension: values for dimension, values in (
            ("segment", self.segments), ("region", self.regions),
            ("collector_id", self.collector_ids)) if values}


UNRESTRICTED = Scope()


@dataclass(frozen=True)
class Filters:
    """The global filters (kept in the URL) and the drill-down's dimension values."""

    as_of: dt.date | None = None
    segment: str | None = None
    region: str | None = None
    country: str | None = None
    business_unit: str | None = None
    collector_id: str | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, object]) -> Filters:
        """From URL parameters; anything malformed is ignored rather than trusted."""
        values: dict[str, object] = {}
        as_of = query.get("as_of")
        if isinstance(as_of, str):
            try:
                values["as_of"] = dt.date.fromisoformat(as_of)
            except ValueError:
                pass
        for dimension in DIMENSIONS:
            value = query.get(dimension)
            if isinstance(value, str) and value:
                values[dimension] = value
        return cls(**values)

    def to_query(self) -> dict[str, str]:
        query = {"as_of": self.as_of.isoformat()} if self.as_of else {}
        query.update({dimension: value for dimension, value in self.dimensions().items()})
        return query

    def dimensions(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name != "as_of" and getattr(self, f.name)}

    def with_dimension(self, dimension: str, value: str | None) -> Filters:
        return replace(self, **{_dimension(dimension): value})


def _dimension(name: str) -> str:
    """A dimension name goes into SQL text, so it must be one of the fixed names."""
    if name not in DIMENSIONS:
        raise ValueError(f"unknown dimension {name!r}: expected one of {DIMENSIONS}")
    return name


def conditions(alias: str, filters: Filters, scope: Scope) -> tuple[str, list]:
    """WHERE clauses restricting rows of a table with the dimension columns."""
    clauses: list[str] = []
    params: list = []
    for dimension, values in scope.allowed().items():
        clauses.append(f"{alias}.{dimension} in ({', '.join('?' * len(values))})")
        params.extend(values)
    for dimension, value in filters.dimensions().items():
        clauses.append(f"{alias}.{_dimension(dimension)} = ?")
        params.append(value)
    return " and ".join(clauses) or "true", params


def warehouse_version(path: Path) -> str:
    """Identity of the published file: a publish replaces it whole (new inode)."""
    stat = path.stat()
    return f"{stat.st_ino}-{stat.st_mtime_ns}"


class Warehouse:
    """One read-only connection to a published version, for one page render or download."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, path: Path, version: str):
        self.connection = connection
        self.path = path
        self.version = version
        self._tables = {
            (schema, table) for schema, table in connection.execute(
                "select schema_name, table_name from duckdb_tables() "
                "union all select schema_name, view_name from duckdb_views()"
            ).fetchall()
        }

    def has(self, qualified_table: str) -> bool:
        schema, table = qualified_table.split(".")
        return (schema, table) in self._tables

    def df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        return self.connection.execute(sql, params or []).df()

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.connection.execute(sql, params or []).fetchall()

    def columns(self, qualified_table: str) -> list[str]:
        schema, table = qualified_table.split(".")
        return [row[0] for row in self.rows(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
            "order by column_index", [schema, table])]


# Per published file, the attachment of its current version. Requests share it (each
# through its own connection): a new DuckDB instance and its attach cost about 80 ms, and
# a shared one keeps its read cache warm between clicks. A publish is a new inode, hence
# a new version: the next request attaches that, and the old one closes with its last
# reader. (Not `duckdb.connect(path)`: DuckDB hands a new connect() the database already
# open in this process under the same path, so a refresh would never show under load.)
DASHBOARD_MEMORY_LIMIT = os.environ.get("CREDIT_SCOREBOARD_DASHBOARD_MEMORY_LIMIT", "2GB")
_ATTACHED_FILES_KEPT = 4  # one in production; tests open many files in one process


class _Attachment:
    """One in-memory DuckDB with one published version of the file attached read-only."""

    def __init__(self, path: Path, version: str):
        self.path = path
        self.version = version
        self.readers = 0  # requests holding a connection to it
        self.database = duckdb.connect(config={"memory_limit": DASHBOARD_MEMORY_LIMIT})
        try:
            self.database.execute("attach ? as warehouse (read_only)", [str(path)])
        except duckdb.Error:
            self.database.close()
            raise


_attachments: dict[Path, _Attachment] = {}  # the current one per file, most recent last
_attachments_lock = threading.Lock()


def _acquire(path: Path, version: str) -> _Attachment:
    with _attachments_lock:
        current = _attachments.pop(path, None)  # re-inserted last: the most recent
        if current is not None and current.version != version:
            _close_if_unused(current)  # no longer current: closes now or with its last reader
            current = None
        _attachments[path] = current = current or _Attachment(path, version)
        while len(_attachments) > _ATTACHED_FILES_KEPT:
            _close_if_unused(_attachments.pop(next(iter(_attachments))))
        current.readers += 1
        return current


def _release(attachment: _Attachment) -> None:
    with _attachments_lock:
        attachment.readers -= 1
        _close_if_unused(attachment)


def _close_if_unused(attachment: _Attachment) -> None:
    """Close an attachment that no request reads and that is no longer its file's current."""
    if attachment.readers == 0 and _attachments.get(attachment.path) is not attachment:
        attachment.database.close()


@contextmanager
def open_warehouse(path: Path) -> Iterator[Warehouse]:
    """Open the published warehouse read-only; raise WarehouseUnavailable with the fix."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        raise WarehouseUnavailable(f"No warehouse at {path}. " + BUILD_HINT.format(path=path))
    version = warehouse_version(path)
    try:
        attachment = _acquire(path.absolute(), version)
    except duckdb.Error as error:
        raise WarehouseUnavailable(
            f"The warehouse {path} cannot be opened ({error}). " + BUILD_HINT.format(path=path)
        ) from error
    connection = attachment.database.cursor()
    try:
        connection.execute("use warehouse")
        warehouse = Warehouse(connection, path, version)
        if not warehouse.has("marts.kpi_monthly") or not warehouse.has("marts.aged_balance"):
            raise WarehouseUnavailable(
                f"{path} holds no marts (kpi_monthly, aged_balance): it is not a built "
                "warehouse. " + BUILD_HINT.format(path=path))
        if not warehouse.rows("select 1 from marts.kpi_monthly limit 1"):
            raise WarehouseUnavailable(
                f"The warehouse {path} is empty (no KPI rows). " + BUILD_HINT.format(path=path))
        yield warehouse
    finally:
        connection.close()
        _release(attachment)


# --- reference data -----------------------------------------------------------------

def as_of_dates(warehouse: Warehouse) -> list[dt.date]:
    return [row[0] for row in warehouse.rows(
        "select distinct as_of_date from marts.kpi_monthly order by as_of_date")]


def resolve_as_of(warehouse: Warehouse, filters: Filters) -> Filters:
    """The as-of date asked for if the warehouse has it, else the latest one."""
    dates = as_of_dates(warehouse)
    if filters.as_of in dates:
        return filters
    return replace(filters, as_of=dates[-1])


def filter_options(warehouse: Warehouse, scope: Scope) -> dict[str, list[str]]:
    """Values a user may pick for each global filter (only those inside their scope)."""
    where, params = conditions("customers", Filters(), scope)
    options = {}
    for dimension in DIMENSIONS:
        options[dimension] = [row[0] for row in warehouse.rows(
            f"select distinct {dimension} from raw.customers as customers "
            f"where {where} and {dimension} is not null order by 1", params)]
    return options


def definitions(warehouse: Warehouse, table: str) -> dict[str, str]:
    """Definition cards: the dbt docs persisted as DuckDB comments, column -> text."""
    return {column: comment for column, comment in warehouse.rows(
        "select column_name, comment from duckdb_columns() "
        "where schema_name = 'marts' and table_name = ? and comment is not null", [table])}


def table_comment(warehouse: Warehouse, table: str) -> str | None:
    rows = warehouse.rows("select comment from duckdb_tables() "
                          "where schema_name = 'marts' and table_name = ?", [table])
    return rows[0][0] if rows else None


def last_refresh(warehouse: Warehouse) -> dt.datetime | None:
    if not warehouse.has("raw.load_log"):
        return None
    return warehouse.rows("select max(loaded_at) from raw.load_log")[0][0]


# --- aged balance totals -------------------------------------------------------------

# What marts.aged_balance_by_group holds, summed from the aged balance: for a warehouse
# published before that mart existed (same columns, same sums).
_AGED_BALANCE_BY_GROUP_FROM_AGED_BALANCE = """(
    select as_of_date, aging_bucket, segment, region, country, business_unit, collector_id,
           count(distinct customer_id) as customers,
           count(document_id) as open_invoices,
           sum(open_amount) as open_amount,
           sum(open_amount) filter (where days_past_due > 0) as overdue_amount,
           sum(open_amount) filter (where is_disputed) as disputed_amount,
           sum(open_amount) filter (where days_past_due > 0 and is_disputed)
               as disputed_overdue_amount
    from marts.aged_balance
    group by all
)"""


def aged_totals(warehouse: Warehouse) -> str:
    """The table of aged balance sums by as-of date, bucket and dimension values, for
    figures over many customers (per-customer lists read marts.aged_balance)."""
    if warehouse.has("marts.aged_balance_by_group"):
        return "marts.aged_balance_by_group"
    return _AGED_BALANCE_BY_GROUP_FROM_AGED_BALANCE


# --- KPIs ---------------------------------------------------------------------------

@dataclass
class KpiSeries:
    """KPI rows by as_of_date for the filters and scope, and where they come from."""

    rows: pd.DataFrame
    source: str  # "company", "dimension" or "aged_balance" (AR-based KPIs only)
    available: tuple[str, ...] = field(default=KPI_COLUMNS)


def _constraints(filters: Filters, scope: Scope) -> dict[str, set[str]] | None:
    """Dimension -> allowed values; None when the filters fall outside the scope."""
    constraints = {dimension: set(values) for dimension, values in scope.allowed().items()}
    for dimension, value in filters.dimensions().items():
        allowed = constraints.get(dimension, {value}) & {value}
        if not allowed:
            return None
        constraints[dimension] = allowed
    return constraints


def kpi_grain(filters: Filters, scope: Scope) -> tuple[str, str | None] | None:
    """Which pre-computed KPI row answers these filters within this scope:
    ("company", None), (dimension, value), or None when no mart row does (a combination
    of dimensions, several values, or filters outside the scope)."""
    constraints = _constraints(filters, scope)
    if constraints is None:
        return None
    if not constraints:
        return ("company", None)
    if len(constraints) == 1:
        (dimension, values), = constraints.items()
        if len(values) == 1:
            return (_dimension(dimension), next(iter(values)))
    return None


def kpi_series(warehouse: Warehouse, filters: Filters, scope: Scope) -> KpiSeries:
    """All KPIs for the company, for one dimension value, or (for a combination of
    filters or a multi-value scope, which no mart pre-computes) the AR-based KPIs
    summed from the aged balance."""
    if _constraints(filters, scope) is None:
        return KpiSeries(pd.DataFrame(columns=["as_of_date", *KPI_COLUMNS]), "aged_balance",
                         AGED_BALANCE_KPIS)
    grain = kpi_grain(filters, scope)
    columns = ", ".join(KPI_COLUMNS)
    if grain == ("company", None):
        return KpiSeries(warehouse.df(
            f"select as_of_date, {columns} from marts.kpi_monthly order by as_of_date"),
            "company")
    if grain is not None:
        return KpiSeries(warehouse.df(
            f"select as_of_date, {columns} from marts.kpi_by_dimension "
            "where dimension = ? and dimension_value = ? order by as_of_date",
            list(grain)), "dimension")
    where, params = conditions("aged", filters, scope)
    return KpiSeries(warehouse.df(f"""
        with by_date as (
            select as_of_date,
                   sum(open_amount) as total_ar,
                   sum(overdue_amount) as overdue_ar,
                   sum(disputed_amount) as disputed_ar
            from {aged_totals(warehouse)} as aged
            where {where}
            group by as_of_date
        )
        select as_of_date, total_ar,
               total_ar - coalesce(overdue_ar, 0) as not_due_ar,
               coalesce(overdue_ar, 0) as overdue_ar,
               coalesce(overdue_ar, 0) / nullif(total_ar, 0) as overdue_rate,
               coalesce(disputed_ar, 0) as disputed_ar,
               coalesce(disputed_ar, 0) / nullif(total_ar, 0) as dispute_weight
        from by_date order by as_of_date""", params), "aged_balance", AGED_BALANCE_KPIS)


def kpis_by_value(warehouse: Warehouse, dimension: str, filters: Filters,
                  scope: Scope) -> pd.DataFrame:
    """KPIs of every value of one dimension at filters.as_of (drill-down level 1)."""
    dimension = _dimension(dimension)
    others = filters.with_dimension(dimension, None)
    constraints = _constraints(others, scope)
    if constraints is None:
        return pd.DataFrame(columns=["dimension_value", *AGED_BALANCE_KPIS])
    constraints.pop(dimension, None)
    if not constraints:
        values_in_scope = scope.allowed().get(dimension)
        sql = (f"select dimension_value, {', '.join(KPI_COLUMNS)} from marts.kpi_by_dimension "
               "where dimension = ? and as_of_date = ?")
        params: list = [dimension, filters.as_of]
        if values_in_scope:
            sql += f" and dimension_value in ({', '.join('?' * len(values_in_scope))})"
            params.extend(values_in_scope)
        return warehouse.df(sql + " order by total_ar desc nulls last", params)
    where, params = conditions("aged", others, scope)
    return warehouse.df(f"""
        select {dimension} as dimension_value,
               sum(open_amount) as total_ar,
               coalesce(sum(overdue_amount), 0) as overdue_ar,
               coalesce(sum(overdue_amount), 0) / nullif(sum(open_amount), 0) as overdue_rate,
               coalesce(sum(disputed_amount), 0) / nullif(sum(open_amount), 0) as dispute_weight
        from {aged_totals(warehouse)} as aged
        where as_of_date = ? and {where}
        group by all order by total_ar desc nulls last""", [filters.as_of, *params])


def dso_bridge(warehouse: Warehouse, filters: Filters, scope: Scope) -> dict | None:
    """The DSO bridge row (previous -> current as-of date) for the company or one
    dimension value; None when the mart is absent or no row answers the filters."""
    grain = kpi_grain(filters, scope)
    if grain is None or not warehouse.has("marts.dso_bridge"):
        return None
    dimension, value = grain
    rows = warehouse.df(
        "select * from marts.dso_bridge where as_of_date = ? and dimension = ? "
        "and dimension_value is not distinct from ?",
        [filters.as_of, dimension, value])
    if rows.empty and dimension == "company":  # company rows may carry a label as value
        rows = warehouse.df("select * from marts.dso_bridge where as_of_date = ? "
                            "and dimension = 'company'", [filters.as_of])
    return rows.iloc[0].to_dict() if not rows.empty else None


def late_payment_penalties(warehouse: Warehouse, filters: Filters, scope: Scope) -> float | None:
    """Late-payment interest and recovery indemnities owed at the as-of date (L441-10)."""
    customers_where, params = conditions("customers", filters, scope)
    return warehouse.rows(
        f"""
        select sum(total_penalties) from marts.late_payment_penalties
        where as_of_date = ? and customer_id in (
            select customer_id from raw.customers as customers where {customers_where})
        """,
        [filters.as_of, *params],
    )[0][0]


# --- aged balance -------------------------------------------------------------------

def aged_over_time(warehouse: Warehouse, filters: Filters, scope: Scope,
                   months: int = 24) -> pd.DataFrame:
    """Balance by as_of_date x bucket over the `months` month ends up to as_of."""
    where, params = conditions("aged", filters, scope)
    return warehouse.df(f"""
        select as_of_date, aging_bucket, sum(open_amount) as open_amount
        from {aged_totals(warehouse)} as aged
        where {where} and as_of_date <= ? and as_of_date > ? - interval {int(months)} month
          and (as_of_date = last_day(as_of_date) or as_of_date = ?)
        group by all order by as_of_date""", [*params, filters.as_of, filters.as_of,
                                                 filters.as_of])


def aged_by_dimension(warehouse: Warehouse, dimension: str, filters: Filters,
                      scope: Scope) -> pd.DataFrame:
    """Balance by dimension value x bucket at as_of (long format)."""
    dimension = _dimension(dimension)
    where, params = conditions("aged", filters, scope)
    return warehouse.df(f"""
        select coalesce({dimension}, '(none)') as dimension_value, aging_bucket,
               sum(open_amount) as open_amount,
               cast(sum(customers) as bigint) as customers
        from {aged_totals(warehouse)} as aged
        where as_of_date = ? and {where}
        group by all order by dimension_value""", [filters.as_of, *params])


# A customer list shows its first rows only (largest, or by priority): at tens of thousands
# of customers a full list costs seconds to build and send, and nobody scrolls it; the
# filters narrow it.
CUSTOMER_LIST_LIMIT = 500


def rows_in_selection(frame: pd.DataFrame) -> int:
    """How many rows the query behind a capped list found (the list holds the first)."""
    return int(frame.attrs.get("rows_in_selection", len(frame)))


def _capped(warehouse: Warehouse, sql: str, params: list, limit: int) -> pd.DataFrame:
    """`sql` (ordered) cut to its first `limit` rows; the uncut count in
    `frame.attrs["rows_in_selection"]`, counted by the same query."""
    frame = warehouse.df(f"select *, count(*) over () as rows_in_selection__ "
                         f"from ({sql}) limit ?", [*params, limit])
    found = int(frame["rows_in_selection__"].iloc[0]) if len(frame) else 0
    frame = frame.drop(columns="rows_in_selection__")
    frame.attrs["rows_in_selection"] = found
    return frame


def bucket_customers(warehouse: Warehouse, bucket: str, filters: Filters,
                     scope: Scope, limit: int = CUSTOMER_LIST_LIMIT) -> pd.DataFrame:
    """Customers holding a balance in one bucket (all buckets if bucket is empty), the
    largest `limit` of them."""
    where, params = conditions("aged", filters, scope)
    bucket_clause = "aging_bucket = ?" if bucket else "true"
    bucket_params = [bucket] if bucket else []
    # names joined to the customers found, not to every open item
    return _capped(warehouse, f"""
        select found.customer_id, customers.customer_name, found.* exclude (customer_id)
        from (
            select customer_id,
                   any_value(segment) as segment, any_value(region) as region,
                   count(document_id) as open_items,
                   sum(open_amount) as open_amount,
                   max(days_past_due) as oldest_days_past_due
            from marts.aged_balance as aged
            where as_of_date = ? and {bucket_clause} and {where}
            group by customer_id
        ) as found
        left join raw.customers as customers using (customer_id)
        order by found.open_amount desc, found.customer_id""",
        [filters.as_of, *bucket_params, *params], limit)


def open_items(warehouse: Warehouse, customer_id: str, filters: Filters, scope: Scope,
               bucket: str | None = None) -> pd.DataFrame:
    where, params = conditions("aged", replace(filters, as_of=filters.as_of), scope)
    bucket_clause = "and aging_bucket = ?" if bucket else ""
    return warehouse.df(f"""
        select document_id, document_date, due_date, days_past_due, aging_bucket,
               open_amount, is_disputed
        from marts.aged_balance as aged
        where as_of_date = ? and customer_id = ? {bucket_clause} and {where}
        order by due_date nulls last""",
        [filters.as_of, customer_id, *([bucket] if bucket else []), *params])


def customers_of(warehouse: Warehouse, filters: Filters, scope: Scope,
                 customer_id: str | None = None,
                 limit: int = CUSTOMER_LIST_LIMIT) -> pd.DataFrame:
    """Customer-level figures at as_of for the drill-down's customers level (the largest
    `limit`), or for one customer."""
    where, params = conditions("aged", filters, scope)
    customer_clause = "and aged.customer_id = ?" if customer_id else ""
    return _capped(warehouse, f"""
        select found.customer_id, customers.customer_name, found.* exclude (customer_id)
        from (
            select customer_id,
                   sum(open_amount) as total_ar,
                   coalesce(sum(open_amount) filter (where days_past_due > 0), 0) as overdue_ar,
                   coalesce(sum(open_amount) filter (where days_past_due > 0), 0)
                       / nullif(sum(open_amount), 0) as overdue_rate,
                   coalesce(sum(open_amount) filter (where is_disputed), 0) as disputed_ar,
                   max(days_past_due) as oldest_days_past_due
            from marts.aged_balance as aged
            where as_of_date = ? {customer_clause} and {where}
            group by customer_id
        ) as found
        left join raw.customers as customers using (customer_id)
        order by found.total_ar desc, found.customer_id""",
        [filters.as_of, *([customer_id] if customer_id else []), *params], limit)


# --- customer -----------------------------------------------------------------------

@dataclass
class CustomerFile:
    customer: dict
    profile: dict | None
    open_items: pd.DataFrame
    # marts.account_statement (every document and payment, running balance); without
    # that mart, the payments and credit notes from raw.
    statement: pd.DataFrame | None
    payments: pd.DataFrame | None
    credit_notes: pd.DataFrame | None
    disputes: pd.DataFrame
    calls: pd.DataFrame
    balance_history: pd.DataFrame


def customer_file(warehouse: Warehouse, customer_id: str, filters: Filters,
                  scope: Scope) -> CustomerFile | None:
    """Everything the customer page shows, or None when the customer does not exist
    or lies outside the user's scope (the page cannot tell which: no leak)."""
    where, params = conditions("customers", Filters(), scope)
    found = warehouse.df(
        f"select * from raw.customers as customers where customer_id = ? and {where}",
        [customer_id, *params])
    if found.empty:
        return None
    profile = None
    if warehouse.has("marts.customer_profile"):
        profiles = warehouse.df("select * from marts.customer_profile where customer_id = ?",
                                [customer_id])
        profile = profiles.iloc[0].to_dict() if not profiles.empty else None
    as_of = [filters.as_of, customer_id]
    has_statement = warehouse.has("marts.account_statement")
    return CustomerFile(
        customer=found.iloc[0].to_dict(),
        profile=profile,
        open_items=warehouse.df(
            "select document_id, document_date, due_date, days_past_due, aging_bucket, "
            "open_amount, is_disputed from marts.aged_balance "
            "where as_of_date = ? and customer_id = ? order by due_date nulls last", as_of),
        statement=warehouse.df(
            "select * exclude (customer_id) from marts.account_statement "
            "where entry_date <= ? and customer_id = ? order by entry_date desc", as_of)
        if has_statement else None,
        payments=None if has_statement else warehouse.df(
            "select payment_id, payment_date, document_id, amount, method from raw.payments "
            "where payment_date <= ? and customer_id = ? order by payment_date desc", as_of),
        credit_notes=None if has_statement else warehouse.df(
            "select document_id, document_date, amount, applies_to_document_id "
            "from raw.invoices where document_type = 'credit_note' and document_date <= ? "
            "and customer_id = ? order by document_date desc", as_of),
        disputes=warehouse.df(
            "select dispute_id, document_id, opened_date, reason, disputed_amount, status, "
            "closed_date, owner, resolution from raw.disputes "
            "where opened_date <= ? and customer_id = ? order by opened_date desc", as_of),
        calls=warehouse.df(
            "select call_time, collector_id, channel, stage, right_party_contact, outcome, "
            "promised_amount, promised_date, document_id from raw.calls "
            "where cast(call_time as date) <= ? and customer_id = ? order by call_time desc",
            as_of),
        balance_history=warehouse.df(
            "select as_of_date, aging_bucket, sum(open_amount) as open_amount "
            "from marts.aged_balance where as_of_date <= ? and customer_id = ? "
            "and as_of_date = last_day(as_of_date) group by all order by as_of_date", as_of),
    )


# --- disputes -----------------------------------------------------------------------

@dataclass
class DisputeViews:
    pareto: pd.DataFrame
    by_owner: pd.DataFrame
    open_ageing: pd.DataFrame
    resolution_trend: pd.DataFrame
    share_of_overdue: pd.DataFrame
    open_disputes: pd.DataFrame


def dispute_views(warehouse: Warehouse, filters: Filters, scope: Scope) -> DisputeViews:
    """Counts and amounts of raw disputes of in-scope customers (so the restriction
    holds), over the 12 months to as_of; the share of overdue from the aged balance."""
    where, params = conditions("customers", filters, scope)
    in_scope = (f"customer_id in (select customer_id from raw.customers as customers "
                f"where {where})")
    as_of = filters.as_of
    pareto = warehouse.df(f"""
        select reason, count(*) as disputes, sum(disputed_amount) as disputed_amount
        from raw.disputes
        where opened_date <= ? and opened_date > ? - interval 12 month and {in_scope}
        group by reason order by disputed_amount desc""", [as_of, as_of, *params])
    total = pareto["disputed_amount"].sum()
    pareto["cumulative_share"] = pareto["disputed_amount"].cumsum() / total if total else None
    open_at_as_of = "opened_date <= ? and (closed_date is null or closed_date > ?)"
    by_owner = warehouse.df(f"""
        select coalesce(owner, '(none)') as owner, count(*) as open_disputes,
               sum(disputed_amount) as disputed_amount,
               avg(date_diff('day', opened_date, ?)) as average_age_days
        from raw.disputes where {open_at_as_of} and {in_scope}
        group by all order by disputed_amount desc""", [as_of, as_of, as_of, *params])
    open_ageing = warehouse.df(f"""
        select case when date_diff('day', opened_date, ?) <= 30 then '0-30'
                    when date_diff('day', opened_date, ?) <= 60 then '31-60'
                    when date_diff('day', opened_date, ?) <= 90 then '61-90'
                    else '>90' end as age_band,
               count(*) as open_disputes, sum(disputed_amount) as disputed_amount
        from raw.disputes where {open_at_as_of} and {in_scope}
        group by all order by min(opened_date) desc""", [as_of] * 3 + [as_of, as_of, *params])
    resolution_trend = warehouse.df(f"""
        select last_day(closed_date) as month, count(*) as closed,
               avg(date_diff('day', opened_date, closed_date)) as avg_resolution_days
        from raw.disputes
        where closed_date <= ? and closed_date > ? - interval 24 month and {in_scope}
        group by all order by month""", [as_of, as_of, *params])
    aged_where, aged_params = conditions("aged", filters, scope)
    share_of_overdue = warehouse.df(f"""
        select as_of_date,
               sum(disputed_overdue_amount) / nullif(sum(overdue_amount), 0)
                 as disputed_share_of_overdue
        from {aged_totals(warehouse)} as aged
        where as_of_date <= ? and as_of_date > ? - interval 24 month
          and as_of_date = last_day(as_of_date) and {aged_where}
        group by all order by as_of_date""", [as_of, as_of, *aged_params])
    open_disputes = warehouse.df(f"""
        select dispute_id, customer_id, document_id, opened_date, reason, owner,
               disputed_amount, date_diff('day', opened_date, ?) as age_days
        from raw.disputes where {open_at_as_of} and {in_scope}
        order by age_days desc""", [as_of, as_of, as_of, *params])
    return DisputeViews(pareto, by_owner, open_ageing, resolution_trend, share_of_overdue,
                        open_disputes)


# --- collections --------------------------------------------------------------------

@dataclass
class CollectionViews:
    effectiveness: pd.DataFrame  # collector x stage x channel, 12 months to as_of
    funnel: dict[str, float | None]
    leaderboard: pd.DataFrame
    uplift: pd.DataFrame | None
    complete: bool  # False: kept promises and cash not available for this restriction


def collection_views(warehouse: Warehouse, filters: Filters, scope: Scope) -> CollectionViews:
    """Reminder effectiveness over the 12 months to as_of. The mart is by collector, not
    by customer: a restriction or filter on segment/region/country/business unit is
    answered from the raw calls of in-scope customers (calls, contacts, promises)."""
    by_customer_attributes = (
        {d for d in filters.dimensions() if d != "collector_id"}
        | {d for d in scope.allowed() if d != "collector_id"})
    as_of = filters.as_of
    metrics = ("calls", "right_party_contacts", "promises", "promised_amount",
               "promises_kept", "kept_amount", "collected_7d", "collected_30d")
    if not by_customer_attributes and warehouse.has("marts.reminder_effectiveness"):
        mart_columns = set(warehouse.columns("marts.reminder_effectiveness"))
        month = "month" if "month" in mart_columns else "as_of_date"
        where, params = conditions("mart", Filters(collector_id=filters.collector_id),
                                   Scope(collector_ids=scope.collector_ids))
        effectiveness = warehouse.df(f"""
            select collector_id, stage, channel,
                   {', '.join(f'sum({m}) as {m}' for m in metrics)}
            from marts.reminder_effectiveness as mart
            where {month} <= ? and {month} > ? - interval 12 month and {where}
            group by all order by calls desc""", [as_of, as_of, *params])
        complete = True
    else:
        where, params = conditions("customers", filters, scope)
        promise = f"outcome in ({', '.join(repr(o) for o in PROMISE_OUTCOMES)})"
        effectiveness = warehouse.df(f"""
            select calls.collector_id, calls.stage, calls.channel, count(*) as calls,
                   count(*) filter (where right_party_contact) as right_party_contacts,
                   count(*) filter (where {promise}) as promises,
                   coalesce(sum(promised_amount) filter (where {promise}), 0)
                       as promised_amount,
                   null::bigint as promises_kept, null::double as kept_amount,
                   null::double as collected_7d, null::double as collected_30d
            from raw.calls as calls
            join raw.customers as customers using (customer_id)
            where cast(call_time as date) <= ? and cast(call_time as date) > ? - interval 12 month
              and {where}
            group by all order by calls desc""", [as_of, as_of, *params])
        complete = False
    totals = effectiveness[list(metrics)].sum(min_count=1)
    funnel = {name: (None if pd.isna(totals[name]) else float(totals[name])) for name in
              ("calls", "right_party_contacts", "promises", "promises_kept", "collected_30d")}
    leaderboard = effectiveness.groupby("collector_id", as_index=False)[list(metrics)].sum(
        min_count=1)
    leaderboard["right_party_contact_rate"] = (
        leaderboard["right_party_contacts"] / leaderboard["calls"].where(leaderboard["calls"] > 0))
    leaderboard["promise_kept_rate"] = (
        leaderboard["promises_kept"] / leaderboard["promises"].where(leaderboard["promises"] > 0))
    leaderboard = leaderboard.sort_values(
        "collected_30d" if complete else "promised_amount", ascending=False)
    uplift = None
    if warehouse.has("marts.call_uplift") and not scope.restricted and not filters.dimensions():
        uplift = warehouse.df("select * from marts.call_uplift")
    return CollectionViews(effectiveness, funnel, leaderboard, uplift, complete)


# --- worklist -----------------------------------------------------------------------

@dataclass
class Worklist:
    as_of: dt.date
    customers: pd.DataFrame
    promises_due: pd.DataFrame


def worklist(warehouse: Warehouse, filters: Filters, scope: Scope,
             limit: int = CUSTOMER_LIST_LIMIT) -> Worklist:
    """Today's ranked customers to call (the mart is as of the run's as-of date; the first
    `limit` of them) and the promises that fall due within a week or were due in the last
    grace period."""
    where, params = conditions("customers", replace(filters, as_of=None), scope)
    run_as_of = as_of_dates(warehouse)[-1]
    # The mart may already carry some customer attributes: take each column once.
    extra = [c for c in ("customer_name", "segment", "region", "collector_id")
             if c not in warehouse.columns("marts.collection_worklist")]
    customers = _capped(warehouse, f"""
        select worklist.*{''.join(f', customers.{c}' for c in extra)}
        from marts.collection_worklist as worklist
        join raw.customers as customers using (customer_id)
        where {where} order by priority_rank""", params, limit)
    promise = ", ".join(repr(o) for o in PROMISE_OUTCOMES)
    if warehouse.has("marts.promises"):  # with each promise's status (kept, broken...)
        promises_due = warehouse.df(f"""
            select promises.promised_date, promises.customer_id, customers.customer_name,
                   promises.promised_amount, promises.paid_amount, promises.promise_status,
                   promises.collector_id, promises.call_date as promise_made_on
            from marts.promises as promises
            join raw.customers as customers using (customer_id)
            where promises.promise_status <> 'superseded'
              and promises.promised_date between ? - interval 3 day and ? + interval 7 day
              and {where}
            order by promises.promised_date, promises.promised_amount desc""",
            [run_as_of, run_as_of, *params])
        return Worklist(run_as_of, customers, promises_due)
    promises_due = warehouse.df(f"""
        select calls.promised_date, calls.customer_id, customers.customer_name,
               calls.promised_amount, calls.collector_id,
               cast(calls.call_time as date) as promise_made_on
        from raw.calls as calls
        join raw.customers as customers using (customer_id)
        where calls.outcome in ({promise})
          and calls.promised_date between ? - interval 3 day and ? + interval 7 day
          and {where}
        order by calls.promised_date, calls.promised_amount desc""",
        [run_as_of, run_as_of, *params])
    return Worklist(run_as_of, customers, promises_due)


# --- data quality -------------------------------------------------------------------

@dataclass
class QualityViews:
    last_refresh: dt.datetime | None
    published_at: dt.datetime
    load_log: pd.DataFrame | None
    checks: pd.DataFrame | None
    quarantine: pd.DataFrame | None  # None when absent or not visible to this user
    quarantined_rows: int


def quality_views(warehouse: Warehouse, scope: Scope, limit: int = 500) -> QualityViews:
    """Freshness, load log, expectation results and quarantined rows (those hold raw
    extract text of any customer, so only users without a restriction see them)."""
    published_at = dt.datetime.fromtimestamp(warehouse.path.stat().st_mtime)
    load_log = warehouse.df("select * from raw.load_log order by loaded_at desc, file_name") \
        if warehouse.has("raw.load_log") else None
    checks = warehouse.df("select * from marts.data_quality order by status, check_name") \
        if warehouse.has("marts.data_quality") else None
    quarantined_rows = 0
    quarantine = None
    if warehouse.has("raw.quarantine"):
        quarantined_rows = warehouse.rows("select count(*) from raw.quarantine")[0][0]
        if scope.can_see_rows_in_quarantine and not scope.restricted:
            quarantine = warehouse.df(
                "select entity, file_name, row_number, rule, row_text from raw.quarantine "
                "order by file_name, row_number limit ?", [limit])
    return QualityViews(last_refresh(warehouse), published_at, load_log, checks, quarantine,
                        quarantined_rows)
