"""The KPI catalogue as the warehouse publishes it: one place for every label, unit,
direction, target, aging bucket and code label the dashboard shows.

Read from the dbt seeds published as marts (`kpi_catalogue`, `aging_buckets`,
`column_labels`, `value_labels`) and the dbt descriptions persisted as DuckDB comments,
once per published warehouse version. A target in config/dashboard.yaml overrides the
catalogue's default target of that KPI.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from dashboards import data

CATALOGUE_TABLES = ("kpi_catalogue", "aging_buckets", "column_labels", "value_labels")
# When a column name appears in several marts, its description from these comes first.
PREFERRED_DESCRIPTIONS = ("kpi_monthly", "customer_profile_history", "aged_balance")
NUMERIC_UNITS = frozenset({"amount", "rate", "days", "index", "count", "number"})


def humanise(name: str) -> str:
    """`days_past_due` -> `Days past due`: the label of a column the catalogue lacks."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class KpiSpec:
    kpi: str
    label_en: str
    label_fr: str
    unit: str  # amount | rate | days | index | count (a rate is a fraction: 0.256)
    decimals: int
    higher_is_better: bool
    target: float | None
    is_headline: bool
    tile_order: int | None

    def label(self, locale: str = "en") -> str:
        return (self.label_fr if locale == "fr" else None) or self.label_en

    def meets_target(self, value: float | None) -> bool | None:
        return meets_target(value, self.target, self.higher_is_better)


def meets_target(value: float | None, target: float | None,
                 higher_is_better: bool | None) -> bool | None:
    """True or False against the target in the KPI's direction; None without a target,
    a value or a direction."""
    if target is None or higher_is_better is None or value is None or pd.isna(value):
        return None
    return value >= target if higher_is_better else value <= target


@dataclass(frozen=True)
class BucketSpec:
    bucket: str
    label_en: str
    label_fr: str
    colour: str
    sort_order: int
    min_days_past_due: int | None = None
    max_days_past_due: int | None = None

    def label(self, locale: str = "en") -> str:
        return (self.label_fr if locale == "fr" else None) or self.label_en


@dataclass(frozen=True)
class ColumnSpec:
    column_name: str
    label_en: str
    label_fr: str
    unit: str  # a KPI unit, or date | datetime | text | bool
    decimals: int | None

    def label(self, locale: str = "en") -> str:
        return (self.label_fr if locale == "fr" else None) or self.label_en


@dataclass(frozen=True)
class Catalogue:
    kpis: Mapping[str, KpiSpec]
    bucket_specs: tuple[BucketSpec, ...]
    columns: Mapping[str, ColumnSpec]
    values: Mapping[tuple[str, str], tuple[str, str]]  # (field, code) -> (en, fr)
    descriptions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # table.column
    table_descriptions: Mapping[str, str] = field(default_factory=dict)

    # --- KPIs and buckets ---------------------------------------------------------------

    def kpi(self, name: str) -> KpiSpec:
        try:
            return self.kpis[name]
        except KeyError:
            raise KeyError(f"KPI {name!r} is not in marts.kpi_catalogue") from None

    def headline_kpis(self) -> list[KpiSpec]:
        """The scoreboard's tiles, in tile order."""
        headline = [spec for spec in self.kpis.values() if spec.is_headline]
        return sorted(headline, key=lambda spec: (spec.tile_order is None, spec.tile_order or 0))

    def buckets(self) -> list[BucketSpec]:
        return list(self.bucket_specs)

    def with_targets(self, targets: Mapping[str, float]) -> Catalogue:
        """The site's targets (config/dashboard.yaml) over the catalogue's defaults."""
        if not targets:
            return self
        kpis = {name: replace(spec, target=float(targets[name])) if name in targets else spec
                for name, spec in self.kpis.items()}
        return replace(self, kpis=kpis)

    # --- columns and code values --------------------------------------------------------

    def column_label(self, name: str, locale: str = "en") -> str:
        if name in self.kpis:
            return self.kpis[name].label(locale)
        if name in self.columns:
            return self.columns[name].label(locale)
        buckets = self._bucket_labels(locale)
        return buckets[name] if name in buckets else humanise(name)

    def column_unit(self, name: str) -> str | None:
        """The catalogue's unit of a column (None: not in the catalogue)."""
        if name in self.kpis:
            return self.kpis[name].unit
        if name in self.columns:
            return self.columns[name].unit
        if any(bucket.bucket == name for bucket in self.bucket_specs):
            return "amount"  # a bucket as a column: the balance in that bucket
        return None

    def column_format(self, name: str, series: pd.Series | None = None) -> tuple[str, int | None]:
        """(unit, decimals) of a column: from the catalogue, else from its dtype."""
        unit = self.column_unit(name)
        decimals = (self.kpis[name].decimals if name in self.kpis else
                    self.columns[name].decimals if name in self.columns else None)
        if series is not None and unit in NUMERIC_UNITS \
                and not pd.api.types.is_numeric_dtype(series):
            unit = None  # labelled as a number but holding text: show the text
        if any(spec.bucket == name for spec in self.bucket_specs):
            return "amount", 0  # a bucket's column (aged balance matrix): whole euros
        if unit is not None:
            return unit, decimals
        return dtype_unit(series), None

    def value_label(self, field_name: str, code: object, locale: str = "en") -> object:
        labels = self.values.get((field_name, str(code)))
        if labels is None:
            return code
        return (labels[1] if locale == "fr" else None) or labels[0]

    def value_labels(self, field_name: str, locale: str = "en") -> dict[str, str]:
        return {code: self.value_label(field_name, code, locale)
                for name, code in self.values if name == field_name}

    def label_codes(self, frame: pd.DataFrame, locale: str = "en") -> pd.DataFrame:
        """A copy whose coded columns (value_labels fields) show their labels."""
        fields = {name for name, _ in self.values}
        coded = [name for name in frame.columns if name in fields
                 and not pd.api.types.is_numeric_dtype(frame[name])]
        if not coded:
            return frame
        frame = frame.copy()
        for name in coded:
            labels = self.value_labels(name, locale)
            frame[name] = frame[name].map(lambda code, labels=labels: labels.get(code, code)
                                          if isinstance(code, str) else code)
        return frame

    def _bucket_labels(self, locale: str) -> dict[str, str]:
        return {bucket.bucket: bucket.label(locale) for bucket in self.bucket_specs}

    # --- dbt descriptions ---------------------------------------------------------------

    def definitions(self, table: str) -> dict[str, str]:
        """Column -> dbt description of one mart."""
        return dict(self.descriptions.get(table, {}))

    def description(self, column: str, table: str | None = None) -> str | None:
        """A column's dbt description: from `table` if given, else from the first mart
        that describes a column of that name."""
        if table and column in self.descriptions.get(table, {}):
            return self.descriptions[table][column]
        for name in (*PREFERRED_DESCRIPTIONS, *sorted(self.descriptions)):
            text = self.descriptions.get(name, {}).get(column)
            if text:
                return text
        return None


