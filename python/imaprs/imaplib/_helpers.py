"""The module-level names of the standard library's imaplib: constants, the command table,
and the date, flag and tag helpers, with the same results."""

from __future__ import annotations

import calendar
import datetime
import re
import time
from typing import Any, Dict, Optional, Tuple, Union

__version__ = "2.58"

CRLF = b"\r\n"
Debug = 0
IMAP4_PORT = 143
IMAP4_SSL_PORT = 993
AllowedVersions = ("IMAP4REV1", "IMAP4")  # preferred first
#: The longest line accepted from the server (patch it as with imaplib).
_MAXLINE = 1000000

_ANY = ("NONAUTH", "AUTH", "SELECTED", "LOGOUT")
_AUTH = ("AUTH", "SELECTED")
_SEL = ("SELECTED",)

#: Command name -> the states it is valid in.
Commands: Dict[str, Tuple[str, ...]] = {
    "APPEND": _AUTH,
    "AUTHENTICATE": ("NONAUTH",),
    "CAPABILITY": _ANY,
    "CHECK": _SEL,
    "CLOSE": _SEL,
    "COPY": _SEL,
    "CREATE": _AUTH,
    "DELETE": _AUTH,
    "DELETEACL": _AUTH,
    "ENABLE": ("AUTH",),
    "EXAMINE": _AUTH,
    "EXPUNGE": _SEL,
    "FETCH": _SEL,
    "GETACL": _AUTH,
    "GETANNOTATION": _AUTH,
    "GETQUOTA": _AUTH,
    "GETQUOTAROOT": _AUTH,
    "IDLE": _AUTH,
    "MYRIGHTS": _AUTH,
    "LIST": _AUTH,
    "LOGIN": ("NONAUTH",),
    "LOGOUT": _ANY,
    "LSUB": _AUTH,
    "MOVE": _SEL,
    "NAMESPACE": _AUTH,
    "NOOP": _ANY,
    "PARTIAL": _SEL,
    "PROXYAUTH": ("AUTH",),
    "RENAME": _AUTH,
    "SEARCH": _SEL,
    "SELECT": _AUTH,
    "SETACL": _AUTH,
    "SETANNOTATION": _AUTH,
    "SETQUOTA": _AUTH,
    "SORT": _SEL,
    "STARTTLS": ("NONAUTH",),
    "STATUS": _AUTH,
    "STORE": _SEL,
    "SUBSCRIBE": _AUTH,
    "THREAD": _SEL,
    "UID": _SEL,
    "UNSUBSCRIBE": _AUTH,
    "UNSELECT": _SEL,
}

Continuation = re.compile(rb"\+( (?P<data>.*))?")
Flags = re.compile(rb".*FLAGS \((?P<flags>[^\)]*)\)")
InternalDate = re.compile(
    rb'.*INTERNALDATE "'
    rb"(?P<day>[ 0123][0-9])-(?P<mon>[A-Z][a-z][a-z])-(?P<year>[0-9][0-9][0-9][0-9])"
    rb" (?P<hour>[0-9][0-9]):(?P<min>[0-9][0-9]):(?P<sec>[0-9][0-9])"
    rb" (?P<zonen>[-+])(?P<zoneh>[0-9][0-9])(?P<zonem>[0-9][0-9])"
    rb'"'
)
Literal = re.compile(rb".*{(?P<size>\d+)}$", re.ASCII)
MapCRLF = re.compile(rb"\r\n|\r|\n")
Response_code = re.compile(rb"\[(?P<type>[A-Z-]+)( (?P<data>.*))?\]")
Untagged_response = re.compile(rb"\* (?P<type>[A-Z-]+)( (?P<data>.*))?")
_Literal = rb".*{(?P<size>\d+)}$"
_Untagged_status = rb"\* (?P<data>\d+) (?P<type>[A-Z-]+)( (?P<data2>.*))?"
Untagged_status = re.compile(_Untagged_status, re.ASCII)

Months = ["", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
Mon2num = {
    s.encode(): n + 1
    for n, s in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    )
}
_MONTHS = [
    None,
    *["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
]


def Internaldate2tuple(resp: bytes) -> Optional[time.struct_time]:
    """The local time of an INTERNALDATE response, as a ``time.struct_time``; None when
    ``resp`` holds none."""
    mo = InternalDate.match(resp)
    if not mo:
        return None
    mon = Mon2num[mo.group("mon")]
    zonen = mo.group("zonen")
    day, year = int(mo.group("day")), int(mo.group("year"))
    hour, minute, sec = (int(mo.group(k)) for k in ("hour", "min", "sec"))
    zone = (int(mo.group("zoneh")) * 60 + int(mo.group("zonem"))) * 60
    if zonen == b"-":
        zone = -zone
    utc = calendar.timegm((year, mon, day, hour, minute, sec, -1, -1, -1)) - zone
    return time.localtime(utc)


def Int2AP(num: int) -> bytes:
    """``num`` in base 16 with the letters A to P as digits (imaplib's tag prefix)."""
    digits = b"ABCDEFGHIJKLMNOP"
    out = b""
    num = int(abs(num))
    while num:
        num, mod = divmod(num, 16)
        out = digits[mod : mod + 1] + out
    return out


def ParseFlags(resp: bytes) -> Tuple[bytes, ...]:
    """The flags of a FLAGS response, as a tuple of bytes."""
    mo = Flags.match(resp)
    if not mo:
        return ()
    return tuple(mo.group("flags").split())


def Time2Internaldate(date_time: Any) -> str:
    """``date_time`` (seconds since the epoch, a ``time.struct_time`` or 9-tuple, an aware
    ``datetime``, or a string already in quotes) as a quoted INTERNALDATE string."""
    if isinstance(date_time, (int, float)):
        dt = datetime.datetime.fromtimestamp(date_time, datetime.timezone.utc).astimezone()
    elif isinstance(date_time, tuple):
        try:
            gmtoff = date_time.tm_gmtoff  # type: ignore[attr-defined]
        except AttributeError:
            if time.daylight:
                dst = date_time[8]
                if dst == -1:
                    dst = time.localtime(time.mktime(date_time))[8]
                gmtoff = -(time.timezone, time.altzone)[dst]
            else:
                gmtoff = -time.timezone
        delta = datetime.timedelta(seconds=gmtoff)
        year, month, day, hour, minute, second = date_time[:6]
        tz = datetime.timezone(delta)
        dt = datetime.datetime(year, month, day, hour, minute, second, tzinfo=tz)
    elif isinstance(date_time, datetime.datetime):
        if date_time.tzinfo is None:
            raise ValueError("date_time must be aware")
        dt = date_time
    elif isinstance(date_time, str) and (date_time[0], date_time[-1]) == ('"', '"'):
        return date_time  # already an INTERNALDATE string, taken as it is
    else:
        raise ValueError("date_time not of a known type")
    offset = dt.utcoffset() or datetime.timedelta(0)
    sign = "-" if offset < datetime.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return (
        f'"{dt.day:02d}-{_MONTHS[dt.month]}-{dt.year:04d} '
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} "
        f'{sign}{minutes // 60:02d}{minutes % 60:02d}"'
    )


def check_controls(arg: Union[bytes, str]) -> None:
    """Refuses NUL, CR and LF in a command argument (they could start another command)."""
    raw = arg.encode("utf-8", "surrogateescape") if isinstance(arg, str) else arg
    if b"\0" in raw or b"\r" in raw or b"\n" in raw:
        raise ValueError("Control characters not allowed in commands")
