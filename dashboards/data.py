"""The only module that talks to DuckDB.

Rules that keep the dashboard safe and consistent:
- one owner per number: every figure is read from a `marts` table (the data-quality
  page also reads `raw.load_log` and `raw.quarantine`); no raw entity table is queried
  here, and no ratio is computed in Python: a rate is a mart column, or the sums of the
  mart columns that are its parts, divided in SQL;
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
from dataclasses import dataclass, fields, replace
from pathlib import Path

import duckdb
import pandas as pd

from credit_scoreboard.contract import KPI_DIMENSIONS

DIMENSIONS = KPI_DIMENSIONS  # segment, region, country, business_unit, collector_id
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

    def columns(self, qualified_table: str) -> set[str]:
        """The column names of a table or view (empty when it does not exist)."""
        schema, table = qualified_table.split(".")
        return {name for (name,) in self.rows(
            "select column_name from duckdb_columns() where schema_name = ? "
            "and table_name = ?", [schema, table])}

    def df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        return self.connection.execute(sql, params or []).df()

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.connection.execute(sql, params or []).fetchall()


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


def run_as_of_date(warehouse: Warehouse) -> dt.date:
    """The run's as-of date: the latest as-of date (the marts 'as of the run' use it)."""
    return as_of_dates(warehouse)[-1]


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
            f"select distinct {dimension} from marts.customers as customers "
            f"where {where} and {dimension} is not null order by 1", params)]
    return options


def last_refresh(warehouse: Warehouse) -> dt.datetime | None:
    return warehouse.rows("select max(loaded_at) from raw.load_log")[0][0]


# --- KPIs ---------------------------------------------------------------------------

@dataclass
class KpiSeries:
    """KPI rows by as_of_date for the filters and scope, and where they come from."""

    rows: pd.DataFrame
    source: str  # "company", "dimension" or "aged_balance" (AR-based KPIs only)
    available: tuple[str, ...]


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
    """Every KPI column of kpi_monthly (the company) or kpi_by_dimension (one dimension
    value); for a combination of filters or a multi-value scope, which no mart
    pre-computes, the AR-based KPIs as sums of marts.aged_balance_by_group."""
    if _constraints(filters, scope) is None:
        return KpiSeries(pd.DataFrame(columns=["as_of_date", *AGED_BALANCE_KPIS]),
                         "aged_balance", AGED_BALANCE_KPIS)
    grain = kpi_grain(filters, scope)
    if grain == ("company", None):
        rows = warehouse.df("select * from marts.kpi_monthly order by as_of_date")
        return KpiSeries(rows, "company", tuple(rows.columns[1:]))
    if grain is not None:
        rows = warehouse.df(
            "select * exclude (dimension, dimension_value) from marts.kpi_by_dimension "
            "where dimension = ? and dimension_value = ? order by as_of_date", list(grain))
        return KpiSeries(rows, "dimension", tuple(rows.columns[1:]))
    where, params = conditions("aged", filters, scope)
    return KpiSeries(warehouse.df(f"""
        select as_of_date,
               sum(open_amount) as total_ar,
               sum(open_amount) - coalesce(sum(overdue_amount), 0) as not_due_ar,
               coalesce(sum(overdue_amount), 0) as overdue_ar,
               coalesce(sum(overdue_amount), 0) / nullif(sum(open_amount), 0) as overdue_rate,
               coalesce(sum(disputed_amount), 0) as disputed_ar,
               coalesce(sum(disputed_amount), 0) / nullif(sum(open_amount), 0)
                   as dispute_weight
        from marts.aged_balance_by_group as aged
        where {where}
        group by as_of_date order by as_of_date""", params), "aged_balance", AGED_BALANCE_KPIS)


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
        sql = ("select * exclude (as_of_date, dimension) from marts.kpi_by_dimension "
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
        from marts.aged_balance_by_group as aged
        where as_of_date = ? and {where}
        group by all order by total_ar desc nulls last""", [filters.as_of, *params])


def dso_bridge(warehouse: Warehouse, filters: Filters, scope: Scope) -> dict | None:
    """The DSO bridge row (previous -> current as-of date) for the company or one
    dimension value; None when no row answers the filters (a combination of them, or
    the first as-of date)."""
    grain = kpi_grain(filters, scope)
    if grain is None:
        return None
    dimension, value = grain
    if dimension == "company":  # one row per date, whatever its dimension_value says
        rows = warehouse.df("select * from marts.dso_bridge where as_of_date = ? "
                            "and dimension = 'company'", [filters.as_of])
    else:
        rows = warehouse.df("select * from marts.dso_bridge where as_of_date = ? "
                            "and dimension = ? and dimension_value = ?",
                            [filters.as_of, dimension, value])
    return rows.iloc[0].to_dict() if not rows.empty else None


def late_payment_penalties(warehouse: Warehouse, filters: Filters, scope: Scope) -> float | None:
    """Late-payment interest and recovery indemnities owed at the as-of date (L441-10)."""
    where, params = conditions("penalties", filters, scope)
    return warehouse.rows(
        f"select sum(total_penalties) from marts.late_payment_penalties as penalties "
        f"where as_of_date = ? and {where}", [filters.as_of, *params])[0][0]


# --- aged balance -------------------------------------------------------------------

def aged_over_time(warehouse: Warehouse, filters: Filters, scope: Scope,
                   months: int = 24) -> pd.DataFrame:
    """Balance by as_of_date x bucket over the `months` month ends up to as_of."""
    where, params = conditions("aged", filters, scope)
    return warehouse.df(f"""
        select as_of_date, aging_bucket, sum(open_amount) as open_amount
        from marts.aged_balance_by_group as aged
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
        select coalesce({dimension}, '(not set)') as dimension_value, aging_bucket,
               sum(open_amount) as open_amount,
               cast(sum(customers) as bigint) as customers
        from marts.aged_balance_by_group as aged
        where as_of_date = ? and {where}
        group by all order by dimension_value""", [filters.as_of, *params])



def aged_matrix(warehouse: Warehouse, dimension: str, buckets: list[str], filters: Filters,
                scope: Scope) -> pd.DataFrame:
    """Balance at as_of by dimension value (rows) and bucket (columns, in the order
    given), with the row total (total AR of that value)."""
    dimension = _dimension(dimension)
    where, params = conditions("aged", filters, scope)
    # bucket codes are values (parameters); the columns get fixed names, renamed after
    sums = ", ".join(f"coalesce(sum(open_amount) filter (where aging_bucket = ?), 0) "
                     f"as bucket_{index}" for index in range(len(buckets)))
    frame = warehouse.df(f"""
        select coalesce({dimension}, '(not set)') as {dimension}, {sums},
               sum(open_amount) as total_ar
        from marts.aged_balance_by_group as aged
        where as_of_date = ? and {where}
        group by all order by total_ar desc""", [*buckets, filters.as_of, *params])
    return frame.rename(columns={f"bucket_{index}": bucket
                                 for index, bucket in enumerate(buckets)})


def bucket_totals(warehouse: Warehouse, filters: Filters, scope: Scope) -> dict[str, float]:
    """Balance at as_of by bucket (within the filters and the scope)."""
    where, params = conditions("aged", filters, scope)
    return {bucket: float(total) for bucket, total in warehouse.rows(f"""
        select aging_bucket, sum(open_amount) from marts.aged_balance_by_group as aged
        where as_of_date = ? and {where} group by aging_bucket""", [filters.as_of, *params])}

# A customer list shows its first rows only (largest, or by priority): at tens of thousands
# of customers a full list costs seconds to build and send, and nobody scrolls it; the
# filters narrow it, and the exports (limit=None) hold the whole selection.
CUSTOMER_LIST_LIMIT = 500


def rows_in_selection(frame: pd.DataFrame) -> int:
    """How many rows the query behind a capped list found (the list holds the first)."""
    return int(frame.attrs.get("rows_in_selection", len(frame)))


def _capped(warehouse: Warehouse, sql: str, params: list, limit: int | None) -> pd.DataFrame:
    """`sql` (ordered) cut to its first `limit` rows (all of them when limit is None);
    the uncut count in `frame.attrs["rows_in_selection"]`, counted by the same query."""
    if limit is None:
        frame = warehouse.df(sql, params)
        frame.attrs["rows_in_selection"] = len(frame)
        return frame
    frame = warehouse.df(f"select *, count(*) over () as rows_in_selection__ "
                         f"from ({sql}) limit ?", [*params, limit])
    found = int(frame["rows_in_selection__"].iloc[0]) if len(frame) else 0
    frame = frame.drop(columns="rows_in_selection__")
    frame.attrs["rows_in_selection"] = found
    return frame


def bucket_customers(warehouse: Warehouse, bucket: str, filters: Filters,
                     scope: Scope, limit: int | None = CUSTOMER_LIST_LIMIT) -> pd.DataFrame:
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
                   any_value(collector_id) as collector_id,
                   count(document_id) as open_items,
                   sum(open_amount) as open_amount,
                   max(days_past_due) as oldest_days_past_due
            from marts.aged_balance as aged
            where as_of_date = ? and {bucket_clause} and {where}
            group by customer_id
        ) as found
        left join marts.customers as customers using (customer_id)
        order by found.open_amount desc, found.customer_id""",
        [filters.as_of, *bucket_params, *params], limit)


