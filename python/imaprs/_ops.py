"""Operations of several steps, written once for every face.

A command method that is more than one command (SELECT with its state, AUTHENTICATE with its
SASL exchange, STARTTLS with the handshake, FETCH of a body part after its structure ...) is
written as a generator, an ``Op``. Wherever it needs the network it calls the face's method
(``self._send(...)``, ``cmd.wait()``, ``self._await_continuation(cmd)``, ...) and yields what
that returns; the face's driver sends back the result:

- the blocking face's methods have done their work when they return, so its driver
  (``Engine._drive``) sends the value straight back;
- the asyncio face's methods return awaitables, so its driver (``aio.Driver._drive``)
  awaits each one and sends back its result, or throws its exception into the generator.

So ``cmd = yield self._send("STARTTLS")`` is the same line in both faces, and an operation's
logic (its checks, its state changes, its error handling) exists once. A face adds no logic
of its own: only how to wait. Another event loop would be a third driver of the same ops.
"""

from __future__ import annotations

from typing import Any, Generator, TypeVar

__all__ = ["Op", "T"]

T = TypeVar("T")
#: An operation: yields the results of face calls (awaitables in asyncio), returns ``T``.
Op = Generator[Any, Any, T]
