"""The export Chromium's confinement: never root, with its own sandbox, and the web's same-origin rule left on.

Chromium draws charts from figures the server built, but a figure carries
text from the operational database (area names, ticket titles), and a
browser is a large parser of untrusted input. choreographer (under kaleido)
starts it with `--no-sandbox` and `--disable-web-security`, which on a server
running as root meant a root browser with no sandbox and no same-origin
rule. Here:

- a root server starts the browser as an unprivileged account (the export
  user, `nobody` by default) through util-linux's `setpriv`, with no new
  privileges possible, its supplementary groups reset, and a home of its own
  (a private temporary directory, mode 0700, owned by that account);
- the browser keeps Chromium's sandbox whenever that account can make a user
  namespace (Chromium's namespace sandbox; Debian ships no setuid helper by
  default). Where it cannot (a kernel or container that forbids user
  namespaces), `--no-sandbox` stays, said in the log, and only ever for an
  unprivileged account: Chromium is never started as root;
- `--disable-web-security` is removed: the page and its scripts are local
  files that load without it;
- the browser gets a small environment, not the server's, so the database
  URL and its password are not readable in /proc by other processes of the
  export user.

The browser reads plotly.js and kaleido's script from the installed
packages, so the installation must be readable by the export user (a
virtualenv's usual 0755/0644 is).
"""
from __future__ import annotations

import logging
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from choreographer.browsers import Chromium

log = logging.getLogger(__name__)

# What Chromium needs from the server's environment: a PATH for its launcher script, the locale and the clock.
_PASSED_ENVIRONMENT = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ")
_SAME_ORIGIN_RULE_OFF = "--disable-web-security"


class ConfinementError(RuntimeError):
    """The browser cannot be started unprivileged (no such export user, or the export user is root)."""


class Confinement:
    """As whom, where and with which sandbox one export Chromium runs; `remove()` when it has stopped."""

    def __init__(self, home: Path, become_user: tuple[str, ...], sandbox: bool):
        self.home = home
        # The command prefix that becomes the export user; empty when this process is not root.
        self.become_user = become_user
        self.sandbox = sandbox

    def chromium(self, channel, path=None, **kwargs: Any) -> ConfinedChromium:
        """choreographer's `browser_cls`: a Chromium run under this confinement."""
        return ConfinedChromium(channel, path, confinement=self, **kwargs)

    def remove(self) -> None:
        """Delete the browser's home (profile, caches, the page); the browser must have stopped."""
        try:
            shutil.rmtree(self.home)
        except FileNotFoundError:
            pass
        except OSError as error:
            log.warning("the export browser's home %s could not be removed: %s", self.home, error)


def confine(export_user: str) -> Confinement:
    """A fresh confinement: as `export_user` when this process is root, else as this process's own user."""
    if os.geteuid() == 0:
        account = _unprivileged_account(export_user)
        become_user = (_setpriv(), f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--init-groups",
                       "--no-new-privs", "--")
    else:
        account, become_user = None, ()
    home = Path(tempfile.mkdtemp(prefix="onescreen-chromium-"))  # mode 0700
    if account is not None:
        os.chown(home, account.pw_uid, account.pw_gid)
    sandbox = _can_make_user_namespace(become_user, home)
    if not sandbox:
        log.warning("the export browser runs without Chromium's sandbox: %s cannot make a user namespace here "
                    "(kernel.unprivileged_userns_clone, user.max_user_namespaces or the container's seccomp "
                    "profile forbid it); it still never runs as root", account.pw_name if account else "this user")
    return Confinement(home, become_user, sandbox)


def _unprivileged_account(name: str) -> pwd.struct_passwd:
    try:
        account = pwd.getpwnam(name)
    except KeyError:
        raise ConfinementError(f"ONESCREEN_EXPORT_USER={name!r} is not a user on this machine") from None
    if account.pw_uid == 0 or account.pw_gid == 0:
        raise ConfinementError(f"ONESCREEN_EXPORT_USER={name!r} is root or in its group: the export browser never runs as root")
    return account


def _setpriv() -> str:
    path = shutil.which("setpriv")
    if path is None:
        raise ConfinementError("setpriv (util-linux) is missing: without it a root server cannot start its "
                               "export browser unprivileged")
    return path


def _can_make_user_namespace(become_user: tuple[str, ...], home: Path) -> bool:
    """Whether the browser's account may make a user namespace, which Chromium's sandbox is built on."""
    try:
        subprocess.run([*become_user, "unshare", "--user", "true"], check=True, capture_output=True, timeout=10,
                       env=_environment(home))
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def _environment(home: Path) -> dict[str, str]:
    passed = {name: os.environ[name] for name in _PASSED_ENVIRONMENT if name in os.environ}
    return {**passed, "HOME": str(home)}


class ConfinedChromium(Chromium):
    """choreographer's Chromium, started under a `Confinement`.

    choreographer's command line is kept (its pipe wrapper, the headless and
    logging flags) except the same-origin switch; `--no-sandbox` goes through
    `enable_sandbox`, which the renderer passes from the confinement.
    """

    def __init__(self, channel, path=None, *, confinement: Confinement, **kwargs: Any):
        self._confinement = confinement
        super().__init__(channel, path, tmp_dir=str(confinement.home), **kwargs)

    def pre_open(self) -> None:
        super().pre_open()  # makes the profile directory (as this process's user), inside the home
        if self._confinement.become_user:
            home = self._confinement.home
            os.chown(self.tmp_dir.path, home.stat().st_uid, home.stat().st_gid)

    def get_cli(self) -> list[str]:
        # The whole command (choreographer's small pipe wrapper too) runs as the export user.
        return [*self._confinement.become_user, *(arg for arg in super().get_cli() if arg != _SAME_ORIGIN_RULE_OFF)]

    def get_env(self) -> dict[str, str]:
        return _environment(self._confinement.home)

    def clean(self) -> None:
        super().clean()
        self._confinement.remove()
