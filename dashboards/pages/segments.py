"""Segments drill-down: dimension -> value -> customers -> invoices, KPIs at each level."""

from __future__ import annotations

import dash
import pandas as pd
from dash import dcc, html

from dashboards import components, data
from dashboards.components import DIMENSION_LABELS, Page

dash.register_page(__name__, path="/segments", name="Segments", title="Segments", order=2)
PAGE = "segments"
LEVEL_TILES = [("total_ar", "Total AR", "amount"), ("overdue_rate", "Overdue rate", "rate"),
               ("dso_simple", "DSO (simple)", "days"), ("dmp_days", "DMP", "days"),
               ("cei", "CEI", "index"), ("dispute_weight", "Dispute weight", "rate")]


def layout(**query):
    return components.render(PAGE, "/segments", query, _body)


def _body(page: Page) -> list:
    dimension = page.query.get("dimension")
    dimension = dimension if dimension in data.DIMENSIONS else None
    value = page.query.get("value") if dimension else None
    customer = page.query.get("customer") if value else None
    crumbs = [("All dimensions", page.href() if dimension else None)]
    children: list = []
    if dimension is None:
        children.append(html.Div([dcc.Link(label, href=page.href(dimension=name),
                                           className="btn btn-outline-primary me-2",
                                           id=f"{PAGE}-dimension-{name}")
                                  for name, label in DIMENSION_LABELS.items()]))
    else:
        crumbs.append((DIMENSION_LABELS[dimension],
                       page.href(dimension=dimension) if value else None))
    if dimension and not value:
        by_value = data.kpis_by_value(page.warehouse, dimension, page.filters, page.scope)
        by_value["value_href"] = [page.href(dimension=dimension, value=v)
                                  for v in by_value["dimension_value"]]
        children.append(components.table(f"kpis-by-{dimension}", by_value, page.locale,
                                         links={"dimension_value": "value_href"}))
    if value:
        filters = page.filters.with_dimension(dimension, value)
        crumbs.append((value, page.href(dimension=dimension, value=value) if customer else None))
        children.append(_level_tiles(page, filters, f"{PAGE}-value"))
        if not customer:
            customers = data.customers_of(page.warehouse, filters, page.scope)
            customers["customer_href"] = page.hrefs("customer", customers["customer_id"],
                                                    dimension=dimension, value=value)
            children += [html.H5(f"Customers: {value}"),
                         components.list_note("segment-customers", customers, "customers",
                                              "total AR", page.locale),
                         components.table("segment-customers", customers, page.locale,
                                          links={"customer_id": "customer_href"})]
    if customer:
        filters = page.filters.with_dimension(dimension, value)
        row = data.customers_of(page.warehouse, filters, page.scope, customer_id=customer)
        crumbs.append((customer if not row.empty else "Customer", None))
        if row.empty:
            children.append(components.not_available(
                "Customer", "no open balance in this selection, or not allowed."))
        else:
            items = data.open_items(page.warehouse, customer, filters, page.scope)
            columns = [("total_ar", "Total AR", "amount"), ("overdue_ar", "Overdue", "amount"),
                       ("overdue_rate", "Overdue rate", "rate"),
                       ("oldest_days_past_due", "Oldest days past due", "count")]
            children += [
                components.kpi_row(page, f"{PAGE}-customer", columns, row.iloc[0].to_dict(),
                                   None, {}),
                html.H5(["Invoices of ", dcc.Link(row.iloc[0]["customer_name"] or customer,
                                                  href=f"/customer/{customer}",
                                                  id=f"{PAGE}-statement-link")],
                        className="mt-3"),
                components.table("segment-invoices", items, page.locale)]
    return [html.H3("Segments"), components.breadcrumb(crumbs), *children]


def _level_tiles(page: Page, filters: data.Filters, prefix: str):
    series = data.kpi_series(page.warehouse, filters, page.scope)
    rows = series.rows[series.rows["as_of_date"] <= pd.Timestamp(page.filters.as_of)]
    if rows.empty:
        return components.not_available("KPIs", "no data for this selection.")
    tiles = [tile for tile in LEVEL_TILES if tile[0] in series.available]
    return components.kpi_row(page, prefix, tiles, rows.iloc[-1].to_dict(),
                              rows.iloc[-2].to_dict() if len(rows) > 1 else None,
                              data.definitions(page.warehouse, "kpi_monthly"))
