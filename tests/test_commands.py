"""Every IMAP4 command method against a real Dovecot, with the results checked."""

from __future__ import annotations

from typing import Any, List

import pytest

import imaprs
from imaprs import IMAP4, Raw, response_map
from servers import Dovecot, User


def connect(dovecot: Dovecot, user: User) -> IMAP4:
    imap = IMAP4((dovecot.host, dovecot.port), timeout=20)
    imap.login(user.name, user.password, allow_cleartext=True)
    return imap


def data(cmd: imaprs.IMAP4Command, dtype: str) -> List[Any]:
    return [list(r) for r in cmd.queue if r.dtype == dtype]


def seed(imap: IMAP4, n: int = 5) -> None:
    for i in range(1, n + 1):
        imap.append(
            "INBOX", f"Subject: {'zyx'[i % 3]} {i}\r\nFrom: a@example.com\r\n\r\nbody {i}\r\n"
        )


def test_mailbox_commands(dovecot: Dovecot, dovecot_user: User) -> None:
    with connect(dovecot, dovecot_user) as imap:
        imap.create("Projekte/Ärger")
        names = [r[-1] for r in imap.list("", "*").queue]
        assert "Projekte/&AMQ-rger" in names  # modified UTF-7 on the wire
        imap.rename("Projekte/Ärger", "Projekte/Freude")
        imap.subscribe("Projekte/Freude")
        assert [r[-1] for r in imap.lsub("", "Projekte/*").queue] == ["Projekte/Freude"]
        imap.unsubscribe("Projekte/Freude")
        assert imap.lsub("", "Projekte/*").queue == type(imap.lsub().queue)()
        special = imap.list("", "*", ret=["SPECIAL-USE", "STATUS (MESSAGES)"])
        assert ["LIST", ["\\Sent"], "/", "Sent"] in [list(r) for r in special.queue]
        statuses = [r[1:] for r in special.queue if r.dtype == "STATUS"]  # LIST-STATUS
        assert ["INBOX", ["MESSAGES", 0]] in statuses
        status = imap.status("Projekte/Freude", "MESSAGES", "UIDNEXT")
        assert status.queue[0][2] == ["MESSAGES", 0, "UIDNEXT", 1]
        imap.delete("Projekte/Freude")
        with pytest.raises(imaprs.NO):
            imap.delete("Projekte/Freude")
        ns = imap.namespace()
        assert data(ns, "NAMESPACE")[0][1][0][0] == ""
        ident = imap.id({"name": "imaprs", "version": imaprs.__version__})
        assert data(ident, "ID")[0][1][:2] == ["name", "Dovecot"]


def test_message_commands(dovecot: Dovecot, dovecot_user: User) -> None:
    with connect(dovecot, dovecot_user) as imap:
        seed(imap)
        imap.create("Archive")
        cmd = imap.multiappend("Archive", [b"Subject: a\r\n\r\na\r\n", b"Subject: b\r\n\r\nb\r\n"])
        assert cmd.result is not None and cmd.result.dtype == "APPENDUID"
        imap.select("INBOX")
        imap.check()
        assert data(imap.search(Raw("ALL")), "SEARCH") == [["SEARCH", 1, 2, 3, 4, 5]]
        assert data(imap.search("SUBJECT", "y"), "SEARCH") == [["SEARCH", 1, 4]]
        esearch = imap.search(Raw("RETURN (MIN MAX COUNT)"), Raw("ALL"), uid=True)
        assert data(esearch, "ESEARCH")[0][2:] == ["UID", "MIN", 1, "MAX", 5, "COUNT", 5]
        sort = imap.sort("SUBJECT", Raw("ALL"))
        assert data(sort, "SORT") == [["SORT", 2, 5, 1, 4, 3]]
        thread = imap.thread("REFERENCES", Raw("ALL"))
        assert len(data(thread, "THREAD")) == 1
        store = imap.store("1:2", "+FLAGS", "\\Flagged")
        assert sorted(r[0] for r in store.queue) == [1, 2]
        copy = imap.copy([3], "Archive", uid=True)
        assert copy.result is not None and copy.result.dtype == "COPYUID"
        move = imap.move("4", "Archive")
        assert move.result is not None and any(r.dtype == "EXPUNGE" for r in move.queue)
        imap.store("1", "+FLAGS", "\\Deleted")
        expunged = imap.expunge(uids=[1])
        assert [r[0] for r in expunged.queue if r.dtype == "EXPUNGE"] == [1]
        fetched = imap.fetch("1:*", "UID", "FLAGS")
        assert [response_map(r[2])["UID"] for r in fetched.queue] == [2, 3, 5]
        imap.unselect()
        assert imap.state == "auth"
        assert imap.status("Archive", "MESSAGES").queue[0][2] == ["MESSAGES", 4]


def test_condstore_and_qresync(dovecot: Dovecot, dovecot_user: User) -> None:
    with connect(dovecot, dovecot_user) as imap:
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
        vanished = imap.fetch("1:*", "UID", uid=True, changedsince=modseq, vanished=True)
        assert [list(r) for r in vanished.queue if r.dtype == "VANISHED"] == [
            ["VANISHED", ["EARLIER"], 3]
        ]
        stale = imap.store("1", "+FLAGS", "\\Answered", unchangedsince=1)
        assert stale.result is not None and stale.result.dtype == "MODIFIED"
        assert list(stale.result.data) == ["MODIFIED", 1]


def test_quota_acl_metadata(dovecot: Dovecot, dovecot_user: User) -> None:
    with connect(dovecot, dovecot_user) as imap:
        root = imap.getquotaroot("INBOX")
        assert data(root, "QUOTAROOT")[0][1] == "INBOX"
        quota = data(root, "QUOTA")[0]
        assert quota[2][0] in ("STORAGE", "MESSAGE")
        assert data(imap.getquota(quota[1]), "QUOTA")[0][1] == quota[1]
        with pytest.raises(imaprs.NO):
            imap.setquota(quota[1], ("STORAGE", 100))  # users may not raise their quota
        imap.create("Shared")
        imap.setacl("Shared", "bob", "lr")
        acl = data(imap.getacl("Shared"), "ACL")[0]
        assert "bob" in acl and "lr" in acl
        assert data(imap.listrights("Shared", "bob"), "LISTRIGHTS")[0][1:3] == ["Shared", "bob"]
        assert data(imap.myrights("Shared"), "MYRIGHTS")[0][1] == "Shared"
        imap.deleteacl("Shared", "bob")
        assert "bob" not in data(imap.getacl("Shared"), "ACL")[0]
        imap.setmetadata("Shared", "/private/comment", "hello")
        got = data(imap.getmetadata("Shared", "/private/comment"), "METADATA")
        assert got == [["METADATA", "Shared", ["/private/comment", b"hello"]]]
        imap.setmetadata("Shared", "/private/comment", None)
        got = data(imap.getmetadata("Shared", "/private/comment"), "METADATA")
        assert got == [["METADATA", "Shared", ["/private/comment", None]]] or got == []


def test_enable_utf8_and_capability_checks(dovecot: Dovecot, dovecot_user: User) -> None:
    imap = IMAP4((dovecot.host, dovecot.port), timeout=20)
    with pytest.raises(imaprs.IMAP4Error, match="not allowed in state !auth"):
        imap.select("INBOX")
    imap.login(dovecot_user.name, dovecot_user.password, allow_cleartext=True)
    enabled = imap.enable("CONDSTORE", "UTF8=ACCEPT")  # Dovecot 2.3 has no UTF8=ACCEPT
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
