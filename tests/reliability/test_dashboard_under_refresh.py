"""Issue 9, items 2 and 5 (the parts the dashboard's own tests do not cover):

- 20 logged-in clients on loopback for a bounded time while the warehouse is published
  again and again (copy + os.replace, as the pipeline does): no error, and every
  response is exactly the page one of the two warehouses gives (never a mix);
- a restricted credit manager's responses under that load hold no other segment's
  customer;
- an expired session cookie, replayed as it was, is refused.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import duckdb
import pytest
import requests

from dashboards.settings import DashboardSettings

PASSWORDS = {"cfo": "cfo-load-password", "sme_manager": "sme-load-password"}
PAGES = ["/", "/aged", "/segments", "/disputes", "/collections", "/worklist"]
CLIENTS, SECONDS = 20, 30


def doubled_amounts(source: Path, target: Path) -> None:
    """A second warehouse: the same one with every mart number doubled, so that a page
    mixing the two cannot equal either's page."""
    shutil.copyfile(source, target)
    with duckdb.connect(str(target)) as con:
        tables = con.execute(
            "select table_name, list(column_name) from duckdb_columns() "
            "where schema_name = 'marts' and (data_type like 'DECIMAL%' or data_type in "
            "('DOUBLE', 'FLOAT', 'BIGINT', 'INTEGER', 'HUGEINT')) "
            "and table_name <> 'pipeline_runs' group by all").fetchall()
        for table, columns in tables:
            assignments = ", ".join(f'"{column}" = "{column}" * 2' for column in columns)
            con.execute(f"update marts.{table} set {assignments}")


def serve(app) -> tuple[str, object]:
    from werkzeug.serving import make_server

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}", server


def logged_in(base_url: str, username: str) -> requests.Session:
    session = requests.Session()
    form = session.get(f"{base_url}/login", timeout=30).text
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    response = session.post(f"{base_url}/login", allow_redirects=False, timeout=30, data={
        "username": username, "password": PASSWORDS[username], "csrf_token": token,
        "next": "/"})
    assert response.status_code == 302, response.text[:200]
    return session


# The page carries the published file's identity (inode-mtime, for the "refreshed" alert):
# it changes with every publish, even of the same warehouse.
FILE_IDENTITY = re.compile(r'"\d+-\d{16,20}"')


def page_text(response: requests.Response) -> str:
    """The page's words and numbers, sorted: rows tied in a sort may come in any order,
    but a page mixing two warehouses still has a different multiset of numbers."""
    text = FILE_IDENTITY.sub('"<published file>"', response.text)
    return " ".join(sorted(re.findall(r'[^\s",:{}\[\]]+', text)))


def render(session: requests.Session, base_url: str, pathname: str) -> requests.Response:
    """The pages router callback, as the browser calls it: the whole page."""
    return session.post(f"{base_url}/_dash-update-component", timeout=60, json={
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"},
                    {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                   {"id": "_pages_location", "property": "search", "value": ""}],
        "changedPropIds": ["_pages_location.pathname"], "state": [],
    })


@pytest.fixture(scope="module")
def users_file(tmp_path_factory) -> Path:
    from dashboards.users import add_user

    path = tmp_path_factory.mktemp("load_users") / "users.yaml"
    add_user(path, "cfo", PASSWORDS["cfo"], "cfo")
    add_user(path, "sme_manager", PASSWORDS["sme_manager"], "credit_manager", segments=["SME"])
    return path


