"""The KPI catalogue and the aging buckets, read from the dbt seeds for code that runs
without a warehouse (the benchmark's reference computations, tests).

`dbt_project/seeds/kpi_catalogue.csv` and `aging_buckets.csv` are the one place where a
KPI's labels, unit, decimals, direction, default target and tile, and a bucket's bounds,
labels, order and colour are written. dbt publishes them as `marts.kpi_catalogue` and
`marts.aging_buckets`; whatever reads a warehouse reads those tables
(`credit_scoreboard.analysis.kpi_catalogue` / `aging_buckets`, the dashboard's catalogue,
the marts data-quality checks). This module reads the same files before any build.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from credit_scoreboard import settings

LANGUAGES = ("en", "fr")


@dataclass(frozen=True)
class Kpi:
    kpi: str
    label_en: str
    label_fr: str
    unit: str  # amount | rate | days | index | count (rates are fractions: 0.256 = 25.6 %)
    decimals: int
    higher_is_better: bool
    target: float | None
    is_headline: bool
    tile_order: int | None

    def label(self, language: str = "en") -> str:
        return _label(self, language)


@dataclass(frozen=True)
class Bucket:
    bucket: str
    min_days_past_due: int | None  # None: open below (or no bounds at all: unapplied)
    max_days_past_due: int | None  # None: open above
    label_en: str
    label_fr: str
    sort_order: int
    colour: str

    def label(self, language: str = "en") -> str:
        return _label(self, language)

    @property
    def is_bounded(self) -> bool:
        """A bucket of days past due (every one but `unapplied`)."""
        return self.min_days_past_due is not None or self.max_days_past_due is not None

    def holds(self, days_past_due: int) -> bool:
        return self.is_bounded and (
            (self.min_days_past_due is None or days_past_due >= self.min_days_past_due)
            and (self.max_days_past_due is None or days_past_due <= self.max_days_past_due))


def _label(entry: Kpi | Bucket, language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not one of {LANGUAGES}")
    return getattr(entry, f"label_{language}")


def seeds_dir() -> Path:
    return settings.DBT_PROJECT_DIR / "seeds"


def _rows(name: str, seeds: Path | None) -> list[dict[str, str]]:
    with open((seeds or seeds_dir()) / f"{name}.csv", newline="", encoding="utf-8") as file:
        return [{key: (value or "").strip() for key, value in row.items()}
                for row in csv.DictReader(file)]


def _int(text: str) -> int | None:
    return int(float(text)) if text else None


def _float(text: str) -> float | None:
    return float(text) if text else None


def _bool(text: str) -> bool:
    if text.lower() not in ("true", "false", "1", "0", "t", "f", "yes", "no"):
        raise ValueError(f"not a boolean in a catalogue seed: {text!r}")
    return text.lower() in ("true", "1", "t", "yes")


@cache
def _kpis(seeds: Path | None) -> tuple[Kpi, ...]:
    return tuple(
        Kpi(kpi=row["kpi"], label_en=row["label_en"], label_fr=row["label_fr"],
            unit=row["unit"], decimals=_int(row["decimals"]) or 0,
            higher_is_better=_bool(row["higher_is_better"]), target=_float(row["target"]),
            is_headline=_bool(row["is_headline"]), tile_order=_int(row["tile_order"]))
        for row in _rows("kpi_catalogue", seeds)
    )


@cache
def _buckets(seeds: Path | None) -> tuple[Bucket, ...]:
    buckets = (
        Bucket(bucket=row["bucket"], min_days_past_due=_int(row["min_days_past_due"]),
               max_days_past_due=_int(row["max_days_past_due"]), label_en=row["label_en"],
               label_fr=row["label_fr"], sort_order=_int(row["sort_order"]) or 0,
               colour=row["colour"])
        for row in _rows("aging_buckets", seeds)
    )
    return tuple(sorted(buckets, key=lambda bucket: bucket.sort_order))


def kpis(seeds: Path | None = None) -> dict[str, Kpi]:
    """Every KPI of the catalogue by name, in the seed's order."""
    return {kpi.kpi: kpi for kpi in _kpis(seeds)}


def headline_kpis(seeds: Path | None = None) -> list[Kpi]:
    """The scoreboard's tiles, in tile order."""
    return sorted((kpi for kpi in _kpis(seeds) if kpi.is_headline),
                  key=lambda kpi: (kpi.tile_order is None, kpi.tile_order or 0, kpi.kpi))


def aging_buckets(seeds: Path | None = None) -> list[Bucket]:
    """Every aging bucket (with `unapplied`), in display order (sort_order)."""
    return list(_buckets(seeds))


def bucket_codes(seeds: Path | None = None, bounded_only: bool = False) -> tuple[str, ...]:
    """The bucket codes in display order; `bounded_only`: only the days-past-due buckets."""
    return tuple(bucket.bucket for bucket in _buckets(seeds)
                 if bucket.is_bounded or not bounded_only)


def bucket_of(days_past_due: int, seeds: Path | None = None) -> str:
    """The code of the bucket an item `days_past_due` days past due falls in."""
    for bucket in _buckets(seeds):
        if bucket.holds(days_past_due):
            return bucket.bucket
    raise ValueError(f"no aging bucket holds {days_past_due} days past due")


def bucket_bins(seeds: Path | None = None) -> tuple[list[float], list[str]]:
    """(edges, codes) for `pandas.cut(days_past_due, edges, labels=codes)` (right-closed
    bins, whole days): the days-past-due buckets in order of their bounds."""
    bounded = sorted((bucket for bucket in _buckets(seeds) if bucket.is_bounded),
                     key=lambda bucket: (bucket.min_days_past_due is not None,
                                         bucket.min_days_past_due or 0))
    edges = [float("-inf")] + [float(bucket.max_days_past_due) for bucket in bounded[:-1]]
    return edges + [float("inf")], [bucket.bucket for bucket in bounded]
