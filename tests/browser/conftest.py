"""Browser journeys: the app served from a thread, driven by Playwright in Debian's Chromium."""

import os
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests import factories
from tests.conftest import csrf_token_from

# Debian's chromium-headless-shell: Chromium's own headless build, the one Playwright drives by
# default for headless tests (the same Blink, V8 and network stack as the browser, without its
# window and UI processes). The journeys took half the CPU they took in the full browser.
CHROMIUM = "/usr/lib/chromium/chromium-headless-shell"

# Each xdist worker runs a browser, the app's server thread and its database on a 2-core machine:
# under that load a save can take longer than Playwright's default 5 s to show. Waiting up to
# 10 s changes no assertion, only how long a failing one waits before it fails.
expect.set_options(timeout=10_000)


def pytest_collection_modifyitems(config, items):
    """Browser tests run wherever Chromium is installed; under CI a missing browser is a failure."""
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI=true but Chromium is not at {CHROMIUM}: run `make test`, which installs it.")
    skip = pytest.mark.skip(reason="Debian chromium is not installed (make test installs it)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def factories_commit(monkeypatch):
    """The live server reads through connections of its own: what a journey builds is committed."""
    monkeypatch.setattr(factories, "COMMIT", True)


@pytest.fixture
def live_server(app):
    """Serve the test app on a free local port for the length of one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # shutdown() waits for the serving loop to look up from its poll: at the default half-second
    # interval that was a quarter of a second per test on average, for nothing.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture
def console_errors(page):
    """Collects console errors (CSP violations included) so a journey can assert there were none."""
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def sign_in(page, base_url: str, email: str, password: str) -> None:
    """Sign in through the real form."""
    response = page.goto(f"{base_url}/login")
    # Signed in still (a session cookie left), or an error page: say which, not just "timed out".
    assert response is not None and response.ok and "/login" in page.url, (
        f"GET /login ended on {page.url} ({response.status if response else 'no response'})"
    )
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page) -> None:
    """Sign out with the page's own button and wait until the signed-out page says so (the next
    sign-in must not race the sign-out still on its way)."""
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def sign_in_quickly(page, base_url: str, email: str, password: str, then: str) -> None:
    """Sign in by posting the sign-in form (with its CSRF token) from the browser's own cookie
    jar, then open `then`, a path: for journeys that are not about the sign-in page or the
    dashboard shown after it. Skipping the rendered form and that dashboard saves about half a
    second a time; the server checks exactly what it checks for the real form."""
    form = page.request.get(f"{base_url}/login", max_redirects=0)
    # Signed in still (a session cookie left), or an error page: say which, not just "no token".
    assert form.status == 200, f"GET /login answered {form.status} {form.headers.get('location', '')}"
    signed_in = page.request.post(
        f"{base_url}/login",
        form={"email": email, "password": password, "csrf_token": csrf_token_from(form.text())},
        max_redirects=0,
    )
    assert signed_in.status == 303, f"signing in as {email} answered {signed_in.status}"
    response = page.goto(f"{base_url}{then}")
    assert response is not None and response.ok, f"GET {then} answered {response.status if response else None}"


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def assert_accessible(page, where: str = "") -> None:
    """Zero axe-core violations of the WCAG 2.2 A and AA rules on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    # Only violations are reported: axe then skips building selectors for every node that passed
    # (the rules still run on every node, so what is checked is the same).
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    assert results.violations_count == 0, f"{where or page.url}:\n{results.generate_report()}"
