"""IMAP4Command.data and items(), MailboxInfo, SelectedMailbox and IMAP4.selected.

Against Dovecot: every kind of ``.data`` with real results, ``items()`` on ``wait=False``
streams, NO raising from both, and ``selected`` kept current by a second connection's
changes. A scripted server covers what Dovecot never sends (split FETCH responses, VANISHED
without QRESYNC traffic, a [CAPABILITY] code in place of data).
"""

from __future__ import annotations

import copy
import pickle
from typing import Any, List

import pytest

from imaprs import (
    BAD,
    IMAP4,
    NO,
    IMAP4Response,
    IMAP4SeqSet,
    MailboxInfo,
    MailboxName,
    Namespaces,
    Q,
    Raw,
    SelectedMailbox,
    _imaprs,
)
from imaprs._results import _Fetch, join_split
from imaprs._servers import Dovecot, User
from imaprs.testing import ScriptedServer


def connect(dovecot: Dovecot, user: User) -> IMAP4:
    imap = IMAP4((dovecot.host, dovecot.port), timeout=30)
    imap.login(user.name, user.password, allow_cleartext=True)
    return imap


def message(i: int) -> bytes:
    return f"From: a@example.com\r\nSubject: m{i} {'zyx'[i % 3]}\r\n\r\nbody {i}\r\n".encode()


def test_mailbox_results(dovecot: Dovecot, dovecot_user: User) -> None:
    with connect(dovecot, dovecot_user) as imap:
        caps = imap.capability().data
        assert isinstance(caps, frozenset) and caps == frozenset(imap.caps)
        assert "IMAP4REV1" in caps

        imap.create("Projekte/Büro")
        infos = imap.list().data
        assert all(isinstance(i, MailboxInfo) for i in infos)
        by_name = {i.name: i for i in infos}
        assert by_name["Projekte/Büro"].raw == "Projekte/B&APw-ro"
        assert by_name["Projekte/Büro"].delimiter == "/"
        assert "\\HasNoChildren" in by_name["Projekte/Büro"].flags
        assert by_name["Sent"].special_use == "\\Sent"
        assert by_name["INBOX"].special_use is None
        assert by_name["INBOX"].status == {}
        assert list(imap.list(wait=False).items()) == infos

        imap.append("Projekte/Büro", message(1))
        listed = imap.list("", "*", ret=["SPECIAL-USE", "STATUS (MESSAGES UIDNEXT)"]).data
        status = {i.name: i.status for i in listed}
        assert status["Projekte/Büro"] == {"MESSAGES": 1, "UIDNEXT": 2}
        assert status["INBOX"] == {"MESSAGES": 0, "UIDNEXT": 1}
        assert {i.name for i in listed if i.special_use} >= {"Sent", "Trash", "Drafts"}

        got = imap.status("Projekte/Büro", "MESSAGES", "UNSEEN", "UIDVALIDITY").data
        assert got["MESSAGES"] == 1 and got["UNSEEN"] == 1 and got["UIDVALIDITY"] > 0
        assert dict(imap.status("INBOX", "MESSAGES", wait=False).items()) == {"MESSAGES": 0}

        imap.subscribe("Projekte/Büro")
        assert [i.name for i in imap.lsub("", "Projekte/*").data] == ["Projekte/Büro"]

        ns = imap.namespace().data
        assert isinstance(ns, Namespaces)
        assert ns.personal == (("", "/"),)

        assert imap.id({"name": "imaprs"}).data["name"] == "Dovecot"
        assert imap.enable("CONDSTORE").data == frozenset({"CONDSTORE"})

        roots = imap.getquotaroot("INBOX").data
        (root, resources), *_ = roots.items()
        assert resources["STORAGE"][0] >= 0 and resources["STORAGE"][1] > 0
        assert imap.getquota(root).data == resources

        assert imap.myrights("INBOX").data.startswith("l")
        acl = imap.getacl("INBOX").data
        assert acl[dovecot_user.name] == imap.myrights("INBOX").data
        required, optional = imap.listrights("INBOX", "anyone").data
        assert isinstance(required, str) and isinstance(optional, tuple) and optional

        imap.setmetadata("INBOX", "/private/comment", "über alles")
        meta = imap.getmetadata("INBOX", "/private/comment").data
        assert meta == {"/private/comment": "über alles"}

        with pytest.raises(NO):
            _ = imap.status("Nicht/Da").data
        cmd = imap.status("Nicht/Da", wait=False)
        with pytest.raises(NO):
            list(cmd.items())


