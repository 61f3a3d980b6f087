"""Cash forecast: the cash expected from the invoices open at the as-of date over the next
13 weeks (promised, disputed and other parts, the P10-P90 band, litigation reported
apart), the invoices behind a week, the forecasts of earlier dates against the cash that
came, and the backtest of the model against three simple methods, metric by metric, with
the metrics' definitions (marts.forecast_metric_catalogue).

Every number is a forecast mart's (dbt_project/models/marts/forecast/) or a sum of its
columns. The chosen week, metric and earlier forecast live in the address like the
filters (`?week=3&metric=mae_days&made=2026-06-30`), so a view can be shared as a link;
the address's fragment (`#forecast-accuracy`) brings the changed part into view."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlencode

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update

from dashboards import components, data, formatting, i18n, ids
from dashboards.components import Page
from dashboards.pages._widgets import in_language

dash.register_page(__name__, path="/forecast", name="Cash forecast", title="Cash forecast",
                   order=2)
PAGE = "forecast"
PATH = "/forecast"
WEEKS_CHART = ids.page_id(PAGE, "weeks")
WEEK_CHOICE = ids.page_id(PAGE, "week-choice")
SELECTION = ids.page_id(PAGE, "week-invoices")
VS_ACTUAL = ids.page_id(PAGE, "vs-actual")
MADE_CHOICE = ids.page_id(PAGE, "made-choice")
ACCURACY = ids.page_id(PAGE, "accuracy")
METRIC_CHOICE = ids.page_id(PAGE, "metric-choice")
SCROLL = ids.page_id(PAGE, "scroll-to")
DRAWN_WITH = ids.page_id(PAGE, "drawn-with")  # the week, metric and date the page shows
DEFAULT_METRIC = "wape_13w"
EXPORT = "forecast-week-invoices"
# The week's invoices: what a treasurer checks first (the cash expected from the invoice,
# net of a likely credit note, as the bar counts it); the rest behind "Columns". So that
# the reasons fit at 1440 px, in French too: the late date (P90) rather than both ends of
# the range, and the reasons without the basis (they start with the promise, dispute or
# litigation that drives the date).
INVOICE_COLUMNS = ("customer_name", "document_id", "expected_cash_amount", "{probability}",
                   "expected_payment_date", "payment_date_p90", "forecast_reasons")
PARTS = (("promised_cash", "#2e7d32"), ("disputed_cash", "#e08e0b"),
         ("other_cash", "#1f4e79"))
BAND_COLOUR = "#263238"
ACTUAL_COLOUR = "#b0bec5"
METHOD_LINES = {"model": {"color": "#1f4e79", "width": 3},
                "due_date": {"color": "#8d6e63", "width": 2, "dash": "dot"},
                "customer_delay": {"color": "#7b1fa2", "width": 2, "dash": "dash"},
                "rules": {"color": "#00897b", "width": 2, "dash": "dashdot"}}


def layout(**query):
    return components.render(PAGE, PATH, query, _body)


# --- words -------------------------------------------------------------------------------

def _method(page: Page, method: str) -> str:
    return {"model": page.t("Forecast model"),
            "due_date": page.t("Due date"),
            "customer_delay": page.t("Customer's usual delay"),
            "rules": page.t("Rules (promise, dispute)")}.get(method, method)


def _part(page: Page, column: str) -> str:
    return {"promised_cash": page.t("Promised"),
            "disputed_cash": page.t("Disputed"),
            "other_cash": page.t("Other invoices")}[column]


def _week_label(page: Page, row, style: str = "long") -> str:
    """`Week 3: 2026-11-15 to 2026-11-21` (long), `Week 3<br>2026-11-15` (axis), `W3`
    (short: a half-width chart, the dates in its hover)."""
    number = int(row["week_number"])
    start = formatting.date(row["week_start"], page.locale)
    if style == "short":
        return page.t("W{number}", number=number)
    if style == "axis":
        return f"{page.t('Week {number}', number=number)}<br>{start}"
    return page.t("Week {number}: {start} to {end}", number=number, start=start,
                  end=formatting.date(row["week_end"], page.locale))


def _money(page: Page, field: str) -> str:
    """A Plotly hover template's amount, written like the tiles' (the layout's separators
    make it French)."""
    value = f"%{{{field}:,.0f}}"
    return f"{value}\u202f€" if page.locale == "fr" else f"€{value}"


def _chosen_week(page: Page) -> int | None:
    try:
        week = int(page.query.get("week") or 0)
    except ValueError:
        return None
    return week if 1 <= week <= data.FORECAST_WEEKS else None


# --- the page ----------------------------------------------------------------------------

def _body(page: Page) -> list:
    as_of = formatting.date(page.filters.as_of, page.locale)
    children: list = [
        html.H3(page.t("Cash forecast for the next 13 weeks")),
        html.P(page.t("Cash expected from the invoices open at {date}, week by week over "
                      "the next 13 weeks (week 1 is the 7 days after {date}).", date=as_of),
               className="text-muted mb-2", id=f"{PAGE}-as-of"),
    ]
    if not data.has_forecast(page.warehouse):
        return [*children, components.not_available(page.t("Cash forecast"), page.t(
            "this warehouse was built without the forecast marts: run the pipeline again "
            "to build them."))]
    weeks = data.cash_forecast(page.warehouse, page.filters, page.scope)
    if weeks is None:
        children.append(components.not_available(page.t("Next 13 weeks"), page.t(
            "published for the company and for one segment, region, business unit or "
            "collector at a time: pick a single one to see it.")))
    elif weeks.empty:
        children.append(components.not_available(page.t("Next 13 weeks"), page.t(
            "no forecast was made at {date}.", date=as_of)))
    else:
        children += _next_weeks(page, weeks)
    catalogue_rows = data.forecast_metric_catalogue(page.warehouse) \
        if page.warehouse.has("marts.forecast_metric_catalogue") else pd.DataFrame()
    accuracy = data.forecast_accuracy(page.warehouse, page.filters.as_of) \
        if page.warehouse.has("marts.forecast_accuracy") else pd.DataFrame()
    metric = _chosen_metric(page, catalogue_rows)
    vs_actual, made = _vs_actual(page, accuracy)
    children += [
        html.H4(page.t("How good is the forecast?"), className="mt-4"),
        dbc.Row([dbc.Col(vs_actual, lg=6, id=VS_ACTUAL),
                 dbc.Col(_accuracy(page, catalogue_rows, accuracy, metric), lg=6,
                         id=ACCURACY)], className="g-3"),
        _metric_cards(page, catalogue_rows, accuracy, metric),
        dcc.Store(id=SCROLL, data=page.address()),
        dcc.Store(id=DRAWN_WITH, data={"week": _chosen_week(page), "metric": metric,
                                       "made": made.isoformat() if made else None}),
    ]
    return children


def _next_weeks(page: Page, weeks: pd.DataFrame) -> list:
    first = weeks.iloc[0]
    as_of = formatting.date(page.filters.as_of, page.locale)

    def tile(name: str, label: str, value, definition: str) -> dbc.Col:
        return components.kpi_tile(page, f"{PAGE}-tile-{name}", label, "amount", value,
                                   definition=definition)

    tiles = dbc.Row([
        tile("open", page.t("Open invoices"), data.forecast_open_amount(
            page.warehouse, page.filters, page.scope), page.t(
            "Open amount at {date} of the invoices the forecast covers, those in litigation "
            "included: what the weeks below are expected to turn into cash, the rest coming "
            "later or not at all.", date=as_of)),
        tile("total", page.t("Next 13 weeks"), first["expected_cash_13w"], page.t(
            "Cash expected over the 13 weeks after {date} from the invoices open then: the "
            "sum of the weekly expected cash (invoices in litigation left out).", date=as_of)),
        tile("week-1", page.t("Week 1"), first["expected_cash"], page.t(
            "Cash expected from {start} to {end}.",
            start=formatting.date(first["week_start"], page.locale),
            end=formatting.date(first["week_end"], page.locale))),
        tile("promised", page.t("Promised, 13 weeks"), first["promised_cash_13w"], page.t(
            "The part of the 13 weeks' cash expected from invoices covered by a customer's "
            "pending promise to pay.")),
        tile("disputed", page.t("Disputed, 13 weeks"), first["disputed_cash_13w"], page.t(
            "The part of the 13 weeks' cash expected from invoices in dispute, net of the "
            "share such disputes usually end in a credit note.")),
        tile("litigation", page.t("In litigation"), first["litigation_amount"], page.t(
            "Open amount at {date} of the invoices in litigation (formal notice or legal "
            "action): reported apart, not spread over the weeks.", date=as_of)),
    ], className="g-2")
    labels = [_week_label(page, row, "axis") for _, row in weeks.iterrows()]
    numbers = [int(number) for number in weeks["week_number"]]
    traces = [{"type": "bar", "name": _part(page, column), "x": labels,
               "y": components.values(weeks[column]), "marker": {"color": colour},
               "customdata": numbers,
               "hovertemplate": _money(page, "y") + "<extra>%{fullData.name}</extra>"}
              for column, colour in PARTS]
    expected = components.values(weeks["expected_cash"])
    low, high = components.values(weeks["cash_p10"]), components.values(weeks["cash_p90"])
    traces.append({
        "type": "scatter", "mode": "markers", "name": page.t("Expected, P10 to P90"),
        "x": labels, "y": expected, "customdata": [[n, a, b] for n, a, b in
                                                   zip(numbers, low, high, strict=True)],
        "marker": {"symbol": "line-ew", "size": 22, "color": BAND_COLOUR,
                   "line": {"width": 2, "color": BAND_COLOUR}},
        "error_y": {"type": "data", "symmetric": False, "color": BAND_COLOUR,
                    "thickness": 1.5, "width": 6,
                    "array": [b - e for e, b in zip(expected, high, strict=True)],
                    "arrayminus": [e - a for e, a in zip(expected, low, strict=True)]},
        "hovertemplate": f"{page.t('Expected')} {_money(page, 'y')}<br>"
                         f"P10 {_money(page, 'customdata[1]')} · "
                         f"P90 {_money(page, 'customdata[2]')}<extra></extra>"})
    chosen = _chosen_week(page)
    options = [{"label": _week_label(page, row), "value": int(row["week_number"])}
               for _, row in weeks.iterrows()]
    children = [
        tiles,
        components.graph(WEEKS_CHART, components.figure(
            traces, page.t("Cash expected in each of the next 13 weeks, from {date}",
                           date=as_of), page,
            height=380, barmode="relative", xaxis={"type": "category"},
            yaxis={"title": {"text": "€" if page.locale == "fr" else "EUR"}},
            legend={"y": -0.28}, margin={"b": 90}), page),
        dbc.Row([
            dbc.Col(html.P(page.t(
                "Click a week's bar, or choose the week, to list the invoices behind it. The "
                "bar is the expected cash (each invoice's amount times its probability of "
                "being paid that week); the whisker spans P10 to P90: 8 weeks in 10 should "
                "land inside."), className="text-muted small mb-1"), lg=8),
            dbc.Col(dcc.Dropdown(id=WEEK_CHOICE, options=options, value=chosen,
                                 placeholder=page.t("Choose a week"), clearable=True), lg=4),
        ], className="g-2 align-items-center"),
    ]
    if chosen is not None:
        children.append(_week_invoices(page, chosen, weeks.iloc[chosen - 1]))
    return children


def _week_invoices(page: Page, week: int, row) -> html.Div:
    as_of = formatting.date(page.filters.as_of, page.locale)
    rows = in_language(data.week_invoices(page.warehouse, week, page.filters, page.scope),
                       page.locale, "forecast_reasons")
    rows["customer_href"] = [page.customer_href(c) for c in rows["customer_id"]]
    found = data.rows_in_selection(rows)
    probability = f"p_week_{week}"
    return html.Div([
        html.H5(page.t("Invoices behind week {number} ({start} to {end}): {expected} expected",
                       number=week, start=formatting.date(row["week_start"], page.locale),
                       end=formatting.date(row["week_end"], page.locale),
                       expected=formatting.amount(row["expected_cash"], page.locale)),
                className="mt-3", id=f"{PAGE}-week-title"),
        html.P(page.t(
            "The invoices open at {date} that may be paid that week, the largest "
            "contribution to the bar first (expected cash times the chance of that week): "
            "the chance of payment that week, the expected date (as likely "
            "before as after), the late date (P90: paid by then 9 times in 10), what the "
            "forecast rests on and why. A customer's name opens the customer's page at "
            "{date}.", date=as_of), className="text-muted small"),
        html.Div(page.t("The first {shown} of {found} invoices; the exports hold them all.",
                        shown=formatting.number(len(rows), 0, page.locale),
                        found=formatting.number(found, 0, page.locale)),
                 className="text-muted small mb-1", id=f"{PAGE}-week-note")
        if found > len(rows) else None,
        components.table(EXPORT, rows, page, links={"customer_name": "customer_href"},
                         columns=[name.format(probability=probability)
                                  for name in INVOICE_COLUMNS],
                         pinned=("customer_name",), export=EXPORT,
                         export_query={"week": str(week)},
                         descriptions="invoice_payment_forecast"),
    ], id=SELECTION)


def _company_only(page: Page) -> str | None:
    """Why a company-wide view is not shown (None: it is)."""
    if page.scope.restricted:
        return page.t("published for the whole company only.")
    if page.filters.dimensions():
        return page.t("published for the whole company: clear the filters to see it.")
    return None


def _vs_actual(page: Page, accuracy: pd.DataFrame) -> tuple[list, dt.date | None]:
    """The section and the date of the forecast it shows (None: none shown)."""
    title = html.H5(page.t("Forecast against the cash that came"))
    as_of = formatting.date(page.filters.as_of, page.locale)
    why_not = _company_only(page)
    if why_not:
        return [title, components.not_available(page.t("Forecast against actual"),
                                                why_not)], None
    dates = data.forecast_as_of_dates(page.warehouse, page.filters.as_of)
    if not dates:
        return [title, components.not_available(page.t("Forecast against actual"), page.t(
            "no earlier forecast to set against the cash received by {date}.", date=as_of))], None
    horizon = dt.timedelta(days=7 * data.FORECAST_WEEKS)
    asked = page.query.get("made")
    made = next((day for day in dates if day.isoformat() == asked), None) or next(
        (day for day in dates if day + horizon <= page.filters.as_of), dates[0])
    rows = data.forecast_vs_actual(page.warehouse, made, page.filters.as_of)
    model = rows[rows["method"] == "model"]
    labels = [_week_label(page, row, "short") for _, row in model.iterrows()]
    week_dates = [_week_label(page, row) for _, row in model.iterrows()]
    hover = "%{customdata}<br>" + _money(page, "y") + "<extra>%{fullData.name}</extra>"
    traces = [{"type": "bar", "name": page.t("Cash received"), "x": labels,
               "y": components.values(model["actual_cash"]), "customdata": week_dates,
               "marker": {"color": ACTUAL_COLOUR}, "hovertemplate": hover}]
    for method, line in METHOD_LINES.items():
        method_rows = rows[rows["method"] == method]
        if method_rows.empty:
            continue
        traces.append({"type": "scatter", "mode": "lines+markers",
                       "name": _method(page, method), "x": labels,
                       "y": components.values(method_rows["expected_cash"]), "line": line,
                       "marker": {"size": 5 if method != "model" else 7},
                       "customdata": week_dates, "hovertemplate": hover})
    made_text = formatting.date(made, page.locale)
    summary = ""
    if not model.empty:
        summary = page.t(
            "Over the {weeks} weeks shown, the model expected {expected} and {actual} came.",
            weeks=len(model), expected=formatting.amount(model["expected_cash_total"].iloc[0],
                                                         page.locale),
            actual=formatting.amount(model["actual_cash_total"].iloc[0], page.locale))
        wape = accuracy[(accuracy["as_of_date"] == pd.Timestamp(made))
                        & (accuracy["method"] == "model")
                        & (accuracy["metric"] == DEFAULT_METRIC)] if not accuracy.empty \
            else accuracy
        if not wape.empty:
            summary += " " + page.t("Weekly error of that forecast over 13 weeks (WAPE): "
                                    "{wape}.", wape=formatting.percent(wape["value"].iloc[0],
                                                                       1, page.locale))
    options = [{"label": formatting.date(day, page.locale), "value": day.isoformat()}
               for day in dates]
    return [
        title,
        dbc.Row([
            dbc.Col(html.Span(page.t("Forecast made at"), className="small text-muted"),
                    width="auto"),
            dbc.Col(dcc.Dropdown(id=MADE_CHOICE, options=options, value=made.isoformat(),
                                 clearable=False), width=5),
        ], className="g-2 align-items-center mb-1"),
        components.graph(ids.page_id(PAGE, "vs-actual-chart"), components.figure(
            traces, page.t("Forecast made at {made} against the cash received (weeks ended "
                           "by {date})", made=made_text, date=as_of), page, height=360,
            xaxis={"type": "category"}, legend={"y": -0.15}, margin={"b": 70}), page),
        html.P(summary, className="small", id=f"{PAGE}-vs-actual-summary"),
        html.P(page.t("The bars are the cash the invoices open at {made} brought in each "
                      "week; the lines what each method expected for them then.",
                      made=made_text), className="text-muted small"),
    ], made


def _chosen_metric(page: Page, catalogue_rows: pd.DataFrame) -> str | None:
    metrics = list(catalogue_rows["metric"]) if not catalogue_rows.empty else []
    asked = page.query.get("metric")
    if asked in metrics:
        return asked
    return DEFAULT_METRIC if DEFAULT_METRIC in metrics else (metrics[0] if metrics else None)


def _label(page: Page, row) -> str:
    french = row.get("label_fr")
    return str(french) if page.locale == "fr" and not formatting.is_missing(french) \
        and french else str(row["label_en"])


def _definition(page: Page, row) -> str:
    french = row.get("definition_fr")
    return str(french) if page.locale == "fr" and not formatting.is_missing(french) \
        and french else str(row.get("definition_en") or "")


def _format(row, value, locale: str) -> str:
    decimals = None if formatting.is_missing(row.get("decimals")) else int(row["decimals"])
    return formatting.kpi(value, str(row.get("unit") or "number"), decimals, locale)


def _accuracy(page: Page, catalogue_rows: pd.DataFrame, accuracy: pd.DataFrame,
              metric: str | None) -> list:
    title = html.H5(page.t("Accuracy over time: the model against simple methods"))
    if page.scope.restricted:
        return [title, components.not_available(page.t("Backtest"),
                                                page.t("published for the whole company only."))]
    as_of = formatting.date(page.filters.as_of, page.locale)
    if metric is None or accuracy.empty:
        return [title, components.not_available(page.t("Backtest"), page.t(
            "no forecast whose 13 weeks had passed by {date}.", date=as_of))]
    spec = catalogue_rows.set_index("metric").loc[metric].to_dict()
    rows = accuracy[accuracy["metric"] == metric]
    traces = []
    for method, line in METHOD_LINES.items():
        method_rows = rows[(rows["method"] == method) & rows["value"].notna()]
        if method_rows.empty:
            continue
        traces.append({"type": "scatter", "mode": "lines+markers",
                       "name": _method(page, method),
                       "x": components.iso(method_rows["as_of_date"]),
                       "y": components.values(method_rows["value"]), "line": line,
                       "marker": {"size": 5 if method != "model" else 7}})
    unit = str(spec.get("unit") or "number")
    yaxis: dict = {"tickformat": ".0%"} if unit == "rate" else {}
    if unit == "days":
        yaxis["title"] = {"text": page.t("days")}
    shapes = []
    if not formatting.is_missing(spec.get("target")):
        shapes.append(components.target_shape(float(spec["target"]), page.t(
            "Target {target}", target=_format(spec, spec["target"], page.locale))))
    options = [{"label": _label(page, row), "value": row["metric"]}
               for row in catalogue_rows.to_dict("records")]
    notes = [page.t("Each point is the forecast made at that month end, scored on what "
                    "happened in the 13 weeks after it; only forecasts whose 13 weeks had "
                    "passed by {date} are shown.", date=as_of)]
    if page.filters.dimensions():
        notes.append(page.t("Company-wide backtest: the filters above do not apply to it."))
    return [
        title,
        dbc.Row([
            dbc.Col(html.Span(page.t("Metric"), className="small text-muted"), width="auto"),
            dbc.Col(dcc.Dropdown(id=METRIC_CHOICE, options=options, value=metric,
                                 clearable=False), width=8),
        ], className="g-2 align-items-center mb-1"),
        components.graph(ids.page_id(PAGE, "accuracy-chart"), components.figure(
            traces, _label(page, spec), page, height=360,
            yaxis=yaxis, shapes=shapes, legend={"y": -0.15}, margin={"b": 70, "r": 80}),
            page),
        html.P(_definition(page, spec), className="small", id=f"{PAGE}-metric-definition"),
        html.P(" ".join(notes), className="text-muted small"),
    ]


def _direction(page: Page, spec: dict) -> str:
    higher = spec.get("higher_is_better")
    if formatting.is_missing(higher):
        return page.t("closest to the target is best") \
            if not formatting.is_missing(spec.get("target")) else page.t("closest to 0 is best")
    return page.t("higher is better") if higher else page.t("lower is better")


def _metric_cards(page: Page, catalogue_rows: pd.DataFrame, accuracy: pd.DataFrame,
                  metric: str | None) -> html.Div:
    """One card per metric: its label, definition, unit and direction, and the latest
    backtest values of the model and the simple methods. A card chooses its metric."""
    if catalogue_rows.empty:
        return html.Div()
    latest = accuracy[accuracy["as_of_date"] == accuracy["as_of_date"].max()] \
        if not accuracy.empty and not page.scope.restricted else accuracy.iloc[0:0]
    cards = []
    for spec in catalogue_rows.to_dict("records"):
        values = latest[latest["metric"] == spec["metric"]].set_index("method")["value"] \
            if not latest.empty else pd.Series(dtype=float)
        lines = [html.P(_definition(page, spec), className="mb-1")]
        facts = [page.t("Unit: {unit}", unit=_unit(page, str(spec.get("unit") or ""))),
                 _direction(page, spec)]
        if not formatting.is_missing(spec.get("target")):
            facts.append(page.t("target {target}", target=_format(spec, spec["target"],
                                                                   page.locale)))
        lines.append(html.Div(" · ".join(facts), className="text-muted small mb-1"))
        shown = [method for method in data.FORECAST_METHODS
                 if method in values and not formatting.is_missing(values[method])]
        if shown:
            lines.append(html.Table(html.Tbody([html.Tr([
                html.Td(_method(page, method), className="pe-3"),
                html.Td(_format(spec, values[method], page.locale), className="text-end")],
                className="fw-semibold" if method == "model" else None) for method in shown]),
                className="small metric-values"))
        chosen = spec["metric"] == metric
        card = dbc.Card([dbc.CardHeader(_label(page, spec), className="fw-semibold"),
                         dbc.CardBody(lines, className="py-2")],
                        className="h-100 metric-card" + (" border-primary chosen" if chosen
                                                         else ""),
                        id=f"{PAGE}-metric-{spec['metric']}")
        cards.append(dbc.Col(dcc.Link(card, href=page.href(metric=spec["metric"], **_kept(
            page, "metric")) + f"#{ACCURACY}", className="tile-link d-block h-100"),
            md=6, lg=4, className="mb-2"))
    as_at = "" if latest.empty else page.t(" Values of the forecast made at {date}.",
                                          date=formatting.date(latest["as_of_date"].iloc[0],
                                                               page.locale))
    return html.Div([
        html.H5(page.t("The metrics"), className="mt-3"),
        html.P(page.t("How each metric is computed; a card shows it in the chart.") + as_at,
               className="text-muted small mb-2"),
        dbc.Row(cards, className="g-2"),
    ], id=f"{PAGE}-metric-cards")


def _unit(page: Page, unit: str) -> str:
    return {"rate": page.t("share (%)"), "days": page.t("days"),
            "index": page.t("index from 0 to 1"), "number": page.t("number"),
            "amount": page.t("euros")}.get(unit, unit)


def _kept(page: Page, changed: str) -> dict[str, str | None]:
    """The page's own choices (week, metric, earlier forecast) but `changed`."""
    return {name: page.query.get(name) for name in ("week", "metric", "made")
            if name != changed}


