"""Every IMAP4 command method against real servers (Dovecot and Cyrus), with the results
checked, through the blocking face and through imaprs.aio (the ``face`` fixture). Where the
servers differ (namespace layout, LOGINDISABLED on the plain port, how a value comes back),
each test says what each one does."""

from __future__ import annotations

from typing import Any, List

import pytest

import imaprs
from faces import Face
from imaprs import IMAP4, Raw, response_map
from imaprs._servers import LoopbackServer, User


def open_link(server: LoopbackServer, face: Face) -> IMAP4:
    """The plain port; with STARTTLS where the server refuses LOGIN without TLS (Cyrus)."""
    if server.plain_login:
        return face.IMAP4((server.host, server.port), timeout=20)
    return face.IMAP4((server.host, server.port), 20, server.client_context(), starttls=True)


def connect(server: LoopbackServer, user: User, face: Face) -> IMAP4:
    imap = open_link(server, face)
    imap.login(user.name, user.password, allow_cleartext=True)
    return imap


def as_bytes(value: Any) -> Any:
    """A value that one server sends as a literal and another as a quoted string."""
    return value.encode() if isinstance(value, str) else value


def data(cmd: imaprs.IMAP4Command, dtype: str) -> List[Any]:
    return [list(r) for r in cmd.queue if r.dtype == dtype]


def seed(imap: IMAP4, n: int = 5) -> None:
    for i in range(1, n + 1):
        imap.append(
            "INBOX", f"Subject: {'zyx'[i % 3]} {i}\r\nFrom: a@example.com\r\n\r\nbody {i}\r\n"
        )


def test_mailbox_commands(server: LoopbackServer, server_user: User, face: Face) -> None:
    f = server.folder
    with connect(server, server_user, face) as imap:
        imap.create(f("Projekte/Ärger"))
        names = [r[-1] for r in imap.list("", "*").queue]
        assert f("Projekte/&AMQ-rger") in names  # modified UTF-7 on the wire
        imap.rename(f("Projekte/Ärger"), f("Projekte/Freude"))
        imap.subscribe(f("Projekte/Freude"))
        assert [r[-1] for r in imap.lsub("", f("Projekte/*")).queue] == [f("Projekte/Freude")]
        imap.unsubscribe(f("Projekte/Freude"))
        assert imap.lsub("", f("Projekte/*")).queue == type(imap.lsub().queue)()
        if server.name == "cyrus":  # no special-use folders unless asked for
            imap("CREATE", f("Sent"), Raw("(USE (\\Sent))")).wait()
        special = imap.list("", "*", ret=["SPECIAL-USE", "STATUS (MESSAGES)"])
        listed = [
            [r[0], [a for a in r[1] if a != "\\HasNoChildren"], *r[2:]] for r in special.queue
        ]
        assert ["LIST", ["\\Sent"], server.separator, f("Sent")] in listed
        statuses = [r[1:] for r in special.queue if r.dtype == "STATUS"]  # LIST-STATUS
        assert ["INBOX", ["MESSAGES", 0]] in statuses
        status = imap.status(f("Projekte/Freude"), "MESSAGES", "UIDNEXT")
        assert status.queue[0][2] == ["MESSAGES", 0, "UIDNEXT", 1]
        imap.delete(f("Projekte/Freude"))
        with pytest.raises(imaprs.NO):
            imap.delete(f("Projekte/Freude"))
        ns = imap.namespace()
        personal = data(ns, "NAMESPACE")[0][1][0]
        assert personal == [server.personal_prefix, server.separator]
        ident = imap.id({"name": "imaprs", "version": imaprs.__version__})
        assert data(ident, "ID")[0][1][:2] == ["name", server.id_name]


