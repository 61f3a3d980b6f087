"""Aged balance: buckets by any dimension -> a bucket's customers -> their open items.

The selection (a bucket's customers, a customer's open items) is drawn right under the
bucket buttons and scrolled into view: a click never leaves the answer below the fold."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import dash
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update

from dashboards import components, data, formatting, ids
from dashboards.components import Page

dash.register_page(__name__, path="/aged", name="Aged balance", title="Aged balance", order=1)
PAGE = "aged"
CHART = ids.page_id(PAGE, "by-dimension")
SELECTION = ids.page_id(PAGE, "selection")
SCROLL = ids.page_id(PAGE, "scroll-to")


def layout(**query):
    return components.render(PAGE, "/aged", query, _body)


def _body(page: Page) -> list:
    dimension = page.query.get("dimension") if page.query.get("dimension") in data.DIMENSIONS \
        else "segment"
    buckets = page.catalogue.buckets()
    codes = [bucket.bucket for bucket in buckets]
    bucket = page.query.get("bucket") if page.query.get("bucket") in codes else None
    value = page.query.get("value") or None
    filters = page.filters.with_dimension(dimension, value) if value else page.filters
    aged = data.aged_by_dimension(page.warehouse, dimension, page.filters, page.scope)
    totals = data.bucket_totals(page.warehouse, filters, page.scope)
    params = {"dimension": dimension}
    label = page.catalogue.column_label(dimension, page.locale)
    children = [
        html.H3(page.t("Aged balance")),
        html.P(page.t("As of {date}", date=formatting.date(page.filters.as_of, page.locale)),
               className="text-muted mb-2"),
        html.Div([html.Span(page.t("By:"), className="me-2")] + [
            dcc.Link(page.catalogue.column_label(name, page.locale),
                     href=page.href(**{"dimension": name}),
                     className="btn btn-sm me-1 " + (
                         "btn-primary" if name == dimension else "btn-outline-primary"),
                     id=f"{PAGE}-by-{name}") for name in data.DIMENSIONS], className="mb-2"),
        components.graph(CHART, components.figure(
            components.bucket_traces(aged, "dimension_value", page),
            page.t("Aged balance by {dimension}", dimension=label.lower()), page,
            barmode="relative", xaxis={"type": "category"}, height=320), page),
        html.P(page.t("Click a bar or a bucket to list its customers."),
               className="text-muted small mb-1"),
        html.Div([html.Span(page.t("Buckets:"), className="me-2")] + [
            dcc.Link(f"{spec.label(page.locale)} "
                     f"({formatting.amount(totals[spec.bucket], page.locale)})",
                     href=page.href(**params, bucket=spec.bucket, value=value),
                     className="btn btn-sm me-1 mb-1 " + (
                         "btn-dark" if spec.bucket == bucket else "btn-outline-dark"),
                     id=f"{PAGE}-bucket-{spec.bucket}")
            for spec in buckets if spec.bucket in totals], className="mb-3"),
    ]
    if bucket:
        children += _selection(page, bucket, value, filters, params)
    matrix = data.aged_matrix(page.warehouse, dimension, codes, page.filters, page.scope)
    children += [html.H5(page.t("Aged balance by {dimension} and bucket",
                                dimension=label.lower()), className="mt-3"),
                 components.table(f"aged-by-{dimension}", matrix, page, pinned=(dimension,))]
    return children


def _selection(page: Page, bucket: str, value: str | None, filters: data.Filters,
               params: dict) -> list:
    """The bucket's customers and, when one is picked, its open items (first, so that it
    shows where the user clicked)."""
    bucket_label = page.catalogue.value_label("aging_bucket", bucket, page.locale)
    customers = data.bucket_customers(page.warehouse, bucket, filters, page.scope)
    customers["items_href"] = page.hrefs("customer", customers["customer_id"], **params,
                                         bucket=bucket, value=value)
    customers["statement_href"] = [page.customer_href(c) for c in customers["customer_id"]]
    children: list = []
    customer = page.query.get("customer")
    if customer in set(customers["customer_id"]):  # only a customer of this list
        items = data.open_items(page.warehouse, customer, filters, page.scope, bucket)
        name = customers.loc[customers["customer_id"] == customer, "customer_name"].iloc[0]
        children += [
            html.H5([page.t("Open items of"), " ",
                     dcc.Link(name or customer, href=page.customer_href(customer),
                              id=f"{PAGE}-statement-link"),
                     " ", page.t("in bucket {bucket}", bucket=bucket_label)]),
            components.table("open-items", items, page, pinned=("document_id",))]
    title = page.t("Customers in bucket {bucket}", bucket=bucket_label) + (
        f", {value}" if value else "")
    found = data.rows_in_selection(customers)
    children += [
        html.H5(title),
        html.P(page.t("Click a customer number for its open items in this bucket, a name "
                      "for the customer's page at {date}.",
                      date=formatting.date(page.filters.as_of, page.locale)),
               className="text-muted small mb-1"),
        html.Div(page.t("The first {shown} of {found} customers by open amount; the exports "
                        "hold them all.", shown=formatting.number(len(customers), 0,
                                                                   page.locale),
                        found=formatting.number(found, 0, page.locale)),
                 className="text-muted small mb-1", id="bucket-customers-list-note")
        if found > len(customers) else None,
        components.table("bucket-customers", customers, page,
                         links={"customer_id": "items_href", "customer_name": "statement_href"},
                         export="aged-bucket-customers",
                         export_query={"bucket": bucket, "value": value or "",
                                       "dimension": params["dimension"]}),
    ]
    return [html.Div(children, id=SELECTION), dcc.Store(id=SCROLL, data=SELECTION)]


def _bucket_customers_export(warehouse, filters, scope, query) -> pd.DataFrame:
    """The whole list behind the bucket-customers grid (its export)."""
    dimension = query.get("dimension")
    if query.get("value") and dimension in data.DIMENSIONS:
        filters = filters.with_dimension(dimension, query["value"])
    return data.bucket_customers(warehouse, query.get("bucket", ""), filters, scope,
                                 limit=None)


components.register_export("aged-bucket-customers", _bucket_customers_export)

# Bring the selection into view once drawn (a click high on the page, or a row far down
# the list, would otherwise leave it out of sight).
clientside_callback(
    """function (target) {
        var element = target && document.getElementById(target);
        if (element) { element.scrollIntoView({block: "start"}); }
        return window.dash_clientside.no_update;
    }""",
    Output(SCROLL, "clear_data"), Input(SCROLL, "data"))


@callback(Output(ids.URL, "href", allow_duplicate=True), Input(CHART, "clickData"),
          State(ids.URL, "search"), prevent_initial_call=True)
def open_bucket(click, search):
    """A click on a bar segment selects that bucket and dimension value."""
    if not click:
        return no_update
    point = click["points"][0]
    query = dict(parse_qsl((search or "").lstrip("?")))
    query.update(bucket=point["customdata"], value=str(point["x"]))
    query.pop("customer", None)
    return "/aged?" + urlencode(query)