def open_items(warehouse: Warehouse, customer_id: str, filters: Filters, scope: Scope,
               bucket: str | None = None, forecast: bool = False) -> pd.DataFrame:
    """A customer's open items at as_of (within the filters and the scope), with their
    latest e-invoicing status and the collector's flag when the aged balance has them;
    with `forecast`, each invoice's payment forecast made at as_of (marts.
    invoice_payment_forecast: expected date, probability of payment within 30 days, basis
    and reasons; blank when no forecast was made at that date)."""
    where, params = conditions("aged", filters, scope)
    bucket_clause = "and aged.aging_bucket = ?" if bucket else ""
    extra_columns, forecast_join = "", ""
    if LIFECYCLE_OPEN_ITEM_COLUMNS <= warehouse.columns("marts.aged_balance"):
        # the invoice's latest e-invoicing status at as_of, and what it means for a call
        extra_columns = """, aged.lifecycle_status_code, aged.lifecycle_status_at,
               case when aged.is_rejected then 'rejected'
                    when aged.never_made_available and aged.days_past_due > 0
                        then 'never_made_available' end as lifecycle_flag"""
    if forecast and warehouse.has("marts.invoice_payment_forecast"):
        extra_columns += """, forecast.expected_payment_date, forecast.p_paid_30d,
               forecast.forecast_basis, forecast.forecast_reasons,
               forecast.forecast_reasons_fr"""
        forecast_join = """left join marts.invoice_payment_forecast as forecast
          on forecast.as_of_date = aged.as_of_date and forecast.document_id = aged.document_id"""
    return warehouse.df(f"""
        select aged.document_id, aged.document_date, aged.due_date, aged.days_past_due,
               aged.aging_bucket, aged.open_amount, aged.is_disputed {extra_columns}
        from marts.aged_balance as aged
        {forecast_join}
        where aged.as_of_date = ? and aged.customer_id = ? {bucket_clause} and {where}
        order by aged.due_date nulls last, aged.document_id""",
        [filters.as_of, customer_id, *([bucket] if bucket else []), *params])


# The open items' e-invoicing columns (marts.aged_balance, issue 16): with them an open
# item carries its latest platform status at as_of and a flag for the collector
# (`lifecycle_flag`: 'rejected': reissue it; 'never_made_available' (and overdue): the
# customer never received it, do not chase it).
LIFECYCLE_OPEN_ITEM_COLUMNS = frozenset({"lifecycle_status_code", "lifecycle_status_at",
                                         "never_made_available", "is_rejected"})


def customers_of(warehouse: Warehouse, filters: Filters, scope: Scope,
                 customer_id: str | None = None,
                 limit: int | None = CUSTOMER_LIST_LIMIT) -> pd.DataFrame:
    """Customers with a balance at as_of and their figures from
    marts.customer_profile_history (the drill-down's customers level, the largest
    `limit`), or one customer."""
    where, params = conditions("profiles", filters, scope)
    customer_clause = "and customer_id = ?" if customer_id else ""
    return _capped(warehouse, f"""
        select customer_id, customer_name, segment, region, collector_id, total_ar,
               overdue_ar, overdue_rate, disputed_ar, oldest_days_past_due, risk_grade
        from marts.customer_profile_history as profiles
        where as_of_date = ? {customer_clause} and (total_ar <> 0 or overdue_ar <> 0)
          and {where}
        order by total_ar desc, customer_id""",
        [filters.as_of, *([customer_id] if customer_id else []), *params], limit)


# --- the credit manager's lists -----------------------------------------------------
# Each list: (warehouse, filters, scope, limit) -> rows at filters.as_of, within the
# filters and the scope. The pages show the first `limit` rows; exports read them all.