def dtype_unit(series: pd.Series | None) -> str:
    """The format of a column the catalogue does not know, from its values."""
    if series is None:
        return "text"
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "count"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(series):
        times = series.dropna()
        return "datetime" if bool((times.dt.hour + times.dt.minute).any()) else "date"
    return "text"


# --- reading ------------------------------------------------------------------------------

def _bool(value: object) -> bool:
    return bool(value) and str(value).lower() not in ("false", "0", "no")


def _optional_int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _optional_float(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def read(warehouse: data.Warehouse) -> Catalogue:
    """The catalogue of one opened warehouse (no override applied)."""
    missing = [name for name in CATALOGUE_TABLES if not warehouse.has(f"marts.{name}")]
    if missing:
        raise data.WarehouseUnavailable(
            f"The warehouse {warehouse.path} has no KPI catalogue (marts."
            f"{', marts.'.join(missing)}): it was built by an older version. "
            + data.BUILD_HINT.format(path=warehouse.path))
    kpis = {row[0]: KpiSpec(row[0], row[1], row[2], row[3], _optional_int(row[4]) or 0,
                            _bool(row[5]), _optional_float(row[6]), _bool(row[7]),
                            _optional_int(row[8]))
            for row in warehouse.rows(
                "select kpi, label_en, label_fr, unit, decimals, higher_is_better, target, "
                "is_headline, tile_order from marts.kpi_catalogue")}
    buckets = tuple(BucketSpec(row[0], row[1], row[2], row[3], int(row[4]),
                               _optional_int(row[5]), _optional_int(row[6]))
                    for row in warehouse.rows(
                        "select bucket, label_en, label_fr, colour, sort_order, "
                        "min_days_past_due, max_days_past_due from marts.aging_buckets "
                        "order by sort_order"))
    columns = {row[0]: ColumnSpec(row[0], row[1], row[2], row[3], _optional_int(row[4]))
               for row in warehouse.rows("select column_name, label_en, label_fr, unit, "
                                         "decimals from marts.column_labels")}
    values = {(row[0], str(row[1])): (row[2], row[3]) for row in warehouse.rows(
        "select field, code, label_en, label_fr from marts.value_labels")}
    # The buckets are coded values too (legends, grids): one source, the aging_buckets seed.
    values.update({("aging_bucket", bucket.bucket): (bucket.label_en, bucket.label_fr)
                   for bucket in buckets})
    descriptions: dict[str, dict[str, str]] = {}
    for table, column, comment in warehouse.rows(
            "select table_name, column_name, comment from duckdb_columns() "
            "where schema_name = 'marts' and comment is not null and comment <> ''"):
        descriptions.setdefault(table, {})[column] = comment
    tables = dict(warehouse.rows(
        "select table_name, comment from duckdb_tables() where schema_name = 'marts' "
        "and comment is not null union all select view_name, comment from duckdb_views() "
        "where schema_name = 'marts' and comment is not null"))
    return Catalogue(kpis, buckets, columns, values, descriptions, tables)


# One catalogue per published version: a publish (new version) is read again.
_cache: dict[tuple[str, str], Catalogue] = {}
_cache_lock = threading.Lock()
_VERSIONS_KEPT = 4


def load(warehouse: data.Warehouse, targets: Mapping[str, float] | None = None) -> Catalogue:
    """The catalogue of this warehouse version, with the site's target overrides."""
    key = (str(warehouse.path), warehouse.version)
    with _cache_lock:
        found = _cache.get(key)
    if found is None:
        found = read(warehouse)
        with _cache_lock:
            _cache[key] = found
            while len(_cache) > _VERSIONS_KEPT:
                _cache.pop(next(iter(_cache)))
    return found.with_targets(targets or {})
