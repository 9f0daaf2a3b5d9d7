"""The health check, security headers, error pages and the vendored htmx."""

import hashlib
import re
from pathlib import Path

from pip_app import create_app

STATIC = Path(__file__).resolve().parents[1] / "pip_app" / "static"
HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_signed_in_pages_are_not_cached(sign_in, make_user):
    signed_in = sign_in(make_user("manager"))
    assert signed_in.get("/").headers["Cache-Control"] == "no-store"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_vendored_htmx_is_the_unmodified_release():
    data = (STATIC / "vendor" / "htmx-2.0.11.min.js").read_bytes()
    assert hashlib.sha256(data).hexdigest() == HTMX_SHA256
    assert (STATIC / "vendor" / "htmx-2.0.11.LICENSE").exists()


def test_base_layout_configures_htmx_for_the_csp(client):
    page = client.get("/login").text
    assert '"includeIndicatorStyles":false' in page and '"allowEval":false' in page
    assert '"code":"422","swap":true' in page
    assert "htmx-2.0.11.min.js" in page
    assert "<script>" not in page and " style=" not in page  # nothing inline for the CSP to block
    assert 'class="skip-link" href="#main"' in page


def test_behind_a_trusted_proxy_the_real_address_and_scheme_are_used(monkeypatch):
    monkeypatch.setenv("PIP_PROXY_COUNT", "1")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    seen = {}

    @app.get("/whoami-test")
    def whoami():
        from flask import request

        seen.update(addr=request.remote_addr, secure=request.is_secure)
        return "ok"

    response = app.test_client().get(
        "/whoami-test", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    )
    assert response.status_code == 200
    assert seen == {"addr": "203.0.113.9", "secure": True}
    assert "Strict-Transport-Security" in response.headers


def test_static_files_are_kept_for_a_year_under_their_digest_and_asked_again_otherwise(client):
    """Each page names its stylesheets and scripts by a digest of their contents: those URLs may be
    kept for a year (a changed file gets a new URL); any other static URL is asked again."""
    page = client.get("/login").text
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert len(urls) == 6, urls
    for url in urls:
        path, digest = re.fullmatch(r"/static/([^?]+)\?v=([0-9a-f]{16})", url).groups()
        assert hashlib.sha256((STATIC / path).read_bytes()).hexdigest().startswith(digest)
        kept = client.get(url)
        assert kept.status_code == 200 and kept.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/static/css/app.css").headers["Cache-Control"] == "no-cache"
    assert client.get("/static/css/app.css?v=0123456789abcdef").headers["Cache-Control"] == "no-cache"
    assert client.get("/static/no-such-file.css?v=0123456789abcdef").status_code == 404


def test_the_static_urls_every_page_links_are_url_for_s_under_each_mount_point(app):
    """`static_url` keeps each file's URL once made: the same URL `url_for` makes, at the site's root
    and under a path it is mounted at, in whichever order they are asked for."""
    from flask import render_template_string, url_for

    for root in ("/care-home", "", "/care-home"):
        with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": root}):
            for name in ("css/app.css", "vendor/htmx-2.0.11.min.js"):
                made = render_template_string("{{ static_url(name) }}", name=name)
                assert made == url_for("static", filename=name)
                assert made.startswith(f"{root}/static/{name}?v=")