def overdue_customers(warehouse: Warehouse, filters: Filters, scope: Scope,
                      limit: int | None = CUSTOMER_LIST_LIMIT) -> pd.DataFrame:
    """Customers with an overdue amount at as_of, the largest first."""
    where, params = conditions("profiles", filters, scope)
    return _capped(warehouse, f"""
        select customer_id, customer_name, segment, region, collector_id, overdue_ar,
               total_ar, overdue_invoices, oldest_days_past_due, disputed_ar,
               is_to_reconcile, risk_grade
        from marts.customer_profile_history as profiles
        where as_of_date = ? and overdue_ar > 0 and {where}
        order by overdue_ar desc, customer_id""", [filters.as_of, *params], limit)


def over_limit_customers(warehouse: Warehouse, filters: Filters, scope: Scope,
                         limit: int | None = CUSTOMER_LIST_LIMIT) -> pd.DataFrame:
    """Customers whose balance exceeds their credit limit at as_of, largest excess first."""
    where, params = conditions("profiles", filters, scope)
    return _capped(warehouse, f"""
        select customer_id, customer_name, segment, region, collector_id, credit_limit,
               total_ar, over_limit_amount, credit_limit_use, overdue_ar, risk_grade
        from marts.customer_profile_history as profiles
        where as_of_date = ? and is_over_limit and {where}
        order by over_limit_amount desc, customer_id""", [filters.as_of, *params], limit)


def worsening_customers(warehouse: Warehouse, filters: Filters, scope: Scope,
                        limit: int | None = CUSTOMER_LIST_LIMIT) -> pd.DataFrame:
    """Customers whose risk grade or 12-month days beyond terms worsened over the three
    months to as_of (marts.customer_profile_history.is_worsening)."""
    where, params = conditions("profiles", filters, scope)
    return _capped(warehouse, f"""
        select customer_id, customer_name, segment, region, collector_id,
               risk_grade_3_months_before, risk_grade,
               avg_days_beyond_terms_12m_3_months_before, avg_days_beyond_terms_12m,
               is_grade_worsening, is_paying_later, overdue_ar, risk_reasons, risk_reasons_fr
        from marts.customer_profile_history as profiles
        where as_of_date = ? and is_worsening and {where}
        order by risk_grade desc, overdue_ar desc, customer_id""",
        [filters.as_of, *params], limit)


BROKEN_PROMISE_MONTHS = 3  # the broken-promises list: promises that matured in these months


def broken_promises(warehouse: Warehouse, filters: Filters, scope: Scope,
                    limit: int | None = CUSTOMER_LIST_LIMIT) -> pd.DataFrame:
    """Promises that matured (promised date + grace) in the three months to as_of without
    the promised amount coming in; a matured promise's status no longer changes, so the
    run's status is also the status at as_of."""
    where, params = conditions("promises", filters, scope)
    return _capped(warehouse, f"""
        select customer_id, customer_name, segment, region, collector_id, call_date,
               promised_date, promised_amount, paid_amount, maturity_date, call_id
        from marts.promises as promises
        where promise_status = 'broken' and maturity_date <= ?
          and maturity_date > last_day(? - interval {BROKEN_PROMISE_MONTHS} month)
          and {where}
        order by maturity_date desc, promised_amount desc, call_id""",
        [filters.as_of, filters.as_of, *params], limit)


def customers_to_reconcile(warehouse: Warehouse, filters: Filters, scope: Scope,
                           limit: int | None = CUSTOMER_LIST_LIMIT) -> pd.DataFrame:
    """Customers whose overdue amount is covered by their own unapplied cash and credit
    notes at as_of: allocate before chasing."""
    where, params = conditions("profiles", filters, scope)
    return _capped(warehouse, f"""
        select customer_id, customer_name, segment, region, collector_id, overdue_ar,
               unapplied_cash_amount, unapplied_credit_notes_amount, amount_to_reconcile,
               oldest_unapplied_cash_days, oldest_days_past_due
        from marts.customer_profile_history as profiles
        where as_of_date = ? and is_to_reconcile and {where}
        order by amount_to_reconcile desc, customer_id""", [filters.as_of, *params], limit)


def open_disputes(warehouse: Warehouse, filters: Filters, scope: Scope,
                  limit: int | None = CUSTOMER_LIST_LIMIT) -> pd.DataFrame:
    """Disputes open at as_of, the oldest first, with the open amount of the invoice."""
    where, params = conditions("disputes", filters, scope)
    return _capped(warehouse, f"""
        select customer_id, customer_name, segment, region, collector_id, dispute_id,
               document_id, opened_date, age_days, reason, owner, disputed_amount,
               invoice_open_amount
        from marts.open_disputes as disputes
        where as_of_date = ? and {where}
        order by age_days desc, dispute_id""", [filters.as_of, *params], limit)


@dataclass
class DisputeTotals:
    """What the open-disputes list adds up to, next to the disputed AR KPI."""

    open_disputes: int
    disputed_amount: float  # what the customers contest, summed over the open disputes
    disputed_invoices_open_amount: float  # open amount of those invoices, each counted once
    disputed_ar: float  # the KPI: also invoices disputed on the e-invoicing platform


def dispute_totals(warehouse: Warehouse, filters: Filters, scope: Scope) -> DisputeTotals:
    where, params = conditions("disputes", filters, scope)
    count, disputed, invoices_open = warehouse.rows(f"""
        select count(*), coalesce(sum(disputed_amount), 0),
               coalesce(sum(invoice_open_amount) filter (where counts_in_disputed_ar), 0)
        from marts.open_disputes as disputes
        where as_of_date = ? and {where}""", [filters.as_of, *params])[0]
    aged_where, aged_params = conditions("aged", filters, scope)
    (disputed_ar,) = warehouse.rows(f"""
        select coalesce(sum(disputed_amount), 0) from marts.aged_balance_by_group as aged
        where as_of_date = ? and {aged_where}""", [filters.as_of, *aged_params])[0]
    return DisputeTotals(int(count), float(disputed), float(invoices_open), float(disputed_ar))


LISTS = {
    "overdue": overdue_customers,
    "over_limit": over_limit_customers,
    "worsening": worsening_customers,
    "broken_promises": broken_promises,
    "to_reconcile": customers_to_reconcile,
    "open_disputes": open_disputes,
}


# --- customer -----------------------------------------------------------------------

def customer(warehouse: Warehouse, customer_id: str, scope: Scope) -> dict | None:
    """The customer's master data (marts.customers), or None when it does not exist or
    lies outside the scope (the caller cannot tell which: no leak)."""
    where, params = conditions("customers", Filters(), scope)
    found = warehouse.df(f"select * from marts.customers as customers "
                         f"where customer_id = ? and {where}", [customer_id, *params])
    return found.iloc[0].to_dict() if not found.empty else None


