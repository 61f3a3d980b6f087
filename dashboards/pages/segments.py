"""Segments drill-down: dimension -> value -> customers -> invoices, KPIs at each level.

Each table opens with the columns that fit a 1440 px screen; the others are one click
away in the "Columns" chooser."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dashboards import components, data, formatting
from dashboards.components import Page

dash.register_page(__name__, path="/segments", name="Segments", title="Segments", order=3)
PAGE = "segments"
LEVEL_TILES = ("total_ar", "overdue_rate", "dso_simple", "dmp_days", "cei", "dispute_weight")
# The KPIs by value a credit manager compares first (DSO and CEI per collector among them).
VALUE_COLUMNS = ("dimension_value", "total_ar", "overdue_ar", "overdue_rate", "dso_simple",
                 "avg_days_beyond_terms", "cei", "dispute_weight", "promise_kept_rate",
                 "customers_over_limit")
CUSTOMER_COLUMNS = ("customer_id", "customer_name", "collector_id", "total_ar", "overdue_ar",
                    "overdue_rate", "disputed_ar", "oldest_days_past_due", "risk_grade")
CUSTOMER_TILES = ("total_ar", "overdue_ar", "overdue_rate", "oldest_days_past_due")


def layout(**query):
    return components.render(PAGE, "/segments", query, _body)


def _body(page: Page) -> list:
    dimension = page.query.get("dimension")
    dimension = dimension if dimension in data.DIMENSIONS else None
    value = page.query.get("value") if dimension else None
    customer = page.query.get("customer") if value else None
    crumbs = [(page.t("All dimensions"), page.href() if dimension else None)]
    children: list = []
    if dimension is None:
        children.append(html.Div([
            dcc.Link(page.catalogue.column_label(name, page.locale),
                     href=page.href(dimension=name), className="btn btn-outline-primary me-2",
                     id=f"{PAGE}-dimension-{name}") for name in data.DIMENSIONS]))
    else:
        crumbs.append((page.catalogue.column_label(dimension, page.locale),
                       page.href(dimension=dimension) if value else None))
    if dimension and not value:
        by_value = data.kpis_by_value(page.warehouse, dimension, page.filters, page.scope)
        by_value["value_href"] = [page.href(dimension=dimension, value=v)
                                  for v in by_value["dimension_value"]]
        by_value = by_value.rename(columns={"dimension_value": dimension})
        children += [
            html.P(page.t("KPIs by {dimension} at {date}: click a value for its customers.",
                          dimension=page.catalogue.column_label(dimension, page.locale).lower(),
                          date=formatting.date(page.filters.as_of, page.locale)),
                   className="text-muted"),
            components.table(f"kpis-by-{dimension}", by_value, page,
                             links={dimension: "value_href"},
                             columns=[dimension if c == "dimension_value" else c
                                      for c in VALUE_COLUMNS],
                             pinned=(dimension,), descriptions="kpi_by_dimension")]
    if value:
        filters = page.filters.with_dimension(dimension, value)
        crumbs.append((value, page.href(dimension=dimension, value=value) if customer else None))
        children.append(_level_tiles(page, filters, f"{PAGE}-value"))
        if not customer:
            customers = data.customers_of(page.warehouse, filters, page.scope)
            customers["drill_href"] = page.hrefs("customer", customers["customer_id"],
                                                 dimension=dimension, value=value)
            customers["customer_href"] = [page.customer_href(c)
                                          for c in customers["customer_id"]]
            children += [
                html.H5(page.t("Customers: {value}", value=value), className="mt-3"),
                components.table("segment-customers", customers, page,
                                 links={"customer_id": "drill_href",
                                        "customer_name": "customer_href"},
                                 columns=CUSTOMER_COLUMNS, export="segment-customers",
                                 export_query={"dimension": dimension, "value": value})]
    if customer:
        filters = page.filters.with_dimension(dimension, value)
        row = data.customers_of(page.warehouse, filters, page.scope, customer_id=customer)
        crumbs.append((row.iloc[0]["customer_name"] if not row.empty else page.t("Customer"),
                       None))
        if row.empty:
            children.append(components.not_available(
                page.t("Customer"), page.t("no balance in this selection, or not allowed.")))
        else:
            items = data.open_items(page.warehouse, customer, filters, page.scope)
            figures = row.iloc[0].to_dict()
            tiles = []
            for name in CUSTOMER_TILES:
                unit, decimals = page.catalogue.column_format(name, row[name])
                tiles.append(components.kpi_tile(
                    page, f"{PAGE}-customer-tile-{name}",
                    page.catalogue.column_label(name, page.locale), unit, figures.get(name),
                    decimals=decimals,
                    definition=page.catalogue.description(name, "customer_profile_history")))
            children += [
                dbc.Row(tiles, className="g-2"),
                html.H5([page.t("Invoices of"), " ",
                         dcc.Link(figures["customer_name"] or customer,
                                  href=page.customer_href(customer),
                                  id=f"{PAGE}-statement-link")], className="mt-3"),
                components.table("segment-invoices", items, page, pinned=("document_id",))]
    return [html.H3(page.t("Segments")), components.breadcrumb(crumbs), *children]


def _level_tiles(page: Page, filters: data.Filters, prefix: str):
    series = data.kpi_series(page.warehouse, filters, page.scope)
    rows = series.rows[series.rows["as_of_date"] <= pd.Timestamp(page.filters.as_of)]
    if rows.empty:
        return components.not_available(page.t("KPIs"), page.t("no data for this selection."))
    kpis = [kpi for kpi in LEVEL_TILES
            if kpi in series.available and kpi in page.catalogue.kpis]
    return components.kpi_tiles(page, prefix, rows.iloc[-1].to_dict(),
                                rows.iloc[-2].to_dict() if len(rows) > 1 else None, kpis)


def _segment_customers_export(warehouse, filters, scope, query) -> pd.DataFrame:
    dimension = query.get("dimension")
    if dimension in data.DIMENSIONS and query.get("value"):
        filters = filters.with_dimension(dimension, query["value"])
    return data.customers_of(warehouse, filters, scope, limit=None)


components.register_export("segment-customers", _segment_customers_export)