# --- exports and callbacks ---------------------------------------------------------------

def _week_export(warehouse, filters, scope, query) -> pd.DataFrame:
    try:
        week = int(query.get("week") or 0)
    except ValueError:
        week = 0
    if not 1 <= week <= data.FORECAST_WEEKS:
        return pd.DataFrame()
    return in_language(data.week_invoices(warehouse, week, filters, scope, limit=None),
                       i18n.current_locale(), "forecast_reasons")


components.register_export(EXPORT, _week_export)


def _address(search: str | None, anchor: str, **changes: str | None) -> str:
    query = dict(parse_qsl((search or "").lstrip("?")))
    for name, value in changes.items():
        if value:
            query[name] = value
        else:
            query.pop(name, None)
    return f"{PATH}?{urlencode(query)}#{anchor}" if query else f"{PATH}#{anchor}"


def _navigate(search: str | None, drawn_with: dict | None, anchor: str, name: str,
              value) -> str:
    """The page's address with `name` set to `value` (removed when empty); no_update
    when the page already shows it (a dropdown reports its value once drawn)."""
    if value == (drawn_with or {}).get(name):
        return no_update
    return _address(search, anchor, **{name: None if value in (None, "") else str(value)})


@callback(Output(ids.URL, "href", allow_duplicate=True), Input(WEEKS_CHART, "clickData"),
          State(ids.URL, "search"), prevent_initial_call=True)