def test_message_commands(server: LoopbackServer, server_user: User, face: Face) -> None:
    with connect(server, server_user, face) as imap:
        seed(imap)
        archive = server.folder("Archive")
        if archive not in [r[-1] for r in imap.list("", archive).queue]:
            imap.create(archive)
        cmd = imap.multiappend(archive, [b"Subject: a\r\n\r\na\r\n", b"Subject: b\r\n\r\nb\r\n"])
        assert cmd.result is not None and cmd.result.dtype == "APPENDUID"
        imap.select("INBOX")
        imap.check()
        assert data(imap.search(Raw("ALL")), "SEARCH") == [["SEARCH", 1, 2, 3, 4, 5]]
        assert data(imap.search("SUBJECT", "y"), "SEARCH") == [["SEARCH", 1, 4]]
        esearch = imap.search(Raw("RETURN (MIN MAX COUNT)"), Raw("ALL"), uid=True)
        result = data(esearch, "ESEARCH")[0]
        assert result[2] == "UID"  # the items in any order: Cyrus puts COUNT first
        assert response_map(result[3:]) == {"MIN": 1, "MAX": 5, "COUNT": 5}
        sort = imap.sort("SUBJECT", Raw("ALL"))
        assert data(sort, "SORT") == [["SORT", 2, 5, 1, 4, 3]]
        thread = imap.thread("REFERENCES", Raw("ALL"))
        assert len(data(thread, "THREAD")) == 1
        store = imap.store("1:2", "+FLAGS", "\\Flagged")
        assert sorted(r[0] for r in store.queue) == [1, 2]
        copy = imap.copy([3], archive, uid=True)
        assert copy.result is not None and copy.result.dtype == "COPYUID"
        move = imap.move("4", archive)
        assert move.result is not None and any(r.dtype == "EXPUNGE" for r in move.queue)
        imap.store("1", "+FLAGS", "\\Deleted")
        expunged = imap.expunge(uids=[1])
        assert [r[0] for r in expunged.queue if r.dtype == "EXPUNGE"] == [1]
        fetched = imap.fetch("1:*", "UID", "FLAGS")
        assert [response_map(r[2])["UID"] for r in fetched.queue] == [2, 3, 5]
        imap.unselect()
        assert imap.state == "auth"
        assert imap.status(archive, "MESSAGES").queue[0][2] == ["MESSAGES", 4]


def test_condstore_and_qresync(server: LoopbackServer, server_user: User, face: Face) -> None:
    with connect(server, server_user, face) as imap:
        seed(imap, 3)
        imap.enable("QRESYNC")
        sel = imap.select("INBOX")
        modseq = next(r for r in sel.queue if r.dtype == "HIGHESTMODSEQ")[1]
        imap.store("2", "+FLAGS", "\\Seen")
        changed = imap.fetch("1:*", "UID", "FLAGS", changedsince=modseq)
        assert [r[0] for r in changed.queue] == [2]
        imap.store("3", "+FLAGS", "\\Deleted")
        expunged = imap.expunge()
        assert [list(r) for r in expunged.queue] == [["VANISHED", 3]]  # QRESYNC is on
        # Not 1:*, whose * is the highest UID still there (2) for Cyrus.
        vanished = imap.fetch("1:10", "UID", uid=True, changedsince=modseq, vanished=True)
        assert [list(r) for r in vanished.queue if r.dtype == "VANISHED"] == [
            ["VANISHED", ["EARLIER"], 3]
        ]
        stale = imap.store("1", "+FLAGS", "\\Answered", unchangedsince=1)
        assert stale.result is not None and stale.result.dtype == "MODIFIED"
        assert list(stale.result.data) == ["MODIFIED", 1]


