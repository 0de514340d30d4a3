"""Every Python example of python/README.md runs as written."""

import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
MAIN_README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def run(path, minimum):
    found = blocks(path)
    assert len(found) >= minimum, path
    for code in found:
        if "import requests" in code:
            # The bot examples only define functions; `requests` need not be installed.
            code = code.replace("import requests", "requests = None")
        exec(compile(code, str(path), "exec"), {"__name__": "readme"})


def test_readme_examples_run():
    run(README, 4)


def test_the_main_readme_python_examples_run():
    run(MAIN_README, 2)
