"""The PWA blueprint: page shells in every language, manifest, service worker, static files."""

from __future__ import annotations

import json
import re
import struct

import pytest
from flask import Flask
from flask.testing import FlaskClient

from dispatch import create_app
from dispatch.pwa_views import LANGUAGES
from dispatch.pwa_views import SHELL_PAGES

PAGES = ["/", "/login", "/app/resident", "/app/volunteer", "/app/board", "/offline"]
MISSING_KEY = re.compile(r"\[[a-z_]+\.[a-z0-9_.]+\]")


@pytest.fixture(scope="module")
def pwa_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    db = tmp_path_factory.mktemp("pwa") / "pwa.sqlite3"
    return create_app({"DATABASE_URL": f"sqlite:///{db}", "SECRET_KEY": "pwa-test",
                      "TESTING": True})


@pytest.fixture
def client(pwa_app: Flask) -> FlaskClient:
    return pwa_app.test_client()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_in_every_language_without_missing_texts(
        client: FlaskClient, path: str, lang: str) -> None:
    resp = client.get(f"{path}?lang={lang}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    direction = "rtl" if lang == "ar" else "ltr"
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert not MISSING_KEY.findall(html)
    assert 'rel="manifest"' in html
    assert 'id="lang-select"' in html
    assert "https://" not in html, "no CDN or external resource"
    assert "http://" not in html, "no CDN or external resource"
    assert resp.headers["Content-Language"] == lang


def test_language_follows_cookie_then_browser_then_german(client: FlaskClient) -> None:
    assert 'lang="tr"' in client.get("/login", headers={"Accept-Language": "tr-TR"}).text
    assert 'lang="de"' in client.get("/login", headers={"Accept-Language": "fr-FR"}).text
    client.get("/login?lang=pl")  # sets the cookie
    assert 'lang="pl"' in client.get("/login", headers={"Accept-Language": "tr"}).text


def test_unknown_face_is_404(client: FlaskClient) -> None:
    assert client.get("/app/nothing").status_code == 404


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_manifest_is_installable_and_its_icons_exist(client: FlaskClient) -> None:
    resp = client.get("/manifest.webmanifest")
    assert resp.status_code == 200
    assert resp.mimetype == "application/manifest+json"
    manifest = json.loads(resp.get_data(as_text=True))
    assert manifest["display"] == "standalone"
    assert manifest["start_url"].startswith("/")
    assert manifest["scope"] == "/"
    assert manifest["name"]
    assert manifest["short_name"]
    sizes = {}
    for icon in manifest["icons"]:
        r = client.get(icon["src"])
        assert r.status_code == 200, icon["src"]
        if icon["type"] == "image/png":
            w, h = _png_size(r.data)
            assert f"{w}x{h}" == icon["sizes"], icon["src"]
            sizes.setdefault(icon.get("purpose", "any"), set()).add(w)
    assert {192, 512} <= sizes["any"]
    assert 512 in sizes["maskable"]


def test_service_worker_has_root_scope_and_caches_an_existing_shell(client: FlaskClient) -> None:
    resp = client.get("/sw.js")
    assert resp.status_code == 200
    assert resp.mimetype == "text/javascript"
    assert resp.headers["Service-Worker-Allowed"] == "/"
    assert "no-cache" in resp.headers["Cache-Control"]
    source = resp.get_data(as_text=True)
    assert "__SHELL" not in source
    found = re.search(r"const SHELL = (\[.*?\]);", source)
    assert found is not None
    shell = json.loads(found.group(1))
    for page in SHELL_PAGES:
        assert page in shell
    assert "/static/js/app.js" in shell
    assert "/static/i18n/ar.json" in shell
    for url in shell:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("path", [p for p in PAGES if p != "/app/board"])
def test_every_page_but_the_board_has_the_office_numbers_as_tel_links(
        client: FlaskClient, path: str) -> None:
    html = client.get(f"{path}?lang=de").get_data(as_text=True)
    # config/quarters/*.toml, [office] phone
    assert 'href="tel:0231000001"' in html
    assert 'href="tel:0231000000"' in html
    assert 'data-office-quarter="eving"' in html


def test_the_board_has_no_office_footer(client: FlaskClient) -> None:
    assert 'class="office-footer"' not in client.get("/app/board?lang=de").text
