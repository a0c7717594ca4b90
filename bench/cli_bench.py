"""``imaprs backup`` beside the fastest plain imaplib script doing the same job.

Starts a throw-away Dovecot on loopback (the test suite's harness), fills a folder with the
deterministic realistic corpus (10,000 messages by default; ``--big`` adds a 200 MB message),
then backs it up to a fresh Maildir twice over: with ``imaprs backup`` (run as
``python -m imaprs``) and with ``bench/imaplib_backup.py``. Each runs as a child process;
its wall time and peak resident memory (its own VmHWM, read as it exits) are printed, and
written to ``docs/benchmarks.json`` for the documentation's chart (``--no-save`` leaves it
alone). Figures, never assertions.

usage: python bench/cli_bench.py [--messages 10000] [--big] [--quick] [--no-save]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

from figures import save_charts
from imaprs._servers import Dovecot, iter_big_message, seed_mailbox

ROOT = Path(__file__).resolve().parent.parent


# Runs a module or script as __main__ and reports its own peak RSS (VmHWM) on exit: the
# ru_maxrss of a child would count the parent's pages from before exec.
WRAPPER = """
import atexit, runpy, sys
def report():
    hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM"))
    sys.stderr.write("PEAK_KB %s\\n" % hwm.split()[1])
atexit.register(report)
kind, target = sys.argv[1], sys.argv[2]
sys.argv = sys.argv[2:]
if kind == "module":
    runpy.run_module(target, run_name="__main__", alter_sys=True)
else:
    runpy.run_path(target, run_name="__main__")
"""


def measure(kind: str, target: str, args: List[str], env: Dict[str, str]) -> Dict[str, float]:
    """Wall time and peak RSS (MB) of running ``target`` in a child process."""
    argv = [sys.executable, "-c", WRAPPER, kind, target, *args]
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    err = proc.stderr.decode()
    if proc.returncode != 0:
        raise SystemExit(f"{target} failed ({proc.returncode}):\n{err}")
    peak = int(err.rsplit("PEAK_KB ", 1)[1].split()[0])
    return {"seconds": round(elapsed, 3), "peak_mb": round(peak / 1024, 1)}


def save(messages: int, big: bool, results: Dict[str, Dict[str, float]]) -> None:
    suffix = " and a 200 MB message" if big else ""
    title = f"Backup of {messages:,} messages{suffix} to a Maildir"
    key = "backup-big" if big else "backup"
    save_charts(
        [
            (
                f"{key}-{metric}",
                f"{title}: {label}",
                unit,
                True,
                [(name, r[metric]) for name, r in results.items()],
            )
            for metric, unit, label in (("seconds", "s", "time"), ("peak_mb", "MB", "peak memory"))
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--big", action="store_true", help="add a 200 MB message")
    parser.add_argument("--quick", action="store_true", help="300 messages (a smoke test)")
    parser.add_argument("--no-save", action="store_true", help="do not update the docs figures")
    parser.add_argument(
        "--dest",
        help="where the backups go (default: a temporary directory in /dev/shm when there is "
        "one, so that a busy disk does not blur the comparison)",
    )
    args = parser.parse_args()
    if args.quick:
        args.messages, args.no_save = 300, True

    with Dovecot(install=True) as server:
        user = server.add_user()
        start = time.perf_counter()
        seed_mailbox(server, user.name, args.messages)
        if args.big:
            server.deliver(user.name, iter_big_message(200_000_000))
        total = sum(f.stat().st_size for f in server.maildir(user.name).rglob("*") if f.is_file())
        print(
            f"{args.messages:,} messages{' + 200 MB' if args.big else ''} "
            f"({total / 1e6:.0f} MB on disk) seeded in {time.perf_counter() - start:.1f} s"
        )
        env = dict(os.environ, IMAPRS_PASSWORD=user.password)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # both start as an installed program does
        shm = Path("/dev/shm")
        base = Path(args.dest) if args.dest else shm if shm.is_dir() else server.root
        out = Path(tempfile.mkdtemp(prefix="imaprs-backups-", dir=base))
        connection = ["--host", server.host, "--port", str(server.port), "--plain"]
        connection += ["--allow-cleartext", "--user", user.name]
        lib_script = str(ROOT / "bench" / "imaplib_backup.py")
        runs = {
            "imaprs backup": lambda dest: measure(
                "module",
                "imaprs",
                ["backup", *connection, "--no-progress", "INBOX", str(dest)],
                env,
            ),
            "imaplib script": lambda dest: measure(
                "path",
                lib_script,
                [server.host, str(server.port), user.name, "INBOX", str(dest)],
                env,
            ),
        }
        # Two rounds, alternating, best time of each: the first reader of a fresh mailbox
        # also pays for Dovecot building its caches.
        results: Dict[str, Dict[str, float]] = {}
        for round_ in range(2):
            for name, run in runs.items():
                dest = out / f"{name.split()[0]}{round_}"
                figures = run(dest)
                if name not in results or figures["seconds"] < results[name]["seconds"]:
                    results[name] = figures
        saved = {
            name: len(list(path.iterdir()))
            for name, path in (
                ("imaprs", out / "imaprs1" / "INBOX" / "cur"),
                ("imaplib", out / "imaplib1" / "cur"),
            )
        }
        for name, r in results.items():
            print(f"  {name:<16} {r['seconds']:8.2f} s   peak RSS {r['peak_mb']:7.1f} MB")
        mine, base = results["imaprs backup"], results["imaplib script"]
        print(
            f"  imaprs / imaplib: {mine['seconds'] / base['seconds']:.2f}x time (target <= 1), "
            f"peak {mine['peak_mb']:.0f} MB (target < 64); messages saved: {saved}"
        )
        shutil.rmtree(out)
        if not args.no_save:
            save(args.messages, args.big, results)


if __name__ == "__main__":
    main()
