"""1,000 imaprs.aio connections in IDLE in one event loop, against the crowd server.

The measurement is ``bench/aio_idle_scale.py``'s (run here, in this process, with its file
limit raised there), in clear text and over TLS: memory per idle connection beyond Python's
own objects at most 64 KiB, no CPU spent while everyone idles, and every connection told of
new mail once the server pushes EXISTS to all of them. The bounds are correctness
properties (nothing polls, nothing is lost), generous on purpose; the figures are printed."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "aio_idle_scale.py"

pytestmark = pytest.mark.skipif(
    not os.path.exists("/proc/self/statm"), reason="resident memory is read from /proc"
)


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_a_thousand_connections_idle_in_one_event_loop(tls: bool) -> None:
    spec = importlib.util.spec_from_file_location("aio_idle_scale", BENCH)
    assert spec is not None and spec.loader is not None
    scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scale)

    figures = scale.measure(1000, quiet=3.0, tls=tls)
    print("\n" + scale.report(figures))

    assert figures["connections"] == figures["pushed_to"] == figures["notified"] == 1000
    # The core's share (session, link, buffers): what is left of the resident growth once
    # Python's allocations and tracemalloc's bookkeeping are taken out.
    assert figures["native_per_connection"] <= 64 * 1024
    # Idling connections poll nothing: a busy loop would use about all of the wall time.
    assert figures["idle_cpu_seconds"] < 0.25 * figures["idle_seconds"]
    # Everyone heard of the new mail (a second is the target; the bound here is loose so
    # that a loaded machine does not fail a correct client).
    assert figures["notify_max_s"] < 10
