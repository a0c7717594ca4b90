"""imaprs.imaplib's module-level names next to the running standard library's: the same
values, the same results from the helper functions, the same signatures for every method."""

from __future__ import annotations

import datetime
import imaplib as std_imaplib
import inspect
import sys
import time
import warnings
from typing import Any, Callable

import pytest

import imaprs.imaplib as rs_imaplib

MODULES = (std_imaplib, rs_imaplib)

UTC = datetime.timezone.utc


def same(fn: Callable[[Any], Any], *args: Any) -> Any:
    """``fn`` of each module on ``args``: the same value, or the same exception."""
    outcomes = []
    for mod in (std_imaplib, rs_imaplib):
        try:
            outcomes.append(("returned", fn(mod)(*args)))
        except Exception as exc:
            outcomes.append(("raised", type(exc), str(exc)))
    assert outcomes[1] == outcomes[0], args
    return outcomes[0]


DATES = [
    0,
    1709649000,
    1709649000.75,
    2**31 + 5,
    time.localtime(1709649000),
    time.gmtime(1709649000),
    (2024, 3, 5, 14, 30, 0, 0, 0, -1),
    (2024, 7, 5, 14, 30, 0, 0, 0, 1),
    (2024, 1, 5, 14, 30, 0, 0, 0, 0),
    datetime.datetime(2024, 3, 5, 14, 30, tzinfo=UTC),
    datetime.datetime(
        2024,
        3,
        5,
        14,
        30,
        59,
        999,
        tzinfo=datetime.timezone(datetime.timedelta(hours=-3, minutes=-30)),
    ),
    datetime.datetime(
        1999, 12, 31, 23, 59, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=45))
    ),
    datetime.datetime(2024, 3, 5, 14, 30),  # naive: refused
    '"05-Mar-2024 14:30:00 +0000"',
    "05-Mar-2024 14:30:00 +0000",
    None,
    [2024, 3, 5],
    b'"05-Mar-2024 14:30:00 +0000"',
]


@pytest.mark.parametrize("value", DATES, ids=repr)
def test_time2internaldate(value: Any) -> None:
    same(lambda mod: mod.Time2Internaldate, value)


INTERNALDATES = [
    b'1 (INTERNALDATE "05-Mar-2024 14:30:00 +0000")',
    b'12 (FLAGS (\\Seen) INTERNALDATE " 5-Mar-2024 14:30:00 -0730" RFC822.SIZE 44)',
    b'3 (INTERNALDATE "31-Dec-1999 23:59:59 +1400")',
    b'3 (INTERNALDATE "31-Dec-1999 23:59:59")',
    b"3 (FLAGS ())",
    b"",
]


@pytest.mark.parametrize("value", INTERNALDATES, ids=repr)
def test_internaldate2tuple(value: bytes) -> None:
    same(lambda mod: mod.Internaldate2tuple, value)


@pytest.mark.parametrize(
    "value",
    [
        b"1 (FLAGS (\\Seen \\Answered $Label))",
        b"1 (UID 4 FLAGS ())",
        b"1 (UID 4)",
        b"* FLAGS (\\Seen",
        b"",
    ],
    ids=repr,
)
def test_parseflags(value: bytes) -> None:
    same(lambda mod: mod.ParseFlags, value)


@pytest.mark.parametrize("value", [0, 1, 15, 16, 4096, 65535, -300, 2**40])
def test_int2ap(value: int) -> None:
    same(lambda mod: mod.Int2AP, value)


def test_module_constants() -> None:
    for name in (
        "CRLF",
        "Debug",
        "IMAP4_PORT",
        "IMAP4_SSL_PORT",
        "AllowedVersions",
        "_MAXLINE",
        "Mon2num",
        "__version__",
        "HAVE_SSL",
    ):
        assert getattr(rs_imaplib, name) == getattr(std_imaplib, name), name
    for name, states in std_imaplib.Commands.items():
        assert rs_imaplib.Commands[name] == states, name
    # IDLE as in 3.14, whatever the running Python.
    assert rs_imaplib.Commands["IDLE"] == ("AUTH", "SELECTED")
    assert set(std_imaplib.__all__) <= set(rs_imaplib.__all__)


PATTERNS = {
    "Continuation": [b"+ go ahead", b"+", b"+ ", b"* OK"],
    "Flags": [b"1 (FLAGS (\\Seen))", b"FLAGS ()"],
    "InternalDate": [b'INTERNALDATE "05-Mar-2024 14:30:00 +0000"'],
    "Literal": [b"* 1 FETCH (BODY[] {12}", b"{12} x"],
    "MapCRLF": [b"a\r\nb"],
    "Response_code": [b"[UIDVALIDITY 3] x", b"[READ-ONLY]", b"[A] b]", b"[x]"],
    "Untagged_response": [b"* OK x", b"* 3 EXISTS", b"*  OK"],
    "Untagged_status": [b"* 3 EXISTS", b"*  3 EXISTS", b"* 1 FETCH (FLAGS ())"],
}


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_response_patterns_match_alike(name: str) -> None:
    for text in PATTERNS[name]:
        std, ours = (getattr(mod, name).match(text) for mod in (std_imaplib, rs_imaplib))
        assert (ours and ours.groupdict()) == (std and std.groupdict()), text


