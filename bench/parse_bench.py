"""Response-parsing benchmark: imaprs against IMAPClient and imap-codec, in one run.

All three parse the same bytes: the FETCH responses for 10,000 messages (UID FLAGS
INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE) from ``gen_fetch.py``. Each is given
the input in the form it takes in real use:

- imaprs: raw bytes fed to ``ResponseReader`` in 64 KiB chunks (as a socket delivers
  them), every response built into an ``IMAP4Response``;
- IMAPClient: the list imaplib's ``fetch()`` returns (lines and ``(header, literal)``
  tuples, prepared outside the timing), parsed by ``parse_fetch_response``;
- imap-codec: ``ResponseCodec.decode`` over the raw bytes, response after response.

Prints MB/s (best of N runs) and the ratios. Figures, never assertions.

The MB/s are written to ``docs/benchmarks.json`` for the documentation's chart (not with
``--quick`` or ``--no-save``).

usage: python bench/parse_bench.py [--count N] [--repeat K] [--quick] [--no-save]
"""

from __future__ import annotations

import argparse
import gc
import platform
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple, Union

sys.path.insert(0, str(Path(__file__).resolve().parent))
import imaprs
from figures import save_charts
from gen_fetch import generate

CHUNK = 64 * 1024
LITERAL_AT_END = re.compile(rb"\{(\d+)\}\r\n$")


def imaplib_shape(data: bytes) -> List[Union[bytes, Tuple[bytes, bytes]]]:
    """What imaplib's fetch() returns for these responses: '* ' and 'FETCH ' removed,
    literals as (header, literal) tuples, the rest of a line as bytes."""
    out: List[Union[bytes, Tuple[bytes, bytes]]] = []
    pos = 0
    first = True
    while pos < len(data):
        end = data.index(b"\r\n", pos) + 2
        line = data[pos:end]
        pos = end
        if first:
            if not line.startswith(b"* "):
                break  # the tagged completion
            line = re.sub(rb"^\* (\d+) FETCH ", rb"\1 ", line)
        m = LITERAL_AT_END.search(line)
        if m:
            size = int(m.group(1))
            out.append((line[:-2], data[pos : pos + size]))
            pos += size
            first = False
        else:
            out.append(line[:-2])
            first = True
    return out


def bench_imaprs(data: bytes) -> int:
    reader = imaprs.ResponseReader()
    count = 0
    for offset in range(0, len(data), CHUNK):
        reader.receive_data(data[offset : offset + CHUNK])
        for _ in reader:
            count += 1
    return count


def bench_imaprs_whole(data: bytes) -> int:
    reader = imaprs.ResponseReader()
    reader.receive_data(data)
    return sum(1 for _ in reader)


def make_imapclient(data: bytes) -> Optional[Callable[[bytes], int]]:
    try:
        from imapclient.response_parser import parse_fetch_response
    except ImportError:
        return None
    shaped = imaplib_shape(data)

    def run(_: bytes) -> int:
        return len(parse_fetch_response(shaped, normalise_times=True, uid_is_key=True)) + 1

    return run


def make_imap_codec() -> Optional[Callable[[bytes], int]]:
    try:
        from imap_codec import ResponseCodec
    except ImportError:
        return None

    def run(data: bytes) -> int:
        count = 0
        rest = data
        while rest:
            rest, _ = ResponseCodec.decode(rest)
            count += 1
        return count

    return run


def best_of(fn: Callable[[bytes], Any], data: bytes, repeat: int) -> Tuple[float, int]:
    best, result = float("inf"), 0
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn(data)
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="500 messages, one run (a smoke test)")
    parser.add_argument("--no-save", action="store_true", help="do not update the docs figures")
    args = parser.parse_args()
    if args.quick:
        args.count, args.repeat, args.no_save = 500, 1, True

    data = generate(args.count)
    mb = len(data) / 1e6
    print(
        f"python {platform.python_version()} on {platform.machine()}, imaprs {imaprs.__version__}"
    )
    print(f"input: {args.count:,} FETCH responses, {mb:.2f} MB; best of {args.repeat}\n")

    rows: List[Tuple[str, Optional[float], str]] = []
    for name, fn, repeat in [
        ("imaprs ResponseReader (64 KiB chunks)", bench_imaprs, args.repeat),
        ("imaprs ResponseReader (one buffer)", bench_imaprs_whole, args.repeat),
        ("IMAPClient parse_fetch_response", make_imapclient(data), max(1, args.repeat // 2)),
        ("imap-codec ResponseCodec.decode", make_imap_codec(), max(1, args.repeat // 2)),
    ]:
        if fn is None:
            rows.append((name, None, "not installed"))
            continue
        seconds, count = best_of(fn, data, repeat)
        rows.append((name, mb / seconds, f"{count:,} responses"))

    if args.quick:
        print("(--quick: a smoke test; the figures are not representative)\n")
    base = rows[0][1] or 1.0
    print(f"{'parser':40} {'MB/s':>9} {'imaprs is':>10}  notes")
    for name, speed, note in rows:
        if speed is None:
            print(f"{name:40} {'-':>9} {'-':>10}  {note}")
        else:
            print(f"{name:40} {speed:9.1f} {base / speed:9.1f}x  {note}")

    speeds = {name.split()[0]: speed for name, speed, _ in rows[2:]}
    print()
    for name, target in [("IMAPClient", 30.0), ("imap-codec", 2.5)]:
        speed = speeds.get(name)
        if speed:
            ratio = base / speed
            verdict = "meets" if ratio >= target else "BELOW"
            print(f"imaprs vs {name}: {ratio:.1f}x (target >= {target}x: {verdict})")
        else:
            print(f"imaprs vs {name}: not measured ({name} not installed)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MB")
    if not args.no_save:
        labels = ["imaprs", None, "IMAPClient", "imap-codec"]
        bars = [(label, speed) for label, (_, speed, _) in zip(labels, rows) if label]
        title = f"Parsing {args.count:,} FETCH responses ({mb:.0f} MB) from Python"
        save_charts([("parse", title, "MB/s", False, bars)])


if __name__ == "__main__":
    main()
