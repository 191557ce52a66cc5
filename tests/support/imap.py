"""A real IMAP server on localhost: Debian's dovecot, run by the test suite as a process of
its own, with its own configuration, mail and sockets in a temporary directory."""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests.support.mail import free_port

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "reply", "secret"

_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def dovecot_installed() -> bool:
    return Path(DOVECOT).is_file() and os.access(DOVECOT, os.X_OK)


class DovecotServer:
    """One mailbox user (``reply``, password ``secret``) on a free port, plain IMAP."""

    def __init__(self) -> None:
        self.port = free_port()
        self.host = "127.0.0.1"
        self.user, self.password = USER, PASSWORD
        self._root = Path(tempfile.mkdtemp(prefix="civicloop-dovecot-"))
        self._process: subprocess.Popen | None = None

    def _config(self) -> str:
        if os.geteuid() == 0:
            # Dovecot refuses to serve logins or mail as root: its own system users do.
            internal, login, mail = ("dovecot", "dovecot"), "dovenull", ("dovecot", "dovecot")
        else:  # an unprivileged run: everything as the user running the tests
            name, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
            internal, login, mail = (name, group), name, (name, group)
        return _CONFIG.format(
            root=self._root,
            port=self.port,
            password=self.password,
            internal_user=internal[0],
            internal_group=internal[1],
            login_user=login,
            mail_user=mail[0],
            mail_group=mail[1],
        )

    def __enter__(self) -> DovecotServer:
        self._root.chmod(0o755)
        for name in ("mail", "home"):
            (self._root / name).mkdir()
            if os.geteuid() == 0:
                shutil.chown(self._root / name, "dovecot", "dovecot")
        config = self._root / "dovecot.conf"
        config.write_text(self._config())
        self._process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                with self.session():
                    return self
            if self._process.poll() is not None:
                break
            time.sleep(0.1)
        log_path = self._root / "dovecot.log"
        log = log_path.read_text() if log_path.exists() else ""
        self.__exit__()
        raise RuntimeError(f"dovecot did not start: {log}")

    def __exit__(self, *exc: object) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        shutil.rmtree(self._root, ignore_errors=True)

    @contextlib.contextmanager
    def session(self) -> Iterator[imaplib.IMAP4]:
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            imap.login(self.user, self.password)
            imap.select("INBOX")
            yield imap
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                imap.logout()

    def deliver(self, raw: bytes) -> None:
        """Put a message into the mailbox, unseen, as the mail server's delivery would."""
        with self.session() as imap:
            status, data = imap.append("INBOX", None, None, raw)
            assert status == "OK", data

    def unseen(self) -> int:
        with self.session() as imap:
            _, data = imap.uid("SEARCH", "UNSEEN")
            return len(data[0].split()) if data and data[0] else 0

    def count(self, folder: str = "INBOX") -> int:
        with self.session() as imap:
            status, _ = imap.select(f'"{folder}"')
            if status != "OK":
                return 0
            _, data = imap.uid("SEARCH", "ALL")
            return len(data[0].split()) if data and data[0] else 0
