"""The configuration of a throw-away Dovecot 2.3 on loopback.

Everything lives under one directory: sockets (``base_dir``), state, logs, one passwd-file per
user (a new user can log in at once; a changed file would be reread only a second later) and
the users' homes. Passwords are stored as ``{PLAIN}`` so that every mechanism works, the
challenge-response ones (CRAM-MD5, SCRAM-*) included.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Tuple

__all__ = ["DovecotConfig", "mechanisms_for", "render"]

#: Special-use folders every user gets (created and subscribed at login).
SPECIAL_USE = (
    ("Drafts", "\\Drafts"),
    ("Sent", "\\Sent"),
    ("Trash", "\\Trash"),
    ("Archive", "\\Archive"),
    ("Junk", "\\Junk"),
)


@dataclass(frozen=True)
class DovecotConfig:
    """What varies between two instances."""

    root: Path
    imap_port: int
    imaps_port: int
    cert_file: Path
    key_file: Path
    login_user: str
    internal_user: str
    internal_group: str
    mechanisms: Tuple[str, ...]

    @property
    def users_dir(self) -> Path:
        """One passwd-file per user, so that a new user can log in at once."""
        return self.root / "users"

    @property
    def conf_file(self) -> Path:
        return self.root / "dovecot.conf"


def mechanisms_for(version: Tuple[int, ...]) -> Tuple[str, ...]:
    """The SASL mechanisms to enable for a Dovecot version."""
    mechanisms = ["PLAIN", "LOGIN", "CRAM-MD5"]
    if version >= (2, 2):
        mechanisms.append("SCRAM-SHA-1")
    if version >= (2, 3, 10):
        mechanisms.append("SCRAM-SHA-256")
    return tuple(mechanisms)


def render(cfg: DovecotConfig) -> str:
    """Return the text of ``dovecot.conf`` for ``cfg``."""
    root = cfg.root
    special = "".join(
        f"  mailbox {name} {{\n    special_use = {flag}\n    auto = subscribe\n  }}\n"
        for name, flag in SPECIAL_USE
    )
    return f"""\
# A throw-away Dovecot for the imaprs tests: loopback only, everything under {root}.
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/log/dovecot.log
info_log_path = {root}/log/dovecot.log
instance_name = imaprs-{cfg.imap_port}
protocols = imap
listen = 127.0.0.1
default_login_user = {cfg.login_user}
default_internal_user = {cfg.internal_user}
default_internal_group = {cfg.internal_group}
first_valid_uid = 0
last_valid_uid = 0

ssl = yes
ssl_cert = <{cfg.cert_file}
ssl_key = <{cfg.key_file}

disable_plaintext_auth = no
auth_mechanisms = {" ".join(m.lower() for m in cfg.mechanisms)}
# Allow any user name, non-ASCII ones included.
auth_username_chars =
auth_verbose = yes
auth_failure_delay = 0

mail_location = maildir:~/Maildir
mail_plugins = $mail_plugins quota acl
mail_attribute_dict = file:%h/dovecot-attributes

passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {cfg.users_dir}/%u
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {cfg.users_dir}/%u
}}

plugin {{
  quota = maildir:User quota
  quota_rule = *:storage=1G
  acl = vfile
  acl_shared_dict = file:{root}/shared/shared-mailboxes.db
}}

service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {cfg.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {cfg.imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  # No growing delay after failed logins: tests fail logins on purpose.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service auth-worker {{
  user = $default_internal_user
}}

protocol imap {{
  mail_plugins = $mail_plugins imap_zlib imap_quota imap_acl
  imap_metadata = yes
  mail_max_userip_connections = 1000
}}

namespace inbox {{
  inbox = yes
  separator = /
  prefix =
{special}}}
namespace shared {{
  type = shared
  separator = /
  prefix = shared/%%u/
  location = maildir:%%h/Maildir:INDEX=~/shared/%%u
  subscriptions = no
  list = children
}}
"""
