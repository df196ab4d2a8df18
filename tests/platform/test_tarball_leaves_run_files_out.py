# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's playbooks write when run from a checkout stays out of git and of the tarball.

A checkout where telphin.pbx.apply, audit and export ran holds backups (PINs in them), reports and exports, in
its own folder and in an account's folder under it. ``ansible-galaxy collection build`` of that checkout (as
``make build`` and a release run it) must ship none of them, and ``git status`` must not offer them.
"""

import pathlib
import shutil
import subprocess
import sys
import tarfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
RUN_FILES = ("backups/phone_properties_7000_20261202T101500123456Z.yml",
             "phone_profiles_report.json", "phone_profiles_report.md", "phone_profiles_export.yml",
             "acme/backups/phone_properties_7001_20261202T101500123456Z.yml", "acme/phone_profiles_report.json",
             "acme/phone_profiles_report.md", "acme/phone_profiles_export.yml",
             "old-backups/phone_properties_7000_20261201T090000000001Z.yml")


def git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def test_backups_reports_and_exports_of_a_run_are_neither_shipped_nor_offered_to_git(tmp_path):
    checkout = tmp_path / "checkout"
    # The working tree's files as they are now, in a repository of their own.
    for name in git("ls-files", cwd=ROOT).splitlines():
        if (ROOT / name).is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / name, checkout / name)
    git("init", "--quiet", cwd=checkout)
    for name in RUN_FILES:
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        (checkout / name).write_text("conference_pin: '605040'\n")
    offered = git("status", "--porcelain", "--untracked-files=all", cwd=checkout)
    assert "galaxy.yml" in offered and not [name for name in RUN_FILES if name in offered], offered

    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path / "dist"),
                    str(checkout)], capture_output=True, text=True, check=True)
    (tarball,) = (tmp_path / "dist").glob("telphin-pbx-*.tar.gz")
    with tarfile.open(tarball) as tar:
        shipped = [member.name for member in tar.getmembers() if member.isfile()]
    assert not [name for name in shipped if name in RUN_FILES or name.startswith("backups/")
                or "/backups/" in name or name.endswith("Z.yml")], shipped
    # What the collection is made of is still there.
    assert {"playbooks/apply.yml", "plugins/modules/phone_profiles.py", "roles/phone_profiles/tasks/main.yml",
            "plugins/module_utils/backup.py"} <= set(shipped)
