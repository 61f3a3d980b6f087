"""The KPI catalogue read from the marts (catalogue.py): labels in both languages, units,
directions, targets (overridden by the site's settings), buckets, code labels and dbt
descriptions, read once per published warehouse version."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from dashboards import catalogue, data


@pytest.fixture
def warehouse(framework_warehouse):
    with data.open_warehouse(framework_warehouse) as opened:
        yield opened


def test_kpis_carry_labels_units_directions_and_targets(warehouse):
    read = catalogue.read(warehouse)
    dso = read.kpi("dso_simple")
    assert (dso.label("en"), dso.unit, dso.decimals, dso.higher_is_better, dso.target) == \
        ("DSO (simple)", "days", 1, False, 50.0)
    assert read.kpi("total_ar").label("fr") == "Encours total"
    assert read.kpi("total_ar").target is None
    with pytest.raises(KeyError, match="'no_such_kpi' is not in marts.kpi_catalogue"):
        read.kpi("no_such_kpi")


def test_headline_tiles_come_in_tile_order(warehouse):
    assert [spec.kpi for spec in catalogue.read(warehouse).headline_kpis()] == \
        ["total_ar", "dso_simple", "overdue_rate", "cei"]


def test_a_target_in_the_settings_overrides_the_catalogue_s(warehouse):
    read = catalogue.load(warehouse, {"dso_simple": 45})
    assert read.kpi("dso_simple").target == 45.0
    assert read.kpi("overdue_rate").target == 0.20  # the others keep the default
    assert catalogue.load(warehouse).kpi("dso_simple").target == 50.0  # not kept in the cache


@pytest.mark.parametrize("value, target, higher_is_better, met", [
    (52.5, 50, False, False), (45, 50, False, True), (50, 50, False, True),
    (82, 80, True, True), (70, 80, True, False), (70, None, True, None),
    (None, 80, True, None),
])
def test_a_value_meets_its_target_in_the_kpi_s_direction(value, target, higher_is_better,
                                                         met):
    assert catalogue.meets_target(value, target, higher_is_better) is met


def test_buckets_in_their_order_with_labels_and_colours(warehouse):
    buckets = catalogue.read(warehouse).buckets()
    assert [bucket.bucket for bucket in buckets] == ["not_due", "1-30", ">120", "unapplied"]
    assert buckets[2].label("fr") == "Plus de 120 jours"
    assert (buckets[2].min_days_past_due, buckets[2].max_days_past_due) == (121, None)
    assert buckets[0].colour == "#4c9f70"


def test_column_labels_units_and_the_fallback_for_unknown_columns(warehouse):
    read = catalogue.read(warehouse)
    assert read.column_label("open_amount", "fr") == "Montant ouvert (EUR)"
    assert read.column_label("dso_simple", "en") == "DSO (simple)"  # a KPI's label
    assert read.column_label(">120", "en") == "Over 120 days"  # a bucket as a column
    assert read.column_label("promised_amount_left", "fr") == "Promised amount left"
    assert read.column_format("open_amount") == ("amount", 2)
    assert read.column_format("overdue_rate") == ("rate", 1)
    assert read.column_format("1-30", pd.Series([1.5])) == ("amount", 0)  # a bucket column
    # Not in the catalogue: the format follows the values.
    assert read.column_format("calls", pd.Series([3, 4])) == ("count", None)
    assert read.column_format("share", pd.Series([0.5, 0.25])) == ("number", None)
    assert read.column_format("called_at", pd.to_datetime(
        pd.Series(["2026-10-02 10:00"]))) == ("datetime", None)
    assert read.column_format("paid", pd.Series([True, False])) == ("bool", None)
    # Labelled a number but holding text (e.g. a "n/a" column): shown as text.
    assert read.column_format("open_amount", pd.Series(["-"])) == ("text", None)


def test_code_values_show_their_labels(warehouse):
    read = catalogue.read(warehouse)
    assert read.value_label("outcome", "no_answer", "fr") == "Pas de réponse"
    assert read.value_label("outcome", "hung_up", "fr") == "hung_up"  # no label: the code
    assert read.value_label("aging_bucket", ">120", "en") == "Over 120 days"
    frame = pd.DataFrame({"outcome": ["promise_to_pay", None, "hung_up"],
                          "aging_bucket": ["1-30", "not_due", "1-30"], "calls": [1, 2, 3]})
    labelled = read.label_codes(frame, "fr")
    assert labelled["outcome"].tolist()[0] == "Promesse de paiement"
    assert labelled["outcome"].tolist()[2] == "hung_up"
    assert pd.isna(labelled["outcome"].tolist()[1])
    assert labelled["aging_bucket"].tolist() == ["1 à 30 jours", "Non échu", "1 à 30 jours"]
    assert frame["outcome"].tolist()[0] == "promise_to_pay"  # the page's frame is untouched


def test_dbt_descriptions_by_table_and_by_column(warehouse):
    read = catalogue.read(warehouse)
    assert read.definitions("kpi_monthly") == {
        "dso_simple": "Days sales outstanding, simple method."}
    assert read.description("open_amount") == "Open amount of the item at the as-of date."
    assert read.description("nothing") is None


def test_the_catalogue_is_read_once_per_published_version(framework_warehouse, tmp_path,
                                                          monkeypatch):
    reads = []
    monkeypatch.setattr(catalogue, "read", lambda opened: reads.append(opened.version)
                        or catalogue.Catalogue({}, (), {}, {}))
    copy = tmp_path / "credit.duckdb"
    copy.write_bytes(framework_warehouse.read_bytes())
    for _ in range(3):
        with data.open_warehouse(copy) as opened:
            catalogue.load(opened)
    assert len(reads) == 1
    staged = tmp_path / "staged.duckdb"
    staged.write_bytes(framework_warehouse.read_bytes())
    staged.replace(copy)  # how the pipeline publishes: a new file
    with data.open_warehouse(copy) as opened:
        catalogue.load(opened)
    assert len(reads) == 2 and reads[0] != reads[1]


def test_a_warehouse_without_the_catalogue_asks_for_a_rebuild(framework_warehouse, tmp_path):
    older = tmp_path / "older.duckdb"
    older.write_bytes(framework_warehouse.read_bytes())
    connection = duckdb.connect(str(older))
    connection.execute("drop table marts.value_labels")
    connection.close()
    with data.open_warehouse(older) as opened, \
            pytest.raises(data.WarehouseUnavailable, match="no KPI catalogue"):
        catalogue.read(opened)
