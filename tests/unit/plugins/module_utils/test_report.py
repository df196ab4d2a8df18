# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""report.py: the report's files, as a user finds them in the report folder."""

import json
import os

from ansible_collections.telphin.pbx.plugins.module_utils import report, results

AUDIT = {"check_mode": True, "failed": False, "msg": "", "stats": {}, "backup_path": None,
         "summary": {"extensions": 1, "drifted": 1, "changed": 0, "failed": 0,
                     "profiles": {"desk": {"extensions": 1, "drifted": 1, "changed": 0, "failed": 0}}},
         "extensions": [{"extension_id": 1012, "name": "000*111", "profile": "desk", "changed": True,
                         "drift": {"label": {"before": "Приёмная | 2", "after": "<b>Desk</b>"}}}]}


def test_the_folder_is_made_when_missing(tmp_path):
    folder = tmp_path / "reports" / "north"
    assert report.folder_problems(str(folder)) == [] and folder.is_dir()


def test_a_file_where_the_folder_goes_is_named(tmp_path):
    (tmp_path / "reports").write_text("")
    assert report.folder_problems(str(tmp_path / "reports")) == [
        "report_dir: %s is a file, not a folder" % (tmp_path / "reports")]
    assert report.folder_problems(str(tmp_path / "reports" / "north"))[0].startswith(
        "report_dir: %s cannot be made: " % (tmp_path / "reports" / "north"))


def test_both_files_are_written_and_replace_older_ones_whole(tmp_path):
    (tmp_path / "phone_profiles_report.md").write_text("an older report, much longer than the new one " * 100)
    path = report.write(str(tmp_path), AUDIT, account="north")
    assert path == str(tmp_path / "phone_profiles_report.md")
    assert sorted(os.listdir(tmp_path)) == ["phone_profiles_report.json", "phone_profiles_report.md"]  # no temp file
    assert json.loads((tmp_path / "phone_profiles_report.json").read_text(encoding="utf-8")) == AUDIT
    markdown = (tmp_path / "phone_profiles_report.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Phone profiles report: north\n") and "older" not in markdown
    assert "| 000*111 | 1012 | desk | label | Приёмная \\| 2 | &lt;b&gt;Desk&lt;/b&gt; |" in markdown
    assert oct(os.stat(path).st_mode & 0o777) == "0o644"


def test_a_run_that_failed_before_reading_says_so():
    failed = dict(AUDIT, failed=True, msg="GET /extension/: HTTP 503", extensions=[],
                  summary=dict(AUDIT["summary"], extensions=0, drifted=0, profiles={}))
    markdown = report.as_markdown(failed)
    assert "The run failed before any phone was read: nothing was written." in markdown
    assert "**GET /extension/: HTTP 503**" in markdown


def test_the_headline_says_the_summarys_counts_and_keeps_drifted_and_written_apart():
    # A real run: four extensions drifted, three were written, one PUT was refused.
    entries = [{"extension_id": i, "name": "000*%d" % i, "profile": "desk", "changes": ["label"],
                "changed": i != 4, "failed": i == 4, "drift": {"label": {"before": "a", "after": "b"}}}
               for i in (1, 2, 3, 4)]
    applied = dict(AUDIT, check_mode=False, extensions=entries,
                   summary={"extensions": 4, "drifted": 4, "changed": 3, "failed": 1, "check_mode": False,
                            "profiles": {"desk": {"extensions": 4, "drifted": 4, "changed": 3, "failed": 1}}})
    markdown = report.as_markdown(applied)
    assert "Extensions: 4; drifted: 4; written: 3; failed: 1." in markdown, markdown
    assert "| desk | 4 | 4 | 3 | 1 |" in markdown and "| profile | extensions | drifted | written | failed |" in markdown
    assert "Extensions: 1; drifting: 1; failed: 0." in report.as_markdown(AUDIT)
    line = results.summary_line(applied["summary"], "r.md")
    assert line.startswith("Run of 4 extensions (desk): 4 drifted, 3 written, 1 failed"), line


def test_the_title_and_texts_can_become_no_link_or_markup():
    texts = dict(AUDIT, extensions=[dict(AUDIT["extensions"][0], drift={"label": {
        "before": "[click](https://evil.example/)", "after": "![x](https://evil.example/p.png)"}})])
    markdown = report.as_markdown(texts, account="# [north](https://evil.example/)\n| x")
    assert markdown.startswith("# Phone profiles report: # \\[north\\](https://evil.example/)<br>\\| x\n"), markdown
    assert "\\[click\\](https://evil.example/)" in markdown and "!\\[x\\](https://evil.example/p.png)" in markdown
    assert "](" not in markdown.replace("\\](", "")
