"""Scripts are compressed once per process (brotli, or gzip for a browser without it) and revalidate to 304;
callback answers are still compressed as they leave, each on its own."""
from __future__ import annotations

import brotli
import gzip
import pytest

import static_compression
from app import create_app
from tests.support import settings_for, signed_in
from tests.test_app_shell import city_url  # noqa: F401 (fixture)

PLOTLY = "/_dash-component-suites/plotly/package_data/plotly.min.js"


@pytest.fixture
def client(city_url):  # noqa: F811
    return signed_in(create_app(settings_for(city_url)))


def test_a_script_is_compressed_once_and_served_alike_to_every_visitor(client, monkeypatch):
    first = client.get(PLOTLY, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "br"
    script = brotli.decompress(first.get_data())
    assert b"plotly" in script[:5000].lower()
    compressed = []
    monkeypatch.setattr(static_compression.brotli, "compress", lambda *a, **k: compressed.append(1) or b"")
    second = client.get(PLOTLY, headers={"Accept-Encoding": "br"})
    assert second.get_data() == first.get_data() and not compressed  # from the process's store
    plain = client.get(PLOTLY, headers={"Accept-Encoding": "gzip"})
    assert plain.headers["Content-Encoding"] == "gzip" and gzip.decompress(plain.get_data()) == script


def test_a_revalidation_is_a_304_without_the_body(client):
    first = client.get(PLOTLY, headers={"Accept-Encoding": "br"})
    again = client.get(PLOTLY, headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    # Another encoding is another representation: its own validator.
    assert client.get(PLOTLY, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]}
                      ).status_code == 200


def test_without_an_accepted_encoding_the_script_is_sent_as_it_is(client):
    answer = client.get(PLOTLY, headers={"Accept-Encoding": "br;q=0, identity"})
    assert answer.status_code == 200 and "Content-Encoding" not in answer.headers
    assert b"plotly" in answer.get_data()[:5000].lower()


def test_assets_sent_from_disk_are_compressed_too(client):
    page = client.get("/").get_data(as_text=True)
    stylesheet = page.split('href="/assets/onescreen.css', 1)[1].split('"', 1)[0]
    answer = client.get(f"/assets/onescreen.css{stylesheet}", headers={"Accept-Encoding": "br"})
    assert answer.status_code == 200 and answer.headers["Content-Encoding"] == "br"
    assert b"--" in brotli.decompress(answer.get_data())  # the stylesheet, whole
