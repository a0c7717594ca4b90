"""The connection every recipe starts from: IMAP over TLS, the certificate verified.

The server and the account come from the environment: ``IMAP_HOST``, ``IMAP_USER`` and
``IMAP_PASSWORD``; ``IMAP_PORT`` (default 993) and ``IMAP_CAFILE`` (a private CA's
certificate, for a server the system does not trust) when needed.
"""

import os
import ssl

import imaprs


def connect() -> imaprs.IMAP4:
    """A logged-in connection to the server the environment names."""
    context = ssl.create_default_context(cafile=os.environ.get("IMAP_CAFILE"))
    address = (os.environ["IMAP_HOST"], int(os.environ.get("IMAP_PORT", "993")))
    imap = imaprs.IMAP4(address, ssl_ctx=context)
    imap.login(os.environ["IMAP_USER"], os.environ["IMAP_PASSWORD"])
    return imap
