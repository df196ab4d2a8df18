# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the files of a run land, and the export that never replaces a file it did not write (issue 22, point 7).

The collection's playbooks write into the folder ansible-playbook was started in, also with PWD unset or
stale, never into the installed collection; `~` is expanded; a module's relative path is taken from the
start folder, a role variable's from the playbook's folder. The export refuses, before any request: the
user's own profiles.yml (the README's sequence), a link, accounts whose files are one file (x.yml, ./x.yml,
the absolute path, a link to it), a misspelt phone_profiles_export_skip; phone_profiles_export_force lets a file of the
user's through; a value the export cannot send back is named in the file's header. The module phone_profiles
exports in one task (export_file), also in check mode, with a result that holds no secret; it names its own
options when it refuses them, before any request, and writes no file when a phone could not be read.
"""

import subprocess

import yaml

from conftest import ANSIBLE_PLAYBOOK, ROOT, Run, ansible_env, api_requests, read_vars_file

PROFILES = {"phone_profiles": {"standard": {"hangup_timeout": 61}},
            "phone_profile_assignments": [{"profile": "standard", "extensions": [1012]}]}
HAND_WRITTEN = "# My profiles, written by hand\n" + yaml.safe_dump(PROFILES)
UNSET = object()


def run_from(sim, start, *args, pwd=UNSET, env=None):
    """ansible-playbook ``args`` started in ``start``, with PWD unset (UNSET) or as given -> Run."""
    environ = ansible_env(sim, ("demo-app", "demo-secret"), env)
    environ.pop("PWD", None)
    if pwd is not UNSET:
        environ["PWD"] = str(pwd)
    proc = subprocess.run([ANSIBLE_PLAYBOOK, *args], cwd=start, env=environ, capture_output=True, text=True,
                          timeout=300, check=False)
    return Run(None, proc.stdout + proc.stderr, proc.returncode)


def files_under(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def collection_files():
    """Files a run could have left in the installed collection (its playbooks' folder, its root)."""
    return [path for folder in (ROOT, ROOT / "playbooks") for pattern in ("phone_profiles_*", "backups")
            for path in folder.glob(pattern)]


def folders(tmp_path, *names):
    made = [tmp_path / name for name in names]
    for folder in made:
        folder.mkdir()
    return made


def test_the_collection_playbooks_write_where_they_were_started_with_pwd_unset_or_stale(sim, tmp_path):
    start, stale = folders(tmp_path, "start", "stale")
    (start / "profiles.yml").write_text(yaml.safe_dump(PROFILES))
    before = collection_files()
    audit = run_from(sim, start, "telphin.pbx.audit", "--check", "-e", "@profiles.yml")  # PWD unset
    assert audit.rc == 0, audit
    assert "report %s/phone_profiles_report.md" % start in audit.output, audit
    applied = run_from(sim, start, "telphin.pbx.apply", "-e", "@profiles.yml", pwd=stale)
    assert applied.rc == 0, applied
    exported = run_from(sim, start, "telphin.pbx.export", pwd=stale)
    assert exported.rc == 0, exported
    written = files_under(start)
    assert {"phone_profiles_report.json", "phone_profiles_report.md", "phone_profiles_export.yml"} <= set(written)
    assert [name for name in written if name.startswith("backups/phone_properties_")], written
    assert files_under(stale) == [] and collection_files() == before


def test_a_tilde_is_expanded_in_every_path_of_the_playbooks(sim, tmp_path):
    start, home = folders(tmp_path, "start", "home")
    (start / "profiles.yml").write_text(yaml.safe_dump(PROFILES))
    applied = run_from(sim, start, "telphin.pbx.apply", "-e", "@profiles.yml", "-e", "phone_profiles_report_dir=~/r",
                       "-e", "phone_profiles_backup_dir=~/b", env={"HOME": str(home)})
    assert applied.rc == 0, applied
    exported = run_from(sim, start, "telphin.pbx.export", "-e", "phone_profiles_export_file=~/e/profiles.yml",
                        env={"HOME": str(home)})
    assert exported.rc == 0, exported
    written = files_under(home)
    assert {"r/phone_profiles_report.md", "e/profiles.yml"} <= set(written), written
    assert [name for name in written if name.startswith("b/phone_properties_")], written
    assert not (start / "~").exists() and files_under(start) == ["profiles.yml"]


def test_a_modules_relative_path_is_taken_from_the_start_folder_a_role_variables_from_the_playbooks(sim, tmp_path):
    start, plays = folders(tmp_path, "start", "plays")
    (plays / "site.yml").write_text(yaml.safe_dump([{
        "hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": [
            {"name": "The module", "telphin.pbx.phone_profiles": {
                "profiles": {"standard": {"hangup_timeout": 62}}, "assignments": [{"profile": "standard",
                                                                                   "extensions": [1012]}],
                "report_dir": "module-report", "backup": True, "backup_options": {"dir_path": "module-backups"}}},
            {"name": "The default backup folder", "telphin.pbx.phone_properties": {
                "extension_id": 1012, "hangup_timeout": 63, "backup": True}},
            {"name": "The role", "ansible.builtin.include_role": {"name": "telphin.pbx.phone_profiles"},
             "vars": dict(PROFILES, phone_profiles_report_dir="role-report", phone_profiles_backup=True,
                          phone_profiles_backup_dir="role-backups")}]}]))
    run = run_from(sim, start, str(plays / "site.yml"))
    assert run.rc == 0, run
    in_start, in_plays = files_under(start), files_under(plays)
    assert "module-report/phone_profiles_report.md" in in_start, in_start
    assert [name for name in in_start if name.startswith("module-backups/phone_properties_")], in_start
    assert [name for name in in_start if name.startswith("backups/phone_properties_")], in_start
    assert "role-report/phone_profiles_report.md" in in_plays, in_plays
    assert [name for name in in_plays if name.startswith("role-backups/phone_properties_")], in_plays
    assert not [name for name in in_start if name.startswith("role-")] + \
        [name for name in in_plays if name.startswith(("module-", "backups"))]


def test_the_readmes_sequence_never_replaces_the_users_profiles_and_force_does(sim, tmp_path):
    (tmp_path / "profiles.yml").write_text(HAND_WRITTEN)
    audit = run_from(sim, tmp_path, "telphin.pbx.audit", "--check", "-e", "@profiles.yml")
    assert audit.rc == 0, audit
    sim.clear_log()
    refused = run_from(sim, tmp_path, "telphin.pbx.export", "-e", "phone_profiles_export_file=profiles.yml")
    assert refused.rc != 0
    assert ("phone_profiles_export_file: %s exists and is not an earlier export (its first line is not an export's "
            "header): an export replaces only those. Name another file, or set phone_profiles_export_force: true to "
            "replace it (nothing was read)" % (tmp_path / "profiles.yml")) in refused.output, refused
    assert (tmp_path / "profiles.yml").read_text() == HAND_WRITTEN and sim.log == []
    forced = run_from(sim, tmp_path, "telphin.pbx.export", "-e", "phone_profiles_export_file=profiles.yml",
                      "-e", "phone_profiles_export_force=true")
    assert forced.rc == 0, forced
    text = (tmp_path / "profiles.yml").read_text()
    assert text.startswith("# Phone profiles of the account, exported by telphin.pbx.export")
    assert "default" in read_vars_file(text)["phone_profiles"]
    again = run_from(sim, tmp_path, "telphin.pbx.export", "-e", "phone_profiles_export_file=./profiles.yml")
    assert again.rc == 0, again  # an earlier export is replaced without force
    (tmp_path / "link.yml").symlink_to(tmp_path / "profiles.yml")
    sim.clear_log()
    linked = run_from(sim, tmp_path, "telphin.pbx.export", "-e", "phone_profiles_export_file=link.yml",
                      "-e", "phone_profiles_export_force=true")
    assert linked.rc != 0 and "link.yml is a symbolic link: an export never writes through one" in linked.output
    assert sim.log == [] and (tmp_path / "link.yml").is_symlink()


def test_accounts_whose_export_files_are_one_file_are_refused_before_any_request(sim, tmp_path):
    connection = {"telphin_api_url": sim.url, "telphin_app_id": "demo-app", "telphin_app_secret": "demo-secret"}
    hosts = {"north": dict(connection, phone_profiles_export_file="x.yml"),
             "south": dict(connection, phone_profiles_export_file="./x.yml"),
             "west": dict(connection, phone_profiles_export_file=str(tmp_path / "x.yml")),
             "east": dict(connection, phone_profiles_export_file="link.yml")}
    (tmp_path / "link.yml").symlink_to("x.yml")
    (tmp_path / "accounts.yml").write_text(yaml.safe_dump({"pbx_accounts": {"hosts": hosts}}))
    run = run_from(sim, tmp_path, "telphin.pbx.export", "-i", "accounts.yml", "-e", "telphin_accounts=pbx_accounts")
    assert run.rc != 0
    assert ("phone_profiles_export_file names one file (%s) for the 4 accounts east, north, south, west"
            % (tmp_path / "x.yml")) in run.output, run
    assert api_requests(sim) == [] and not (tmp_path / "x.yml").exists()


def test_a_misspelt_skip_is_refused_and_a_value_left_unmanaged_is_named_in_the_header(sim, tmp_path):
    refused = run_from(sim, tmp_path, "telphin.pbx.export", "-e", '{"phone_profiles_export_skip": ["label", "lable"]}')
    assert refused.rc != 0
    assert ("phone_profiles_export_skip[1]: 'lable' is not a property of the phone terminal; did you mean label? "
            "(nothing was read)") in refused.output, refused
    assert sim.log == [] and files_under(tmp_path) == []
    sim.set_phone(1012, {"hangup_timeout": 0})
    exported = run_from(sim, tmp_path, "telphin.pbx.export")
    assert exported.rc == 0, exported
    header = (tmp_path / "phone_profiles_export.yml").read_text().split("\n---\n")[0]
    assert "hangup_timeout holds a value that cannot be sent (must be" in header, header
    assert "got 0); left unmanaged there" in header, header


MODULE = "telphin.pbx.phone_profiles"


def test_the_module_exports_in_one_task_also_in_check_mode_and_its_result_holds_no_secret(sim, play, tmp_path):
    sim.set_phone(1027, {"conference_pin": "605040"})
    path = tmp_path / "account" / "profiles.yml"
    exported = play({MODULE: {"export_file": str(path), "export_secrets": True, "report_account": "north"}},
                    check=True)  # no allow_empty: an export is no empty run
    assert exported.rc == 0, exported
    assert api_requests(sim, "PUT") == []
    text = path.read_text()
    assert text.startswith("# Phone profiles of north, exported by telphin.pbx.export") and "605040" in text
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    result = exported.result
    assert result["changed"] is True and result["export_path"] == str(path)
    assert result["export"]["profiles"][0] == "default" and result["export"]["extensions"] == 32
    assert result["msg"].startswith("Exported 32 phone extensions as %d profiles (default"
                                    % len(result["export"]["profiles"]))
    assert "605040" not in exported.output and "605040" not in repr(result)
    assert read_vars_file(text)["phone_profile_assignments"]
    again = play({MODULE: {"export_file": str(path), "export_secrets": True, "report_account": "north"}})
    assert again.rc == 0 and again.result["changed"] is False, again  # an earlier export, the same text
    assert path.read_text() == text


def test_the_modules_export_options_are_refused_before_any_request_naming_each(sim, play_tasks, tmp_path):
    (tmp_path / "profiles.yml").write_text(HAND_WRITTEN)
    mixed, misspelt, refused = play_tasks([
        {MODULE: {"export_file": str(tmp_path / "new" / "x.yml"), "export_group_min": 1,
                  "profiles": PROFILES["phone_profiles"]}},
        {MODULE: {"export_file": str(tmp_path / "x.yml"), "export_skip": ["label", "lable"]}},
        {MODULE: {"export_file": str(tmp_path / "profiles.yml")}}]).result
    assert mixed["failed"] and mixed["problems"] == [
        "export_file: an export only reads the account, so it takes no profiles (give them to a task of their own)",
        "export_group_min: must be 2 or more, got 1"], mixed
    assert not (tmp_path / "new").exists()  # the file is looked at only once the options are sound
    assert misspelt["failed"] and misspelt["problems"] == [
        "export_skip[1]: 'lable' is not a property of the phone terminal; did you mean label?"], misspelt
    assert refused["failed"] and refused["problems"] == [
        "export_file: %s exists and is not an earlier export (its first line is not an export's header): an export "
        "replaces only those. Name another file, or set export_force: true to replace it" % (tmp_path / "profiles.yml")]
    assert sim.log == [] and (tmp_path / "profiles.yml").read_text() == HAND_WRITTEN


def test_no_export_file_is_written_when_a_phone_cannot_be_read(sim, play, tmp_path):
    sim.set_faults({"fail": {"count": None, "status": 500, "message": "broken",
                             "match": {"method": "GET", "path_regex": "/extension/1005/phone/"}}})
    run = play({MODULE: {"export_file": str(tmp_path / "x.yml")}})
    assert run.result["failed"] and "1 of 32 extensions failed" in run.result["msg"], run
    assert run.result["msg"].endswith("; the export file was not written") and not (tmp_path / "x.yml").exists()


def test_the_modules_relative_export_file_is_taken_from_the_start_folder(sim, tmp_path):
    start, plays = folders(tmp_path, "start", "plays")
    (plays / "site.yml").write_text(yaml.safe_dump([{
        "hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": [
            {"name": "Export", MODULE: {"export_file": "exported/profiles.yml"}}]}]))
    run = run_from(sim, start, str(plays / "site.yml"))
    assert run.rc == 0, run
    assert files_under(start) == ["exported/profiles.yml"] and files_under(plays) == ["site.yml"]
