"""The gates of `make bench-perf` (bench/perf.py) judge what they say: a page's 1-client p95
against the floor's, the national dashboard's size and growth, the manager's pages unchanged
as the organisation grows, failed requests. On made-up figures; the benchmark itself needs
PostgreSQL and gunicorn and is run by hand."""

from __future__ import annotations

import argparse

import pytest

from bench.perf import (
    ENDPOINTS,
    Directory,
    Phase,
    ScaleResult,
    Series,
    Sizes,
    dashboard_growth_gate,
    dashboard_size_gate,
    errors_gate,
    evaluate,
    failed,
    floor_gate,
    manager_pages_gate,
    parse_numbers,
)

BY_KEY = {endpoint.key: endpoint for endpoint in ENDPOINTS}


def phase(key: str, page_ms: float, floor_ms: float = 10.0, scale: int = 1) -> Phase:
    """A 1-client phase whose every page took `page_ms` and every floor `floor_ms`."""
    return Phase(
        BY_KEY[key],
        1,
        scale=scale,
        page=Series([page_ms] * 20),
        floor=Series([floor_ms] * 20),
        health=Series([1.0] * 20),
    )


def scale_result(
    scale: int,
    phases: dict[str, float] | None = None,
    statements: dict[str, set[int]] | None = None,
    sizes: dict[str, int] | None = None,
) -> ScaleResult:
    return ScaleResult(
        scale,
        statements=statements or {},
        sizes={key: Sizes(raw, raw // 8, raw // 7) for key, raw in (sizes or {}).items()},
        phases={key: phase(key, ms, scale=scale) for key, ms in (phases or {}).items()},
    )


def test_a_page_may_take_three_times_the_floor_at_every_scale() -> None:
    results = {
        1: scale_result(1, {"today": 30.0, "org": 20.0}),
        50: scale_result(50, {"today": 30.0, "org": 30.5, "org-regional": 12.0}),
    }
    gate = floor_gate(results)
    assert gate.checked == 5
    assert gate.problems == (
        "National director's dashboard at --scale 50: p95 30.5 ms is 3.0x the floor's 10.0 ms",
    )
    assert not gate.passed and gate.verdict == "**FAILED**"
    results[50].phases["org"] = phase("org", 29.0, scale=50)
    assert floor_gate(results).passed


def test_the_national_dashboard_holds_at_most_100_kb_uncompressed() -> None:
    results = {
        1: scale_result(1, sizes={"org": 40_000}),
        50: scale_result(50, sizes={"org": 100_000}),
    }
    assert dashboard_size_gate(results).passed
    results[50].sizes["org"] = Sizes(100_001, 9_000, 10_000)
    gate = dashboard_size_gate(results)
    assert gate.problems == ("--scale 50: 100,001 bytes uncompressed (limit 100,000)",)
    # A smaller page of another person does not count.
    only_regional = {50: scale_result(50, sizes={"org-regional": 200_000})}
    assert dashboard_size_gate(only_regional).verdict == "not measured"


def test_the_national_dashboard_at_the_largest_scale_takes_at_most_half_as_long_again() -> None:
    results = {1: scale_result(1, {"org": 20.0}), 50: scale_result(50, {"org": 30.0})}
    assert dashboard_growth_gate(results).passed
    results[20] = scale_result(20, {"org": 100.0})  # the middle scale is not compared
    assert dashboard_growth_gate(results).passed
    results[50].phases["org"] = phase("org", 31.0, scale=50)
    assert dashboard_growth_gate(results).problems == (
        "p50 31.0 ms at --scale 50 is 1.55x the 20.0 ms at --scale 1",
    )
    one_scale = dashboard_growth_gate({1: scale_result(1, {"org": 20.0})})
    assert one_scale.checked == 0 and not one_scale.passed
    assert one_scale.verdict == "not measured"


def test_the_managers_pages_run_the_same_statements_and_send_the_same_bytes() -> None:
    def results(
        today_50: set[int], today_bytes_50: int, log_bytes_50: int
    ) -> dict[int, ScaleResult]:
        return {
            1: scale_result(
                1,
                statements={"today": {12}, "rep": {21}, "log": {14}, "org": {17}},
                sizes={"today": 7_200, "rep": 9_000, "log": 200, "org": 50_000},
            ),
            50: scale_result(
                50,
                statements={"today": today_50, "rep": {21}, "log": {14}, "org": {19}},
                sizes={"today": today_bytes_50, "rep": 9_000, "log": log_bytes_50, "org": 90_000},
            ),
        }

    # The director's pages may change; a POST's redirect may name a longer id.
    gate = manager_pages_gate(results({12}, 7_200, 203))
    assert gate.passed and gate.checked == 5
    assert manager_pages_gate(results({13}, 7_200, 200)).problems == (
        "Manager home: SQL statements 12 at --scale 1, 13 at --scale 50",
    )
    assert manager_pages_gate(results({12, 13}, 7_200, 200)).problems == (
        "Manager home: SQL statements 12 at --scale 1, 12,13 at --scale 50",
    )
    assert manager_pages_gate(results({12}, 7_201, 200)).problems == (
        "Manager home: 7200 bytes at --scale 1, 7201 bytes at --scale 50",
    )
    single = manager_pages_gate({1: results({12}, 7_200, 200)[1]})
    assert single.verdict == "not measured"


def test_a_failed_request_fails_the_run_and_every_gate_is_reported() -> None:
    broken = phase("cadence", 5.0, scale=50)
    broken.errors += ["page: HTTP 500", "page: HTTP 500"]
    load = Phase(BY_KEY["today"], 10, scale=50, page=Series([5.0]), floor=Series([5.0]))
    assert errors_gate([broken, load]).problems == (
        "Cadence API (first page) at --scale 50, 1 client: 2 failed (page: HTTP 500)",
    )
    results = {1: scale_result(1, {"org": 20.0}), 50: scale_result(50, {"org": 25.0})}
    results[50].phases["cadence"] = broken
    gates = evaluate(results, [load])
    assert [g.name for g in gates] == [
        "Pages against the floor",
        "National dashboard's size",
        "National dashboard's growth",
        "Manager pages unchanged",
        "Every request answered",
    ]
    assert failed(gates) == [
        "Every request answered: Cadence API (first page) at --scale 50, 1 client: "
        "2 failed (page: HTTP 500)"
    ]


def test_paths_name_the_people_of_the_seeded_organisation() -> None:
    people = Directory(
        ids={"r2.director@example.com": 40, "manager@example.com": 2},
        first_rep={"manager@example.com": 13, "manager2@example.com": 19},
        roles={},
    )
    assert BY_KEY["org-region"].url(people) == "/org/regions/40"
    assert BY_KEY["team"].url(people) == "/org/teams/2"
    assert BY_KEY["rep"].url(people) == "/people/13"
    assert BY_KEY["log"].url(people, "manager2@example.com") == "/people/19/coaching"
    assert BY_KEY["org-regional"].min_scale == 2 and BY_KEY["org"].min_scale == 1


def test_numbers_on_the_command_line() -> None:
    assert parse_numbers("1,50") == (1, 50)
    assert parse_numbers("") == ()
    for wrong in ("0,50", "a"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_numbers(wrong)
