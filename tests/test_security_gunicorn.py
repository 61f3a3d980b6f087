"""Login throttling holds across gunicorn workers: the dashboard served by the
repository's docker/gunicorn.conf.py with 2 workers, its counters in a redis-server of
its own; wrong passwords answered by both workers still lock the user out at the 6th.
The admin's `users unlock` clears the lockout in that shared storage."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "clerk-password-19"
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Attempt:
    """One sign-in from a fresh client: its own cookie jar and a new connection for each
    request, so that either worker may answer it."""

    def __init__(self, base_url: str, username: str, password: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect())
        with self.opener.open(base_url + "/login", timeout=30) as response:
            page = response.read().decode()
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        self.body = urllib.parse.urlencode({"username": username, "password": password,
                                            "csrf_token": token, "next": "/"}).encode()

    def post(self) -> int:
        try:
            with self.opener.open(urllib.request.Request(self.base_url + "/login",
                                                         data=self.body),
                                  timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


def attempt(base_url: str, username: str, password: str) -> int:
    return Attempt(base_url, username, password).post()


def in_pairs(attempts: list[Attempt]) -> list[int]:
    """Post two at a time, together: each worker (one thread each) serves one request at a
    time, so two requests in flight at once are served by both workers."""
    statuses = [0] * len(attempts)

    def post(index: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        statuses[index] = attempts[index].post()

    for start in range(0, len(attempts), 2):
        pair = range(start, min(start + 2, len(attempts)))
        barrier = threading.Barrier(len(pair))
        threads = [threading.Thread(target=post, args=(index, barrier)) for index in pair]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return statuses


def wait_until(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen in {seconds} s"
        time.sleep(0.2)


def test_the_lockout_holds_across_two_gunicorn_workers(tmp_path, monkeypatch):
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        pytest.fail("redis-server is missing: run scripts/install_services.sh (as root)")
    import redis

    from dashboards import audit
    from dashboards.users import add_user
    from dashboards.users import main as users_main

    users = tmp_path / "users.yaml"
    add_user(users, "clerk", PASSWORD, "collector", collector_ids=["COL1"])
    config = tmp_path / "dashboard.yaml"  # the default limits per user, many per address
    config.write_text('login_limits_per_address: "1000 per minute"\n')
    redis_port, port = free_port(), free_port()
    storage = f"redis://127.0.0.1:{redis_port}/0"
    processes: list[subprocess.Popen] = []
    log: list[str] = []
    try:
        processes.append(subprocess.Popen(
            [redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        client = redis.Redis(host="127.0.0.1", port=redis_port)

        def redis_answers() -> bool:
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        wait_until(redis_answers, 20, "redis-server start")
        environment = {
            **os.environ,
            "DASHBOARD_BIND": f"127.0.0.1:{port}", "DASHBOARD_WORKERS": "2",
            "DASHBOARD_THREADS": "1",
            "CREDIT_SCOREBOARD_WAREHOUSE": str(tmp_path / "credit.duckdb"),
            "CREDIT_SCOREBOARD_USERS": str(users),
            "CREDIT_SCOREBOARD_AUDIT_DB": str(tmp_path / "audit" / "audit.sqlite"),
            "CREDIT_SCOREBOARD_RATE_LIMIT_STORAGE": storage,
            "CREDIT_SCOREBOARD_DASHBOARD_CONFIG": str(config),
            "CREDIT_SCOREBOARD_SECRET_KEY": "test-only",
        }
        gunicorn = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--config",
             str(REPO / "docker" / "gunicorn.conf.py")],
            env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        processes.append(gunicorn)
        reader = threading.Thread(target=lambda: log.extend(iter(gunicorn.stdout.readline, "")),
                                  daemon=True)
        reader.start()
        base_url = f"http://127.0.0.1:{port}"

        def both_workers_ready() -> bool:
            assert gunicorn.poll() is None, "".join(log)[-3000:]
            booted = sum("Booting worker" in line for line in log)
            try:
                with urllib.request.urlopen(base_url + "/login", timeout=5) as page:
                    return page.status == 200 and booted >= 2
            except OSError:
                return False

        wait_until(both_workers_ready, 90, "gunicorn with 2 workers")
        statuses = in_pairs([Attempt(base_url, "clerk", f"wrong-{number}")
                             for number in range(5)])
        sixth = attempt(base_url, "clerk", "wrong-6")
        wait_until(lambda: sum('"POST /login' in line for line in log) >= 6, 10, "access log")
        workers = [re.search(r"pid=<(\d+)>", line).group(1) for line in list(log)
                   if '"POST /login' in line]
        assert statuses == [401] * 5
        assert sixth == 429
        assert len(set(workers[:5])) == 2, f"one worker answered every attempt: {workers}"
        assert attempt(base_url, "clerk", PASSWORD) == 429  # locked out, right password or not
        # The admin's command clears the counters in the shared storage: signed in at once.
        monkeypatch.setenv("CREDIT_SCOREBOARD_RATE_LIMIT_STORAGE", storage)
        monkeypatch.setenv("CREDIT_SCOREBOARD_DASHBOARD_CONFIG", str(tmp_path / "none.yaml"))
        assert users_main(["--file", str(users), "unlock", "clerk"]) == 0
        assert attempt(base_url, "clerk", PASSWORD) == 302
        # Both workers wrote to the one audit trail.
        trail = audit.read(tmp_path / "audit" / "audit.sqlite")
        assert (trail["event"] == "login_failed").sum() == 5
        assert (trail["event"] == "login_locked").sum() >= 1
        assert (trail["event"] == "login").sum() == 1
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
