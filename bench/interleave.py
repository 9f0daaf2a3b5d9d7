"""Throughput of two checkouts served side by side, measured in turns: each page's share of
hello-world on each server, round after round, on one seeded database (see bench/README.md).

    .venv/bin/python bench/interleave.py /tmp/base . --database sqlite:////tmp/scale.sqlite3 \\
        '/plans/1,senior.group@scale.test' '/register,senior.group@scale.test' --rounds 6

Both checkouts are served at once by gunicorn as bench/run.py serves one (2 sync workers,
production settings, one secret key), and one sign-in per person serves both (signing in again
would end the other's session). For each page, each round loads hello-world and then the page on
one server, then on the other (which goes first alternates), with wrk as bench/run.py does. The
share of each round is against the hello-world measured just before it on the same server, and
the figure is the median of the rounds. A whole run of bench/run.py measures each tree a quarter
of an hour apart, and on a shared machine that moved unchanged pages by a fifth (session 20); in
turns, both trees see the same moments.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
from pathlib import Path

import run  # bench/: run as a script, its folder is on the path

PASSWORD = "scale-bench-2026"  # the scale seed's password for every account


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Throughput of two checkouts, measured in turns.")
    parser.add_argument("base", help="the checkout to compare against")
    parser.add_argument("new", help="the checkout with the change")
    parser.add_argument("pages", nargs="+", help="path,email (the scale seed's accounts)")
    parser.add_argument("--database", required=True, help="a seeded database's URL (DATABASE_URL)")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=4, help="wrk's duration for each page, each round")
    args = parser.parse_args(argv)
    secret = secrets.token_hex(32)
    servers = {}
    try:
        for name, tree in (("base", args.base), ("new", args.new)):
            path = Path(tree).resolve()
            servers[name] = run.Server(
                path, run.app_env(path, args.database, secret), 2, Path(f"/tmp/interleave-{name}.log")
            )
        pages = [page.split(",", 1) for page in args.pages]
        cookies = {email: run.sign_in(servers["base"].base, email, PASSWORD) for email in {e for _, e in pages}}
        for path, email in pages:
            shares: dict[str, list[float]] = {"base": [], "new": []}
            for turn in range(args.rounds):
                for name in ("base", "new") if turn % 2 == 0 else ("new", "base"):
                    base = servers[name].base
                    hello = run.wrk(base, "/bench/hello", None, duration=2, connections=8, threads=2)
                    page = run.wrk(base, path, cookies[email], duration=args.seconds, connections=8, threads=2)
                    if page["errors"] or run.probe(base, path, cookies[email])[0] != "ok":
                        raise SystemExit(f"{path} as {email} did not answer 200 on {name}")
                    shares[name].append(page["rps"] / hello["rps"])
            base_share, new_share = statistics.median(shares["base"]), statistics.median(shares["new"])
            rounds = " ".join(
                f"{b * 100:.2f}/{n * 100:.2f}" for b, n in zip(shares["base"], shares["new"], strict=True)
            )
            print(
                f"{path:28} {email:26} base {base_share * 100:.2f} %  new {new_share * 100:.2f} %"
                f"  new/base {new_share / base_share:.3f}  (rounds, base/new: {rounds})",
                flush=True,
            )
    finally:
        for server in servers.values():
            server.stop()


if __name__ == "__main__":
    main()