def customer_profile(warehouse: Warehouse, customer_id: str, as_of: dt.date) -> dict | None:
    """The payer profile and risk grade of the customer at as_of."""
    rows = warehouse.df("select * from marts.customer_profile_history "
                        "where as_of_date = ? and customer_id = ?", [as_of, customer_id])
    return rows.iloc[0].to_dict() if not rows.empty else None


@dataclass
class CustomerFile:
    customer: dict
    profile: dict | None  # at as_of
    open_items: pd.DataFrame  # at as_of
    statement: pd.DataFrame  # entries dated up to as_of, latest first
    disputes: pd.DataFrame  # opened up to as_of, their status at as_of
    calls: pd.DataFrame  # made up to as_of, latest first
    promises: pd.DataFrame  # made up to as_of, their status at as_of
    balance_history: pd.DataFrame  # the 24 month ends (and as_of) up to as_of


def _customer_disputes(warehouse: Warehouse, customer_id: str, as_of: dt.date) -> pd.DataFrame:
    """Disputes opened up to as_of; closing and resolution only when dated up to as_of."""
    return warehouse.df("""
        select dispute_id, document_id, opened_date, reason, owner, disputed_amount,
               case when closed_date <= $1 then status else 'open' end as status,
               case when closed_date <= $1 then closed_date end as closed_date,
               case when closed_date <= $1 then resolution end as resolution,
               case when closed_date <= $1 then resolution_days end as resolution_days
        from marts.disputes
        where customer_id = $2 and opened_date <= $1
        order by opened_date desc, dispute_id""", [as_of, customer_id])


def _customer_calls(warehouse: Warehouse, customer_id: str, as_of: dt.date,
                    limit: int | None = None) -> pd.DataFrame:
    return warehouse.df(f"""
        select call_time, collector_id, channel, stage, is_right_party_contact, outcome,
               promised_amount, promised_date, document_id, duration_seconds
        from marts.calls
        where customer_id = ? and call_date <= ?
        order by call_time desc, call_id {'limit ' + str(int(limit)) if limit else ''}""",
        [customer_id, as_of])


def _customer_promises(warehouse: Warehouse, customer_id: str, as_of: dt.date,
                       limit: int | None = None) -> pd.DataFrame:
    """Promises made up to as_of. Status at as_of: a matured promise keeps the run's
    status (it no longer changes once matured); one not matured yet reads 'pending'."""
    return warehouse.df(f"""
        select call_date, promised_date, promised_amount, paid_amount,
               case when maturity_date <= $1 then promise_status else 'pending' end
                   as promise_status,
               maturity_date, collector_id
        from marts.promises
        where customer_id = $2 and call_date <= $1
        order by call_date desc, call_id {'limit ' + str(int(limit)) if limit else ''}""",
        [as_of, customer_id])


def customer_file(warehouse: Warehouse, customer_id: str, filters: Filters,
                  scope: Scope) -> CustomerFile | None:
    """Everything the customer page shows at filters.as_of, or None when the customer
    does not exist or lies outside the user's scope (the page cannot tell which)."""
    found = customer(warehouse, customer_id, scope)
    if found is None:
        return None
    as_of = filters.as_of
    return CustomerFile(
        customer=found,
        profile=customer_profile(warehouse, customer_id, as_of),
        open_items=open_items(warehouse, customer_id, Filters(as_of=as_of), scope,
                              forecast=True),
        # the entries as booked (running balance after each); the statement mart's
        # open amount and days past due are those of the run date, so they are left out
        statement=warehouse.df("""
            select entry_date, entry_type, entry_id, document_id, applied_to_document_id,
                   due_date, debit, credit, running_balance, is_disputed
            from marts.account_statement
            where customer_id = ? and entry_date <= ?
            order by entry_date desc, entry_id desc""", [customer_id, as_of]),
        disputes=_customer_disputes(warehouse, customer_id, as_of),
        calls=_customer_calls(warehouse, customer_id, as_of),
        promises=_customer_promises(warehouse, customer_id, as_of),
        balance_history=warehouse.df("""
            select as_of_date, total_ar, overdue_ar
            from marts.customer_profile_history
            where customer_id = ? and as_of_date <= ?
              and as_of_date > cast(? as date) - interval 24 month
              and (as_of_date = last_day(as_of_date) or as_of_date = ?)
            order by as_of_date""", [customer_id, as_of, as_of, as_of]),
    )


# --- the collector's call sheet -----------------------------------------------------

CALL_SHEET_CALLS = 5  # the last calls a call sheet shows
CALL_SHEET_PROMISES = 5


@dataclass
class CallSheet:
    """What a collector needs for one call, on one page."""

    customer: dict
    as_of: dt.date
    run_as_of: dt.date
    profile: dict | None  # grade, reasons, limit use, payment habit at as_of
    worklist: dict | None  # the worklist row (rank, reason in words) at the run date
    open_items: pd.DataFrame  # invoices open at as_of with days past due, dispute flag
    promises: pd.DataFrame  # the latest promises with their status at as_of
    calls: pd.DataFrame  # the latest calls with their outcome
    open_disputes: pd.DataFrame  # disputes open at as_of


def call_sheet(warehouse: Warehouse, customer_id: str, filters: Filters,
               scope: Scope, file: CustomerFile | None = None) -> CallSheet | None:
    """The call sheet of a customer at filters.as_of; None outside the scope. `file`: the
    customer page's file at the same date, whose customer, profile, open items, calls and
    promises it reuses (one query each, not two)."""
    found = file.customer if file is not None else customer(warehouse, customer_id, scope)
    if found is None:
        return None
    as_of = filters.as_of
    run_as_of = run_as_of_date(warehouse)
    worklist_rows = warehouse.df(
        "select * from marts.collection_worklist where customer_id = ?", [customer_id])
    return CallSheet(
        customer=found, as_of=as_of, run_as_of=run_as_of,
        profile=file.profile if file is not None else customer_profile(
            warehouse, customer_id, as_of),
        worklist=worklist_rows.iloc[0].to_dict() if not worklist_rows.empty else None,
        open_items=file.open_items if file is not None else open_items(
            warehouse, customer_id, Filters(as_of=as_of), scope, forecast=True),
        promises=file.promises.head(CALL_SHEET_PROMISES) if file is not None else
        _customer_promises(warehouse, customer_id, as_of, CALL_SHEET_PROMISES),
        calls=file.calls.head(CALL_SHEET_CALLS) if file is not None else
        _customer_calls(warehouse, customer_id, as_of, CALL_SHEET_CALLS),
        open_disputes=warehouse.df("""
            select dispute_id, document_id, opened_date, age_days, reason, owner,
                   disputed_amount, invoice_open_amount
            from marts.open_disputes
            where as_of_date = ? and customer_id = ?
            order by opened_date, dispute_id""", [as_of, customer_id]),
    )


