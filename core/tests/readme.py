"""The README's shell tours, run as written: find a fenced ``sh`` block, substitute the lines
that define the reader's values (``API=``, ``TOKEN=``, ...), run it with bash."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from conftest import IN_CI

README = Path(settings.BASE_DIR) / "README.md"


def sh_block(heading: str, *, defines: str) -> str:
    """The first fenced ``sh`` block after ``heading`` that has a line ``<defines>=...``."""
    section = README.read_text().split(heading, 1)[1]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    return str(next(block for block in blocks if re.search(rf"^{defines}=", block, flags=re.M)))


def run_tour(script: str, values: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``script`` with each ``NAME=...`` line of ``values`` replaced (each must appear once),
    run by ``bash -euo pipefail``. Skips (fails in CI) without bash, curl and jq."""
    if not (shutil.which("curl") and shutil.which("jq") and shutil.which("bash")):
        if IN_CI:
            pytest.fail("the README tour needs bash, curl and jq")
        pytest.skip("the README tour needs bash, curl and jq")
    for name, value in values.items():
        script, count = re.subn(rf"^{name}=.*$", f"{name}={value}", script, flags=re.M)
        assert count == 1, f"{name}= appears {count} times in the tour"
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