@pytest.mark.slow
def test_twenty_clients_during_repeated_publishes_see_no_error_and_no_mix(
    published_warehouse, users_file, tmp_path, monkeypatch
):
    from dashboards.app import create_app

    versions = {"a": tmp_path / "a.duckdb", "b": tmp_path / "b.duckdb"}
    shutil.copyfile(published_warehouse, versions["a"])
    doubled_amounts(versions["a"], versions["b"])
    served = tmp_path / "served" / "credit.duckdb"
    served.parent.mkdir()

    def publish(version: str) -> None:
        staged = served.parent / ".credit.duckdb.staged"
        shutil.copy2(versions[version], staged)  # copy2: the same mtime on every publish
        os.replace(staged, served)

    monkeypatch.setenv("CREDIT_SCOREBOARD_SECRET_KEY", "load-test-key")
    publish("a")
    app = create_app(served, users_file, DashboardSettings(version_check_seconds=3600))
    base_url, server = serve(app)
    try:
        # What each page is on each warehouse, for each user, with nobody publishing.
        expected: dict[tuple[str, str], dict[str, str]] = {}
        sessions = {name: logged_in(base_url, name) for name in PASSWORDS}
        for version in versions:
            publish(version)
            for name, session in sessions.items():
                for page in PAGES:
                    response = render(session, base_url, page)
                    assert response.status_code == 200, (version, name, page)
                    expected.setdefault((name, page), {})[page_text(response)] = version
        # A page whose first render is only its controls (its data comes by another
        # callback) is the same on both: any response must still be exactly that one.
        data_pages = {key for key, pages in expected.items() if len(pages) == 2}
        for pages in expected.values():
            if len(pages) == 1:
                pages[next(iter(pages))] = "either"
        assert {page for _, page in data_pages} >= {"/", "/aged", "/worklist"}, data_pages
        not_sme = customers_outside_sme(versions["a"])

        stop = threading.Event()
        errors: list[str] = []
        served_by: dict[str, int] = {"a": 0, "b": 0, "either": 0, "unstable": 0}
        unstable: list[str] = []
        requests_done = [0]
        lock = threading.Lock()
        publishes = [0]

        def client(number: int) -> None:
            name = "sme_manager" if number % 5 == 0 else "cfo"
            generator = random.Random(number)
            try:
                session = logged_in(base_url, name)
            except Exception as error:  # noqa: BLE001 - every failure is counted
                with lock:
                    errors.append(f"client {number} login: {error!r}")
                return
            while not stop.is_set():
                page = generator.choice(PAGES)
                try:
                    response = render(session, base_url, page)
                except Exception as error:  # noqa: BLE001
                    problem = f"{page}: {error!r}"
                else:
                    version = which_warehouse(page_text(response), expected[(name, page)])
                    problem = None
                    if response.status_code != 200:
                        problem = f"{page}: HTTP {response.status_code} {response.text[:200]}"
                    elif version == "mixed":
                        problem = f"{page} for {name}: numbers of both warehouses in one page"
                    elif version == "unstable":
                        with lock:
                            unstable.append(f"{page} for {name}: " + first_difference(
                                page_text(response), list(expected[(name, page)])))
                    elif name == "sme_manager" and any(c in response.text for c in not_sme):
                        problem = f"{page}: another segment's customer shown to sme_manager"
                with lock:
                    requests_done[0] += 1
                    if problem:
                        errors.append(problem)
                    else:
                        served_by[version] += 1

        def publisher() -> None:
            while not stop.wait(0.5):
                publish("b" if publishes[0] % 2 == 0 else "a")
                publishes[0] += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        threads.append(threading.Thread(target=publisher))
        for thread in threads:
            thread.start()
        time.sleep(SECONDS)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        server.shutdown()

    report = (f"{CLIENTS} clients x {SECONDS}s: {requests_done[0]} page renders "
              f"({served_by['a']} with A's data, {served_by['b']} with B's, "
              f"{served_by['either']} controls only, {served_by['unstable']} rendered "
              f"unlike the quiet render of their warehouse), {publishes[0]} publishes, "
              f"{len(errors)} errors")
    print(report)
    for difference in unstable[:5]:
        print(f"  unstable: {difference}")
    assert errors == [], errors[:5]
    assert publishes[0] >= 10 and served_by["a"] > 0 and served_by["b"] > 0, report
    assert requests_done[0] >= 100, report


def which_warehouse(text: str, pages: dict[str, str]) -> str:
    """"a"/"b" (or "either") when `text` is exactly that warehouse's page; "mixed" when
    it holds words only A's page has and words only B's has; else "unstable": the same
    warehouse rendered differently (e.g. rows tied in a sort cut by a limit)."""
    if text in pages:
        return pages[text]
    by_version = {version: set(page.split()) for page, version in pages.items()}
    if set(by_version) == {"a", "b"}:
        words = set(text.split())
        only_a, only_b = by_version["a"] - by_version["b"], by_version["b"] - by_version["a"]
        if words & only_a and words & only_b:
            return "mixed"
    return "unstable"