# --- cash forecast ------------------------------------------------------------------
# The forecast marts (dbt_project/models/marts/forecast/): the invoices' payment forecast
# at each as-of date, its weekly cash for the company and by dimension, the forecasts of
# past as-of dates against the cash that came, and the backtest metrics with their
# catalogue. Nothing is modelled here: the weekly figures are the marts' rows, or sums of
# their columns.

FORECAST_WEEKS = 13
FORECAST_METHODS = ("model", "due_date", "customer_delay", "rules")  # the model, then baselines
FORECAST_MARTS = ("marts.invoice_payment_forecast", "marts.cash_forecast")
# `other_cash` is what the mart's parts leave (neither promised nor disputed); the 13
# weeks' totals are sums of the weekly rows.
CASH_FORECAST_COLUMNS = """week_number, week_start, week_end, expected_cash, cash_p10,
    cash_p90, promised_cash, disputed_cash,
    expected_cash - promised_cash - disputed_cash as other_cash, litigation_amount,
    sum(expected_cash) over () as expected_cash_13w,
    sum(promised_cash) over () as promised_cash_13w,
    sum(disputed_cash) over () as disputed_cash_13w"""


def has_forecast(warehouse: Warehouse) -> bool:
    """The warehouse holds the forecast marts (built by a version that has them)."""
    return all(warehouse.has(table) for table in FORECAST_MARTS)


def cash_forecast(warehouse: Warehouse, filters: Filters, scope: Scope,
                  as_of: dt.date | None = None) -> pd.DataFrame | None:
    """The 13 weeks after as_of (default filters.as_of) from marts.cash_forecast (the
    company) or marts.cash_forecast_by_dimension (one dimension value): expected cash, its
    P10-P90 band, the promised and disputed parts and the amount in litigation. None when
    no mart row answers the filters within the scope (a combination of dimensions, several
    values): the band of a combination is not a sum of the bands."""
    grain = kpi_grain(filters, scope)
    if grain is None:
        return None
    dimension, value = grain
    as_of = as_of or filters.as_of
    if dimension == "company":
        return warehouse.df(f"select {CASH_FORECAST_COLUMNS} from marts.cash_forecast "
                            "where as_of_date = ? order by week_number", [as_of])
    if not warehouse.has("marts.cash_forecast_by_dimension") or dimension not in (
            "segment", "region", "business_unit", "collector_id"):
        return None
    return warehouse.df(f"""
        select {CASH_FORECAST_COLUMNS} from marts.cash_forecast_by_dimension
        where as_of_date = ? and dimension = ? and dimension_value = ?
        order by week_number""", [as_of, dimension, value])


def forecast_open_amount(warehouse: Warehouse, filters: Filters, scope: Scope) -> float:
    """The open amount at as_of of the invoices the forecast covers (in litigation too),
    within the filters and the scope."""
    where, params = conditions("forecast", replace(filters, country=None), scope)
    return float(warehouse.rows(f"""
        select coalesce(sum(open_amount), 0) from marts.invoice_payment_forecast as forecast
        where as_of_date = ? and {where}""", [filters.as_of, *params])[0][0])


def forecast_as_of_dates(warehouse: Warehouse, before: dt.date) -> list[dt.date]:
    """The as-of dates before `before` whose forecast can be set against the cash that
    came (marts.cash_forecast_vs_actual), latest first."""
    if not warehouse.has("marts.cash_forecast_vs_actual"):
        return []
    return [row[0] for row in warehouse.rows(
        "select distinct as_of_date from marts.cash_forecast_vs_actual "
        "where as_of_date < ? order by as_of_date desc", [before])]


def forecast_vs_actual(warehouse: Warehouse, made_on: dt.date, known_at: dt.date) -> pd.DataFrame:
    """The company's forecast made at `made_on`, by method and week, against the cash
    that came from the invoices open then, for the weeks ended by `known_at` (what was
    known at the page's as-of date)."""
    return warehouse.df("""
        select week_number, week_start, week_end, method, expected_cash, actual_cash,
               sum(expected_cash) over (partition by method) as expected_cash_total,
               sum(actual_cash) over (partition by method) as actual_cash_total
        from marts.cash_forecast_vs_actual
        where as_of_date = ? and week_end <= ?
        order by week_number, method""", [made_on, known_at])


def forecast_metric_catalogue(warehouse: Warehouse) -> pd.DataFrame:
    """The backtest metrics: label, unit, decimals, direction, target and definition (EN
    and FR), in the catalogue's order."""
    return warehouse.df("select * from marts.forecast_metric_catalogue")


def forecast_accuracy(warehouse: Warehouse, known_at: dt.date,
                      horizon_days: int = 7 * FORECAST_WEEKS) -> pd.DataFrame:
    """Every metric of every method at each as-of date whose 13 weeks had passed by
    `known_at` (the backtest as it could be read then), oldest first."""
    return warehouse.df("""
        select as_of_date, method, metric, value, invoices
        from marts.forecast_accuracy
        where as_of_date + cast(? as integer) <= ?
        order by as_of_date, metric, method""", [int(horizon_days), known_at])


def week_invoices(warehouse: Warehouse, week: int, filters: Filters, scope: Scope,
                  limit: int | None = CUSTOMER_LIST_LIMIT) -> pd.DataFrame:
    """The invoices open at as_of that may be paid in week `week` (1..13) after it
    (marts.invoice_payment_forecast, probability of that week above 0; litigation apart,
    as in the weekly cash), the largest expected contribution first."""
    week = int(week)
    if not 1 <= week <= FORECAST_WEEKS:
        raise ValueError(f"week {week}: expected 1 to {FORECAST_WEEKS}")
    probability = f"p_week_{week}"  # a fixed name: the week is an integer in 1..13
    where, params = conditions("forecast", replace(filters, country=None), scope)
    return _capped(warehouse, f"""
        select forecast.customer_id, customers.customer_name, forecast.document_id,
               forecast.due_date, forecast.days_past_due, forecast.open_amount,
               forecast.expected_cash_amount, forecast.{probability},
               forecast.expected_payment_date, forecast.payment_date_p10,
               forecast.payment_date_p90, forecast.p_paid_30d, forecast.forecast_basis,
               forecast.forecast_reasons, forecast.forecast_reasons_fr,
               forecast.segment, forecast.region, forecast.business_unit,
               forecast.collector_id
        from marts.invoice_payment_forecast as forecast
        left join marts.customers as customers using (customer_id)
        where forecast.as_of_date = ? and not forecast.is_litigation
          and forecast.{probability} > 0 and {where}
        order by forecast.expected_cash_amount * forecast.{probability} desc,
                 forecast.document_id""", [filters.as_of, *params], limit)


