# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment definition (execution-environment.yml) is valid and builds what it says.

There is no container engine here, so the image itself is not built (`make ee` does, where podman or
docker is). Instead: `ansible-builder create` validates the definition (schema version 3) and writes the
build context; the galaxy stage of the Containerfile is replayed on that context (the same
`ansible-galaxy collection install -r requirements.yml`, from the same folder), and ansible-builder's
introspection of the installed collections finds the Python requirements the image would get.

Run by `make platform` (part of `make test`) with the virtualenv of tests/platform/requirements.txt.
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent


def run(args, cwd=ROOT, env=None):
    proc = subprocess.run([str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, "%s\n%s%s" % (" ".join(map(str, args)), proc.stdout, proc.stderr)
    return proc.stdout


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    context = tmp_path_factory.mktemp("ee") / "context"
    run([BIN / "ansible-builder", "create", "-f", "execution-environment.yml", "--context", context,
         "--output-filename", "Containerfile"])
    return context


def test_definition_is_schema_3_with_the_collection_and_requests():
    definition = yaml.safe_load((ROOT / "execution-environment.yml").read_text())
    assert definition["version"] == 3
    deps = definition["dependencies"]
    assert {"name": "telphin.pbx", "type": "dir"} in deps["galaxy"]["collections"]
    assert any(req.startswith("requests") for req in deps["python"])
    assert deps["ansible_core"]["package_pip"].startswith("ansible-core")
    assert "ansible_runner" in deps


def test_create_writes_a_build_context(context):
    containerfile = (context / "Containerfile").read_text()
    assert "FROM $EE_BASE_IMAGE AS base" in containerfile
    assert "ansible-galaxy collection install" in containerfile and "-r requirements.yml" in containerfile
    assert "COPY _build /build" in containerfile and "WORKDIR /build" in containerfile
    build = context / "_build"
    assert "requests" in (build / "requirements.txt").read_text()
    source = build / "telphin.pbx"
    galaxy = yaml.safe_load((source / "galaxy.yml").read_text())
    assert (galaxy["namespace"], galaxy["name"]) == ("telphin", "pbx")
    for path in ("README.md", "COPYING", "meta/runtime.yml", "meta/execution-environment.yml",
                 "plugins/modules/phone_properties.py", "roles/phone_profiles/tasks/main.yml"):
        assert (source / path).is_file(), path


def test_galaxy_stage_installs_the_collection_and_its_requirements(context, tmp_path):
    """What the image's galaxy and builder stages do, replayed on the build context."""
    collections = tmp_path / "collections"
    env = dict(os.environ, ANSIBLE_GALAXY_DISABLE_GPG_VERIFY="1")
    # Only the image's own collections: not this checkout, which make puts on both paths.
    for name in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS", "PYTHONPATH"):
        env.pop(name, None)
    out = run([BIN / "ansible-galaxy", "collection", "install", "-r", "requirements.yml",
               "--collections-path", collections], cwd=context / "_build", env=env)
    installed = collections / "ansible_collections" / "telphin" / "pbx"
    assert (installed / "MANIFEST.json").is_file(), out
    manifest = json.loads((installed / "MANIFEST.json").read_text())["collection_info"]
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    assert (manifest["namespace"], manifest["name"], manifest["version"]) == ("telphin", "pbx", galaxy["version"])
    assert (installed / "plugins" / "modules" / "phone_properties.py").is_file()
    # The builder stage's introspection: the collection's meta/execution-environment.yml brings requests.
    found = yaml.safe_load(run([BIN / "ansible-builder", "introspect", collections]))
    assert any(req.startswith("requests") and req.endswith("from collection telphin.pbx")
               for req in found["python"]), found