def test_message_results(dovecot: Dovecot, dovecot_user: User) -> None:
    with connect(dovecot, dovecot_user) as imap:
        appended = [imap.append("INBOX", message(i)).data for i in range(1, 7)]
        validity = appended[0][0]
        assert [a[2] for a in appended] == [IMAP4SeqSet([u]) for u in range(1, 7)]
        assert all(a[0] == validity and a[1] == IMAP4SeqSet() for a in appended)
        imap.create("Archive2")

        cmd = imap.select("INBOX")
        state = cmd.data
        assert isinstance(state, SelectedMailbox)
        assert (state.name, state.exists, state.recent) == ("INBOX", 6, 6)
        assert (state.uidvalidity, state.uidnext, state.readonly) == (validity, 7, False)
        assert "\\Seen" in state.flags and "\\*" in state.permanentflags
        assert imap.selected == state

        assert imap.search(Q(all=True)).data == [1, 2, 3, 4, 5, 6]
        assert imap.search(Q(subject="z"), uid=True).data == [3, 6]
        found = imap.search(Raw("RETURN (ALL COUNT)"), Q(subject="y")).data
        assert (found.all, found.count) == ([1, 4], 2)
        assert imap.sort("SUBJECT", Q(all=True)).data == [1, 2, 3, 4, 5, 6]
        assert imap.sort("REVERSE SUBJECT", Q(all=True)).data == [6, 5, 4, 3, 2, 1]
        threads = imap.thread("REFERENCES", Q(all=True)).data
        assert threads == [(1,), (2,), (3,), (4,), (5,), (6,)]

        copied = imap.copy("1:2", "Archive2").data
        assert copied[1] == IMAP4SeqSet([1, 2]) and len(copied[2]) == 2
        moved = imap.move("3", "Archive2", uid=True).data
        assert moved[1] == IMAP4SeqSet([3]) and len(moved[2]) == 1
        imap.store("1", "+FLAGS", "\\Deleted")
        assert imap.expunge().data == [1]
        assert imap.selected is not None and imap.selected.exists == 4

        # FETCH: keyed by message number, or by UID for UID FETCH.
        fetch = imap.fetch("1:*", "UID", "FLAGS")
        uids = {rsp[0]: dict(zip(rsp[2][::2], rsp[2][1::2]))["UID"] for rsp in fetch.queue}
        gather = _Fetch(fetch)
        assert [k for rsp in fetch.queue for k, _ in gather.feed(rsp)] == sorted(uids)
        by_uid = imap.fetch("1:*", "FLAGS", uid=True)
        gather = _Fetch(by_uid)
        keys = [k for rsp in by_uid.queue for k, _ in gather.feed(rsp)]
        assert keys == sorted(uids.values()) and keys != sorted(uids)
        if hasattr(_imaprs, "fetch_item"):  # FetchItem is built by the native core
            assert sorted(by_uid.data) == keys

        examined = imap.examine("Archive2").data
        assert examined.readonly and examined.exists == 3 and examined.name == "Archive2"


def test_selected_follows_another_connection(dovecot: Dovecot, dovecot_user: User) -> None:
    with connect(dovecot, dovecot_user) as a, connect(dovecot, dovecot_user) as b:
        assert a.selected is None
        for i in range(3):
            a.append("INBOX", message(i))
        a.select("INBOX")
        at_select = a.select("INBOX").data
        assert a.selected is not None and a.selected.exists == 3

        b.append("INBOX", message(9))
        b.append("INBOX", message(10))
        a.noop()  # EXISTS arrives unclaimed
        assert a.selected.exists == 5
        assert at_select.exists == 3  # .data is the state at selection

        b.select("INBOX")
        b.store("1:2", "+FLAGS", "\\Deleted")
        b.expunge()
        a.noop()  # two EXPUNGE responses
        assert a.selected.exists == 3

        b.store("1", "+FLAGS", "$Fresh")  # a new keyword: FLAGS and PERMANENTFLAGS change
        a.noop()
        assert "$Fresh" in a.selected.flags

        b.append("INBOX", message(11))
        for _ in a.fetch("1:*", "FLAGS", wait=False):  # EXISTS arrives while FETCH runs
            pass
        a.noop()
        assert a.selected.exists == 4
        assert a.selected.uidnext is not None

        a.store("1", "+FLAGS", "\\Deleted")
        a.expunge()  # claimed by the EXPUNGE command
        assert a.selected.exists == 3

        a.close()
        assert a.selected is None and a.state == "auth"
        a.select("INBOX")
        with pytest.raises(NO):
            a.select("Nicht/Da")
        assert a.selected is None and a.state == "auth"
        a.examine("INBOX")
        assert a.selected is not None and a.selected.readonly
        a.unselect()
        assert a.selected is None


def test_selected_with_qresync(dovecot: Dovecot, dovecot_user: User) -> None:
    with connect(dovecot, dovecot_user) as a, connect(dovecot, dovecot_user) as b:
        for i in range(4):
            a.append("INBOX", message(i))
        a.enable("QRESYNC")
        state = a.select("INBOX").data
        assert state.highestmodseq is not None
        b.select("INBOX")
        b.store("2:3", "+FLAGS", "\\Deleted")
        b.expunge()
        a.noop()  # VANISHED 2:3
        assert a.selected is not None and a.selected.exists == 2