# --- disputes -----------------------------------------------------------------------

@dataclass
class DisputeViews:
    pareto: pd.DataFrame
    by_owner: pd.DataFrame
    open_ageing: pd.DataFrame
    resolution_trend: pd.DataFrame
    share_of_overdue: pd.DataFrame
    open_disputes: pd.DataFrame
    totals: DisputeTotals


def dispute_views(warehouse: Warehouse, filters: Filters, scope: Scope) -> DisputeViews:
    """Disputes of in-scope customers (marts.disputes, marts.open_disputes): opened in the
    12 months to as_of by reason, open at as_of by owner and age, resolution time by
    month closed; the disputed share of overdue from the aged balance."""
    where, params = conditions("disputes", filters, scope)
    as_of = filters.as_of
    pareto = warehouse.df(f"""
        with by_reason as (
            select reason, count(*) as disputes, sum(disputed_amount) as disputed_amount
            from marts.disputes as disputes
            where opened_date <= ? and opened_date > ? - interval 12 month and {where}
            group by reason
        )
        select *, sum(disputed_amount) over (order by disputed_amount desc, reason)
                  / sum(disputed_amount) over () as cumulative_share
        from by_reason order by disputed_amount desc, reason""", [as_of, as_of, *params])
    by_owner = warehouse.df(f"""
        select coalesce(owner, '(not set)') as owner, count(*) as open_disputes,
               sum(disputed_amount) as disputed_amount, avg(age_days) as average_age_days
        from marts.open_disputes as disputes
        where as_of_date = ? and {where}
        group by all order by disputed_amount desc""", [as_of, *params])
    open_ageing = warehouse.df(f"""
        select case when age_days <= 30 then '0-30' when age_days <= 60 then '31-60'
                    when age_days <= 90 then '61-90' else '>90' end as age_band,
               count(*) as open_disputes, sum(disputed_amount) as disputed_amount
        from marts.open_disputes as disputes
        where as_of_date = ? and {where}
        group by all order by min(age_days)""", [as_of, *params])
    resolution_trend = warehouse.df(f"""
        select last_day(closed_date) as month, count(*) as closed,
               avg(resolution_days) as avg_resolution_days
        from marts.disputes as disputes
        where closed_date <= ? and closed_date > ? - interval 24 month and {where}
        group by all order by month""", [as_of, as_of, *params])
    aged_where, aged_params = conditions("aged", filters, scope)
    share_of_overdue = warehouse.df(f"""
        select as_of_date,
               coalesce(sum(disputed_overdue_amount), 0) / nullif(sum(overdue_amount), 0)
                 as disputed_share_of_overdue
        from marts.aged_balance_by_group as aged
        where as_of_date <= ? and as_of_date > ? - interval 24 month
          and (as_of_date = last_day(as_of_date) or as_of_date = ?) and {aged_where}
        group by all order by as_of_date""", [as_of, as_of, as_of, *aged_params])
    return DisputeViews(pareto, by_owner, open_ageing, resolution_trend, share_of_overdue,
                        open_disputes(warehouse, filters, scope),
                        dispute_totals(warehouse, filters, scope))


# --- collections --------------------------------------------------------------------

@dataclass
class CollectionViews:
    funnel: dict[str, float]  # calls made in the 12 months: contacts, promises, kept
    promises_matured: int  # promises maturing in the 12 months (the kept rate's base)
    promises_kept: int  # ... of which kept
    promise_kept_rate: float | None  # kept / matured (CONTRACT.md section 3)
    collected_30d: float  # cash attributed once to the calls of the 12 months
    leaderboard: pd.DataFrame  # by collector
    effectiveness: pd.DataFrame  # by collector x stage x channel
    uplift: pd.DataFrame | None  # the company's; None for a restricted or filtered view
    window_start: dt.date  # the 12 months are (window_start, as_of]


def _twelve_months(warehouse: Warehouse, as_of: dt.date) -> dt.date:
    """Start (excluded) of the 12 months ending as_of: the end of the month 12 months
    before, so that the window is the 12 calendar months of the KPI rows up to as_of."""
    return warehouse.rows("select last_day(cast(? as date) - interval 12 month)",
                          [as_of])[0][0]