def open_week(click, search):
    """A click on a week's bar (or its whisker) lists that week's invoices."""
    if not click:
        return no_update
    customdata = click["points"][0].get("customdata")
    week = customdata[0] if isinstance(customdata, list) else customdata
    return _address(search, SELECTION, week=str(int(week)))


@callback(Output(ids.URL, "href", allow_duplicate=True), Input(WEEK_CHOICE, "value"),
          State(ids.URL, "search"), State(DRAWN_WITH, "data"), prevent_initial_call=True)
def choose_week(week, search, drawn_with):
    return _navigate(search, drawn_with, SELECTION, "week", week)


@callback(Output(ids.URL, "href", allow_duplicate=True), Input(METRIC_CHOICE, "value"),
          State(ids.URL, "search"), State(DRAWN_WITH, "data"), prevent_initial_call=True)
def choose_metric(metric, search, drawn_with):
    return _navigate(search, drawn_with, ACCURACY, "metric", metric)


@callback(Output(ids.URL, "href", allow_duplicate=True), Input(MADE_CHOICE, "value"),
          State(ids.URL, "search"), State(DRAWN_WITH, "data"), prevent_initial_call=True)
def choose_forecast_date(made, search, drawn_with):
    return _navigate(search, drawn_with, VS_ACTUAL, "made", made)


# Once drawn, bring the part the address's fragment names into view (the week's invoices
# after a click on the chart, the accuracy chart after a change of metric...).
clientside_callback(
    """function (drawn) {
        var target = window.location.hash && document.getElementById(
            decodeURIComponent(window.location.hash.slice(1)));
        if (target) {
            window.setTimeout(function () { target.scrollIntoView({block: "start"}); }, 50);
        }
        return window.dash_clientside.no_update;
    }""",
    Output(SCROLL, "clear_data"), Input(SCROLL, "data"))
