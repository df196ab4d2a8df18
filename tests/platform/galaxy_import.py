# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Import a collection tarball with galaxy-importer, offline, and fail on any warning or error.

    python tests/platform/galaxy_import.py CONFIG TARBALL

CONFIG is a galaxy-importer configuration file (galaxy-importer.cfg for `make galaxy-import`,
automation-hub-importer.cfg for `make release-check`). galaxy-importer logs what Galaxy and Automation
Hub would show the uploader (flake8 and ansible-lint findings, a missing changelog or role README) as
WARNING lines and exits 0 anyway; this wrapper prints its log and fails when any WARNING or ERROR line is
in it. Its result file (importer_result.json) goes to a temporary folder. Run it with the virtualenv of
tests/platform/requirements.txt first on PATH: galaxy-importer calls ansible-doc, flake8 and ansible-lint.
"""

import os
import re
import subprocess
import sys
import tempfile

FINDING = re.compile(r"^(WARNING|ERROR|CRITICAL):")


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    config, tarball = (os.path.abspath(path) for path in argv)
    env = dict(os.environ, GALAXY_IMPORTER_CONFIG=config)
    # galaxy-importer points ansible-doc and ansible-lint at the extracted tarball itself; the Makefile's
    # paths to this checkout would let the checkout, not the tarball, answer.
    for name in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS", "PYTHONPATH"):
        env.pop(name, None)
    with tempfile.TemporaryDirectory(prefix="galaxy-import-") as tmp:
        env["ANSIBLE_LOCAL_TEMP"] = os.path.join(tmp, "ansible-tmp")
        proc = subprocess.run(
            [sys.executable, "-m", "galaxy_importer.main", tarball],
            cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    print(proc.stdout, end="")
    findings = [line for line in proc.stdout.splitlines() if FINDING.match(line)]
    print("galaxy-importer (%s) on %s: exit code %d, %d warning(s) or error(s)"
          % (os.path.basename(config), os.path.basename(tarball), proc.returncode, len(findings)))
    if proc.returncode != 0 or findings:
        for line in findings:
            print("  " + line)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
