"""The case bundle at the size the issue names: a plan with 100 weekly reviews and 20 issued
versions (plus five attached PDFs), built as HR downloads it — the plan loaded with the summary's
loader options, the bundle's data, the PDF — without and with the attached PDFs appended.

    .venv/bin/python bench/case_bundle.py [--runs 5]

Uses a throw-away SQLite database with the demo data, grown by the app's own models and
operations. Writes bench/results/<date>-case-bundle.md (and prints it).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the app is imported after sys.path is set (below)
    from pip_app.models import Plan, User

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pdf_file(text: str, pages: int) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    for n in range(pages):
        page.drawString(72, 720, f"{text}, page {n + 1}")
        page.showPage()
    page.save()
    return out.getvalue()


def grow(plan: Plan, manager: User) -> None:
    """100 weekly reviews (one entry per action) and versions up to 20, each changing an action."""
    from pip_app.extensions import db
    from pip_app.models import PlanVersion, Progress, Review, ReviewDecision, ReviewEntry
    from pip_app.services.plans import snapshot

    have = {r.review_date for r in plan.reviews}
    day = plan.start_date
    added = 0
    while added < 100:
        day += timedelta(days=7)
        if day in have:
            continue
        review = Review(
            plan=plan,
            review_date=day,
            reviewer=manager,
            summary=f"Week {added + 1}: two audits, one late entry discussed in supervision. " * 2,
            decision=ReviewDecision.ESCALATE if added % 25 == 24 else ReviewDecision.CONTINUE,
            next_review_date=day + timedelta(days=7),
            entries=[
                ReviewEntry(action=action, progress=Progress.ON_TRACK, note="Audit sampled; signed at the time.")
                for action in plan.actions
            ],
        )
        db.session.add(review)
        added += 1
    while plan.version < 20:
        action = plan.actions[plan.version % len(plan.actions)]
        action.success_criterion = f"{action.success_criterion.split(' (v')[0]} (v{plan.version + 1})"
        plan.version += 1
        db.session.add(
            PlanVersion(
                plan=plan,
                version=plan.version,
                snapshot=snapshot(plan),
                created_by=manager,
                change_summary=f"{action.ref} criterion tightened",
            )
        )
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="pip-bundle-")
    url = f"sqlite:///{folder}/bench.sqlite3"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    for command in (["db", "upgrade"], ["demo-data"]):
        subprocess.run(
            [str(ROOT / ".venv/bin/flask"), "--app", "pip_app", *command],
            check=True,
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    os.environ.update(DATABASE_URL=url, SECRET_KEY="bench")

    from pypdf import PdfReader
    from sqlalchemy import select

    from pip_app import create_app
    from pip_app.extensions import db
    from pip_app.models import AttachmentVisibility, Plan, PlanStatus, User
    from pip_app.pdf import render_case_bundle
    from pip_app.services import attachments as attachment_ops
    from pip_app.services import case_bundle as bundle_ops
    from pip_app.services.summaries import SUMMARY_READS

    app = create_app()
    with app.app_context():
        plan = db.session.scalars(select(Plan).where(Plan.status == PlanStatus.ACTIVE).order_by(Plan.id)).first()
        hr = db.session.scalar(select(User).where(User.email == "hr@demo.test"))
        assert plan is not None and hr is not None
        for n in range(5):
            attachment_ops.attach_file(
                plan.manager,
                plan,
                subject=attachment_ops.subjects(plan)[0],
                filename=f"audit sheet {n + 1}.pdf",
                content=pdf_file(f"Audit sheet {n + 1}", 3),
                description=f"MAR audit sheet {n + 1}",
                visibility=AttachmentVisibility.RESTRICTED if n == 4 else AttachmentVisibility.STAFF,
                max_bytes=10 * 1024 * 1024,
            )
        db.session.commit()
        grow(plan, plan.manager)
        plan_id = plan.id

    rows = []
    for appended in (False, True):
        times, parts = [], []
        pages = size = 0
        for _ in range(args.runs):
            with app.app_context():
                hr = db.session.scalar(select(User).where(User.email == "hr@demo.test"))
                started = time.perf_counter()
                plan = db.session.get(Plan, plan_id, options=SUMMARY_READS.as_options())
                bundle = bundle_ops.case_bundle(plan, viewer=hr, append_pdfs=appended)
                data_done = time.perf_counter()
                body = render_case_bundle(bundle)
                done = time.perf_counter()
                times.append(done - started)
                parts.append(data_done - started)
                size = len(body)

                pages = len(PdfReader(io.BytesIO(body)).pages)
                reviews, versions = len(bundle.summary.reviews), len(bundle.summary.versions)
        rows.append(
            f"| {'with' if appended else 'without'} | {reviews} | {versions} | {pages} | {size / 1024:.0f} KB "
            f"| {statistics.median(parts):.2f} s | {statistics.median(times):.2f} s | {max(times):.2f} s |"
        )

    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    report = "\n".join(
        [
            f"# Case bundle build time ({stamp}, SQLite, {args.runs} runs each)",
            "",
            "The plan: demo data's first active plan grown to 100+ weekly reviews (an entry per action each) "
            "and 20 issued versions, with 5 attached PDFs of 3 pages (one restricted; HR sees all).",
            "Measured in process: load with the summary's loader options, build the data, render the PDF.",
            "",
            "| attached PDFs | reviews | versions | pages | size | data (median) | total (median) | total (max) |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    out = ROOT / "bench" / "results" / f"{stamp}-case-bundle.md"
    out.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
