"""Rewrite README.md's method table from the registry (tests/test_readme.py checks it).

    python tools/update_readme_table.py
"""

from __future__ import annotations

import re
from pathlib import Path

from inpaintkit.cli import method_table_markdown

README = Path(__file__).resolve().parents[1] / "README.md"

text = README.read_text()
pattern = re.compile(r"(<!-- method-table[^\n]*\n)(.*?)(<!-- end method-table -->)", re.S)
if not pattern.search(text):
    raise SystemExit("README.md has no method-table markers")
README.write_text(pattern.sub(lambda m: m.group(1) + method_table_markdown() + m.group(3), text))
print(f"updated {README}")
