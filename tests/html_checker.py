"""The Nu HTML Checker for the tests: one vnu.jar HTTP service per test process (each xdist worker
starts its own), started when a test first asks for it and stopped when the process ends.

Starting the JVM is the expensive part (seconds of CPU on a small machine); checking a page on a
running service takes milliseconds. So a run that checks no HTML starts no JVM, and a run that
checks many pages in several tests starts one.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import pytest

VNU = Path(__file__).resolve().parents[1] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# The checker does not know htmx's attributes; this is the only complaint the tests ignore.
HX_ATTRIBUTE = re.compile(r"Attribute “hx-[a-z-]+” not allowed")
# The JVM, the schemas and the built-in copy of the HTML standard load in ~5-15 s; give a loaded
# machine room before calling the service broken.
START_TIMEOUT_SECONDS = 180
CHECK_TIMEOUT_SECONDS = 120
# C1 only (no C2 JIT) and one GC thread: about half the start-up CPU of the defaults, and pages
# are small enough that the slower steady state does not show. C1 frames are larger, and the
# RELAX NG schema checks recurse deeply, so the thread stack is raised (vnu's own advice for a
# StackOverflowError).
JVM_OPTIONS = ("-Xss4m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def require_checker() -> None:
    """Skip the test when vnu.jar or Java is missing, except under CI, where that is a failure;
    otherwise start the service now, so it warms up while the test renders its pages."""
    if not (VNU.exists() and shutil.which("java")):
        if os.environ.get("CI") == "true":
            pytest.fail("vnu.jar or Java is missing: run `make test`, which installs both.")
        pytest.skip("vnu.jar or Java is missing (make test installs them)")
    _service()


def assert_valid_html(pages: Mapping[str, str], *, ignore: re.Pattern[str] = HX_ATTRIBUTE) -> None:
    """Check every page (name → HTML) and fail with each error as "page: line n: message",
    leaving out the messages `ignore` matches (by default the checker not knowing hx-*)."""
    require_checker()
    service = _service()
    errors = [
        f"{name}: line {message.get('lastLine')}: {message['message']}"
        for name, html in pages.items()
        for message in service.messages(name, html)
        if message.get("type") == "error" and not ignore.search(message["message"])
    ]
    assert errors == [], "\n".join(errors[:40])


class CheckerService:
    """vnu.jar's own web server (nu.validator.servlet.Main) on a free loopback port."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the JVM; closed in stop)
        self.process = subprocess.Popen(
            [
                "java",
                *JVM_OPTIONS,
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(VNU),
                "nu.validator.servlet.Main",
                str(self.port),
            ],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=_end_with_parent() if sys.platform == "linux" else None,
        )
        self.ready = False

    def messages(self, name: str, html: str) -> list[dict[str, Any]]:
        """The checker's messages for one document, sent as UTF-8 HTML."""
        self.wait_until_ready()
        request = urllib.request.Request(
            f"{self.url}?out=json",
            data=html.encode("utf-8"),
            headers={"Content-Type": "text/html; charset=utf-8"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=CHECK_TIMEOUT_SECONDS) as response:
            messages: list[dict[str, Any]] = json.load(response)["messages"]
        # A non-document error means the page was not checked at all (too large, unreadable).
        trouble = [m["message"] for m in messages if m.get("type") == "non-document-error"]
        assert not trouble, f"{name}: the checker could not check the page: {trouble}"
        return messages

    def wait_until_ready(self) -> None:
        """Block until the service answers, failing with its log if it exits or never answers."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.ready:
            if self.process.poll() is not None:
                pytest.fail(f"the HTML checker exited with {self.process.returncode}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the HTML checker did not answer in {START_TIMEOUT_SECONDS} s:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url, timeout=5):
                    self.ready = True
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)

    def log_tail(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


_running: CheckerService | None = None


def _service() -> CheckerService:
    """This process's service, started on first use (a dead one is started again)."""
    global _running
    if _running is None or _running.process.poll() is not None:
        if _running is not None:
            _running.stop()
        else:
            atexit.register(_stop_service)
        _running = CheckerService()
    return _running


def _stop_service() -> None:
    if _running is not None:
        _running.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _end_with_parent() -> functools.partial[int]:
    """prctl(PR_SET_PDEATHSIG, SIGTERM), for the child to call before exec: Linux then ends the JVM
    if the test process dies without running atexit handlers (killed, or an xdist worker torn
    down), so no checker outlives its run. Looked up here, before the fork, because the child of a
    threaded process must not load libraries."""
    pr_set_pdeathsig = 1
    return functools.partial(ctypes.CDLL(None).prctl, pr_set_pdeathsig, signal.SIGTERM)