def collection_views(warehouse: Warehouse, filters: Filters, scope: Scope) -> CollectionViews:
    """Calls of the 12 months to as_of (marts.calls, each payment attributed once) and
    promises maturing in them (marts.promises): kept / matured as the KPI defines it."""
    as_of = filters.as_of
    start = _twelve_months(warehouse, as_of)
    where, params = conditions("calls", filters, scope)
    calls_window = [start, as_of, *params]
    call_sums = """count(*) as calls,
               count(*) filter (where is_right_party_contact) as right_party_contacts,
               count(*) filter (where is_right_party_contact) / nullif(count(*), 0)
                   as right_party_contact_rate,
               count(*) filter (where is_promise) as promises,
               coalesce(sum(promised_amount) filter (where is_promise), 0) as promised_amount,
               count(*) filter (where promise_status = 'kept') as promises_kept,
               count(*) filter (where promise_status = 'broken') as promises_broken,
               coalesce(sum(collected_7d), 0) as collected_7d,
               coalesce(sum(collected_30d), 0) as collected_30d"""
    effectiveness = warehouse.df(f"""
        select collector_id, stage, channel, {call_sums}
        from marts.calls as calls
        where call_date > ? and call_date <= ? and {where}
        group by all order by calls desc, collector_id, stage, channel""", calls_window)
    promise_where, promise_params = conditions("promises", filters, scope)
    matured = f"""
        select collector_id,
               count(*) filter (where promise_status in ('kept', 'broken')) as promises_matured,
               count(*) filter (where promise_status = 'kept') as promises_kept_matured
        from marts.promises as promises
        where maturity_date > ? and maturity_date <= ? and {promise_where}
        group by collector_id"""
    leaderboard = warehouse.df(f"""
        with calls as (
            select collector_id, {call_sums}
            from marts.calls as calls
            where call_date > ? and call_date <= ? and {where}
            group by collector_id
        ),
        matured as ({matured})
        select collector_id, calls.calls, calls.right_party_contacts,
               calls.right_party_contact_rate, calls.promises, calls.promised_amount,
               matured.promises_matured, matured.promises_kept_matured as promises_kept,
               matured.promises_kept_matured / nullif(matured.promises_matured, 0)
                   as promise_kept_rate,
               calls.collected_7d, calls.collected_30d
        from calls full join matured using (collector_id)
        order by calls.collected_30d desc nulls last, collector_id""",
        [*calls_window, start, as_of, *promise_params])
    calls_total, contacts, promises, kept, collected = warehouse.rows(f"""
        select count(*), count(*) filter (where is_right_party_contact),
               count(*) filter (where is_promise),
               count(*) filter (where promise_status = 'kept'),
               coalesce(sum(collected_30d), 0)
        from marts.calls as calls
        where call_date > ? and call_date <= ? and {where}""", calls_window)[0]
    matured_total, kept_matured, kept_rate = warehouse.rows(f"""
        select coalesce(sum(promises_matured), 0), coalesce(sum(promises_kept_matured), 0),
               sum(promises_kept_matured) / nullif(sum(promises_matured), 0)
        from ({matured})""", [start, as_of, *promise_params])[0]
    uplift = None
    if not scope.restricted and not filters.dimensions():
        uplift = warehouse.df("select * from marts.call_uplift where period = 'overall'")
    return CollectionViews(
        funnel={"calls": calls_total, "right_party_contacts": contacts, "promises": promises,
                "promises_kept": kept},
        promises_matured=int(matured_total), promises_kept=int(kept_matured),
        promise_kept_rate=None if kept_rate is None else float(kept_rate),
        collected_30d=float(collected), leaderboard=leaderboard,
        effectiveness=effectiveness, uplift=uplift, window_start=start)


# --- worklist -----------------------------------------------------------------------

@dataclass
class Worklist:
    as_of: dt.date  # the run's as-of date (the mart's)
    customers: pd.DataFrame
    promises_due: pd.DataFrame
    by_collector: bool  # ranked within each collector's own queue (collector_rank)


def worklist(warehouse: Warehouse, filters: Filters, scope: Scope,
             limit: int | None = CUSTOMER_LIST_LIMIT) -> Worklist:
    """Today's ranked customers to call (the mart is as of the run's as-of date; the first
    `limit` of them) and the promises that fall due within a week or were due in the last
    grace period. One collector (the filter, or a collector's own scope): their queue,
    ranked from 1."""
    where, params = conditions("worklist", replace(filters, as_of=None), scope)
    run_as_of = run_as_of_date(warehouse)
    by_collector = bool(filters.collector_id or scope.collector_ids)
    order = ("collector_id, collector_rank" if by_collector else "priority_rank")
    customers = _capped(warehouse, f"""
        select * from marts.collection_worklist as worklist
        where {where} order by {order}""", params, limit)
    promise_where, promise_params = conditions("promises", replace(filters, as_of=None),
                                               scope)
    promises_due = warehouse.df(f"""
        select promised_date, customer_id, customer_name, promised_amount, paid_amount,
               promise_status, collector_id, call_date as promise_made_on
        from marts.promises as promises
        where promise_status <> 'superseded'
          and promised_date between ? - interval 3 day and ? + interval 7 day
          and {promise_where}
        order by promised_date, promised_amount desc, call_id""",
        [run_as_of, run_as_of, *promise_params])
    return Worklist(run_as_of, customers, promises_due, by_collector)


# --- data quality -------------------------------------------------------------------

@dataclass
class QualityViews:
    last_refresh: dt.datetime | None
    published_at: dt.datetime
    load_log: pd.DataFrame
    checks: pd.DataFrame
    quarantine: pd.DataFrame | None  # None when not visible to this user
    quarantined_rows: int


def quality_views(warehouse: Warehouse, scope: Scope, limit: int = 500) -> QualityViews:
    """Freshness, load log, expectation results and quarantined rows (those hold raw
    extract text of any customer, so only users without a restriction see them)."""
    published_at = dt.datetime.fromtimestamp(warehouse.path.stat().st_mtime)
    # the file's modification time is kept in nanoseconds since the epoch: a date-time here
    load_log = warehouse.df("""
        select * exclude (file_modified_ns),
               make_timestamp(file_modified_ns // 1000) as file_modified_at
        from raw.load_log order by loaded_at desc, file_name""")
    checks = warehouse.df("select * from marts.data_quality order by status, check_name")
    quarantined_rows = warehouse.rows("select count(*) from raw.quarantine")[0][0]
    quarantine = None
    if scope.can_see_rows_in_quarantine and not scope.restricted:
        quarantine = warehouse.df(
            "select entity, file_name, row_number, rule, row_text from raw.quarantine "
            "order by file_name, row_number limit ?", [limit])
    return QualityViews(last_refresh(warehouse), published_at, load_log, checks, quarantine,
                        quarantined_rows)


# --- e-invoicing lifecycle ----------------------------------------------------------
# The lifecycle marts (issue 16): each invoice's platform statuses, the counts by month of
# issue and dimension value, the reasons of refusals and disputes (the platforms' and the
# dispute log's) and the coverage by customer. The statuses are those reached by the run's
# as-of date; the window is the invoices issued in the 12 months to as_of.

LIFECYCLE_MARTS = ("marts.invoice_lifecycle", "marts.lifecycle_by_month",
                   "marts.lifecycle_reasons", "marts.lifecycle_coverage_by_customer")
FUNNEL_STAGES = ("deposited", "made_available", "approved", "payment_transmitted", "cashed")
FUNNEL_STATUS_CODES = {"deposited": 200, "made_available": 203, "approved": 205,
                       "payment_transmitted": 211, "cashed": 212}
LIFECYCLE_COUNTS = ("invoices_issued", "invoices_with_status", *FUNNEL_STAGES, "disputed",
                    "refused", "rejected")


def has_lifecycle(warehouse: Warehouse) -> bool:
    """The warehouse holds the lifecycle marts (built by a version that has them)."""
    return all(warehouse.has(table) for table in LIFECYCLE_MARTS)


