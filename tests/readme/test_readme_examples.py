"""The README's runnable examples run as written.

A block the README marks with `<!-- runnable ... -->` on the line before it is executed, in the
README's order, by bash against a live server holding the demo data (`seed_demo` and
`demo_accounts`, as `make run` loads them, smaller): `set -euo pipefail`, and curl fails on an
HTTP error (`--fail-with-body`), so an example that answers 401 or 404, or a helper that crashes,
fails the test with the block's output. The only change made to the text is the server's address.
Helpers the README tells a newcomer to run (`make totp`, `make sweep`) are run as printed too."""

from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)
MARK = re.compile(r"^<!-- runnable\b.*-->\s*$")


def runnable_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, code) of every indented code block right after a runnable marker."""
    lines = text.splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        if MARK.match(lines[i]):
            start = i + 1
            while start < len(lines) and not lines[start].strip():
                start += 1
            end = start
            while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()):
                end += 1
            code = "\n".join(line[4:] for line in lines[start:end]).strip("\n")
            assert code, f"README line {i + 1}: a runnable marker with no indented block after it"
            blocks.append((start + 1, code))
            i = end
        else:
            i += 1
    return blocks


def _environment() -> dict:
    """The live server's database (the test database) and Redis, for the helpers the examples call."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "REDIS_URL": os.environ.get("REDIS_URL", ""),
            "PYTHONPATH": str(ROOT)}


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # persons: enough that each of the four history employers gets its staff (demo.money), as in `make run`:
    # with 120, the second portal employer had none, so no history and nothing for the payment-order walk to pay.
    call_command("seed_demo", employers=12, persons=500, seed=1, stdout=io.StringIO())
    call_command("demo_accounts", stdout=io.StringIO())


def _run(script: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", script], cwd=cwd, env=_environment(), capture_output=True, text=True,
                          timeout=300)


def test_the_readme_marks_the_examples_it_runs():
    blocks = runnable_blocks((ROOT / "README.md").read_text())
    assert len(blocks) >= 2
    assert any("me/statements" in code for _line, code in blocks)  # the statements walk
    assert not any("310101200204172439" in code for _line, code in blocks)  # no person the demo lacks


def test_every_runnable_readme_example_runs_against_the_demo(demo, live_server, tmp_path):
    for name in (".venv", "manage.py", "var"):
        if (ROOT / name).exists():
            (tmp_path / name).symlink_to(ROOT / name)
    prelude = "set -euo pipefail\ncurl() { command curl --fail-with-body --max-time 60 \"$@\"; }\n"
    for line, code in runnable_blocks((ROOT / "README.md").read_text()):
        script = prelude + code.replace("http://127.0.0.1:8000", live_server.url)
        done = _run(script, tmp_path)
        assert done.returncode == 0, f"README block at line {line} failed:\n{code}\n--- output\n{done.stdout[-3000:]}" \
                                     f"\n--- errors\n{done.stderr[-3000:]}"
    assert (tmp_path / "statement-2025.pdf").read_bytes().startswith(b"%PDF")


def test_the_helpers_a_newcomer_is_told_to_run_work_as_printed(demo):
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    assert "make totp" in out.getvalue()
    totp = subprocess.run(["make", "-s", "totp"], cwd=ROOT, env=_environment(), capture_output=True, text=True,
                          timeout=300)
    assert totp.returncode == 0 and re.fullmatch(r"\d{6}", totp.stdout.strip()), totp.stderr[-2000:]
    sweep = subprocess.run(["make", "-s", "sweep"], cwd=ROOT, env=_environment(), capture_output=True, text=True,
                           timeout=300)
    assert sweep.returncode == 0, sweep.stderr[-2000:]
