"""Python's cycle collector, set for a process that serves for long (a gunicorn worker, the
background worker).

Once the app is loaded, what is loaded so far (modules, the app, its templates and
statements) lives as long as the process: `gc.freeze()` keeps the collector from walking it
again. And the youngest generation is collected every YOUNG_EVERY allocations instead of
Python's 700: a national scope's page or the worker's figures pass makes some 100,000 rows
and ORM objects that all live until the answer is made and are freed by reference counting,
not by the collector; at the default thresholds the collector walked them over and over, more
than half the CPU of a national director's earlier-quarter impact page at --scale 50 (7.9 s
-> 3.5 s of CPU). Older generations follow at Python's ratios (a full collection still runs
once the survivors grow by a quarter), so cyclic garbage is still freed, only in fewer and
larger sweeps; gunicorn's max_requests restarts a worker now and then besides.
"""

from __future__ import annotations

import gc

YOUNG_EVERY = 50_000
MIDDLE_EVERY = 20  # collections of the youngest generation between two of the middle one
OLD_EVERY = 10  # of the middle one between two looks at the oldest


def settle_for_serving() -> None:
    """Call once the app is loaded in a serving process (not in tests: every app they make
    would be frozen for good)."""
    gc.freeze()
    gc.set_threshold(YOUNG_EVERY, MIDDLE_EVERY, OLD_EVERY)
