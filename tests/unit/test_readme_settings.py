"""The README's table of settings is what a city reads before it changes one: its numeric
defaults must be the code's (the grouping threshold's had been left at an earlier value)."""

import re
from pathlib import Path

from app.config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"
# A row of the settings table: | `NAME` | what it does | `default` |
ROW = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \|.*\| `([^`]+)` \|$", re.MULTILINE)


def numeric_rows() -> list[tuple[str, float]]:
    rows = []
    for name, default in ROW.findall(README.read_text(encoding="utf-8")):
        try:
            rows.append((name, float(default)))
        except ValueError:  # a path, a language, a rate limit: not compared here
            continue
    return rows


def test_the_readme_gives_each_numeric_setting_the_default_the_code_has(monkeypatch):
    rows = numeric_rows()
    assert {"GROUPING_THRESHOLD", "GATHERING_THRESHOLD", "ROUTING_THRESHOLD"} <= dict(rows).keys()
    for name, _ in rows:
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    documented = {name: default for name, default in rows if hasattr(settings, name)}
    assert documented == {name: float(getattr(settings, name)) for name in documented}
