"""A real OpenLDAP directory for the login tests: Debian's `slapd`, on a free loopback port, seeded.

Its own configuration, database and port in a temporary folder, so it neither needs nor disturbs the
system slapd that Debian's package starts on port 389. The people in it are the ones the tests name:
a street leader, an analyst, someone in no group OneScreen maps, and a user whose uid is made of LDAP
filter and DN metacharacters. Anonymous clients may only bind, as in a centre's directory: finding a
user takes the service account. It speaks StartTLS on its ldap:// port and TLS on an ldaps:// one,
with a certificate for 127.0.0.1 made for the session (`ca_file`, as no system CA signed it).
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import unavailable

SUFFIX = "dc=onescreen,dc=test"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
SERVICE_DN = f"cn=onescreen,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-secret"
# A uid that would widen a filter `(uid=...)` to everyone, and end its RDN early, if it went in unescaped.
HOSTILE_UID = "eve,*)(uid=*"
PASSWORDS = {"leader01": "leader-pass", "analyst01": "analyst-pass", "loner01": "loner-pass",
             HOSTILE_UID: "eve-pass"}
SCHEMAS = ("core", "cosine", "nis", "inetorgperson")
STARTUP_S = 15


@dataclass(frozen=True)
class Directory:
    url: str
    ldaps_url: str
    ca_file: str


def _dn_value(value: str) -> str:
    """An RDN value escaped for LDIF (RFC 4514): the hostile uid has a `=` in it."""
    return value.replace("\\", "\\\\").replace("=", "\\=").replace(",", "\\,")


def _person(uid: str, name: str) -> str:
    return (f"dn: uid={_dn_value(uid)},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {name}\n"
            f"sn: {name.split()[-1]}\ndisplayName: {name}\nuserPassword: {PASSWORDS[uid]}\n")


def _group(cn: str, *uids: str) -> str:
    members = "".join(f"member: uid={_dn_value(uid)},{PEOPLE}\n" for uid in uids)
    return f"dn: cn={cn},{GROUPS}\nobjectClass: groupOfNames\ncn: {cn}\n{members}"


def seed_ldif() -> str:
    entries = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: onescreen\no: OneScreen test\n",
        *(f"dn: ou={ou},{SUFFIX}\nobjectClass: organizationalUnit\nou: {ou}\n"
          for ou in ("people", "groups", "services")),
        f"dn: {SERVICE_DN}\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\n"
        f"cn: onescreen\nuserPassword: {SERVICE_PASSWORD}\n",
        _person("leader01", "Li Jie"),
        _person("analyst01", "Wang Fang"),
        _person("loner01", "Zhao Lei"),
        _person(HOSTILE_UID, "Eve Hostile"),
        _group("street-leaders", "leader01"),
        _group("analysts", "analyst01"),
        # A group OneScreen's rules do not name: membership in it alone must admit nobody.
        _group("canteen", "loner01", "leader01"),
        _group("viewers", HOSTILE_UID),
    ]
    return "\n".join(entries)


def _slapd_conf(folder: Path) -> str:
    includes = "".join(f"include /etc/ldap/schema/{name}.schema\n" for name in SCHEMAS)
    return f"""{includes}
pidfile {folder}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "{SUFFIX}"
rootdn "cn=admin,{SUFFIX}"
directory {folder}/data
TLSCertificateFile {folder}/cert.pem
TLSCertificateKeyFile {folder}/key.pem
access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def directory(tmp_path_factory):
    """A started, seeded slapd; stopped when the session ends."""
    slapd, slapadd = shutil.which("slapd", path="/usr/sbin:/usr/bin"), shutil.which("slapadd", path="/usr/sbin")
    if not slapd or not slapadd:
        unavailable("slapd", FileNotFoundError("slapd/slapadd not installed (Debian package slapd)"))
    folder = tmp_path_factory.mktemp("slapd")
    (folder / "data").mkdir()
    conf = folder / "slapd.conf"
    conf.write_text(_slapd_conf(folder))
    (folder / "seed.ldif").write_text(seed_ldif())
    loaded = subprocess.run([slapadd, "-f", str(conf), "-l", str(folder / "seed.ldif")],
                            capture_output=True, text=True, timeout=STARTUP_S)
    if loaded.returncode != 0:
        unavailable("slapd", RuntimeError(f"slapadd failed: {loaded.stderr.strip()}"))
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                           "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                           "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
                          capture_output=True, text=True, timeout=STARTUP_S)
    if made.returncode != 0:
        unavailable("slapd", RuntimeError(f"openssl could not make its certificate: {made.stderr.strip()}"))
    port, tls_port = _free_port(), _free_port()
    log = (folder / "slapd.log").open("w")
    # -d 0: stay in the foreground, so the fixture owns the process and can stop it.
    server = subprocess.Popen([slapd, "-f", str(conf), "-h", f"ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{tls_port}/",
                               "-d", "0"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_S
        while not (_answers(port) and _answers(tls_port)):
            if server.poll() is not None or time.monotonic() > deadline:
                unavailable("slapd", RuntimeError(f"did not start: {(folder / 'slapd.log').read_text()[-2000:]}"))
            time.sleep(0.1)
        yield Directory(url=f"ldap://127.0.0.1:{port}", ldaps_url=f"ldaps://127.0.0.1:{tls_port}",
                        ca_file=str(folder / "cert.pem"))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
