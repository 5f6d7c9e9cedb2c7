"""The production stack on one machine, for load tests, drills and benchmarks.

A run gets its own PostgreSQL database, migrated and seeded, gunicorn with the production
settings (``config/gunicorn.conf.py``), the background worker, optionally a local Web Push
service in a process of its own, and signed-in HTTP clients for the demo users::

    from bench.stack import Stack

    with Stack(scale=2, push=True) as stack:
        manager = stack.web_client("manager@example.com")     # a browser: cookies, CSRF
        page = manager.get("/today")
        manager.post("/follow-ups/7", {"action": "done"})     # a form post with its token
        api = stack.api_client("rep1@example.com")            # Bearer token
        api.post("/api/v1/push-subscriptions", json=stack.push.subscription("rep1-phone"))
        stack.worker.kill()                                   # SIGKILL
        stack.worker.start()
        rows = stack.query("SELECT count(*) FROM notifications")

The pieces work alone too, each as a context manager:

- ``SharedDatabase()``: a fresh database ``coachapp_bench_<pid>_<n>`` on the shared server
  (127.0.0.1:5432, trust, user postgres), dropped afterwards. Other databases on the server
  are never touched.
- ``PrivateCluster()``: a throw-away cluster (initdb into a temporary directory with the
  Debian binaries, run as the ``postgres`` OS user on a free port) with ``stop()``,
  ``start()`` and ``restart()`` for the database drills.
- ``prepare_database(url, scale)``: ``flask --app coachapp db upgrade`` and
  ``seed-demo --scale N``, with how long each took (``stack.preparation`` keeps it).
- ``Process``: a subprocess with its log file, ``start()``, ``stop()`` (SIGTERM, then
  SIGKILL), ``kill()`` (SIGKILL at once) and ``restart()``; ``stack.web`` is gunicorn,
  ``stack.worker`` is ``flask --app coachapp worker``.
- ``PushServiceProcess``: tests/push_service.py in its own process (its checks and
  decryption must not share the load generator's GIL), driven over a pipe: subscriptions,
  ``hold()``/``release()``, per-endpoint answers, and ``stats()`` with what each device
  received, decrypted and counted per (endpoint, notification).
- ``WebClient`` and ``ApiClient``: ``requests`` sessions with keep-alive. The session
  cookie is ``Secure``, so the web client keeps and sends it over plain HTTP to 127.0.0.1
  and says ``X-Forwarded-Proto: https``, as the TLS proxy in front of gunicorn would
  (gunicorn trusts it from ``FORWARDED_ALLOW_IPS``, 127.0.0.1 by default). Posts carry the
  CSRF token from the last page's ``<meta name="csrf-token">``. Both take an ``observer``
  called with every ``requests.Response`` (redirect hops included), for latency and status
  counts. Like a browser, they send a request again once when the keep-alive connection it
  went out on was reset (``resent(response)`` tells).

The processes run the working tree; ``Stack(source=export_commit("HEAD", directory))``
runs one commit instead, unaffected by edits made meanwhile.

Everything a run writes (the processes' logs, the push service's state, the cluster) lives
in ``stack.run_dir`` under /tmp, removed on exit unless ``keep=True``.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import itertools
import json
import multiprocessing
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess  # nosec B404 - starts our own servers with fixed argument lists
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import requests
import requests.adapters
from sqlalchemy import Engine, create_engine, text
from urllib3.util.retry import Retry

from coachapp.demo import DEMO_PASSWORD
from coachapp.nudges.vapid import generate_vapid_keys

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PG_BIN = Path(os.environ.get("COACHAPP_PG_BIN", "/usr/lib/postgresql/15/bin"))
SHARED_SERVER = os.environ.get(
    "COACHAPP_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432"
)
VAPID_SUBJECT = "mailto:bench@example.com"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
Observer = Callable[[requests.Response], None]

_database_numbers = itertools.count(1)


def free_port() -> int:
    """A port nobody listens on now (the OS picks it; taken back at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(check: Callable[[], bool], timeout: float, what: str, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


# Databases --------------------------------------------------------------------------------


class SharedDatabase:
    """A fresh database on the shared server, dropped afterwards."""

    def __init__(self, server: str = SHARED_SERVER, name: str | None = None) -> None:
        self.server = server.rstrip("/")
        self.name = name or f"coachapp_bench_{os.getpid()}_{next(_database_numbers)}"
        if not re.fullmatch(r"coachapp_bench_\w+", self.name):
            raise ValueError("bench databases are named coachapp_bench_*")
        self.url = f"{self.server}/{self.name}"

    def _admin(self) -> Engine:
        return create_engine(f"{self.server}/postgres", isolation_level="AUTOCOMMIT")

    def create(self) -> SharedDatabase:
        engine = self._admin()
        try:
            with engine.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        finally:
            engine.dispose()
        return self

    def drop(self) -> None:
        engine = self._admin()
        try:
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        finally:
            engine.dispose()

    def __enter__(self) -> SharedDatabase:
        return self.create()

    def __exit__(self, *_: object) -> None:
        self.drop()


class PrivateCluster:
    """A PostgreSQL cluster of our own, for drills that stop and restart the server.

    We run as root and PostgreSQL refuses to, so its commands run as the ``postgres`` user
    on a directory that user owns. It listens on 127.0.0.1 only, with trust auth.
    """

    def __init__(
        self,
        directory: Path | None = None,
        port: int | None = None,
        settings: Mapping[str, str | int] | None = None,
    ) -> None:
        self.port = port or free_port()
        self._own_directory = directory is None
        self.directory = directory or Path(tempfile.mkdtemp(prefix="coachapp-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postgresql.log"
        self.settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": self.port,
            "unix_socket_directories": f"'{self.directory}'",
            "max_connections": 200,
            "shared_buffers": "'128MB'",
            **(settings or {}),
        }
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/coachapp"

    def _as_postgres(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(PG_BIN / argv[0]), *argv[1:]]
        user = "postgres" if os.geteuid() == 0 else None
        return subprocess.run(  # noqa: S603 - fixed commands  # nosec B603
            command, user=user, check=check, capture_output=True, text=True
        )

    def init(self) -> PrivateCluster:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._as_postgres(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# coachapp bench\n")
            for name, value in self.settings.items():
                conf.write(f"{name} = {value}\n")
        self.start()
        self._as_postgres(
            "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "coachapp"
        )
        return self

    def start(self) -> None:
        self._as_postgres("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, mode: str = "fast") -> None:
        """``pg_ctl restart``: every connection is cut; new ones wait until it is back."""
        self._as_postgres(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", mode, "-w", "restart"
        )

    @property
    def running(self) -> bool:
        return (
            self._as_postgres("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0
        )

    def version(self) -> str:
        return self._as_postgres("postgres", "--version").stdout.strip()

    def __enter__(self) -> PrivateCluster:
        return self.init()

    def __exit__(self, *_: object) -> None:
        if self.data.exists():
            self._as_postgres(
                "pg_ctl", "-D", str(self.data), "-m", "immediate", "stop", check=False
            )
        if self._own_directory:
            shutil.rmtree(self.directory, ignore_errors=True)


def flask_command(*args: str, env: Mapping[str, str], source: Path = ROOT) -> str:
    """Runs ``flask --app coachapp ARGS`` (from `source`) to the end; its output."""
    result = subprocess.run(  # noqa: S603 - our own CLI  # nosec B603
        [str(VENV_BIN / "flask"), "--app", "coachapp", *args],
        cwd=source,
        env={**os.environ, "PYTHONPATH": str(source), **env},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout + result.stderr


@dataclass(frozen=True)
class Took:
    """How long a command took: wall seconds, and the CPU seconds of its process (user +
    system; the database server's work is not in them)."""

    wall: float
    cpu: float


def timed_flask_command(*args: str, env: Mapping[str, str], source: Path = ROOT) -> Took:
    """``flask_command``, timed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    flask_command(*args, env=env, source=source)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Took(wall, cpu)


def prepare_database(url: str, scale: int = 1, source: Path = ROOT) -> dict[str, Took]:
    """``flask --app coachapp db upgrade`` and ``seed-demo --scale N`` on the database; how
    long each took ("migrate", "seed")."""
    env = {"DATABASE_URL": url}
    return {
        "migrate": timed_flask_command("db", "upgrade", env=env, source=source),
        "seed": timed_flask_command("seed-demo", "--scale", str(scale), env=env, source=source),
    }


def export_commit(revision: str, directory: Path) -> Path:
    """The tree of a commit (``git archive``) in `directory`: a run measures that commit
    while the working tree goes on changing. Nothing in the repository is touched."""
    directory.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(  # noqa: S603 - fixed command  # nosec B603
        ["git", "archive", "--format=tar", revision],  # noqa: S607 - git from PATH
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(  # noqa: S603  # nosec B603
        ["tar", "-x", "-C", str(directory)],  # noqa: S607 - tar from PATH
        input=archive.stdout, check=True,
    )  # fmt: skip
    return directory


# Processes ------------------------------------------------------------------------------


class Process:
    """One server process we start and stop; its output goes to ``log``."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        log: Path,
        ready: Callable[[], bool] | None = None,
        ready_timeout: float = 60.0,
        cwd: Path = ROOT,
    ) -> None:
        self.name = name
        self.cwd = cwd
        self.argv = list(argv)
        self.env = dict(env)
        self.log = log
        self.ready = ready
        self.ready_timeout = ready_timeout
        self.popen: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def start(self) -> Process:
        if self.running:
            raise RuntimeError(f"{self.name} is already running")
        output = self.log.open("ab")
        try:
            self.popen = subprocess.Popen(  # noqa: S603 - fixed commands  # nosec B603
                self.argv, cwd=self.cwd, env=self.env, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,  # signals reach it alone, not the caller's group
            )  # fmt: skip
        finally:
            output.close()
        if self.ready is not None:
            self.wait_ready()
        return self

    def wait_ready(self) -> None:
        def ready() -> bool:
            if not self.running:
                raise RuntimeError(f"{self.name} exited; its log:\n{self.tail()}")
            return bool(self.ready and self.ready())

        wait_until(ready, self.ready_timeout, f"{self.name} ready", every=0.2)

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, then SIGKILL after `timeout`; the exit status."""
        if self.popen is None or self.popen.poll() is not None:
            return self.popen.returncode if self.popen else None
        self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return self.kill()

    def kill(self) -> int | None:
        """SIGKILL, no chance to finish anything (gunicorn's own workers included)."""
        if self.popen is None or self.popen.poll() is not None:
            return self.popen.returncode if self.popen else None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        return self.popen.wait(10)

    def restart(self) -> Process:
        self.stop()
        return self.start()

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


# The push service in a process of its own -----------------------------------------------


def _serve_push(control: Connection) -> None:
    """The child: a PushService answering commands from the pipe until "stop"."""
    from tests.push_service import PushService

    with PushService() as service:
        control.send(service.origin)
        while True:
            command, args, kwargs = control.recv()
            if command == "stop":
                control.send(None)
                return
            if command == "stats":
                control.send(_push_stats(service))
            else:
                control.send(getattr(service, command)(*args, **kwargs))


def _push_stats(service: Any) -> dict[str, Any]:
    with service._lock:  # a consistent snapshot of what arrived
        received = list(service.received)
        abandoned = len(service.abandoned)
    delivered: Counter[tuple[str, int]] = Counter()
    answered: Counter[int] = Counter()
    for push in received:
        if push.status is not None:
            answered[push.status] += 1
        if push.status == 201 and push.notification_id is not None:
            delivered[(push.endpoint_id, push.notification_id)] += 1
    return {
        "received": len(received),
        "answered": dict(answered),
        "abandoned": abandoned,
        "unanswered": sum(1 for push in received if push.status is None),
        "problems": [f"{r.endpoint_id}: {p}" for r in received for p in r.problems],
        # (endpoint id, notification id) -> how many times it was accepted (201)
        "delivered": dict(delivered),
        "holding": service._holding,
    }


class PushServiceProcess:
    """tests/push_service.PushService in a spawned process; thread-safe calls over a pipe."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve_push, args=(child,), daemon=True)
        self._lock = threading.Lock()
        self.origin = ""

    def start(self) -> PushServiceProcess:
        self._process.start()
        if not self._pipe.poll(30):
            raise TimeoutError("the push service did not start")
        self.origin = str(self._pipe.recv())
        return self

    def _call(self, command: str, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self._pipe.send((command, args, kwargs))
            return self._pipe.recv()

    def subscription(self, endpoint_id: str) -> dict[str, Any]:
        """Like ``PushSubscription.toJSON()`` for a new device (fresh keys)."""
        result: dict[str, Any] = self._call("subscription", endpoint_id)
        return result

    def answer(self, endpoint_id: str, status: int = 201, **kwargs: Any) -> None:
        """From now on answer this endpoint so (``retry_after=``, ``delay=`` seconds)."""
        self._call("answer", endpoint_id, status, **kwargs)

    def hold(self, after: int = 0) -> None:
        """Let `after` more pushes through, then hang every request until ``release()``."""
        self._call("hold", after)

    def release(self) -> None:
        self._call("release")

    def stats(self) -> dict[str, Any]:
        """received, answered {status: n}, abandoned (the sender had gone), unanswered,
        problems (bad JWT, undecryptable), delivered {(endpoint id, notification id): n}."""
        result: dict[str, Any] = self._call("stats")
        return result

    def stop(self) -> None:
        if self._process.is_alive():
            with contextlib.suppress(BrokenPipeError, EOFError):
                self._call("stop")
            self._process.join(10)
        if self._process.is_alive():
            self._process.kill()

    def __enter__(self) -> PushServiceProcess:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


# HTTP clients -------------------------------------------------------------------------


# A request sent on a keep-alive connection just as gunicorn closed it (its `keepalive` is 5 s)
# is reset before the server read it; browsers send it again, once, and so do these clients.
# The retry is seen in `response.raw.retries.history` (see `resent`).
RESEND_ON_RESET = Retry(
    total=1, connect=1, read=1, status=0, other=0, allowed_methods=None, raise_on_status=False
)


def resent(response: requests.Response) -> bool:
    """The request was sent again after its connection was reset (RESEND_ON_RESET)."""
    retries = getattr(response.raw, "retries", None)
    return bool(retries and any(attempt.error for attempt in retries.history))


class _Client:
    def __init__(self, base_url: str, observer: Observer | None = None, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        self.http.mount("http://", requests.adapters.HTTPAdapter(max_retries=RESEND_ON_RESET))
        self.http.headers["User-Agent"] = "coachapp-bench"
        if observer is not None:
            self.http.hooks["response"].append(lambda response, *a, **kw: observer(response))

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return self.http.request(method, self.base_url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def close(self) -> None:
        self.http.close()


class LoopbackCookieJar(requests.cookies.RequestsCookieJar):
    """Sends Secure cookies over plain HTTP too: 127.0.0.1 stands where the TLS proxy would.

    (A cookie policy would not do: requests copies the cookies into a jar with the default
    policy for every request, but the copies keep what ``set_cookie`` made of them.)"""

    def set_cookie(self, cookie: http.cookiejar.Cookie, *args: Any, **kwargs: Any) -> None:
        cookie.secure = False
        super().set_cookie(cookie, *args, **kwargs)


class WebClient(_Client):
    """A browser: the Secure session cookie kept over plain HTTP, the CSRF token of the last
    page sent with every post (as a form field and as htmx's X-CSRFToken header)."""

    def __init__(self, base_url: str, observer: Observer | None = None, timeout: float = 30.0):
        super().__init__(base_url, observer, timeout)
        self.http.cookies = LoopbackCookieJar()
        self.http.headers["X-Forwarded-Proto"] = "https"
        self.http.hooks["response"].append(self._remember_csrf)
        self.csrf = ""
        self.email = ""

    def _remember_csrf(self, response: requests.Response, *_: Any, **__: Any) -> None:
        if response.headers.get("Content-Type", "").startswith("text/html"):
            found = CSRF_META.search(response.text) or CSRF_INPUT.search(response.text)
            if found:
                self.csrf = found.group(1)

    def sign_in(self, email: str, password: str = DEMO_PASSWORD) -> WebClient:
        self.get("/login")
        response = self.request(
            "POST", "/login",
            data={"email": email, "password": password, "csrf_token": self.csrf, "next": ""},
            allow_redirects=False,
        )  # fmt: skip
        if response.status_code not in (302, 303):
            raise RuntimeError(f"sign-in as {email} answered {response.status_code}")
        self.email = email
        self.get("/")  # a page of the new session: its CSRF token
        return self

    def post(
        self, path: str, data: Mapping[str, Any] | None = None, *, htmx: bool = False, **kw: Any
    ) -> requests.Response:
        """A form post (or htmx's, with ``HX-Request``) with the page's CSRF token."""
        headers = {"X-CSRFToken": self.csrf, **kw.pop("headers", {})}
        if htmx:
            headers["HX-Request"] = "true"
        body = {"csrf_token": self.csrf, **(data or {})}
        return self.request("POST", path, data=body, headers=headers, **kw)


class ApiClient(_Client):
    """The JSON API with a Bearer token from ``POST /api/v1/tokens``."""

    def sign_in(self, email: str, password: str = DEMO_PASSWORD) -> ApiClient:
        response = self.request(
            "POST", "/api/v1/tokens", json={"email": email, "password": password}
        )
        if response.status_code != 201:
            raise RuntimeError(f"token for {email} answered {response.status_code}")
        self.http.headers["Authorization"] = f"Bearer {response.json()['token']}"
        self.email = email
        return self

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


# The whole stack ------------------------------------------------------------------------


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))  # a TOML basic string


class Stack:
    """Database, gunicorn, worker and (with ``push=True``) a local push service.

    database: ``"shared"`` (a fresh database on 127.0.0.1:5432) or ``"private"`` (a
    ``PrivateCluster``, for restart drills); ``config``: settings written to the TOML file
    named by ``COACHAPP_CONFIG`` (e.g. ``PUSH_TIMEOUT_SECONDS``, ``WORKER_INTERVAL_SECONDS``);
    ``web_concurrency``/``threads``: gunicorn's WEB_CONCURRENCY and GUNICORN_THREADS (unset:
    the production defaults); ``worker``: start the worker with the rest.
    """

    def __init__(
        self,
        *,
        scale: int = 1,
        database: str = "shared",
        push: bool = False,
        config: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        web_concurrency: int | None = None,
        threads: int | None = None,
        worker: bool = True,
        source: Path = ROOT,
        keep: bool = False,
    ) -> None:
        if database not in ("shared", "private"):
            raise ValueError("database is 'shared' or 'private'")
        self.scale = scale
        self.database_kind = database
        self.with_push = push
        self.config = dict(config or {})
        self.extra_env = dict(env or {})
        self.web_concurrency = web_concurrency
        self.threads = threads
        self.start_worker = worker
        self.source = Path(source)
        self.keep = keep
        self.run_dir = Path(tempfile.mkdtemp(prefix="coachapp-stack-"))
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.db: SharedDatabase | PrivateCluster | None = None
        self.push: PushServiceProcess | None = None
        self.web: Process
        self.worker: Process
        self._engine: Engine | None = None
        self.preparation: dict[str, Took] = {}
        self._exit = contextlib.ExitStack()

    # Setting up -----------------------------------------------------------------------

    @property
    def database_url(self) -> str:
        assert self.db is not None
        return self.db.url

    def environment(self) -> dict[str, str]:
        """What gunicorn and the worker run with (both the same, as in production)."""
        private, public = generate_vapid_keys()
        env = {
            **os.environ,
            "COACHAPP_ENV": "production",
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "VAPID_PRIVATE_KEY": private,
            "VAPID_PUBLIC_KEY": public,
            "VAPID_SUBJECT": VAPID_SUBJECT,
            "BIND": f"127.0.0.1:{self.port}",
            "PYTHONUNBUFFERED": "1",
            # The processes import coachapp from `source` (ahead of the editable install).
            "PYTHONPATH": str(self.source),
        }
        if self.with_push:
            env["PUSH_ALLOW_PRIVATE_ENDPOINTS"] = "1"
        if self.config:
            path = self.run_dir / "coachapp.toml"
            path.write_text(
                "".join(f"{key} = {toml_value(value)}\n" for key, value in self.config.items())
            )
            env["COACHAPP_CONFIG"] = str(path)
        if self.web_concurrency is not None:
            env["WEB_CONCURRENCY"] = str(self.web_concurrency)
        if self.threads is not None:
            env["GUNICORN_THREADS"] = str(self.threads)
        env.update(self.extra_env)
        return env

    def _ready(self) -> bool:
        try:
            return requests.get(self.base_url + "/readyz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def start(self) -> Stack:
        try:
            if self.database_kind == "private":
                self.db = self._exit.enter_context(
                    PrivateCluster(directory=self._cluster_directory())
                )
            else:
                self.db = self._exit.enter_context(SharedDatabase())
            self.preparation = prepare_database(self.database_url, self.scale, self.source)
            if self.with_push:
                self.push = self._exit.enter_context(PushServiceProcess())
            env = self.environment()
            gunicorn = [str(VENV_BIN / "gunicorn"), "-c", "config/gunicorn.conf.py"]
            self.web = Process(
                "gunicorn", [*gunicorn, "coachapp:create_app()"],
                env, self.run_dir / "gunicorn.log", ready=self._ready, cwd=self.source,
            )  # fmt: skip
            self.worker = Process(
                "worker",
                [str(VENV_BIN / "flask"), "--app", "coachapp", "worker"],
                env, self.run_dir / "worker.log", cwd=self.source,
            )  # fmt: skip
            self._exit.callback(self.web.stop)
            self._exit.callback(self.worker.stop)
            self.web.start()
            if self.start_worker:
                self.worker.start()
        except BaseException:
            self.close()
            raise
        return self

    def _cluster_directory(self) -> Path:
        directory = self.run_dir / "postgresql"
        directory.mkdir()
        self.run_dir.chmod(0o711)  # the postgres user reaches its directory inside
        return directory

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self._exit.close()
        if not self.keep:
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()

    # Using it -------------------------------------------------------------------------

    def web_client(self, email: str, observer: Observer | None = None) -> WebClient:
        """A signed-in browser session for a demo user (password ``demo-password``)."""
        return WebClient(self.base_url, observer).sign_in(email)

    def api_client(self, email: str, observer: Observer | None = None) -> ApiClient:
        """An API client with a fresh token for a demo user."""
        return ApiClient(self.base_url, observer).sign_in(email)

    @property
    def engine(self) -> Engine:
        """An engine on the run's database, for checks after (or during) a run."""
        if self._engine is None:
            self._engine = create_engine(self.database_url, pool_pre_ping=True, pool_size=2)
        return self._engine

    def query(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as connection:
            return list(connection.execute(text(sql), params))

    def users(self, role: str) -> list[str]:
        """Emails of the active users of a role, ordered by id."""
        rows = self.query(
            "SELECT email FROM users WHERE role = :role AND active ORDER BY id", role=role
        )
        return [row.email for row in rows]
