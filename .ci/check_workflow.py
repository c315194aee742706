"""The GitHub Actions workflow agrees with the project.

``python .ci/check_workflow.py 3.10 3.11 ...``: the arguments are the Pythons of the
"Programming Language :: Python :: 3.X" classifiers in pyproject.toml, oldest first (the
noxfile passes them). Checked: the test matrix has one entry per such Python, running its
``tests-3.X`` nox session and the oldest also ``minimums``;
the workflow installs the nox that .ci/run pins; the publish job runs only on a version tag,
after the tests, in the environment "pypi" with an OpenID Connect token (trusted publishing).
Run by the ``workflows`` session of noxfile.py, where check-jsonschema brings ruamel.yaml.
Prints what it checked; exits 1, listing every problem, if anything disagrees.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]


def main(pythons: list[str]) -> int:
    if not pythons:
        print("usage: python .ci/check_workflow.py PYTHON_VERSION...", file=sys.stderr)
        return 2
    workflow = YAML(typ="safe").load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    problems = []

    jobs = workflow["jobs"]
    matrix = jobs["tests"]["strategy"]["matrix"]["include"]
    in_matrix = [str(entry["python"]) for entry in matrix]
    if in_matrix != pythons:
        problems.append(f"tests matrix Pythons {in_matrix} != the classifiers' {pythons}")
    for entry in matrix:
        sessions = str(entry["sessions"]).split()
        if f"tests-{entry['python']}" not in sessions:
            problems.append(f"matrix entry {entry['python']} does not run tests-{entry['python']}")
        if str(entry["python"]) == pythons[0] and "minimums" not in sessions:
            problems.append(f"the oldest Python, {pythons[0]}, does not run the minimums session")

    pinned = re.search(r'^NOX_VERSION="([^"]+)"', (ROOT / ".ci" / "run").read_text(), re.M)
    if pinned is None or workflow["env"]["NOX"] != f"nox=={pinned.group(1)}":
        problems.append(f"the workflow installs {workflow['env']['NOX']!r}, .ci/run "
                        f"NOX_VERSION={pinned.group(1) if pinned else None!r}")

    publish = jobs["publish"]
    if set(publish["needs"]) != set(jobs) - {"publish"}:
        problems.append(f"publish needs {publish['needs']}, not every other job")
    if "refs/tags/v" not in publish.get("if", ""):
        problems.append("publish does not run only on a version tag")
    if publish.get("environment", {}).get("name") != "pypi":
        problems.append("publish does not run in the environment 'pypi'")
    if publish.get("permissions") != {"id-token": "write"}:
        problems.append(f"publish permissions {publish.get('permissions')} != id-token: write")
    if not any(str(step.get("uses", "")).startswith("pypa/gh-action-pypi-publish@")
               for step in publish["steps"]):
        problems.append("publish does not use pypa/gh-action-pypi-publish")

    if problems:
        print("FAILED: .github/workflows/ci.yml:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print(f"ci.yml: tests on Python {', '.join(in_matrix)} (the classifiers); nox "
          f"{pinned.group(1) if pinned else '?'} as in .ci/run; publish on a v* tag after "
          f"{', '.join(publish['needs'])}, trusted publishing in environment 'pypi'")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
