# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check that the GitHub Actions workflow runs what .ci/run runs: `make test`, and each part of
`make test-matrix` as a job of its own, on the Python the Makefile gives that part.

    python .ci/check-workflow.py WORKFLOW PART=PYTHON...

The Makefile passes its matrix (`make actionlint`, part of `make test`), so a part added to or removed
from the Makefile, or moved to another Python, fails here until the workflow follows.
"""

import re
import sys

import yaml


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    path, expected = argv[0], dict(arg.split("=", 1) for arg in argv[1:])
    with open(path, encoding="utf-8") as handle:
        workflow = yaml.safe_load(handle)
    problems = []
    make_test = False
    parts = {}
    for name, job in workflow.get("jobs", {}).items():
        runs = " ".join(step.get("run", "") for step in job.get("steps", []))
        targets = re.findall(r"\bmake\s+([^\s;&|]+)", runs)
        if "test" in targets:
            make_test = True
        if re.search(r"\bmake \$\{\{ matrix\.part \}\}", runs):
            for item in job.get("strategy", {}).get("matrix", {}).get("include", []):
                if item.get("part") in parts:
                    problems.append("job %s: part %s twice" % (name, item.get("part")))
                parts[item.get("part")] = str(item.get("python"))
    if not make_test:
        problems.append("no job runs `make test`")
    for part, python in sorted(expected.items()):
        if part not in parts:
            problems.append("no job runs `make %s` (Python %s), a part of make test-matrix" % (part, python))
        elif parts[part] != python:
            problems.append("`make %s` runs on Python %s; the Makefile gives it Python %s" % (part, parts[part], python))
    for part in sorted(set(parts) - set(expected)):
        problems.append("`make %s` is not a part of make test-matrix" % part)
    for problem in problems:
        print("%s: %s" % (path, problem))
    print("%s: make test and %d parts of make test-matrix, %d problem(s)" % (path, len(parts), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
