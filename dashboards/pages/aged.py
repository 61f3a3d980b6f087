"""Aged balance: buckets by any dimension -> a bucket's customers -> their open items."""

from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, State, callback, dcc, html, no_update

from dashboards import components, data, ids
from dashboards.components import Page

dash.register_page(__name__, path="/aged", name="Aged balance", title="Aged balance", order=1)
PAGE = "aged"
CHART = ids.page_id(PAGE, "by-dimension")


def layout(**query):
    return components.render(PAGE, "/aged", query, _body)


def _body(page: Page) -> list:
    dimension = page.query.get("dimension") if page.query.get("dimension") in data.DIMENSIONS \
        else "segment"
    bucket = page.query.get("bucket") if page.query.get("bucket") in components.BUCKET_COLOURS \
        else None
    value = page.query.get("value") or None
    filters = page.filters.with_dimension(dimension, value) if value else page.filters
    aged = data.aged_by_dimension(page.warehouse, dimension, page.filters, page.scope)
    params = {"dimension": dimension}
    children = [
        html.H3("Aged balance"),
        html.Div([html.Span("By: ", className="me-2")] + [
            dcc.Link(components.DIMENSION_LABELS[name], href=page.href(**{"dimension": name}),
                     className="btn btn-sm me-1 " + (
                         "btn-primary" if name == dimension else "btn-outline-primary"),
                     id=f"{PAGE}-by-{name}") for name in data.DIMENSIONS], className="mb-2"),
        components.graph(CHART, _chart(aged, dimension, page.locale)),
        html.Div([html.Span("Buckets: ", className="me-2")] + [
            dcc.Link(f"{name} ({components.format_kpi('amount', total, page.locale)})",
                     href=page.href(**params, bucket=name, value=value),
                     className="btn btn-sm me-1 mb-1 " + (
                         "btn-dark" if name == bucket else "btn-outline-dark"),
                     id=f"{PAGE}-bucket-{name}")
            for name, total in _bucket_totals(aged, value).items()], className="mb-3"),
    ]
    matrix = aged.pivot_table(index="dimension_value", columns="aging_bucket",
                              values="open_amount", aggfunc="sum", fill_value=0)
    matrix = matrix.reindex(columns=[b for b in components.BUCKET_COLOURS if b in matrix])
    matrix["total"] = matrix.sum(axis=1)
    matrix = matrix.reset_index().rename(columns={"dimension_value": dimension})
    children.append(components.table(f"aged-by-{dimension}", matrix, page.locale, height=260))
    if bucket:
        customers = data.bucket_customers(page.warehouse, bucket, filters, page.scope)
        customers["items_href"] = page.hrefs("customer", customers["customer_id"], **params,
                                             bucket=bucket, value=value)
        customers["statement_href"] = [f"/customer/{c}" for c in customers["customer_id"]]
        children += [html.H5(f"Customers in bucket {bucket}" + (f", {value}" if value else "")),
                     components.list_note("bucket-customers", customers, "customers",
                                          "open amount", page.locale),
                     components.table("bucket-customers", customers, page.locale,
                                      links={"customer_id": "items_href",
                                             "customer_name": "statement_href"})]
        customer = page.query.get("customer")
        if customer in set(customers["customer_id"]):  # only a customer of this list
            items = data.open_items(page.warehouse, customer, filters, page.scope, bucket)
            children += [html.H5(["Open items of ", dcc.Link(customer, href=f"/customer/{customer}",
                                                             id=f"{PAGE}-statement-link"),
                                  f" in bucket {bucket}"]),
                         components.table("open-items", items, page.locale, height=260)]
    return children


def _bucket_totals(aged: pd.DataFrame, value: str | None) -> dict[str, float]:
    rows = aged[aged["dimension_value"] == value] if value else aged
    totals = rows.groupby("aging_bucket")["open_amount"].sum()
    return {bucket: float(totals[bucket]) for bucket in components.BUCKET_COLOURS
            if bucket in totals}


def _chart(aged: pd.DataFrame, dimension: str, locale: str) -> dict:
    return components.figure(
        components.bar_traces(aged, "dimension_value", components.BUCKET_COLOURS),
        f"Aged balance by {components.DIMENSION_LABELS[dimension].lower()}", locale,
        barmode="relative", xaxis={"type": "category"})


@callback(Output(ids.URL, "href", allow_duplicate=True), Input(CHART, "clickData"),
          State(ids.URL, "search"), prevent_initial_call=True)
def open_bucket(click, search):
    """A click on a bar segment selects that bucket and dimension value."""
    if not click:
        return no_update
    point = click["points"][0]
    query = dict(components.parse_qsl((search or "").lstrip("?")))
    query.update(bucket=point["customdata"], value=str(point["x"]))
    query.pop("customer", None)
    return "/aged?" + components.urlencode(query)