#: The private methods that libraries built on imaplib call or override.
HELPERS = {
    "__init__",
    "__enter__",
    "__exit__",
    "_simple_command",
    "_untagged_response",
    "_command",
    "_command_complete",
    "_get_response",
    "_new_tag",
    "_quote",
    "_mesg",
    "_mode_utf8",
    "_mode_ascii",
    "_append_untagged",
    "_check_bye",
    "_get_tagged_response",
    "_get_line",
    "_match",
    "_get_capabilities",
    "_connect",
    "_create_socket",
    "_log",
}


def _signature(obj: Any) -> Any:
    return [(p.name, p.kind, p.default) for p in inspect.signature(obj).parameters.values()]


def test_every_method_has_imaplib_signature() -> None:
    public = [n for n in vars(std_imaplib.IMAP4) if not n.startswith("_") or n in HELPERS]
    for name in public:
        std = getattr(std_imaplib.IMAP4, name)
        if not callable(std) or isinstance(std, type):
            continue
        ours = getattr(rs_imaplib.IMAP4, name)
        assert _signature(ours) == _signature(std), name
    for cls in ("IMAP4_SSL", "IMAP4_stream"):
        std_cls, our_cls = getattr(std_imaplib, cls), getattr(rs_imaplib, cls)
        assert _signature(our_cls) == _signature(std_cls)
        for name, std in vars(std_cls).items():
            if callable(std) and (not name.startswith("_") or name in HELPERS):
                assert _signature(getattr(our_cls, name)) == _signature(std), (cls, name)


def test_command_names_in_capitals_reach_the_methods() -> None:
    # imaplib does this with __getattr__; the drop-in with a descriptor per command name,
    # which keeps CPython's fast attribute lookups (see imaplib/_core.py). Alike: which
    # names exist, what they reach, a subclass's own methods, and a subclass's __getattr__.
    std = std_imaplib.IMAP4.__new__(std_imaplib.IMAP4)
    ours = rs_imaplib.IMAP4.__new__(rs_imaplib.IMAP4)
    for name in std_imaplib.Commands:
        assert hasattr(ours, name) == hasattr(std, name), name
        if hasattr(std, name):
            assert getattr(ours, name) == getattr(ours, name.lower()), name
    for obj in (std, ours):
        with pytest.raises(AttributeError):
            obj.NOSUCHCOMMAND  # noqa: B018
        assert getattr(obj, "nosuchattribute", None) is None

    class Mine(rs_imaplib.IMAP4):
        def fetch(self, *args: Any) -> Any:
            return ("mine", args)

        def __getattr__(self, attr: str) -> Any:
            if attr == "XLIST":
                return lambda: "xlist"
            return super().__getattr__(attr)

    mine = Mine.__new__(Mine)
    assert mine.FETCH("1", "(FLAGS)") == ("mine", ("1", "(FLAGS)"))
    assert mine.XLIST() == "xlist"
    assert getattr(mine, "nosuchattribute", None) is None
    assert rs_imaplib.IMAP4.FETCH is rs_imaplib.IMAP4.fetch


def test_exceptions_nest_as_in_imaplib() -> None:
    IMAP4 = rs_imaplib.IMAP4
    assert issubclass(IMAP4.readonly, IMAP4.abort) and issubclass(IMAP4.abort, IMAP4.error)
    assert issubclass(IMAP4.error, Exception) and not issubclass(IMAP4.error, OSError)
    assert rs_imaplib.IMAP4_SSL.error is IMAP4.error
    assert rs_imaplib.IMAP4_stream.abort is IMAP4.abort


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="keyfile and certfile left in 3.12")
def test_keyfile_and_certfile_as_before_3_12(monkeypatch: pytest.MonkeyPatch) -> None:
    # The one-time warning about unverified TLS is left for the tests about it.
    monkeypatch.setattr("imaprs.imaplib._link._WARNED", True)
    for mod in (std_imaplib, rs_imaplib):
        with pytest.raises(ValueError, match="mutually exclusive"):
            mod.IMAP4_SSL("localhost", 1, "key.pem", ssl_context=object())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(OSError):
                mod.IMAP4_SSL("127.0.0.1", 1, certfile=__file__)
        assert [w.category for w in caught] == [DeprecationWarning], mod


def _failure(mod: Any, host: str, port: int) -> Any:
    try:
        mod.IMAP4(host, port, 5)
    except OSError as exc:
        return type(exc), exc.errno, str(exc)
    raise AssertionError("no error")


def test_connection_failures_raise_what_a_socket_raises() -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for host, port_ in (("127.0.0.1", port), ("nonexistent.invalid", 143)):
        want, got = (_failure(mod, host, port_) for mod in MODULES)
        assert got == want
