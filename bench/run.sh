#!/bin/sh
# Entry point: see bench/README.md. Arguments go to bench/run.py (e.g. --db sqlite).
set -e
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
exec .venv/bin/python bench/run.py "$@"
