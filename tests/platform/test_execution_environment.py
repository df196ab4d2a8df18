# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment definition (execution-environment.yml) is valid and builds what it says.

The image installs the collection's tarball as ansible-galaxy builds it for Galaxy, so it holds exactly
what Galaxy users get, the collection playbooks included. There is no container engine here, so the image
itself is not built (`make ee` does, where podman or docker is). Instead: the tarball is built as the
definition's header says (under the name the definition reads); `ansible-builder create` validates the
definition (schema version 3) and writes the build context, which must hold that tarball with the
playbooks; the galaxy stage of the Containerfile is replayed on that context (the same
`ansible-galaxy collection install -r requirements.yml`, from the same folder); the collection playbooks
resolve by name against what it installed (`ansible-playbook telphin.pbx.audit --syntax-check`), as a job
template runs them in the image; and ansible-builder's introspection of the installed collections finds the
Python requirements the image would get.

Run by `make platform` (part of `make test`) with the virtualenv of tests/platform/requirements.txt.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
DEFINITION = ROOT / "execution-environment.yml"
# Where the definition's additional_build_files reads the tarball (relative to the definition), and where
# the build context holds it (relative to _build, the image's /build).
TARBALL = ".build/ee/telphin-pbx.tar.gz"
IN_CONTEXT = "collections/telphin-pbx.tar.gz"
PLAYBOOKS = ("audit", "apply", "export")


def run(args, cwd=ROOT, env=None):
    proc = subprocess.run([str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, "%s\n%s%s" % (" ".join(map(str, args)), proc.stdout, proc.stderr)
    return proc.stdout


def isolated_env(**extra):
    """The environment without this checkout's collection path, which make puts on both paths."""
    env = dict(os.environ, ANSIBLE_GALAXY_DISABLE_GPG_VERIFY="1")
    for name in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS", "PYTHONPATH"):
        env.pop(name, None)
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def definition():
    return yaml.safe_load(DEFINITION.read_text())


def build_context(tmp_path_factory, definition):
    """The build context of ``definition`` (this file's, or the decision environment's), written after the
    tarball is built as the definition's header says."""
    out = tmp_path_factory.mktemp("dist")
    run([BIN / "ansible-galaxy", "collection", "build", "--output-path", out, "."], env=isolated_env())
    built = list(out.glob("telphin-pbx-*.tar.gz"))
    assert len(built) == 1, built
    target = ROOT / TARBALL
    if target.parent.exists():
        shutil.rmtree(target.parent)
    target.parent.mkdir(parents=True)
    shutil.copyfile(built[0], target)
    context = tmp_path_factory.mktemp(definition.stem) / "context"
    run([BIN / "ansible-builder", "create", "-f", definition, "--context", context,
         "--output-filename", "Containerfile"])
    return context


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    return build_context(tmp_path_factory, DEFINITION)


@pytest.fixture(scope="module")
def installed(context, tmp_path_factory):
    """The galaxy stage of the image, replayed on the build context: the collections it installs."""
    collections = tmp_path_factory.mktemp("collections")
    out = run([BIN / "ansible-galaxy", "collection", "install", "-r", "requirements.yml",
               "--collections-path", collections], cwd=context / "_build", env=isolated_env())
    assert (collections / "ansible_collections" / "telphin" / "pbx" / "MANIFEST.json").is_file(), out
    return collections


def test_definition_is_schema_3_with_the_collection_tarball_and_requests(definition):
    assert definition["version"] == 3
    deps = definition["dependencies"]
    assert deps["galaxy"]["collections"] == [{"name": IN_CONTEXT, "type": "file"}]
    assert definition["additional_build_files"] == [{"src": TARBALL, "dest": os.path.dirname(IN_CONTEXT)}]
    assert any(req.startswith("requests") for req in deps["python"])
    assert deps["ansible_core"]["package_pip"].startswith("ansible-core")
    assert "ansible_runner" in deps


def test_definition_says_which_base_image_and_the_automation_platform_alternative(definition):
    text = DEFINITION.read_text()
    assert definition["images"]["base_image"]["name"].startswith("docker.io/redhat/ubi9")
    assert "registry.redhat.io/ansible-automation-platform-25/ee-minimal-rhel9" in text
    # How to build it: the tarball first, under the name the definition reads.
    assert "ansible-galaxy collection build" in text and TARBALL in text


def test_create_writes_a_build_context_with_the_tarball(context):
    containerfile = (context / "Containerfile").read_text()
    assert "FROM $EE_BASE_IMAGE AS base" in containerfile
    assert "ansible-galaxy collection install" in containerfile and "-r requirements.yml" in containerfile
    assert "COPY _build /build" in containerfile and "WORKDIR /build" in containerfile
    build = context / "_build"
    assert "requests" in (build / "requirements.txt").read_text()
    assert (build / IN_CONTEXT).is_file(), sorted(str(p.relative_to(build)) for p in build.rglob("*"))


def test_the_tarball_in_the_context_is_what_galaxy_users_get(context):
    with tarfile.open(context / "_build" / IN_CONTEXT) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("MANIFEST.json"))["collection_info"]
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    assert (manifest["namespace"], manifest["name"], manifest["version"]) == ("telphin", "pbx", galaxy["version"])
    for name in PLAYBOOKS:
        assert "playbooks/%s.yml" % name in names, sorted(names)
    # Every file of the content folders is in it, as the checkout has it now.
    for folder in ("playbooks", "plugins", "roles", "meta"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                assert str(path.relative_to(ROOT)) in names, path
    # galaxy.yml's build_ignore applies: no development files.
    for ignored in ("Makefile", ".ci", ".github", "tools", "execution-environment.yml", "decision-environment.yml",
                    ".build", ".venv"):
        assert not any(name == ignored or name.startswith(ignored + "/") for name in names), ignored


def test_galaxy_stage_installs_the_collection_and_its_requirements(installed):
    """What the image's galaxy and builder stages do, replayed on the build context."""
    collection = installed / "ansible_collections" / "telphin" / "pbx"
    manifest = json.loads((collection / "MANIFEST.json").read_text())["collection_info"]
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    assert (manifest["namespace"], manifest["name"], manifest["version"]) == ("telphin", "pbx", galaxy["version"])
    assert (collection / "plugins" / "modules" / "phone_properties.py").is_file()
    for name in PLAYBOOKS:
        assert (collection / "playbooks" / ("%s.yml" % name)).is_file(), name
    # The builder stage's introspection: the collection's meta/execution-environment.yml brings requests.
    found = yaml.safe_load(run([BIN / "ansible-builder", "introspect", installed]))
    assert any(req.startswith("requests") and req.endswith("from collection telphin.pbx")
               for req in found["python"]), found


@pytest.mark.parametrize("name", PLAYBOOKS)
def test_the_collection_playbooks_resolve_in_the_image(installed, tmp_path, name):
    """`ansible-playbook telphin.pbx.<name>` as a job template runs it in the image: found by name among
    the image's collections only (not this checkout, not site-packages), and its syntax is valid."""
    env = isolated_env(ANSIBLE_COLLECTIONS_PATH=str(installed), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
                       ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
                       ANSIBLE_NOCOLOR="1")
    out = run([BIN / "ansible-playbook", "telphin.pbx.%s" % name, "--syntax-check"], cwd=tmp_path, env=env)
    path = installed / "ansible_collections" / "telphin" / "pbx" / "playbooks" / ("%s.yml" % name)
    assert "playbook: %s" % path in out, out
