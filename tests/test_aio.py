"""imaprs.aio against a real Dovecot: the same results as the blocking face, pipelining,
implicit TLS, NO that leaves the connection usable, cancellation of a wait."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest

import imaprs
import imaprs.aio
from imaprs import response_map
from imaprs._servers import Dovecot, User
from imaprs.testing import ScriptedServer

ITEMS = ("UID", "FLAGS", "RFC822.SIZE", "ENVELOPE")


def seeded(dovecot: Dovecot, user: User, count: int = 20) -> imaprs.IMAP4:
    imap = imaprs.IMAP4((dovecot.host, dovecot.port), timeout=20)
    imap.login(user.name, user.password, allow_cleartext=True)
    for i in range(count):
        imap.append("INBOX", b"Subject: message %d\r\n\r\nbody %d\r\n" % (i, i))
    imap.select("INBOX", readonly=True)
    return imap


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 60))


def test_listing_matches_the_blocking_face(dovecot: Dovecot, dovecot_user: User) -> None:
    blocking = seeded(dovecot, dovecot_user)
    want = [(r[0], r[2]) for r in blocking.fetch("1:*", *ITEMS).queue]
    blocking.logout()

    async def main() -> Any:
        async with imaprs.aio.IMAP4((dovecot.host, dovecot.port), timeout=20) as imap:
            assert imap.state == "!auth" and "IMAP4REV1" in imap.caps
            await imap.login(dovecot_user.name, dovecot_user.password, allow_cleartext=True)
            assert imap.state == "auth"
            await imap.examine("INBOX")
            assert imap.state == "selected" and imap.readonly is True
            cmd = await imap.fetch("1:*", *ITEMS)
            assert cmd.result is not None and cmd.result.status == "OK"
            return [(r[0], r[2]) for r in cmd.queue]

    got = run(main())
    assert got == want and len(got) == 20


def test_pipelined_commands_each_get_their_own_responses(
    dovecot: Dovecot, dovecot_user: User
) -> None:
    seeded(dovecot, dovecot_user, 30).logout()

    async def main() -> None:
        imap = await imaprs.aio.IMAP4.connect((dovecot.host, dovecot.port), timeout=20)
        await imap.login(dovecot_user.name, dovecot_user.password, allow_cleartext=True)
        await imap.select("INBOX")
        cmds = [
            await imap.fetch([uid], "UID", "FLAGS", uid=True, wait=False) for uid in range(1, 31)
        ]
        for uid, cmd in zip(range(1, 31), cmds):
            await cmd.wait()
            assert [response_map(r[2])["UID"] for r in cmd.queue] == [uid]
        listed = await imap("LIST", "", "*", wait=True)
        assert any(r[-1] == "INBOX" for r in listed.queue)
        await imap.logout()
        assert imap.state == "logout"

    run(main())


def test_no_raises_and_the_connection_goes_on(dovecot: Dovecot, dovecot_user: User) -> None:
    async def main() -> None:
        async with imaprs.aio.IMAP4((dovecot.host, dovecot.port), timeout=20) as imap:
            await imap.login(dovecot_user.name, dovecot_user.password, allow_cleartext=True)
            with pytest.raises(imaprs.NO):
                await imap.select("No such mailbox")
            with pytest.raises(imaprs.IMAP4Error, match="not allowed in state auth"):
                await imap.fetch("1", "FLAGS")
            assert (await imap.noop()).result is not None

    run(main())


def test_implicit_tls(dovecot: Dovecot, dovecot_user: User) -> None:
    async def main() -> None:
        ctx = dovecot.client_context()
        async with imaprs.aio.IMAP4(("localhost", dovecot.ssl_port), 20, ctx) as imap:
            await imap.login(dovecot_user.name, dovecot_user.password, allow_cleartext=True)
            await imap.examine("INBOX")
            assert imap._link.state == (True, False)

    run(main())


def test_an_unknown_ca_fails_the_handshake(dovecot: Dovecot) -> None:
    async def main() -> None:
        with pytest.raises(imaprs.TLSError):
            await imaprs.aio.IMAP4.connect(("localhost", dovecot.ssl_port), 20, imaprs.TLSOptions())

    run(main())


def test_a_cancelled_wait_leaves_the_connection_usable(
    dovecot: Dovecot, dovecot_user: User
) -> None:
    async def main() -> None:
        async with imaprs.aio.IMAP4((dovecot.host, dovecot.port), timeout=20) as imap:
            await imap.login(dovecot_user.name, dovecot_user.password, allow_cleartext=True)
            await imap.select("INBOX")
            cmd = await imap("IDLE", wait=False)
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(cmd.wait(), 0.2)
            assert cmd.result is None and imap.state == "selected"
            await imap._send_raw(b"DONE\r\n")
            await cmd.wait()
            assert (await imap.noop()).result is not None

    run(main())


def test_many_tasks_share_one_connection(dovecot: Dovecot, dovecot_user: User) -> None:
    """The asyncio twin of the eight threads sharing one blocking connection: 8 tasks x 500
    commands, every result checked; commands whose responses could be confused (the same
    STATUS, FETCHes of the same message) are not pipelined, so each gets exactly its own."""
    seeded(dovecot, dovecot_user, 20).logout()

    async def main() -> None:
        async with imaprs.aio.IMAP4((dovecot.host, dovecot.port), timeout=20) as imap:
            await imap.login(dovecot_user.name, dovecot_user.password, allow_cleartext=True)
            await imap.create("Other")
            await imap.examine("INBOX")

            async def work(n: int) -> int:
                for i in range(500):
                    uid = (n * 7 + i) % 20 + 1
                    if i % 10 == 9:
                        status = await imap.status("Other", "MESSAGES")
                        assert [r[1:] for r in status.queue] == [["Other", ["MESSAGES", 0]]]
                    elif i % 10 == 5:
                        found = await imap.search(imaprs.Raw(f"UID {uid}"), uid=True)
                        assert found.data == [uid]
                    else:
                        cmd = await imap.fetch([uid], "UID", "BODY.PEEK[HEADER]", uid=True)
                        assert [(k, v.uid) for k, v in cmd.data.items()] == [(uid, uid)]
                        assert cmd.data[uid]["BODY[HEADER]"].startswith(b"Subject: message ")
                return n

            assert await asyncio.gather(*(work(n) for n in range(8))) == list(range(8))
            assert not imap.cmds

    run(main())


def test_bye_mid_stream_fails_the_waiting_command_and_the_connection() -> None:
    def script(s: ScriptedServer) -> None:
        s.greeting(caps=("IMAP4rev1",), status="PREAUTH")
        s.expect("NOOP")
        s.bye("shutting down")
        s.expect_close()

    async def main() -> None:
        imap = await imaprs.aio.IMAP4.connect(server.address, timeout=5)
        assert imap.state == "auth"
        with pytest.raises(imaprs.BYE):
            await imap.noop()
        assert imap.state == "logout"
        with pytest.raises(imaprs.BYE):
            await imap.noop()
        await imap.logout()

    with ScriptedServer(script=script) as server:
        run(main())


BIG = b"Subject: big\r\n\r\n" + b"0123456789abcdef" * 16384 + b"\r\n"  # 256 KiB and a bit


def test_uploads_from_bytes_file_and_chunks_with_progress_and_coroutine_sinks(
    dovecot: Dovecot, dovecot_user: User
) -> None:
    async def main() -> None:
        async with imaprs.aio.IMAP4((dovecot.host, dovecot.port), timeout=20) as imap:
            await imap.login(dovecot_user.name, dovecot_user.password, allow_cleartext=True)
            seen: list[tuple[int, int]] = []
            await imap.append("INBOX", BIG, progress=lambda d, t: seen.append((d, t)))
            assert seen[-1] == (len(BIG), len(BIG))
            await imap.append("INBOX", io.BytesIO(BIG))
            chunks = (BIG[i : i + 1000] for i in range(0, len(BIG), 1000))
            await imap.append("INBOX", chunks, size=len(BIG))
            await imap.examine("INBOX")
            assert imap.selected is not None and imap.selected.exists == 3

            bodies: dict[bytes, bytearray] = {}

            async def sink(head: bytes, data: bytes) -> None:
                await asyncio.sleep(0)
                bodies.setdefault(head.split(b" FETCH")[0], bytearray()).extend(data)

            await imap.fetch("1:*", "BODY.PEEK[]", sink=sink)
            assert bodies == {b"* 1": BIG, b"* 2": BIG, b"* 3": BIG}

            parts: list[bytes] = []

            async def part_sink(data: bytes) -> None:
                parts.append(data)

            assert await imap.fetch_part(2, "1", part_sink) is None
            assert b"".join(parts) == BIG.split(b"\r\n\r\n", 1)[1]

    run(main())


def test_items_stream_typed_values_through_a_pipelined_fetch(
    dovecot: Dovecot, dovecot_user: User
) -> None:
    seeded(dovecot, dovecot_user, 12).logout()

    async def main() -> None:
        async with imaprs.aio.IMAP4((dovecot.host, dovecot.port), timeout=20) as imap:
            await imap.login(dovecot_user.name, dovecot_user.password, allow_cleartext=True)
            await imap.examine("INBOX")
            cmd = await imap.fetch("1:*", "UID", "ENVELOPE", wait=False)
            subjects = [(seq, item.envelope.subject) async for seq, item in cmd.items()]
            assert subjects == [(n, f"message {n - 1}") for n in range(1, 13)]
            status = await imap.status("INBOX", "MESSAGES")
            assert status.data == {"MESSAGES": 12}
            listed = await imap.list()
            assert "INBOX" in [box.name for box in listed.data]
            found = await imap.search("SUBJECT", "message 1")
            assert found.data == [2, 11, 12]

    run(main())
