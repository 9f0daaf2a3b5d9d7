"""Profile one page with pyinstrument, in-process, on a seeded database (see bench/README.md).

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/profile.py / --requests 3
    DATABASE_URL=... .venv/bin/python bench/profile.py /plans/1 --email manager001@scale.test --html out.html

Signs in through /login like a person (the seeded accounts share the seed's password), warms the
page up twice, then profiles `--requests` requests and prints the call tree (or writes HTML).
pyinstrument is a development tool: `.venv/bin/pip install pyinstrument`.
"""

from __future__ import annotations

import argparse
import re
import sys

try:
    from pyinstrument import Profiler
except ImportError:  # pragma: no cover - a hint, not a feature
    sys.exit("pyinstrument is not installed: .venv/bin/pip install pyinstrument")

import checkout  # first: this checkout's pip_app, not the venv's

from pip_app import create_app
from pip_app.serving import settle_garbage_collector
from pip_app.tools.seed import DEFAULT_PASSWORD, GROUP_SENIOR_EMAIL


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Profile one page of the seeded app with pyinstrument.")
    parser.add_argument("path", help="the page, e.g. / or /plans/1 or '/register?flagged=1'")
    parser.add_argument("--email", default=GROUP_SENIOR_EMAIL)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--interval", type=float, default=0.001, help="sampling interval in seconds")
    parser.add_argument("--html", help="write pyinstrument's HTML report here instead of printing text")
    args = parser.parse_args(argv)
    print(f"measuring the code in {checkout.ROOT}", file=sys.stderr)

    app = create_app({"RATELIMIT_ENABLED": False})
    settle_garbage_collector()  # as the server does (pip_app.serving): no full collection in the profile
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text).group(1)
    signed_in = client.post("/login", data={"email": args.email, "password": args.password, "csrf_token": token})
    if signed_in.status_code != 303:
        sys.exit(f"sign-in as {args.email} failed ({signed_in.status_code})")
    for _ in range(2):
        status = client.get(args.path).status_code
    if status != 200:
        sys.exit(f"{args.path} answered {status}")
    profiler = Profiler(interval=args.interval)
    profiler.start()
    for _ in range(args.requests):
        client.get(args.path)
    profiler.stop()
    if args.html:
        with open(args.html, "w") as fh:
            fh.write(profiler.output_html())
        print(f"wrote {args.html}")
    else:
        print(profiler.output_text(unicode=True, color=False))


if __name__ == "__main__":
    main()
