"""Save a screenshot of each main screen under docs/screenshots/ (`make screenshots`).

Builds a throw-away SQLite database with the demo data, serves the app from a thread and drives
Debian's Chromium with Playwright, signed in as the role that uses each screen.
"""

import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
PASSWORD = "screenshots-demo-2026"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> int:
    workdir = tempfile.mkdtemp(prefix="pip-shots-")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/shots.sqlite3"
    os.environ["PIP_TWO_FACTOR_REQUIRED_ROLES"] = "[]"
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright
    from sqlalchemy import select
    from werkzeug.serving import make_server

    from pip_app import create_app
    from pip_app.extensions import db
    from pip_app.models import Plan, PlanStage
    from pip_app.tools.demo import load_demo_data

    app = create_app({"SECRET_KEY": "screenshots-only"})
    with app.app_context():
        upgrade()
        load_demo_data(PASSWORD)
        db.session.commit()
        formal = db.session.scalar(select(Plan.id).where(Plan.stage != PlanStage.INFORMAL))  # Tomasz's, under appeal
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    OUT.mkdir(parents=True, exist_ok=True)

    shots = [
        ("manager", "01-dashboard-manager", "/"),
        ("manager", "02-plans-list", "/plans/"),
        ("manager", "03-new-plan-from-template", "/plans/new?template=escalation"),
        ("manager", "04-plan-builder", "/plans/4/edit"),
        ("manager", "05-plan-page", "/plans/1"),
        ("manager", "06-weekly-review-form", "/plans/1/reviews/new"),
        ("senior", "07-control-register", "/register"),
        ("senior", "08-dashboard-senior", "/"),
        ("manager", "09-closure-form", "/plans/2/close"),
        ("hr", "10-hr-closed-plans", "/hr/closures"),
        ("staff", "11-dashboard-staff", "/"),
        ("admin", "12-admin-users", "/admin/users"),
        ("senior", "14-draft-to-approve", "/plans/4"),
        ("senior", "15-escalation-and-disagreement", "/plans/2"),
        ("staff", "16-plan-page-staff", "/plans/1"),
        # Issue 20, the formal route: the plan at stage 1 under appeal, its letters, the appeal as its
        # hearer (the second registered manager) sees it, HR's list of warnings.
        ("senior2", "17-formal-plan-header-under-appeal", f"/plans/{formal}"),
        ("manager", "18-formal-plan-letters", f"/plans/{formal}/letters"),
        ("senior2", "19-appeal-to-hear", f"/plans/{formal}/appeal"),
        ("hr", "20-hr-warnings", "/hr/warnings"),
    ]
    above_the_fold = {"17-formal-plan-header-under-appeal"}  # the header, not the whole plan
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        pages = {}
        for role, name, path in shots:
            if role not in pages:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(f"{base}/login")
                page.fill("#email", f"{role}@demo.test")
                page.fill("#password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state()
                pages[role] = page
            page = pages[role]
            response = page.goto(base + path)
            if response is None or response.status != 200:
                print(f"skipped {name}: {path} answered {response.status if response else 'nothing'}")
                continue
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=name not in above_the_fold)
            print(f"saved docs/screenshots/{name}.png")
        login = browser.new_page(viewport={"width": 1280, "height": 700})
        login.goto(f"{base}/login")
        login.screenshot(path=str(OUT / "00-sign-in.png"))
        pdf = pages["hr"].request.get(f"{base}/plans/5/closure.pdf")
        if pdf.ok:
            target = Path(workdir) / "closure.pdf"
            target.write_bytes(pdf.body())
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "70",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    str(target),
                    str(OUT / "13-closure-summary-pdf"),
                ],
                check=True,
            )
            print("saved docs/screenshots/13-closure-summary-pdf-1.png")
        browser.close()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
