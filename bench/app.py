"""The app under benchmark: pip_app's own server_app() (what wsgi.py serves), plus a hello-world
route for the baseline.

The route exists only in this object, which only bench/run.py serves (gunicorn bench.app:app
style, via --pythonpath bench), so production code stays as it is. It runs through the same
factory, extensions and before/after-request hooks as every page, so page throughput divided
by hello-world throughput measures what the page itself costs.
"""

import os
import sys

from pip_app.serving import server_app

app = server_app()  # as wsgi.py: the same app, and the same garbage collector settings


@app.get("/bench/hello")
def bench_hello():
    """Hello, world: the same app's fixed per-request cost, without a database or a template."""
    return "Hello, world!"


# Which tree is being measured (bench/run.py --tree): logged once per process for the results.
print(f"bench app: pip_app from {os.path.dirname(sys.modules['pip_app'].__file__)}", file=sys.stderr, flush=True)
