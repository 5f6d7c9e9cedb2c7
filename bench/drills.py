"""Fault drills: `python -m bench.drills [--only database,push,worker] [--markdown FILE]`.

Each drill runs the simulated people of bench.load on the production stack (bench.stack)
and breaks one thing while they work, then checks that the app recovered by itself and
lost nothing, and prints a timeline and a verdict:

- database: the PostgreSQL server (a private cluster) restarts with ``pg_ctl restart -m
  fast``. gunicorn and the worker are left alone. Requests caught by the outage must get
  503 with Retry-After in the error shape, never another 5xx; clients retry their
  idempotent writes (client_uuid, If-Match) and none is lost; the time until /readyz
  answers 200 again and until the last 503 is measured.
- push: the push service hangs every request past PUSH_TIMEOUT_SECONDS for a while, then
  answers again. The worker must keep its rounds (heartbeats) going, retry with backoff,
  and deliver every notification exactly once after recovery.
- worker: the worker is killed with SIGKILL while pushes of a batch are in flight (the push
  service holds them), and started again later. Its leases lapse, the next worker takes
  the notifications over and delivers the rest; duplicates at the HTTP boundary (a push
  accepted whose delivery was not recorded before the kill) are counted and reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench.load import (
    LoadRun,
    Mix,
    Report,
    Settings,
    add_run_options,
    drain,
    latency_table,
    machine,
    outbox_due,
    print_report,
    replace_section,
    run_people,
    start_people,
    verify,
    what_ran,
)
from bench.stack import Stack, export_commit

# Worker timing shortened so that a drill of a minute or two sees many rounds, retries and
# a lapsed lease; the mechanisms are the production ones.
DRILL_CONFIG: dict[str, Any] = {
    "WORKER_INTERVAL_SECONDS": 2,
    "NUDGE_RULES_INTERVAL_SECONDS": 30,
    "PUSH_TIMEOUT_SECONDS": 3,
    "PUSH_BACKOFF_BASE_SECONDS": 2,
    "PUSH_BACKOFF_CAP_SECONDS": 15,
    "PUSH_LEASE_SECONDS": 20,
    "PUSH_BATCH_SIZE": 16,
    "PUSH_ROUND_SECONDS": 5,
}


@dataclass
class Timeline:
    """What happened when, in seconds from the start of the load."""

    started: float = field(default_factory=time.time)
    events: list[tuple[float, str]] = field(default_factory=list)

    def mark(self, text: str, at: float | None = None) -> float:
        moment = at if at is not None else time.time()
        self.events.append((moment - self.started, text))
        print(f"  t={moment - self.started:6.1f} s  {text}", flush=True)
        return moment

    def lines(self) -> list[str]:
        return [f"| {t:.1f} s | {text} |" for t, text in sorted(self.events)]


class Watch(threading.Thread):
    """Polls something every `every` seconds in the background; keeps (time, value)."""

    def __init__(self, read: Callable[[], Any], every: float) -> None:
        super().__init__(daemon=True)
        self.read = read
        self.every = every
        self.values: list[tuple[float, Any]] = []
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            try:
                value = self.read()
            except Exception as exc:  # the database may be down: that is a value too
                value = f"{type(exc).__name__}"
            self.values.append((time.time(), value))
            self.halt.wait(self.every)

    def stop(self) -> None:
        self.halt.set()
        self.join(10)


def readiness(stack: Stack) -> Callable[[], Any]:
    def read() -> Any:
        try:
            return requests.get(stack.base_url + "/readyz", timeout=5).status_code
        except requests.RequestException as exc:
            return type(exc).__name__

    return read


def heartbeat(stack: Stack) -> Callable[[], Any]:
    def read() -> Any:
        row = stack.query("SELECT coalesce(sum(rounds), 0) AS rounds FROM worker_heartbeats")
        return int(row[0].rounds)

    return read


@dataclass
class Drill:
    name: str
    run: LoadRun
    report: Report
    timeline: Timeline
    mix: Mix
    ran: str = ""

    def markdown(self) -> str:
        n = self.report.numbers
        when = dt.datetime.now(dt.UTC)
        lines = [f"**Drill: {self.name}** — run of {when:%Y-%m-%d %H:%M} UTC, {self.ran}.", ""]
        lines += ["| time | event |", "|---:|---|", *self.timeline.lines(), ""]
        lines += [
            f"{self.mix.total()} people, {self.run.seconds:.0f} s, {n['requests']} requests "
            f"({', '.join(f'{k}: {v}' for k, v in n['by_status'].items())}); "
            f"{n['writes_acknowledged']} writes acknowledged, {n['writes_retried']} after a "
            f"retry; notifications created {n['notifications_created']} "
            f"({', '.join(f'{k} {v}' for k, v in n['notifications_by_status'].items())}).",
        ]
        if "pushes" in n:
            lines += ["Pushes: " + ", ".join(f"{k} {v}" for k, v in n["pushes"].items()) + "."]
        lines += [
            f"Server log: {n['server_5xx_logged']} requests logged with 5xx, "
            f"{n['server_tracebacks']} tracebacks; worker log: {n['worker_tracebacks']}.",
            "",
            "| check | result | detail |",
            "|---|---|---|",
        ]
        lines += [
            f"| {c.name} | {'pass' if c.ok else 'FAIL'} | {c.detail} |" for c in self.report.checks
        ]
        p50 = latency_table(self.run.recorder.samples, top=0)
        if p50:
            _, count, median, p95, p99, top = p50[0]
            lines += ["", f"Latency over all {count} requests: p50 {median:.0f} ms, "
                      f"p95 {p95:.0f} ms, p99 {p99:.0f} ms, max {top:.0f} ms."]  # fmt: skip
        lines += ["", f"Verdict: **{'PASS' if self.report.ok else 'FAIL'}**", ""]
        return "\n".join(lines)


def _people(stack: Stack, people: int, seed: int) -> tuple[LoadRun, Mix]:
    mix = Mix.for_users(people)
    # Clients retry idempotent writes for up to a minute, as the offline queue would.
    settings = Settings(think=1.5, retry_for=60.0)
    recorder, ledger, members = start_people(stack, mix, settings, seed)
    first = stack.query("SELECT coalesce(max(id), 0) + 1 AS n FROM notifications")[0].n
    return LoadRun(stack, recorder, ledger, members, first_notification=first), mix


def _processes_untouched(stack: Stack, report: Report, web_pid: int | None) -> None:
    report.check(
        "gunicorn kept running (not restarted)",
        stack.web.running and stack.web.pid == web_pid,
        f"master pid {web_pid} -> {stack.web.pid}, running {stack.web.running}",
    )


# The drills ----------------------------------------------------------------------------


def database_restart(stack: Stack, people: int, seconds: float, seed: int) -> Drill:
    assert stack.database_kind == "private"
    run, mix = _people(stack, people, seed)
    timeline = Timeline()
    ready = Watch(readiness(stack), 0.1)
    worker_pid, web_pid = stack.worker.pid, stack.web.pid
    outage: dict[str, float] = {}

    def restart() -> None:
        timeline.started = run.started
        ready.start()
        time.sleep(seconds / 3)
        outage["start"] = timeline.mark("pg_ctl restart -m fast")
        stack.db.restart("fast")  # type: ignore[union-attr]
        outage["end"] = timeline.mark("PostgreSQL accepts connections again")

    run_people(run, seconds, during=restart)
    timeline.mark("load stopped", run.ended)
    ready.stop()
    drain(stack)
    report = Report()
    verify(run, report, outage=True)
    after = [(t, v) for t, v in ready.values if t >= outage["start"]]
    first_ok = next((t for t, v in after if v == 200 and t >= outage["end"]), None)
    not_ready = [t for t, v in after if v != 200]
    if not_ready:
        timeline.mark(f"/readyz first not 200 ({len(not_ready)} polls not 200)", not_ready[0])
    if first_ok is not None:
        timeline.mark("/readyz 200 again", first_ok)
    errors = run.recorder.server_errors
    if errors:
        statuses = ", ".join(f"{k} x{v}" for k, v in Counter(e.status for e in errors).items())
        timeline.mark(f"first 5xx seen by a client ({statuses} in all)", min(e.at for e in errors))
        timeline.mark("last 5xx seen by a client", max(e.at for e in errors))
    recovered = max([outage["end"], *(e.at for e in errors)])
    report.numbers["outage_seconds"] = outage["end"] - outage["start"]
    report.numbers["recovery_seconds"] = recovered - outage["start"]
    report.check(
        "recovered by itself",
        first_ok is not None and first_ok - outage["end"] < 30,
        f"pg_ctl restart took {outage['end'] - outage['start']:.1f} s; /readyz 200 again "
        + (f"{first_ok - outage['start']:.1f} s after it began" if first_ok else "never")
        + f"; last 5xx {recovered - outage['start']:.1f} s after it began",
    )
    report.check(
        "worker kept running (not restarted)",
        stack.worker.running and stack.worker.pid == worker_pid,
        f"pid {worker_pid} -> {stack.worker.pid}",
    )
    _processes_untouched(stack, report, web_pid)
    beats = heartbeat(stack)
    before = beats()
    time.sleep(float(DRILL_CONFIG["WORKER_INTERVAL_SECONDS"]) * 3)
    report.check(
        "worker rounds go on after the restart",
        beats() > before,
        f"heartbeat rounds {before} -> {beats()}",
    )
    return Drill("the database restarts mid-load", run, report, timeline, mix)


def push_timeout(stack: Stack, people: int, seconds: float, seed: int) -> Drill:
    assert stack.push is not None
    run, mix = _people(stack, people, seed)
    timeline = Timeline()
    beats = Watch(heartbeat(stack), 1.0)
    hang = seconds / 3
    window: dict[str, float] = {}

    def hang_push_service() -> None:
        timeline.started = run.started
        beats.start()
        time.sleep(seconds / 4)
        assert stack.push is not None
        window["start"] = timeline.mark(
            f"push service hangs every request (past PUSH_TIMEOUT_SECONDS="
            f"{DRILL_CONFIG['PUSH_TIMEOUT_SECONDS']})"
        )
        stack.push.hold()
        time.sleep(hang)
        held = stack.push.stats()["holding"]
        stack.push.release()
        window["end"] = timeline.mark(f"push service answers again ({held} requests were held)")

    run_people(run, seconds, during=hang_push_service)
    timeline.mark("load stopped", run.ended)
    drained = drain(stack, timeout=180)
    timeline.mark(f"outbox drained ({drained:.0f} s after the load)")
    beats.stop()
    caught = stack.query(
        "SELECT count(*) AS n, max(sent_at) AS last FROM notifications WHERE id >= :first"
        " AND created_at <= :end AND attempts > 1",
        first=run.first_notification,
        end=dt.datetime.fromtimestamp(window["end"], dt.UTC),
    )[0]
    if caught.n:
        timeline.mark(
            f"the last of the {caught.n} notifications caught by the hang delivered",
            caught.last.timestamp(),
        )
    report = Report()
    verify(run, report)
    during = [v for t, v in beats.values if window["start"] <= t <= window["end"]]
    rounds = (
        (max(during) - min(during)) if during and all(isinstance(v, int) for v in during) else 0
    )
    report.check(
        "worker rounds go on while the push service hangs",
        rounds >= 2,
        f"{rounds} heartbeat rounds in the {window['end'] - window['start']:.0f} s hang",
    )
    rows = stack.query(
        "SELECT status, count(*) AS n, max(attempts) AS attempts FROM notifications"
        " WHERE id >= :first GROUP BY status",
        first=run.first_notification,
    )
    by_status = {row.status: row.n for row in rows}
    retried = stack.query(
        "SELECT count(*) AS n FROM notifications WHERE id >= :first AND attempts > 1",
        first=run.first_notification,
    )[0].n
    report.numbers["retried_notifications"] = retried
    report.check(
        "every notification settled, none dead",
        set(by_status) <= {"sent"},
        f"{by_status}; {retried} needed more than one attempt",
    )
    return Drill("the push service times out", run, report, timeline, mix)


def worker_kill(stack: Stack, people: int, seconds: float, seed: int) -> Drill:
    assert stack.push is not None
    run, mix = _people(stack, people, seed)
    timeline = Timeline()
    down = 10.0
    events: dict[str, float] = {}

    def kill_worker() -> None:
        timeline.started = run.started
        assert stack.push is not None
        time.sleep(seconds / 4)
        stack.push.hold(after=3)  # the batch in flight stalls after three pushes
        timeline.mark("push service starts holding requests after 3 more")
        # Kill while several pushes are in flight (the retried ones pile up meanwhile).
        deadline = time.time() + 40
        while stack.push.stats()["holding"] < 4 and time.time() < deadline:
            time.sleep(0.1)
        held = stack.push.stats()["holding"]
        stack.worker.kill()
        claimed = stack.query("SELECT count(*) AS n FROM notifications WHERE status = 'sending'")
        events["kill"] = timeline.mark(
            f"SIGKILL the worker mid-batch ({held} pushes in flight, "
            f"{claimed[0].n} notifications claimed under its lease)"
        )
        stack.push.release()
        timeline.mark("push service answers again (the killed worker's requests are abandoned)")
        time.sleep(down)
        events["start"] = timeline.mark("worker started again")
        stack.worker.start()

    run_people(run, seconds, during=kill_worker)
    timeline.mark("load stopped", run.ended)
    waited = drain(stack, timeout=180)
    timeline.mark(f"outbox drained ({waited:.0f} s after the load)")
    report = Report()
    verify(run, report)
    # A duplicate is what the design admits at the HTTP boundary; say how many, and fail
    # only beyond that (the check in verify counts every one).
    lapsed = stack.query(
        "SELECT count(*) AS n FROM notifications WHERE id >= :first AND attempts > 1",
        first=run.first_notification,
    )[0].n
    report.numbers["taken_over"] = lapsed
    report.check(
        "the worker's claims were taken over after the lease",
        outbox_due(stack) == 0,
        f"{lapsed} notifications needed another attempt; outbox due now {outbox_due(stack)}",
    )
    return Drill("the worker is killed mid-batch", run, report, timeline, mix)


DRILLS = {
    "database": (database_restart, "private"),
    "push": (push_timeout, "shared"),
    "worker": (worker_kill, "shared"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(DRILLS), help="database,push,worker")
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=90.0, help="load per drill")
    parser.add_argument(
        "--doc", type=Path, help="put each drill's results in this file's bench.drills sections"
    )
    add_run_options(parser)
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(names) - set(DRILLS)
    if unknown:
        parser.error(f"unknown drills: {', '.join(sorted(unknown))}")
    sections: list[str] = []
    verdicts: dict[str, bool] = {}
    ran = what_ran(args.commit)
    with tempfile.TemporaryDirectory(prefix="coachapp-drills-") as tmp:
        source = export_commit(args.commit, Path(tmp) / "src") if args.commit else None
        for name in names:
            drill, database = DRILLS[name]
            mix = Mix.for_users(args.people)
            stack_args: dict[str, Any] = {
                "scale": max(mix.scale, args.scale), "database": database, "push": True,
                "config": DRILL_CONFIG, "web_concurrency": args.web_concurrency, "keep": args.keep,
            }  # fmt: skip
            if source is not None:
                stack_args["source"] = source
            print(f"drill {name}: starting the stack ({database} database)...", flush=True)
            with Stack(**stack_args) as stack:
                print(f"logs in {stack.run_dir}" if args.keep else "", flush=True)
                result = drill(stack, args.people, args.seconds, args.seed)
                result.ran = ran
                text = result.markdown()
            print(text)
            print_report(result.report)
            sections.append(text)
            verdicts[name] = result.report.ok
            if args.doc:
                facts = ", ".join(f"{k} {v}" for k, v in machine().items())
                replace_section(args.doc, f"bench.drills.{name}", f"{text}\nMachine: {facts}.\n")
    facts = machine()
    header = ["| | |", "|---|---|", *(f"| {k} | {v} |" for k, v in facts.items()), ""]
    summary = [f"- {name}: {'PASS' if ok else 'FAIL'}" for name, ok in verdicts.items()]
    if args.markdown:
        args.markdown.write_text("\n".join([*header, *sections, *summary, ""]))
    print("\n".join(summary))
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