def test_quota_acl_metadata(server: LoopbackServer, server_user: User, face: Face) -> None:
    with connect(server, server_user, face) as imap:
        root = imap.getquotaroot("INBOX")
        assert data(root, "QUOTAROOT")[0][1] == "INBOX"
        quota = data(root, "QUOTA")[0]
        assert quota[2][0] in ("STORAGE", "MESSAGE")
        if server.name == "cyrus":  # GETQUOTA is for administrators there
            with pytest.raises(imaprs.NO, match="Permission denied"):
                imap.getquota(quota[1])
        else:
            assert data(imap.getquota(quota[1]), "QUOTA")[0][1] == quota[1]
        with pytest.raises(imaprs.NO):
            imap.setquota(quota[1], ("STORAGE", 100))  # users may not raise their quota
        shared = server.folder("Shared")
        imap.create(shared)
        imap.setacl(shared, "bob", "lr")
        acl = data(imap.getacl(shared), "ACL")[0]
        assert "bob" in acl and "lr" in acl
        assert data(imap.listrights(shared, "bob"), "LISTRIGHTS")[0][1:3] == [shared, "bob"]
        assert data(imap.myrights(shared), "MYRIGHTS")[0][1] == shared
        imap.deleteacl(shared, "bob")
        assert "bob" not in data(imap.getacl(shared), "ACL")[0]
        imap.setmetadata(shared, "/private/comment", "hello")
        got = data(imap.getmetadata(shared, "/private/comment"), "METADATA")
        # Dovecot answers with a literal, Cyrus with a quoted string.
        assert [[m, n, [k, as_bytes(v)]] for m, n, [k, v] in got] == [
            ["METADATA", shared, ["/private/comment", b"hello"]]
        ]
        imap.setmetadata(shared, "/private/comment", None)
        got = data(imap.getmetadata(shared, "/private/comment"), "METADATA")
        assert got == [["METADATA", shared, ["/private/comment", None]]] or got == []


def test_enable_utf8_and_capability_checks(
    server: LoopbackServer, server_user: User, face: Face
) -> None:
    imap = open_link(server, face)
    with pytest.raises(imaprs.IMAP4Error, match="not allowed in state !auth"):
        imap.select("INBOX")
    imap.login(server_user.name, server_user.password, allow_cleartext=True)
    enabled = imap.enable("CONDSTORE", "UTF8=ACCEPT")  # neither Dovecot 2.3 nor Cyrus 3.6 has it
    assert data(enabled, "ENABLED") == [["ENABLED", "CONDSTORE"]] and not imap.utf8_enabled
    imap.select("INBOX")
    with pytest.raises(imaprs.IMAP4Error, match="THREAD=NOPE"):
        imap.thread("NOPE")
    with pytest.raises(imaprs.IMAP4Error, match="not allowed in state selected"):
        imap.enable("QRESYNC")
    imap.close()
    imap.logout()
    with pytest.raises(imaprs.IMAP4Error, match="closed"):
        imap.noop()


BUILT_IN = ("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256")


def test_sasl_mechanisms_compress_and_idle(
    server: LoopbackServer, server_user: User, face: Face
) -> None:
    for mech in (m for m in BUILT_IN if m in server.mechanisms):
        with face.IMAP4((server.host, server.ssl_port), 20, server.client_context()) as imap:
            imap.authenticate(mech, username=server_user.name, secret=server_user.password)
            assert imap.state == "auth", mech
    with connect(server, server_user, face) as imap, connect(server, server_user, face) as other:
        imap.compress()
        assert imap.compressed
        imap.select("INBOX")
        if face.name == "blocking":
            with imap.idle(timeout=10) as idle:
                other.append("INBOX", "Subject: while idling\r\n\r\nhello\r\n")
                news = next(r for r in idle if r.dtype == "EXISTS")
        else:  # IDLE comes to imaprs.aio separately
            other.append("INBOX", "Subject: while idling\r\n\r\nhello\r\n")
            news = next(r for r in imap.noop() if r.dtype == "EXISTS")
        assert news[0] == 1
        fetched = imap.fetch("1", "BODY.PEEK[]")  # a literal through the compressed link
        assert response_map(fetched.queue[0][2])["BODY[]"].endswith(b"hello\r\n")