def test_value_types() -> None:
    info = MailboxInfo("Entwürfe", ["\\Drafts", "\\HasNoChildren"], "/", "Entw&APw-rfe")
    assert info.special_use == "\\Drafts"
    assert pickle.loads(pickle.dumps(info)) == info
    assert hash(pickle.loads(pickle.dumps(info))) == hash(info)
    assert info != MailboxInfo("Entwürfe", ["\\Drafts"], "/", "Entw&APw-rfe")
    assert repr(info) == (
        "MailboxInfo(name='Entwürfe', flags=['\\\\Drafts', '\\\\HasNoChildren'], delimiter='/')"
    )
    with_status = info._with_status([("MESSAGES", 3)])
    assert with_status.status == {"MESSAGES": 3} and with_status != info
    assert "status={'MESSAGES': 3}" in repr(with_status)

    odd = MailboxInfo(MailboxName("Foo&bar"), (), None, "Foo&bar")
    again = pickle.loads(pickle.dumps(odd))
    assert again == odd and isinstance(again.name, MailboxName) and again.name.raw == b"Foo&bar"

    state = SelectedMailbox("INBOX", exists=3, uidvalidity=7, flags=["\\Seen"])
    assert pickle.loads(pickle.dumps(state)) == state
    snap = copy.copy(state)
    state._apply(IMAP4Response(b"* 4 EXISTS\r\n"))
    assert (state.exists, snap.exists) == (4, 3)
    assert state != snap
    with pytest.raises(TypeError):
        hash(state)
    assert "exists=4" in repr(state) and "uidvalidity=7" in repr(state)


def test_what_dovecot_never_sends() -> None:
    """Split FETCH responses are joined; a [CAPABILITY] code stands for CAPABILITY data;
    VANISHED (EARLIER) leaves the count alone."""
    seen: List[Any] = []

    def script(srv: ScriptedServer) -> None:
        srv.greeting()
        srv.capabilities(srv.expect("CAPABILITY").tag, "IMAP4rev1")
        cmd = srv.expect("CAPABILITY")
        srv.ok(cmd.tag, code="CAPABILITY IMAP4rev1 UIDPLUS")
        cmd = srv.expect("SELECT")
        srv.send("* 5 EXISTS", "* FLAGS (\\Seen)", "* OK [UIDVALIDITY 3] x")
        srv.send("* VANISHED (EARLIER) 1:2")
        srv.ok(cmd.tag, code="READ-ONLY")
        cmd = srv.expect("UID FETCH")
        srv.send(
            b"* 2 FETCH (UID 8 BODY[1] {3}\r\nabc)\r\n", b"* 2 FETCH (UID 8 BODY[2] {2}\r\nde)\r\n"
        )
        srv.send("* 3 FETCH (UID 9 FLAGS ())")
        srv.ok(cmd.tag)
        seen.append(srv.expect("NOOP"))
        srv.send("* VANISHED 4")
        srv.ok(seen[-1].tag)
        srv.expect_logout()

    with ScriptedServer(script=script) as srv:
        imap = IMAP4(srv.address, timeout=10)
        assert imap.capability().data == frozenset({"IMAP4REV1", "UIDPLUS"})
        imap.state = "auth"
        state = imap.select("INBOX", readonly=None).data
        assert (state.exists, state.readonly, state.uidvalidity) == (5, True, 3)
        cmd = imap.fetch("8:9", "BODY[1]", "BODY[2]", uid=True)
        joined = join_split(_Fetch(cmd).feed(cmd.queue[0]) + _Fetch(cmd).feed(cmd.queue[1]))
        assert list(joined) == [8]
        assert joined[8][2] == ["UID", 8, "BODY[1]", b"abc", "UID", 8, "BODY[2]", b"de"]
        data = cmd.data  # one message in two responses: joined, keyed by UID
        assert sorted(data) == [8, 9] and data[9].flags == ()
        assert (data[8]["BODY[1]"], data[8]["BODY[2]"]) == (b"abc", b"de")
        imap.noop()
        assert imap.selected is not None and imap.selected.exists == 4
        imap.logout()


def test_selected_across_reselection() -> None:
    """QRESYNC's [CLOSED] separates the old mailbox's news from the new one's; a SELECT
    answered BAD leaves the selection as it was."""

    def script(srv: ScriptedServer) -> None:
        srv.greeting()
        srv.capabilities(srv.expect("CAPABILITY").tag, "IMAP4rev1", "QRESYNC")
        cmd = srv.expect("SELECT")
        srv.send("* 7 EXISTS", "* OK [UIDNEXT 8] x")
        srv.ok(cmd.tag)
        cmd = srv.expect("SELECT")
        srv.send("* 8 EXISTS", "* OK [CLOSED] done with A", "* 2 EXISTS")
        srv.ok(cmd.tag)
        cmd = srv.expect("SELECT")
        srv.bad(cmd.tag)
        srv.expect_logout()

    with ScriptedServer(script=script) as srv:
        imap = IMAP4(srv.address, timeout=10)
        imap.state = "auth"
        imap.select("A")
        assert imap.selected is not None and (imap.selected.exists, imap.selected.uidnext) == (7, 8)
        imap.select("B")
        assert (imap.selected.name, imap.selected.exists, imap.selected.uidnext) == ("B", 2, None)
        with pytest.raises(BAD):
            imap.select("C (")
        assert imap.selected is not None and imap.selected.name == "B"
        imap.logout()