def _lifecycle_grain(filters: Filters, scope: Scope) -> tuple[str, tuple[str, ...]] | None:
    """The lifecycle_by_month rows that answer the filters within the scope: ('company',
    ('all',)), or one dimension and its allowed values (the rows of several values of one
    dimension add up: an invoice has one value); None for a combination of dimensions or
    filters outside the scope."""
    constraints = _constraints(replace(filters, country=None), scope)
    if constraints is None or len(constraints) > 1:
        return None
    if not constraints:
        return ("company", ("all",))
    (dimension, values), = constraints.items()
    return (_dimension(dimension), tuple(sorted(values)))


def lifecycle_window(warehouse: Warehouse, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """(first, last) month end of the 12 months of issue up to as_of's month."""
    return warehouse.rows("select last_day(cast(? as date) - interval 11 month), "
                          "last_day(cast(? as date))", [as_of, as_of])[0]


def _lifecycle_rows(warehouse: Warehouse, filters: Filters, scope: Scope,
                    group_by_month: bool) -> pd.DataFrame | None:
    grain = _lifecycle_grain(filters, scope)
    if grain is None:
        return None
    dimension, values = grain
    first, last = lifecycle_window(warehouse, filters.as_of)
    counts = ", ".join(f"coalesce(sum({name}), 0) as {name}" for name in LIFECYCLE_COUNTS)
    return warehouse.df(f"""
        select {'month, ' if group_by_month else ''}{counts},
               sum(invoices_with_status) / nullif(sum(invoices_issued), 0) as coverage,
               sum(avg_days_to_available * made_available)
                   / nullif(sum(made_available) filter (
                       where avg_days_to_available is not null), 0) as avg_days_to_available,
               sum(avg_days_to_approval * approved)
                   / nullif(sum(approved) filter (
                       where avg_days_to_approval is not null), 0) as avg_days_to_approval
        from marts.lifecycle_by_month
        where dimension = ? and dimension_value in ({', '.join('?' * len(values))})
          and month between ? and ?
        {'group by month order by month' if group_by_month else ''}""",
        [dimension, *values, first, last])


def lifecycle_by_month(warehouse: Warehouse, filters: Filters,
                       scope: Scope) -> pd.DataFrame | None:
    """By month of issue over the 12 months to as_of (marts.lifecycle_by_month): the
    invoices issued, those with statuses and their coverage, the counts that reached each
    status, the average days to availability and to approval (sums of the rows of the
    dimension's values; an average weighted by the invoices it averages). None when no
    mart row answers the filters within the scope."""
    return _lifecycle_rows(warehouse, filters, scope, group_by_month=True)


def lifecycle_totals(warehouse: Warehouse, filters: Filters, scope: Scope) -> dict | None:
    """The same over the whole 12 months (the funnel and its tiles)."""
    rows = _lifecycle_rows(warehouse, filters, scope, group_by_month=False)
    return None if rows is None else rows.iloc[0].to_dict()


def _lifecycle_where(filters: Filters, scope: Scope) -> tuple[str, list]:
    return conditions("lifecycle", replace(filters, country=None), scope)


def approval_by_segment(warehouse: Warehouse, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Days to availability and to approval by segment, over the invoices with statuses
    issued in the 12 months to as_of (marts.invoice_lifecycle)."""
    where, params = _lifecycle_where(filters, scope)
    first, last = lifecycle_window(warehouse, filters.as_of)
    return warehouse.df(f"""
        select segment, count(*) as invoices_with_status,
               count(approved_at) as approved,
               avg(days_to_available) as avg_days_to_available,
               avg(days_to_approval) as avg_days_to_approval,
               median(days_to_approval) as median_days_to_approval
        from marts.invoice_lifecycle as lifecycle
        where last_day(document_date) between ? and ? and {where}
        group by segment order by avg_days_to_approval desc nulls last, segment""",
        [first, last, *params])


def approval_by_customer(warehouse: Warehouse, filters: Filters, scope: Scope,
                         limit: int | None = CUSTOMER_LIST_LIMIT) -> pd.DataFrame:
    """The same by customer, the slowest to approve first."""
    where, params = _lifecycle_where(filters, scope)
    first, last = lifecycle_window(warehouse, filters.as_of)
    return _capped(warehouse, f"""
        select lifecycle.customer_id, customers.customer_name, lifecycle.segment,
               count(*) as invoices_with_status, count(approved_at) as approved,
               avg(days_to_available) as avg_days_to_available,
               avg(days_to_approval) as avg_days_to_approval,
               median(days_to_approval) as median_days_to_approval,
               count(*) filter (where never_made_available and is_overdue)
                   as never_made_available_invoices,
               count(*) filter (where is_platform_disputed) as platform_disputes
        from marts.invoice_lifecycle as lifecycle
        left join marts.customers as customers using (customer_id)
        where last_day(document_date) between ? and ? and {where}
        group by all
        order by avg_days_to_approval desc nulls last, lifecycle.customer_id""",
        [first, last, *params], limit)


def lifecycle_reasons(warehouse: Warehouse, as_of: dt.date) -> pd.DataFrame:
    """Refusals and disputes of the 12 months to as_of by reason, the platforms'
    (source 'lifecycle': status, reason code, requested action) next to the dispute log's
    (marts.lifecycle_reasons: published for the whole company)."""
    first, last = lifecycle_window(warehouse, as_of)
    return warehouse.df("""
        select source, status_code, reason, requested_action, sum(invoices) as invoices,
               sum(amount) as amount
        from marts.lifecycle_reasons
        where month between ? and ?
        group by all order by source desc, invoices desc, amount desc, reason""",
        [first, last])


def lifecycle_coverage(warehouse: Warehouse, filters: Filters, scope: Scope,
                       warnings_only: bool = False,
                       limit: int | None = CUSTOMER_LIST_LIMIT) -> pd.DataFrame:
    """Coverage by customer (marts.lifecycle_coverage_by_customer), within the filters
    and the scope: those with platform disputes the dispute log never recorded first
    (the data-quality warning); `warnings_only`: those customers only."""
    where, params = conditions("customers", replace(filters, as_of=None, country=None), scope)
    warning = "and coverage.platform_disputes_not_in_log > 0" if warnings_only else ""
    return _capped(warehouse, f"""
        select coverage.customer_id, coverage.customer_name, coverage.segment,
               customers.collector_id, coverage.invoices_issued,
               coverage.invoices_with_status, coverage.coverage,
               coverage.optional_statuses_seen, coverage.platform_disputes,
               coverage.platform_disputes_not_in_log
        from marts.lifecycle_coverage_by_customer as coverage
        join marts.customers as customers using (customer_id)
        where {where} {warning}
        order by coverage.platform_disputes_not_in_log desc, coverage.coverage nulls first,
                 coverage.invoices_issued desc, coverage.customer_id""", params, limit)
