"""What Dovecot never does, through a scripted server: a server without LIST-STATUS (the
folder counts come from one STATUS each) and a server that refuses what it offered."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, List

from clirun import clean_env, script

from imaprs.cli.errors import EXIT
from imaprs.testing import ScriptedServer

CAPS = ["IMAP4rev1", "LITERAL+", "SPECIAL-USE", "AUTH=PLAIN"]


def run(srv: Any, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    _, port = srv.address
    argv = [script(), args[0], "--host", "127.0.0.1", "--port", str(port), "--plain"]
    argv += ["--allow-cleartext", "--user", "alice", *args[1:]]
    env = clean_env(tmp_path, IMAPRS_PASSWORD="secret")
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    srv.wait()
    return proc


def log_in(s: ScriptedServer) -> None:
    s.greeting(caps=CAPS)
    command = s.expect("LOGIN")
    assert command.args == '"alice" "secret"'
    s.ok(command.tag, f"[CAPABILITY {' '.join(CAPS)}] logged in")


def test_folders_without_list_status_use_status(imap_server: Any, tmp_path: Path) -> None:
    asked: List[str] = []

    def serve(s: ScriptedServer) -> None:
        log_in(s)
        command = s.expect("LIST")
        assert command.args == '"" "*" RETURN (SPECIAL-USE)'
        s.send(
            '* LIST (\\HasNoChildren) "/" INBOX',
            '* LIST (\\HasNoChildren \\Sent) "/" "Gesendete Objekte"',
            '* LIST (\\Noselect \\HasChildren) "/" Archiv',
            '* LIST (\\HasNoChildren) "/" "Archiv/Entw&APw-rfe"',
        )
        s.ok(command.tag, "LIST done")
        for name, counts in (
            ("INBOX", "MESSAGES 12 UNSEEN 3"),
            ('"Gesendete Objekte"', "MESSAGES 40 UNSEEN 0"),
            ('"Archiv/Entw&APw-rfe"', "MESSAGES 2 UNSEEN 1"),
        ):
            command = s.expect("STATUS")
            asked.append(command.args)
            s.send(f"* STATUS {name} ({counts})")
            s.ok(command.tag, "STATUS done")
        s.expect_logout()

    proc = run(imap_server(serve), tmp_path, "folders")
    assert proc.returncode == 0, proc.stderr
    assert asked == [
        '"INBOX" (MESSAGES UNSEEN)',
        '"Gesendete Objekte" (MESSAGES UNSEEN)',
        '"Archiv/Entw&APw-rfe" (MESSAGES UNSEEN)',
    ]
    rows = [line.split("  ") for line in proc.stdout.splitlines()]
    cells = [[c.strip() for c in row if c.strip()] for row in rows]
    assert cells == [
        ["FOLDER", "USE", "MESSAGES", "UNSEEN"],
        ["INBOX", "12", "3"],
        ["Gesendete Objekte", "\\Sent", "40", "0"],
        ["Archiv"],
        ["Archiv/Entwürfe", "2", "1"],
    ]


def test_server_refusing_a_search_is_a_server_error(imap_server: Any, tmp_path: Path) -> None:
    def serve(s: ScriptedServer) -> None:
        log_in(s)
        command = s.expect("EXAMINE")
        s.send("* 0 EXISTS", "* OK [UIDVALIDITY 7] ok")
        s.ok(command.tag, "[READ-ONLY] done")
        command = s.expect("UID SEARCH")
        s.bad(command.tag, "search is broken today")
        s.expect("LOGOUT")  # after a failure the client closes without waiting for the answer

    proc = run(imap_server(serve), tmp_path, "search", "INBOX", "ALL")
    assert proc.returncode == EXIT["server"]
    assert proc.stderr == (
        "imaprs: the server refused: UID SEARCH failed [search is broken today]\n"
    )
