"""International mailbox names round-trip through the native API.

The rule (``imaprs._mailbox``): names the API gives back are text, decoded from modified
UTF-7 (UTF-8 after ENABLE UTF8=ACCEPT), and any of them passed back to a command reaches the
same mailbox; a name that is not valid in the wire encoding is a ``MailboxName`` whose bytes
go back unchanged. The raw LIST response keeps the wire form.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

import pytest

from imaprs import IMAP4, NO, MailboxName, Raw, iutf7_decode
from imaprs._servers import Dovecot, User
from imaprs.testing import ScriptedServer

NAMES = ["Entwürfe", "Ärger/Überweisung", "日本語", "Tom & Jerry", "📧 Post", "Caf&eacute"]


def connect(dovecot: Dovecot, user: User) -> IMAP4:
    imap = IMAP4((dovecot.host, dovecot.port), timeout=30)
    imap.login(user.name, user.password, allow_cleartext=True)
    return imap


def test_names_from_list_reach_their_mailbox(dovecot: Dovecot, dovecot_user: User) -> None:
    with connect(dovecot, dovecot_user) as imap:
        for name in NAMES:
            imap.create(name)
        infos = {i.name: i for i in imap.list().data}
        assert set(NAMES) <= set(infos)
        raw = {rsp[-1] for rsp in imap.list().queue}
        for name in NAMES:
            assert infos[name].raw in raw  # the raw response keeps the wire form
            assert iutf7_decode(infos[name].raw) == name
        assert infos["Entwürfe"].raw == "Entw&APw-rfe"
        assert infos["Tom & Jerry"].raw == "Tom &- Jerry"

        target = infos["日本語"].name
        for name in NAMES:
            if name == target:
                continue
            listed = infos[name].name  # every call below uses the name LIST gave
            assert [i.name for i in imap.list("", listed).data] == [listed]
            imap.append(listed, b"Subject: hello\r\n\r\nhello\r\n")
            assert imap.status(listed, "MESSAGES").data == {"MESSAGES": 1}
            state = imap.select(listed).data
            assert state.exists == 1 and state.name == listed
            assert imap.selected is not None and imap.selected.name == listed
            imap.copy("1", target)
            imap.move("1", target)
            assert imap.selected.exists == 0
            imap.close()
            imap.subscribe(listed)
            assert listed in [i.name for i in imap.lsub().data]
            imap.unsubscribe(listed)
            renamed = listed + " (alt)"
            imap.rename(listed, renamed)
            names = {i.name for i in imap.list().data}
            assert renamed in names and listed not in names
            imap.delete(renamed)
        assert imap.status(target, "MESSAGES").data == {"MESSAGES": 2 * (len(NAMES) - 1)}


def test_dovecot_refuses_invalid_names(dovecot: Dovecot, dovecot_user: User) -> None:
    """Dovecot never sends a name that is not modified UTF-7: CREATE of one sent raw is
    refused (the scripted server below plays a laxer server)."""
    with connect(dovecot, dovecot_user) as imap:
        cmd = imap("CREATE", Raw('"Foo&bar"'))
        with pytest.raises(NO):
            cmd.wait()
        imap.create("Foo&bar")  # the text name: sent as Foo&-bar
        assert [(i.name, i.raw) for i in imap.list("", "Foo*").data] == [("Foo&bar", "Foo&-bar")]


# -- what a lax server sends: the scripted server ---------------------------------------

#: Wire forms no text encodes to: not modified UTF-7, or 8-bit.
INVALID = [b"Foo&bar", b"&Jjo", b"Bad&AGEAYgBj-", "Café".encode(), b"\xff\xfeX"]


def quoted_or_literal(name: bytes) -> str:
    if all(0x20 <= b < 0x7F for b in name):
        return '"' + name.decode() + '"'
    return "{%d+}" % len(name)


def test_invalid_names_round_trip_byte_for_byte() -> None:
    received: List[Tuple[str, str, List[bytes]]] = []
    commands = ["SELECT", "STATUS", "APPEND", "COPY", "MOVE", "SUBSCRIBE", "LIST", "RENAME"]
    commands += ["DELETE", "CREATE"]

    def script(srv: ScriptedServer) -> None:
        srv.greeting()
        srv.capabilities(srv.expect("CAPABILITY").tag, "IMAP4rev1", "LITERAL+", "MOVE")
        cmd = srv.expect("LIST")
        for wire in INVALID:
            literal = all(0x20 <= b < 0x7F for b in wire)
            head = b'* LIST () "/" '
            body = b'"' + wire + b'"' if literal else b"{%d}\r\n" % len(wire) + wire
            srv.send(head + body + b"\r\n")
        srv.ok(cmd.tag)
        for _ in INVALID:
            for _name in commands:
                cmd = srv.next_command()
                received.append((cmd.name, cmd.args, cmd.literals))
                if cmd.name == "SELECT":
                    srv.send("* 1 EXISTS")
                srv.ok(cmd.tag)
        srv.expect_logout()

    with ScriptedServer(script=script) as srv:
        imap = IMAP4(srv.address, timeout=10)
        imap.state = "auth"
        names = [i.name for i in imap.list().data]
        assert all(isinstance(n, MailboxName) for n in names)
        assert [n.raw for n in names] == INVALID
        assert names[3] == "Café"  # readable text, and the bytes it came as
        for name in names:
            imap.select(name)
            imap.status(name, "MESSAGES")
            imap.append(name, b"x")
            imap.copy("1", name)
            imap.move("1", name)
            imap.subscribe(name)
            imap.list("", name)
            imap.rename(name, name)
            imap.delete(name)
            imap.create(name)
        imap.logout()

    by_name: Dict[bytes, List[Tuple[str, str, List[bytes]]]] = {}
    for i, wire in enumerate(INVALID):
        by_name[wire] = received[i * len(commands) : (i + 1) * len(commands)]
    for wire, sent in by_name.items():
        form = quoted_or_literal(wire)
        for name, args, literals in sent:
            assert form in args, (name, args)
            if not form.startswith('"'):
                assert wire in literals, (name, literals)


def test_utf8_accept_names() -> None:
    """After ENABLE UTF8=ACCEPT, names are UTF-8 both ways: an '&' is just an '&'."""
    received: List[str] = []

    def script(srv: ScriptedServer) -> None:
        srv.greeting()
        srv.capabilities(srv.expect("CAPABILITY").tag, "IMAP4rev1", "ENABLE", "UTF8=ACCEPT")
        cmd = srv.expect("LIST")
        srv.send('* LIST () "/" "Entw&APw-rfe"')
        srv.ok(cmd.tag)
        cmd = srv.expect("ENABLE")
        srv.send("* ENABLED UTF8=ACCEPT")
        srv.ok(cmd.tag)
        cmd = srv.expect("LIST")
        srv.send('* LIST () "/" "Entwürfe & Co"\r\n'.encode(), b'* LIST () "/" "\xff"\r\n')
        srv.ok(cmd.tag)
        for _ in range(3):
            cmd = srv.next_command()
            received.append(cmd.args)
            srv.ok(cmd.tag)
        srv.expect_logout()

    with ScriptedServer(script=script) as srv:
        imap = IMAP4(srv.address, timeout=10)
        imap.state = "auth"
        before = imap.list()
        imap.enable("UTF8=ACCEPT")
        # Read after ENABLE, the names of a LIST sent before it are still modified UTF-7.
        assert [i.name for i in before.data] == ["Entwürfe"]
        first, second = imap.list().data
        assert first.name == "Entwürfe & Co" and not isinstance(first.name, MailboxName)
        assert isinstance(second.name, MailboxName) and second.name.raw == b"\xff"
        imap.status(first.name, "MESSAGES")
        imap.create("Tom & Jerry")
        imap.delete(second.name)
        imap.logout()
    assert received[0] == '"Entwürfe & Co" (MESSAGES)'
    assert received[1] == '"Tom & Jerry"'
    assert received[2].startswith("{1")
