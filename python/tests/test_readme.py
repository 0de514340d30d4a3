"""Every Python example of python/README.md runs as written."""

import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_examples_run():
    found = blocks()
    assert len(found) >= 4
    for code in found:
        exec(compile(code, str(README), "exec"), {"__name__": "readme"})
