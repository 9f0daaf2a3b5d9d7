"""Writes that scale with the cores: weekly reviews recorded by 1 client, then by 8 at once (issue #15).

Used by bench/run.py on PostgreSQL, against the same gunicorn (2 sync workers) as the pages.
Each client is a thread that records weekly reviews one after another, as a manager clicking
"Save" would: a POST of the review form (CSRF token, the plan's row version, a progress for
every open action, "keep" for every active control) with `HX-Request`, so the server answers
with the reviews panel and the header flags, as it does for a browser with JavaScript.

What makes every write valid and independent of the others:
- each client has plans of its own (`--write-plans` of them, default 8), so two clients never
  write to the same plan and no write waits on another's plan row;
- a plan takes one review per date (`uq_reviews_plan_id_review_date`) between its start and
  today, so each client walks its plans round-robin and gives each plan its next free date
  (the dates between its start and today that the seed left without a review), oldest first;
- the next review is a week after the review date, so every save changes the plan row and its
  row version goes up by exactly one: the client keeps it, and re-reads the form (counted as a
  conflict) if the server ever says 409.
The plans are the active ones with the most free dates; the 1-client and 8-client runs use
different plans. While the 8 clients run, a sampler counts PostgreSQL backends of this database
waiting on a lock (`pg_stat_activity.wait_event_type = 'Lock'`): no row is shared by every
writing transaction, so it should stay at or near zero.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import date, timedelta

FIELD = re.compile(rb'name="(review-(?:progress|control)_\d+)"')
ROW_VERSION = re.compile(rb'name="review-row_version"[^>]*value="(\d+)"')
CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(_NoRedirect)


def _request(url: str, cookie: str, data: dict | None = None, htmx: bool = False) -> tuple[int, bytes]:
    status, _, body = _exchange(url, cookie, data, htmx)
    return status, body


def _exchange(url: str, cookie: str, data: dict | None = None, htmx: bool = False):
    request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode() if data else None)
    request.add_header("Cookie", cookie)
    if htmx:
        request.add_header("HX-Request", "true")
    try:
        with OPENER.open(request, timeout=120) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _with_csrf_secret(base: str, cookie: str, plan_id: int) -> str:
    """The session cookie once a form has been shown: signing in starts a new session, and the
    first form puts the CSRF secret in it (Set-Cookie), which every later token is checked against."""
    _, headers, _ = _exchange(f"{base}/plans/{plan_id}/reviews/new", cookie)
    jar = dict(part.split("=", 1) for part in cookie.split("; ") if "=" in part)
    for value in headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return "; ".join(f"{k}={v}" for k, v in jar.items())


@dataclass
class PlanForm:
    """What a client needs to record reviews on one plan: the form's fields and the free dates."""

    plan_id: int
    free_dates: list[date]
    fields: list[str] = field(default_factory=list)
    row_version: int = 0
    csrf: str = ""

    def load(self, base: str, cookie: str) -> None:
        """Read the review form: its action and control fields, the row version, the CSRF token."""
        status, body = _request(f"{base}/plans/{self.plan_id}/reviews/new", cookie)
        if status != 200:
            raise RuntimeError(f"the review form of plan {self.plan_id} answered {status}")
        self.fields = sorted({m.decode() for m in FIELD.findall(body)})
        self.row_version = int(ROW_VERSION.search(body).group(1))
        self.csrf = CSRF.search(body).group(1).decode()

    def data(self, day: date, token: str) -> dict:
        values = {
            "csrf_token": self.csrf,
            "review-row_version": str(self.row_version),
            "review-submission_token": token,
            "review-review_date": day.isoformat(),
            "review-next_review_date": (day + timedelta(days=7)).isoformat(),
            "review-summary": "Weekly review recorded by the bench.",
            "review-decision": "continue",
        }
        for name in self.fields:
            values[name] = "on_track" if "-progress_" in name else "keep"
        return values


@dataclass
class Tally:
    writes: int = 0
    conflicts: int = 0
    refused: int = 0
    other: dict = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)


def _client(base: str, cookie: str, plans: list[PlanForm], stop_at: float, tally: Tally, lock, tag: str) -> None:
    """Record reviews round-robin over this client's plans until `stop_at` or no free date is left."""
    n = 0
    while time.perf_counter() < stop_at:
        live = [p for p in plans if p.free_dates]
        if not live:
            break
        plan = live[n % len(live)]
        n += 1
        day = plan.free_dates.pop(0)
        started = time.perf_counter()
        status, _ = _request(
            f"{base}/plans/{plan.plan_id}/reviews", cookie, plan.data(day, f"bench-{tag}-{plan.plan_id}-{day}"), True
        )
        elapsed = time.perf_counter() - started
        with lock:
            if status == 200:
                tally.writes += 1
                tally.latencies.append(elapsed)
            elif status == 409:
                tally.conflicts += 1
            elif status == 422:
                tally.refused += 1
            else:
                tally.other[status] = tally.other.get(status, 0) + 1
        if status == 200:
            plan.row_version += 1
        elif status == 409:
            plan.free_dates.insert(0, day)
            plan.load(base, cookie)


