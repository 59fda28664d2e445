"""A private Dovecot IMAP server for tests and the benchmark: a free loopback port, a throwaway
directory, no edits under /etc. Under root it runs the mail processes as `nobody` (imap-login refuses
root and mail access as uid 0 is refused); otherwise as the current user."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT_CONF = """instance_name = test-imap-@PORT@
base_dir = @ROOT@/run
state_dir = @ROOT@/state
log_path = @ROOT@/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = @USER@
default_internal_group = @GROUP@
default_login_user = @USER@
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u @ROOT@/users
}
userdb {
  driver = static
  args = uid=@USER@ gid=@GROUP@ home=@ROOT@/mail/%u
}
mail_location = maildir:~/Maildir
first_valid_uid = 0
service imap-login {
  inet_listener imap {
    port = @PORT@
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
"""


def dovecot_available() -> bool:
    return bool(shutil.which("dovecot") or os.path.exists("/usr/sbin/dovecot"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DovecotServer:
    def __init__(self, users: dict[str, str]):
        self.users = users
        self.port = free_port()
        self.root: Path | None = None

    @property
    def conf(self) -> Path:
        assert self.root is not None
        return self.root / "dovecot.conf"

    def start(self) -> None:
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        is_root = os.geteuid() == 0
        user = "nobody" if is_root else pwd.getpwuid(os.geteuid()).pw_name
        group = "nogroup" if is_root else user
        self.root = root = Path(tempfile.mkdtemp(prefix="abonent-dovecot-"))
        for sub in ("run", "state", "mail"):
            (root / sub).mkdir()
        (root / "users").write_text("".join(f"{name}:{{PLAIN}}{password}\n" for name, password in self.users.items()))
        self.conf.write_text(DOVECOT_CONF.replace("@ROOT@", str(root)).replace("@USER@", user)
                             .replace("@GROUP@", group).replace("@PORT@", str(self.port)))
        if is_root:
            root.chmod(0o755)
            entry = pwd.getpwnam(user)
            for path in (root / "mail", root / "state"):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        subprocess.run([binary, "-c", str(self.conf)], check=True,  # noqa: S603 - our own config file stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        self._wait()

    def _wait(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"Dovecot did not open port {self.port}")

    def stop(self) -> None:
        if self.root is None:
            return
        subprocess.run(["doveadm", "-c", str(self.conf), "stop"], check=False,  # noqa: S603, S607 stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        time.sleep(0.2)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None
