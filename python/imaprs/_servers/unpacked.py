"""Debian packages unpacked into a cache directory instead of being installed.

Cyrus IMAP cannot be installed beside Dovecot (both packages provide ``imap-server``), so its
packages are fetched with ``apt-get download`` and unpacked with ``dpkg-deb -x``, together
with every library package they need that the machine lacks (followed through the
dependencies until nothing new is needed). Works as root and as a normal user; only the
package lists (``apt-get update``) need root, and only when they are missing.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Type

__all__ = ["UnpackedPackages", "cache_home"]


def cache_home() -> Path:
    """The tests' cache directory: ``$IMAPRS_TEST_CACHE``, else ``/var/cache/imaprs-tests``
    for root (the services drop to ``nobody``, who cannot enter root's home), else
    ``$XDG_CACHE_HOME/imaprs-tests``."""
    if os.environ.get("IMAPRS_TEST_CACHE"):
        return Path(os.environ["IMAPRS_TEST_CACHE"])
    if os.geteuid() == 0:
        return Path("/var/cache/imaprs-tests")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "imaprs-tests"


class UnpackedPackages:
    """Packages unpacked under ``directory / "root"``, made ready on first use."""

    def __init__(self, directory: Path, packages: Iterable[str], error: Type[Exception]) -> None:
        self.directory = directory
        self.packages = tuple(packages)
        self.root = directory / "root"
        self._error = error

    def ensure(self) -> Path:
        """Download and unpack the packages unless that was done before; return the root."""
        done = self.directory / "complete"
        if done.exists():
            return self.root
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o755)  # the services may run as another user
        with open(self.directory / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if done.exists():
                return self.root
            if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
                raise self._error("apt-get and dpkg-deb are needed to fetch the packages")
            debs = self.directory / "debs"
            shutil.rmtree(debs, ignore_errors=True)
            shutil.rmtree(self.root, ignore_errors=True)
            debs.mkdir()
            self._download(debs)
            for deb in sorted(debs.glob("*.deb")):
                self._run(["dpkg-deb", "-x", str(deb), str(self.root)])
            done.write_text(" ".join(p.name for p in sorted(debs.glob("*.deb"))) + "\n")
        return self.root

    def library_path(self) -> str:
        """``LD_LIBRARY_PATH`` for the unpacked programs."""
        dirs = [
            str(d)
            for pattern in ("lib/*-linux-gnu", "usr/lib/*-linux-gnu")
            for d in sorted(self.root.glob(pattern))
        ]
        return os.pathsep.join([*dirs, os.environ.get("LD_LIBRARY_PATH", "")]).rstrip(os.pathsep)

    def env(self) -> Dict[str, str]:
        """The environment the unpacked programs run in."""
        env = {**os.environ, "LD_LIBRARY_PATH": self.library_path()}
        plugins = [str(d) for d in sorted(self.root.glob("usr/lib/*-linux-gnu/sasl2"))]
        if plugins:  # SASL mechanisms unpacked here rather than installed
            system = [str(d) for d in sorted(Path("/usr/lib").glob("*-linux-gnu/sasl2"))]
            env["SASL_PATH"] = os.pathsep.join(plugins + system)
        return env

    def missing_libraries(self, programs: Iterable[Path]) -> List[str]:
        """Shared libraries the programs still cannot find (``ldd``'s "not found")."""
        missing: Set[str] = set()
        for program in programs:
            out = subprocess.run(
                ["ldd", str(program)], env=self.env(), capture_output=True, text=True, check=False
            ).stdout
            missing.update(re.findall(r"^\s*(\S+) => not found", out, re.M))
        return sorted(missing)

    # -- internals ---------------------------------------------------------------------------

    def _download(self, debs: Path) -> None:
        wanted = list(self.packages)
        seen: Set[str] = set(wanted)
        if subprocess.run(["apt-cache", "show", wanted[0]], capture_output=True).returncode:
            if os.geteuid() != 0:
                raise self._error(
                    f"the package lists do not know {wanted[0]}: run apt-get update as root"
                )
            self._run(["apt-get", "update", "-qq"])
        while wanted:
            self._run(["apt-get", "download", "-qq", *wanted], cwd=debs)
            new = [p for p in self._library_dependencies(wanted) if p not in seen]
            seen.update(new)
            wanted = [p for p in new if not _installed(p)]

    def _library_dependencies(self, packages: List[str]) -> List[str]:
        out = self._run(
            [
                "apt-cache",
                "depends",
                "--no-recommends",
                "--no-suggests",
                "--no-conflicts",
                "--no-breaks",
                "--no-replaces",
                "--no-enhances",
                *packages,
            ]
        )
        names = re.findall(r"^\s*\|?(?:Pre)?Depends: (\S+)$", out, re.M)
        return sorted({n for n in names if n.startswith("lib") and not n.startswith("<")})

    def _run(self, argv: List[str], cwd: Optional[Path] = None) -> str:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise self._error(
                f"{' '.join(argv)} failed (exit {proc.returncode}):\n"
                f"{proc.stdout[-4000:]}{proc.stderr[-4000:]}"
            )
        return proc.stdout


def _installed(package: str) -> bool:
    proc = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Status}", package], capture_output=True, text=True
    )
    return proc.returncode == 0 and proc.stdout.endswith(" installed")
