"""The deployment of deploy/, tried on this machine: nginx (Debian's) in front of two web gunicorns and an export
one, on a tiny city.

The config is the one `make deploy-local` renders (deploy/local.py), with the
TLS server switched on and a self-signed certificate made here. The checks
are the reasons nginx is there: pages still need a login, OneScreen sees the
client's address and scheme through it, a browser's callback is not taken
for a cross-site one, /export/ goes to the export process and the rest to
the web ones, one process killed costs nothing, and slow clients hold no
gunicorn thread. The tests of this module share one
stack and run in order; the last one kills a gunicorn.
"""
from __future__ import annotations

import http.client
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest

from access.accounts import create_local_user, random_password
from access.service import Access
from demo.generate import generate
from deploy import local
from deploy.render import Tls
from tests.support import free_port, settings_for, unavailable

NOW = datetime(2026, 11, 20, 12, 0, 0)
ADMIN = "deploy-admin"
# A client address other than nginx's own (Linux answers on all of 127/8): what OneScreen must see, not 127.0.0.1.
CLIENT_ADDRESS = "127.0.0.2"
SLOW_CLIENTS = 8


def _certificate(folder: Path) -> Tls:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return Tls(f"127.0.0.1:{free_port()}", str(cert), str(key))


class Stack:
    def __init__(self, folder: Path):
        self.city = f"sqlite:///{folder / 'tiny.sqlite'}"
        self.store = f"sqlite:///{folder / 'onescreen-app.sqlite'}"
        generate(self.city, preset="tiny", seed=20261120, now=NOW)
        self.access = Access(settings_for(self.city, app_database_url=self.store))
        self.password = random_password(self.access.store.password_policy())
        create_local_user(self.access, None, username=ADMIN, display_name=ADMIN, role="admin", areas="*",
                          password=self.password, personal_data=False, via="cli")
        self.web_ports = [free_port(), free_port()]
        self.export_port = free_port()
        self.listen = f"127.0.0.1:{free_port()}"
        self.tls = _certificate(folder)
        self.config = local.render(folder / "run", self.listen, [f"127.0.0.1:{port}" for port in self.web_ports],
                                   tls=self.tls, export=[f"127.0.0.1:{self.export_port}"])
        env = local.web_environment(self.city, self.store, ONESCREEN_NOW=NOW.isoformat())
        self.log = open(folder / "web.log", "ab")
        # One worker of two threads each: few enough that eight slow clients would take them all.
        self.web = [local.start_web(port, env, self.log, workers=1, threads=2) for port in self.web_ports]
        self.export = local.start_export(self.export_port, env, self.log)
        self.nginx: subprocess.Popen | None = None

    def start(self) -> None:
        for port, process in zip([*self.web_ports, self.export_port], [*self.web, self.export]):
            local.wait_until_up(f"http://127.0.0.1:{port}/health", process)
        self.nginx = local.start_nginx(self.config)
        local.wait_until_up(f"http://{self.listen}/health", self.nginx)

    def stop(self) -> None:
        local.stop([*self.web, self.export, *([self.nginx] if self.nginx else [])])
        self.log.close()

    def upstreams(self, path: str) -> list[str]:
        """The processes nginx's access log says answered requests for `path` (deploy/local.py's log format)."""
        log = (self.config.parent / "access.log").read_text()
        return re.findall(rf'"GET {re.escape(path)} HTTP/1\.1" \d+ \d+ upstream=(\S+)', log)

    def http(self, timeout: float = 10, address: str = "") -> http.client.HTTPConnection:
        host, port = (address or self.listen).split(":")
        return http.client.HTTPConnection(host, int(port), timeout=timeout, source_address=(CLIENT_ADDRESS, 0))

    def https(self) -> http.client.HTTPSConnection:
        host, port = self.tls.listen.split(":")
        context = ssl.create_default_context(cafile=self.tls.certificate)
        context.check_hostname = False
        return http.client.HTTPSConnection(host, int(port), timeout=10, context=context,
                                           source_address=(CLIENT_ADDRESS, 0))


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    for program in (local.NGINX, shutil.which("openssl")):
        if not program or not Path(program).exists():
            unavailable("nginx and openssl", FileNotFoundError("apt-get install nginx openssl"))
    running = Stack(tmp_path_factory.mktemp("deploy_local"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


def _get(connection, path: str, headers: dict | None = None) -> http.client.HTTPResponse:
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.read()
    return response


def _log_in(connection, password: str) -> http.client.HTTPResponse:
    body = urlencode({"username": ADMIN, "password": password})
    # A forged address: nginx appends the one it saw, and OneScreen takes that one.
    connection.request("POST", "/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "6.6.6.6"})
    response = connection.getresponse()
    response.read()
    return response


def _session_cookie(response) -> str:
    return next(value for name, value in response.getheaders()
                if name.lower() == "set-cookie" and value.startswith("onescreen_session="))


def test_the_rendered_config_passes_nginx_t(stack):
    checked = local.check(stack.config)
    assert checked.returncode == 0, checked.stderr
    assert "include" in stack.config.read_text()


def test_a_page_through_nginx_sends_the_browser_to_the_login(stack):
    response = _get(stack.http(), "/")
    assert response.status == 302
    assert response.getheader("Location").split("?")[0].endswith("/login")


def test_a_login_over_tls_gets_a_secure_cookie_and_the_audit_names_the_clients_address(stack):
    over_tls = _log_in(stack.https(), stack.password)
    assert over_tls.status == 303
    assert "; Secure" in _session_cookie(over_tls)
    plain = _log_in(stack.http(), stack.password)
    assert plain.status == 303
    assert "; Secure" not in _session_cookie(plain)  # the scheme is the client's, not a fixed setting

    logins = stack.access.store.audit_events(action="login", outcome="ok")
    assert [event.remote_addr for event in logins[:2]] == [CLIENT_ADDRESS, CLIENT_ADDRESS]

    cookie = _session_cookie(over_tls).split(";")[0]
    api = _get(stack.https(), "/api/v1/kpis", {"Cookie": cookie})
    assert api.status == 200


def test_fingerprinted_scripts_and_assets_are_cached_long_and_compressed(stack):
    page = stack.https()
    cookie = _session_cookie(_log_in(page, stack.password)).split(";")[0]
    page.request("GET", "/overview", headers={"Cookie": cookie})
    html = page.getresponse().read().decode()
    script = next(part.split('"')[0] for part in html.split('src="')[1:] if "_dash-component-suites/" in part)
    asset = next(part.split('"')[0] for part in html.split('href="')[1:] if part.startswith("/assets/"))
    for path in (script, asset):
        answer = _get(stack.http(), path, {"Accept-Encoding": "gzip"})
        assert answer.status == 200, path
        assert answer.getheader("Cache-Control") == "public, max-age=31536000, immutable", path
        assert answer.getheader("Content-Encoding") == "gzip", path
    assert _get(stack.http(), asset.split("?")[0]).getheader("Cache-Control") == "no-cache"


def test_a_body_above_the_callback_cap_is_refused_by_nginx(stack):
    connection = stack.http()
    connection.request("POST", "/_dash-update-component", body=b"x" * (600 * 1024),
                       headers={"Content-Type": "application/json"})
    assert connection.getresponse().status == 413


def test_a_browsers_callback_through_nginx_is_not_taken_for_a_cross_site_one(stack):
    # The browser's Origin names nginx's port; OneScreen sees the Host the browser asked for, port included.
    cookie = _session_cookie(_log_in(stack.http(), stack.password)).split(";")[0]
    statuses = {}
    for origin in (f"http://{stack.listen}", "http://elsewhere.example"):
        connection = stack.http()
        connection.request("POST", "/_dash-update-component", body=b"{}", headers={
            "Content-Type": "application/json", "Cookie": cookie, "Origin": origin})
        response = connection.getresponse()
        response.read()
        statuses[origin] = response.status
    assert statuses[f"http://{stack.listen}"] == 400, statuses  # past the origin check: the body's shape is wrong
    assert statuses["http://elsewhere.example"] == 403, statuses


def test_exports_go_to_the_export_process_and_the_rest_to_the_web_ones(stack):
    cookie = _session_cookie(_log_in(stack.http(), stack.password)).split(";")[0]
    export = _get(stack.http(), "/export/kpis.csv?lang=en", {"Cookie": cookie})
    assert export.status == 200
    pages = [_get(stack.http(), "/login").status for _ in range(4)]
    assert pages == [200] * 4
    assert stack.upstreams("/export/kpis.csv?lang=en") == [f"127.0.0.1:{stack.export_port}"]
    assert set(stack.upstreams("/login")) <= {f"127.0.0.1:{port}" for port in stack.web_ports}
    assert len(stack.upstreams("/login")) >= 4


def test_the_export_process_runs_at_a_lower_cpu_priority(stack):
    nice = int(Path(f"/proc/{stack.export.pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
    assert nice == local.EXPORT_NICE
    web_nice = int(Path(f"/proc/{stack.web[0].pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
    assert web_nice < nice


def _slow_loris(address: str, stop: threading.Event) -> None:
    """A client that sends its request headers a byte at a time and never finishes them."""
    host, port = address.split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        for byte in b"GET /login HTTP/1.1\r\nHost: wall\r\nX-Slow: " + b"a" * 1000:
            if stop.wait(0.1):
                return
            try:
                sock.send(bytes([byte]))
            except OSError:
                return


def _time_a_request(address: str) -> float:
    started = time.monotonic()
    try:
        response = _get(http.client.HTTPConnection(*address.split(":"), timeout=4), "/login")
        assert response.status == 200
    except TimeoutError:
        return float("inf")
    return time.monotonic() - started


@pytest.mark.parametrize("through_nginx", [False, True], ids=["gunicorn-alone", "through-nginx"])
def test_slow_clients_do_not_stall_a_normal_request_through_nginx(stack, through_nginx):
    address = stack.listen if through_nginx else f"127.0.0.1:{stack.web_ports[1]}"
    stop = threading.Event()
    clients = [threading.Thread(target=_slow_loris, args=(address, stop)) for _ in range(SLOW_CLIENTS)]
    for client in clients:
        client.start()
    try:
        time.sleep(1)  # every slow client has begun its headers
        seconds = _time_a_request(address)
    finally:
        stop.set()
        for client in clients:
            client.join()
    if through_nginx:
        assert seconds < 2, seconds
    else:
        # Without nginx the same clients hold both threads: what this deployment is for.
        assert seconds > 2, seconds


def test_with_one_gunicorn_killed_requests_keep_succeeding_through_the_other(stack):
    cookie = _session_cookie(_log_in(stack.http(), stack.password)).split(";")[0]
    stack.web[0].kill()
    stack.web[0].wait(timeout=10)
    statuses = [_get(stack.http(), "/login").status for _ in range(10)]
    statuses += [_get(stack.http(), "/api/v1/kpis", {"Cookie": cookie}).status for _ in range(10)]
    assert statuses == [200] * 20


def test_the_environment_file_example_names_every_setting_config_reads():
    root = Path(__file__).resolve().parents[1]
    read = set(re.findall(r'"(ONESCREEN_[A-Z_]+)"', (root / "config.py").read_text()))
    example = set(re.findall(r"^#?(ONESCREEN_[A-Z_]+)=", (root / "deploy" / "onescreen.env.example").read_text(), re.M))
    assert read and example == read


def test_nginx_closes_an_idle_upstream_connection_before_gunicorn_would():
    """Else a request nginx sends on a connection gunicorn is closing is reset, and a POST (a wall's refresh) gets
    a 502: nginx does not retry it (seen under load in bench/soak_results.md with gunicorn's 2 s default)."""
    root = Path(__file__).resolve().parents[1]
    settings: dict = {}
    exec((root / "gunicorn.conf.py").read_text(), settings)
    upstream = re.search(r"^upstream onescreen_web \{(.*?)^\}", (root / "deploy" / "nginx" / "onescreen.conf").read_text(),
                         re.S | re.M)[1]
    nginx_keeps_s = int(re.search(r"^\s*keepalive_timeout (\d+)s;", upstream, re.M)[1])
    assert settings.get("keepalive", 2) > nginx_keeps_s  # 2: gunicorn's default
