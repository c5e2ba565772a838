"""The nginx site for a deployment, made from deploy/nginx/onescreen.conf by filling in its {{...}} blanks.

    python -m deploy.render --listen 80 --web 127.0.0.1:8061 --web 127.0.0.1:8062 --export 127.0.0.1:8071 \\
        --locations /etc/nginx/snippets/onescreen-locations.conf > /etc/nginx/sites-available/onescreen
    ... --tls-listen 443 --tls-cert /etc/ssl/onescreen.pem --tls-key /etc/ssl/private/onescreen.key

The same function renders the config `make deploy-local` and the tests run,
so what is tried on one machine is what a deployment installs. A blank left
unfilled is an error here, not a surprise in `nginx -t`.
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

NGINX = Path(__file__).resolve().parent / "nginx"
SITE_TEMPLATE = NGINX / "onescreen.conf"
LOCATIONS = NGINX / "onescreen-locations.conf"
_BLANK = re.compile(r"\{\{(\w+)\}\}")
_TLS_LINE = "#tls "


@dataclass(frozen=True)
class Tls:
    listen: str
    certificate: str
    key: str


def site(listen: str, web: list[str], *, export: list[str] | None = None, server_name: str = "_",
         locations: str = str(LOCATIONS), tls: Tls | None = None) -> str:
    """The site config: a server on `listen` (and, with `tls`, an HTTPS one) in front of the `web` processes.

    /export/ goes to the `export` processes (deploy/systemd/onescreen-export@.service), so that a report
    storm takes their threads and their (lower-priority) CPU, never the walls'; without any, to `web`.
    """
    if not web:
        raise ValueError("at least one OneScreen process (--web host:port)")
    text = SITE_TEMPLATE.read_text(encoding="utf-8")
    if tls:
        text = "\n".join(line.removeprefix(_TLS_LINE) for line in text.splitlines()) + "\n"
    values = {
        "listen": listen, "server_name": server_name, "locations": locations,
        "upstream_servers": _servers(web), "export_servers": _servers(export or web),
        "tls_listen": tls.listen if tls else "443", "tls_cert": tls.certificate if tls else "/etc/ssl/onescreen.pem",
        "tls_key": tls.key if tls else "/etc/ssl/private/onescreen.key",
    }
    return _BLANK.sub(lambda blank: values[blank[1]], text)


def _servers(addresses: list[str]) -> str:
    return "\n".join(f"    server {address} max_fails=1 fail_timeout=5s;" for address in addresses)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.render", description=__doc__.split("\n")[0])
    parser.add_argument("--listen", default="80", help="address:port or port of the plain-HTTP server")
    parser.add_argument("--web", action="append", required=True, help="a OneScreen process, host:port (repeat)")
    parser.add_argument("--export", action="append",
                        help="an export process, host:port (repeat); default: exports go to the --web processes")
    parser.add_argument("--server-name", default="_")
    parser.add_argument("--locations", default=str(LOCATIONS), help="where onescreen-locations.conf is installed")
    parser.add_argument("--tls-listen", help="address:port or port of the HTTPS server (with --tls-cert, --tls-key)")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args(argv)
    tls_given = [args.tls_listen, args.tls_cert, args.tls_key]
    if any(tls_given) and not all(tls_given):
        parser.error("TLS needs all of --tls-listen, --tls-cert and --tls-key")
    tls = Tls(args.tls_listen, args.tls_cert, args.tls_key) if all(tls_given) else None
    sys.stdout.write(site(args.listen, args.web, export=args.export, server_name=args.server_name, locations=args.locations, tls=tls))
    return 0


if __name__ == "__main__":
    sys.exit(main())