def first_difference(text: str, candidates: list[str]) -> str:
    """The words of `text` that each candidate page lacks, to see what got mixed."""
    words = set(text.split())
    return " | ".join(f"{sorted(words - set(candidate.split()))[:8]}" for candidate in candidates)


def customers_outside_sme(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [customer for (customer,) in con.execute(
            "select customer_id from raw.customers where segment <> 'SME'").fetchall()]


def test_an_expired_session_cookie_is_refused(users_file, tmp_path, monkeypatch):
    """A session lasts `session_hours`; the server checks the signed cookie's age, so a
    cookie kept and replayed after that is refused, whatever the client does."""
    from dashboards.app import create_app

    monkeypatch.setenv("CREDIT_SCOREBOARD_SECRET_KEY", "expiry-test-key")
    app = create_app(tmp_path / "credit.duckdb", users_file,
                     DashboardSettings(session_hours=2 / 3600))  # two seconds
    app.server.config["PROPAGATE_EXCEPTIONS"] = True  # a server error shows its cause
    client = app.server.test_client()
    login_page = client.get("/login")
    form = login_page.get_data(as_text=True)
    assert 'name="csrf_token" value="' in form, (login_page.status_code, form[:2000])
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    login = client.post("/login", data={"username": "cfo", "password": PASSWORDS["cfo"],
                                        "csrf_token": token, "next": "/"})
    assert login.status_code == 302
    cookie = client.get_cookie("session")
    assert cookie.expires is not None
    assert cookie.expires - dt.datetime.now(dt.UTC) <= dt.timedelta(seconds=3)
    assert client.get("/_dash-layout").status_code == 200

    time.sleep(3.5)
    replay = app.server.test_client()
    replay.set_cookie("session", cookie.value)
    response = replay.get("/_dash-layout")
    assert response.status_code == 401
    assert response.get_data(as_text=True) == "Login required"


def tiny_warehouse(path: Path, total_ar: int) -> Path:
    """Just what open_warehouse needs: the two marts it checks, one KPI row."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(f"create table marts.kpi_monthly as select date '2026-10-31' as as_of_date, "
                    f"{total_ar} as total_ar")
        con.execute("create table marts.aged_balance as select date '2026-10-31' as as_of_date")
    return path


def test_a_publish_is_seen_while_an_earlier_request_still_reads(tmp_path):
    """Under load some request always has the warehouse open. DuckDB hands a new
    `duckdb.connect(path)` the database already open in the process under that path, so
    a request must not get the file an earlier, still running request opened before the
    publish."""
    from dashboards import data

    published = tiny_warehouse(tmp_path / "credit.duckdb", 100)
    newer = tiny_warehouse(tmp_path / "newer.duckdb", 200)
    with data.open_warehouse(published) as slow_request:
        assert slow_request.rows("select total_ar from marts.kpi_monthly") == [(100,)]
        os.replace(newer, published)
        with data.open_warehouse(published) as next_request:
            assert next_request.rows("select total_ar from marts.kpi_monthly") == [(200,)]


def test_requests_share_one_attachment_per_published_version(tmp_path):
    """Attaching costs a new DuckDB instance (~80 ms): requests on one version share it;
    the version a publish replaced is closed once its last reader is done."""
    from dashboards import data

    published = tiny_warehouse(tmp_path / "credit.duckdb", 100)
    with data.open_warehouse(published):
        old_attachment = data._attachments[published.absolute()]
    with data.open_warehouse(published) as second:
        assert data._attachments[published.absolute()] is old_attachment
        assert second.rows("select total_ar from marts.kpi_monthly") == [(100,)]
        os.replace(tiny_warehouse(tmp_path / "newer.duckdb", 200), published)
        with data.open_warehouse(published) as third:
            assert third.rows("select total_ar from marts.kpi_monthly") == [(200,)]
        # the replaced version still serves the request that opened it ...
        assert second.rows("select total_ar from marts.kpi_monthly") == [(100,)]
    # ... and is closed with it
    with pytest.raises(duckdb.ConnectionException):
        old_attachment.database.execute("select 1")
