"""What an installation holds: evaluation's libraries only with the `eval` extra."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import requires
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]

# Makes `import rouge_score` fail in the process it is loaded in, as on an installation
# without the eval extra.
BLOCK_ROUGE = """
import sys


class _WithoutEvalExtra:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "rouge_score":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, _WithoutEvalExtra())
"""


def test_evaluation_libraries_are_the_eval_extra() -> None:
    reqs = [Requirement(r) for r in requires("monitor") or []]
    runtime = {r.name for r in reqs if r.marker is None}
    eval_extra = {r.name for r in reqs if r.marker and r.marker.evaluate({"extra": "eval"})}
    test_extra = {r.name for r in reqs if r.marker and r.marker.evaluate({"extra": "test"})}
    assert {"rouge-score", "python-dateutil"} <= eval_extra
    assert not {"rouge-score", "python-dateutil"} & runtime
    assert "monitor" in test_extra  # monitor[eval]: `pip install -e '.[test]'` runs every check


def test_eval_without_the_extra_says_how_to_install_it(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(BLOCK_ROUGE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "monitor",
            "--config",
            str(ROOT / "config" / "monitor.toml"),
            "eval",
            "summaries",
            str(ROOT / "benchmarks" / "data" / "summaries-sample.jsonl"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "No module named 'rouge_score'" in done.stderr
    assert "pip install -e '.[eval]'" in done.stderr
    assert done.stdout == ""
