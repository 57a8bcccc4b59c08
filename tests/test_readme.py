"""README.md stays true: its method table matches the registry, and CI runs its test command."""

from __future__ import annotations

import re
from pathlib import Path

from inpaintkit.cli import method_table_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_method_table_matches_registry():
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- method-table[^\n]*\n(.*?)<!-- end method-table -->", readme, re.S)
    assert match, "README.md lost its method-table markers"
    assert match.group(1) == method_table_markdown(), "regenerate with `python tools/update_readme_table.py`"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```bash\n(.*?)\n```", readme, re.S)
    test_command = next(c for c in commands if "pytest" in c)
    ci_script = (ROOT / ".ci" / "run").read_text()
    assert test_command in ci_script.splitlines()
    assert ci_script.index("torch==2.13.0") < ci_script.index('-e ".[test')


def test_python_example_runs():
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"```python\n(.*?)\n```", readme, re.S).group(1)
    namespace: dict = {}
    exec(compile(example, "README.md", "exec"), namespace)  # its own asserts check the contract
    assert namespace["out"].shape == namespace["image"].shape
