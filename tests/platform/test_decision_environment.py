# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decision environment definition (decision-environment.yml) is valid and builds what it says: the
collection's tarball (with its event sources and rulebooks), ansible-rulebook, Java 17, and ansible-core, which
the sources' shared code imports. As for the execution environment, there is no container engine here: the
definition is validated by `ansible-builder create`, and the build context is checked.

Run by `make platform` (part of `make test`).
"""

import pathlib
import tarfile

import pytest
import yaml

from test_execution_environment import BIN, IN_CONTEXT, ROOT, TARBALL, build_context, isolated_env, run

DEFINITION = ROOT / "decision-environment.yml"
SOURCES = ("registrations", "extensions")


@pytest.fixture(scope="module")
def definition():
    return yaml.safe_load(DEFINITION.read_text())


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    return build_context(tmp_path_factory, DEFINITION)


def test_definition_holds_the_tarball_ansible_rulebook_java_and_ansible_core(definition):
    assert definition["version"] == 3
    deps = definition["dependencies"]
    assert deps["galaxy"]["collections"] == [{"name": IN_CONTEXT, "type": "file"}]
    assert definition["additional_build_files"] == [{"src": TARBALL, "dest": str(pathlib.Path(IN_CONTEXT).parent)}]
    assert any(req.startswith("ansible-rulebook") for req in deps["python"])
    assert any(req.startswith("java-17-openjdk") for req in deps["system"])
    assert deps["ansible_core"]["package_pip"].startswith("ansible-core")


def test_create_writes_a_context_whose_tarball_holds_the_sources_and_rulebooks(context):
    containerfile = (context / "Containerfile").read_text()
    assert "ansible-galaxy collection install" in containerfile
    build = context / "_build"
    assert "ansible-rulebook" in (build / "requirements.txt").read_text()
    assert "java-17-openjdk" in (build / "bindep.txt").read_text()
    with tarfile.open(build / IN_CONTEXT) as tar:
        names = set(tar.getnames())
    for source in SOURCES:
        assert "extensions/eda/plugins/event_source/%s.py" % source in names, sorted(names)
    rulebooks = sorted(p.name for p in (ROOT / "extensions" / "eda" / "rulebooks").glob("*.yml"))
    assert rulebooks and all("extensions/eda/rulebooks/" + name in names for name in rulebooks), rulebooks


def test_the_galaxy_stage_installs_the_event_sources(context, tmp_path):
    run([BIN / "ansible-galaxy", "collection", "install", "-r", "requirements.yml", "--collections-path", tmp_path],
        cwd=context / "_build", env=isolated_env())
    sources = tmp_path / "ansible_collections" / "telphin" / "pbx" / "extensions" / "eda" / "plugins" / "event_source"
    assert sorted(p.stem for p in sources.glob("*.py") if p.stem != "__init__") == sorted(SOURCES)