def _phase(base: str, cookie: str, groups: list[list[PlanForm]], seconds: float, tag: str) -> dict:
    tally, lock = Tally(), threading.Lock()
    stop_at = time.perf_counter() + seconds
    started = time.perf_counter()
    threads = [
        threading.Thread(target=_client, args=(base, cookie, group, stop_at, tally, lock, f"{tag}{i}"))
        for i, group in enumerate(groups)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    lat = sorted(tally.latencies)

    def pct(q: float) -> float | None:
        return round(lat[min(len(lat) - 1, int(q * len(lat)))] * 1000, 1) if lat else None

    return {
        "clients": len(groups),
        "seconds": round(elapsed, 2),
        "writes": tally.writes,
        "writes_per_s": round(tally.writes / elapsed, 2) if elapsed else 0.0,
        "p50_ms": round(statistics.median(lat) * 1000, 1) if lat else None,
        "p99_ms": pct(0.99),
        "conflicts": tally.conflicts,
        "refused": tally.refused,
        "other_statuses": tally.other,
    }


class LockSampler:
    """Counts this database's backends waiting on a lock, every 50 ms, while active."""

    def __init__(self, url: str, database: str):
        self.url, self.database = url, database
        self.samples, self.waiting_samples, self.max_waiting = 0, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop.is_set():
                (waiting,) = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                    (self.database,),
                ).fetchone()
                self.samples += 1
                self.waiting_samples += bool(waiting)
                self.max_waiting = max(self.max_waiting, waiting)
                time.sleep(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def result(self) -> dict:
        return {
            "samples": self.samples,
            "samples_with_a_lock_wait": self.waiting_samples,
            "most_backends_waiting": self.max_waiting,
        }


def candidate_plans(url: str, today: date, wanted: int) -> list[PlanForm]:
    """The active plans with the most dates free for a review, most first."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT p.id, p.start_date, array_remove(array_agg(r.review_date), NULL) FROM plans p "
            "LEFT JOIN reviews r ON r.plan_id = p.id AND r.corrects_review_id IS NULL "
            "WHERE p.status = 'active' GROUP BY p.id, p.start_date"
        ).fetchall()
    plans = []
    for plan_id, start, reviewed in rows:
        taken = set(reviewed)
        free = [start + timedelta(days=d) for d in range((today - start).days + 1)]
        plans.append(PlanForm(plan_id, [d for d in free if d not in taken]))
    plans.sort(key=lambda p: (-len(p.free_dates), p.plan_id))
    return plans[:wanted]


def measure_writes(base: str, cookie: str, url: str, *, clients: int, plans_per_client: int, seconds: float) -> dict:
    """Writes per second of 1 client, then of `clients` at once, on plans of their own."""
    from urllib.parse import urlsplit

    plain_url = url.replace("postgresql+psycopg://", "postgresql://", 1)
    database = urlsplit(plain_url).path.lstrip("/")
    plans = candidate_plans(plain_url, date.today(), plans_per_client * (clients + 2))
    if len(plans) < plans_per_client * (clients + 2):
        return {"state": f"only {len(plans)} active plans with free dates"}
    fewest_free = min(len(p.free_dates) for p in plans)
    cookie = _with_csrf_secret(base, cookie, plans[0].plan_id)
    for plan in plans:
        plan.load(base, cookie)
    chunks = [plans[i * plans_per_client : (i + 1) * plans_per_client] for i in range(clients + 2)]
    warm_up = _phase(base, cookie, [chunks[0]], min(3.0, seconds), "w")
    one = _phase(base, cookie, [chunks[1]], seconds, "a")
    with LockSampler(plain_url, database) as sampler:
        many = _phase(base, cookie, chunks[2:], seconds, "b")
    return {
        "state": "ok",
        "plans_per_client": plans_per_client,
        "fewest_free_dates": fewest_free,
        "warm_up": warm_up,
        "one": one,
        "many": many,
        "ratio": round(many["writes_per_s"] / one["writes_per_s"], 2) if one["writes_per_s"] else None,
        "lock_waits": sampler.result(),
    }
