# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX credential type (extensions/awx/credential_type.yml), checked and used the way AWX uses it.

1. Its ``inputs`` and ``injectors`` are checked against what AWX accepts for a custom credential type: the
   keys and field types of AWX's JSON schemas for both, and the checks AWX adds (unique ids, no ``tower``
   field, defaults of the field's type, string-only keys, allowed environment variable names, ASCII
   values, templates that render with every field defined and with ``tower.filename``).
2. Its injectors are rendered with sample inputs as AWX renders them when it starts a job: a sandboxed
   Jinja environment, fields left empty are undefined, booleans not set are false, file injectors are
   written to ``<private data dir>/env`` and named by ``tower.filename.<label>``; a second rendering with
   secret fields masked is what AWX stores as the job's environment.
3. A playbook runs through ansible-runner as AWX runs a job: ansible-runner in a process of its own, a
   private data dir, the rendered environment, check mode with diff, against the API simulator. Its artifacts are then read: job events present, the
   play's summary in the stats, nothing written to the API, and no secret (the application secret, the
   tokens the simulator issued) in any artifact.

Run by `make platform` (part of `make test`) with the virtualenv of tests/platform/requirements.txt.
"""

import json
import os
import pathlib
import re
import stat
import subprocess
import sys
import tempfile

import jsonschema
import pytest
import requests
import yaml
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, sandbox

from pbxsim import Simulator
from pbxsim.tls import make_self_signed

ROOT = pathlib.Path(__file__).resolve().parents[2]
CREDENTIAL_TYPE = ROOT / "extensions" / "awx" / "credential_type.yml"

# The playbook of the job: the collection's audit playbook, run by its name, with the profiles of the demo
# as the job template's variables (examples/profiles.yml).
PLAYBOOK = "telphin.pbx.audit"
PROFILES = ROOT / "examples" / "profiles.yml"

APP = ("demo-app", "demo-secret")  # an application of the simulator's demo seed, access level All
SAMPLE_CA = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBszCCAVmgAwIBAgIUXhTtC0ZKcJ0v9tqQ0wVvZC3o8mcwCgYIKoZIzj0EAwIw\n"
    "-----END CERTIFICATE-----\n"
)
ENV_NAMES = {"TELPHIN_API_URL", "TELPHIN_APP_ID", "TELPHIN_APP_SECRET", "TELPHIN_ACCESS_TOKEN",
             "TELPHIN_VALIDATE_CERTS", "TELPHIN_CA_PATH"}

# ---- what AWX accepts -------------------------------------------------------------------------------
# The shape of a custom credential type's inputs and injectors, as AWX's model fields validate them.
VARIABLE_NAME = r"^[a-zA-Z_]+[a-zA-Z0-9_]*$"
INPUTS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "required": {"type": "array", "items": {"type": "string"}},
        "fields": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "label"],
                "properties": {
                    "id": {"type": "string", "pattern": VARIABLE_NAME},
                    "label": {"type": "string"},
                    "type": {"enum": ["string", "boolean"]},
                    "format": {"enum": ["ssh_private_key", "url"]},
                    "choices": {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"type": "string"}},
                    "help_text": {"type": "string"},
                    "multiline": {"type": "boolean"},
                    "secret": {"type": "boolean"},
                    "ask_at_runtime": {"type": "boolean"},
                    "default": {},
                },
            },
        },
    },
}
INJECTORS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "file": {
            "type": "object",
            "additionalProperties": False,
            "patternProperties": {r"^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$": {"type": "string"}},
        },
        "env": {
            "type": "object",
            "additionalProperties": False,
            # AWX runs jobs through pexpect, which cannot take non-ASCII values.
            "patternProperties": {VARIABLE_NAME: {"type": "string", "pattern": "^[\x00-\x7f]*$"}},
        },
        "extra_vars": {
            "type": "object",
            "additionalProperties": False,
            "patternProperties": {VARIABLE_NAME: {"type": "string"}},
        },
    },
}
# Environment variables a credential may not set: ANSIBLE_* and those AWX sets for a job itself.
ENV_BLOCKLIST = {"VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID",
                 "INVENTORY_UPDATE_ID", "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES",
                 "CALLBACK_QUEUE", "CALLBACK_CONNECTION", "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS",
                 "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH", "SUPERVISOR_WEB_CONFIG_PATH"}
# AWX stores a job's environment with the values of these names hidden (its build_safe_env).
AWX_HIDDEN_ENV = re.compile(r"API|TOKEN|KEY|SECRET|PASS", re.I)
MASK = "**********"


@pytest.fixture(scope="module")
def credential_type():
    return yaml.safe_load(CREDENTIAL_TYPE.read_text())


def awx_problems(credential_type):
    """What AWX would refuse in this credential type, as a list of messages (empty: AWX accepts it)."""
    problems = []
    for key in ("name", "kind", "inputs", "injectors"):
        if key not in credential_type:
            problems.append("no %s" % key)
    if credential_type.get("kind") not in ("cloud", "net"):  # the kinds of a custom credential type
        problems.append("kind %r: a custom credential type is cloud or net" % credential_type.get("kind"))
    inputs, injectors = credential_type.get("inputs", {}), credential_type.get("injectors", {})
    for schema, value, what in ((INPUTS_SCHEMA, inputs, "inputs"), (INJECTORS_SCHEMA, injectors, "injectors")):
        for error in jsonschema.Draft4Validator(schema).iter_errors(value):
            problems.append("%s %s: %s" % (what, "/".join(map(str, error.absolute_path)), error.message))
    if problems:
        return problems

    ids = []
    for field in inputs.get("fields", []):
        ftype = field.get("type", "string")
        if field["id"] == "tower":
            problems.append('"tower" is a reserved field name')
        if field["id"] in ids:
            problems.append("field ids must be unique (%s)" % field["id"])
        ids.append(field["id"])
        if "default" in field and not isinstance(field["default"], {"string": str, "boolean": bool}[ftype]):
            problems.append("%s: default %r is not a %s" % (field["id"], field["default"], ftype))
        for key in ("choices", "multiline", "format", "secret"):
            if key in field and ftype != "string":
                problems.append("%s: %s not allowed for a %s field" % (field["id"], key, ftype))
    for name in inputs.get("required", []):
        if name not in ids:
            problems.append("required %s is not a field" % name)

    for name in injectors.get("env", {}):
        if name.startswith("ANSIBLE_") or name in ENV_BLOCKLIST:
            problems.append("environment variable %s is not allowed in a credential" % name)
    # Every template must render with every field defined and with the files of the file injector.
    labels = [key for key in injectors.get("file", {}) if key.startswith("template")]
    if "template" in labels and len(labels) > 1:
        problems.append("use the multi-file syntax (template.<name>) when injecting several files")

    class Filenames:
        pass

    class Tower:
        pass

    tower = Tower()
    if labels == ["template"]:
        tower.filename = "EXAMPLE_FILENAME"
    elif labels:
        tower.filename = Filenames()
        for label in labels:
            setattr(tower.filename, label.split(".", 1)[1], "EXAMPLE_FILENAME")
    namespace = dict.fromkeys(ids, "EXAMPLE")
    namespace["tower"] = tower
    env = sandbox.ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for kind, templates in injectors.items():
        for key, template in templates.items():
            try:
                env.from_string(template).render(namespace)
            except (UndefinedError, TemplateSyntaxError) as exc:
                problems.append("%s %s: %s" % (kind, key, exc))
    return problems


# ---- how AWX renders the injectors when it starts a job ----------------------------------------------
def render_injectors(credential_type, inputs, private_data_dir):
    """(env, safe_env) of a job that uses a credential with these inputs, as AWX builds them.

    Files of the file injector are written to <private_data_dir>/env, readable by the owner only; the
    environment names them through tower.filename.<label>. safe_env, with secret fields masked, is what
    AWX stores and shows as the job's environment.
    """
    fields = credential_type["inputs"].get("fields", [])
    secret_fields = {field["id"] for field in fields if field.get("secret")}

    class Namespace:
        pass

    tower = Namespace()
    namespace, safe_namespace = {"tower": tower}, {"tower": tower}
    for name, value in inputs.items():
        if isinstance(value, bool):
            namespace[name] = safe_namespace[name] = value
            continue
        if value:  # an empty value leaves the name undefined
            namespace[name] = value
            safe_namespace[name] = MASK if name in secret_fields else value
    for field in fields:
        if field.get("type") == "boolean" and field["id"] not in inputs:
            namespace[field["id"]] = safe_namespace[field["id"]] = False

    env_dir = os.path.join(private_data_dir, "env")
    os.makedirs(env_dir, exist_ok=True)
    jinja = sandbox.ImmutableSandboxedEnvironment()
    injectors = credential_type.get("injectors", {})
    for label, template in injectors.get("file", {}).items():
        handle, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(handle, "w") as out:
            out.write(jinja.from_string(template).render(**namespace))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        if "." not in label:
            tower.filename = path
        else:
            if not hasattr(tower, "filename"):
                tower.filename = Namespace()
            setattr(tower.filename, label.split(".", 1)[1], path)
    env, safe_env = {}, {}
    for name, template in injectors.get("env", {}).items():
        env[name] = jinja.from_string(template).render(**namespace)
        safe_env[name] = jinja.from_string(template).render(**safe_namespace)
    return env, safe_env


# ---- the checks --------------------------------------------------------------------------------------
def test_awx_accepts_the_credential_type(credential_type):
    assert awx_problems(credential_type) == []
    fields = {field["id"]: field for field in credential_type["inputs"]["fields"]}
    assert set(fields) == {"api_url", "app_id", "app_secret", "access_token", "skip_tls_verify", "ca_pem"}
    assert {name for name, field in fields.items() if field.get("secret")} == {"app_secret", "access_token", "ca_pem"}
    # A boolean a credential does not set is false in AWX: false must be the safe value.
    assert fields["skip_tls_verify"]["type"] == "boolean" and fields["skip_tls_verify"]["default"] is False
    assert fields["ca_pem"].get("multiline") is True
    assert set(credential_type["injectors"]["env"]) == ENV_NAMES


def test_the_checks_catch_what_awx_refuses(credential_type):
    """The checks above are not vacuous: each of these is something AWX refuses."""
    broken = yaml.safe_load(yaml.safe_dump(credential_type))
    broken["inputs"]["fields"].append({"id": "api_url", "label": "again", "type": "number"})
    broken["injectors"]["env"]["ANSIBLE_CONFIG"] = "{{ api_url }}"
    broken["injectors"]["env"]["TELPHIN_TYPO"] = "{{ app_idd }}"
    problems = awx_problems(broken)
    assert any("'number' is not one of" in problem for problem in problems), problems
    broken["inputs"]["fields"][-1]["type"] = "string"
    problems = awx_problems(broken)
    assert any("unique (api_url)" in p for p in problems), problems
    assert any("ANSIBLE_CONFIG" in p for p in problems), problems
    assert any("TELPHIN_TYPO" in p and "app_idd" in p for p in problems), problems


def test_injectors_render_the_connection(credential_type, tmp_path):
    inputs = {"api_url": "https://pbx.example.com", "app_id": "app-1", "app_secret": "s3cret",
              "skip_tls_verify": False, "ca_pem": SAMPLE_CA}
    env, safe_env = render_injectors(credential_type, inputs, str(tmp_path))
    assert set(env) == ENV_NAMES
    assert env["TELPHIN_API_URL"] == "https://pbx.example.com"
    assert (env["TELPHIN_APP_ID"], env["TELPHIN_APP_SECRET"]) == ("app-1", "s3cret")
    assert env["TELPHIN_ACCESS_TOKEN"] == ""  # not given: empty, which the modules take as not set
    assert env["TELPHIN_VALIDATE_CERTS"] == "true"
    ca_file = pathlib.Path(env["TELPHIN_CA_PATH"])
    assert ca_file.parent == tmp_path / "env" and ca_file.read_text() == SAMPLE_CA
    assert stat.S_IMODE(ca_file.stat().st_mode) == 0o600
    # What AWX stores as the job's environment holds no secret.
    assert safe_env["TELPHIN_APP_SECRET"] == MASK and "s3cret" not in json.dumps(safe_env)
    # And AWX hides the values of the variables that carry secrets when it shows the job's environment.
    assert all(AWX_HIDDEN_ENV.search(name) for name in ("TELPHIN_APP_SECRET", "TELPHIN_ACCESS_TOKEN"))


def test_injectors_without_ca_or_secret(credential_type, tmp_path):
    """An access token only, no CA, skip_tls_verify not set (AWX then gives the boolean false): verify."""
    env, safe_env = render_injectors(credential_type, {"api_url": "https://pbx.example.com",
                                                       "access_token": "tok-1"}, str(tmp_path))
    assert (env["TELPHIN_APP_ID"], env["TELPHIN_APP_SECRET"], env["TELPHIN_CA_PATH"]) == ("", "", "")
    assert env["TELPHIN_ACCESS_TOKEN"] == "tok-1" and safe_env["TELPHIN_ACCESS_TOKEN"] == MASK
    assert env["TELPHIN_VALIDATE_CERTS"] == "true"
    env = render_injectors(credential_type, {"api_url": "https://pbx.example.com", "access_token": "tok-1",
                                             "skip_tls_verify": True}, str(tmp_path))[0]
    assert env["TELPHIN_VALIDATE_CERTS"] == "false"


# ---- a job through ansible-runner ------------------------------------------------------------------
@pytest.fixture
def simulator():
    with Simulator(rate_limit=100000) as sim:
        yield sim


def issued_tokens(sim):
    """The tokens the simulator has issued (its account's token table; it has no public accessor)."""
    return list(sim._api.account.tokens)  # pylint: disable=protected-access


class Job:
    """What a job left in its private data dir: artifacts/<ident>/{status,rc,stdout,job_events/}."""

    def __init__(self, private_data_dir, ident="job"):
        self.artifacts = pathlib.Path(private_data_dir, "artifacts", ident)
        self.status = (self.artifacts / "status").read_text().strip()
        self.rc = int((self.artifacts / "rc").read_text())
        self.stdout = (self.artifacts / "stdout").read_text()
        events = [json.loads(path.read_text()) for path in (self.artifacts / "job_events").glob("*.json")]
        self.events = sorted(events, key=lambda event: event["counter"])
        stats = [event for event in self.events if event["event"] == "playbook_on_stats"]
        self.stats = stats[-1]["event_data"] if stats else {}


def run_job(private_data_dir, env, check=True):
    """Run PLAYBOOK as AWX runs a job on localhost: ansible-runner in its own process, a private data dir,
    the credential's environment; returns the Job read back from the artifacts."""
    pdd = pathlib.Path(private_data_dir)
    (pdd / "inventory").mkdir(parents=True, exist_ok=True)
    (pdd / "inventory" / "hosts").write_text(
        "localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    playbook = PLAYBOOK
    if playbook.endswith((".yml", ".yaml")):  # a playbook of the project, which AWX checks out there
        (pdd / "project").mkdir(exist_ok=True)
        (pdd / "project" / os.path.basename(playbook)).write_text((ROOT / playbook).read_text())
        playbook = os.path.basename(playbook)
    # The job template's variables: the profiles, and a report folder inside the private data dir.
    extra_vars = dict(yaml.safe_load(PROFILES.read_text()), phone_profiles_report_dir=str(pdd / "reports"))
    (pdd / "extra_vars.yml").write_text(yaml.safe_dump(extra_vars))
    environ = {name: value for name, value in os.environ.items() if not name.startswith("TELPHIN_")}
    environ.update(env, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".build" / "collections"),
                   ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_DEPRECATION_WARNINGS="false",
                   # ansible-runner starts the ansible-playbook of this virtualenv, as an EE's own.
                   PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    command = [sys.executable, "-m", "ansible_runner", "run", str(pdd), "--playbook", playbook, "--ident", "job",
               "--cmdline", ("--check --diff" if check else "--diff") + " -e @%s" % (pdd / "extra_vars.yml"),
               "--quiet",
               # AWX keeps the credential's values out of the private data dir's env/ files (its
               # AWX_RUNNER_OMIT_ENV_FILES setting, on by default).
               "--omit-env-files"]
    proc = subprocess.run(command, env=environ, capture_output=True, text=True, timeout=300, check=False)
    assert (pdd / "artifacts" / "job" / "status").exists(), proc.stdout + proc.stderr
    return Job(pdd)


def artifact_texts(private_data_dir):
    """{path: text} of every file the job left in the private data dir, but the runner's command record.

    artifacts/<ident>/command is ansible-runner's own record of the command line and the whole
    environment it gave ansible-playbook, credential values included, as any runner of the job must have
    them. AWX does not keep it: it stores the job's environment rendered with secrets masked (safe_env,
    checked above) and removes the private data dir when the job ends.
    """
    texts = {}
    for path in pathlib.Path(private_data_dir).rglob("*"):
        if path.is_file() and path.relative_to(private_data_dir).parts[-2:] != ("job", "command"):
            texts[str(path.relative_to(private_data_dir))] = path.read_text(errors="replace")
    return texts


def check_job(job, sim, private_data_dir, secrets):
    assert job.status == "successful" and job.rc == 0, job.stdout[-3000:]
    events = job.events
    kinds = {event["event"] for event in events}
    assert {"playbook_on_start", "playbook_on_play_start", "playbook_on_task_start", "runner_on_ok",
            "playbook_on_stats"} <= kinds, kinds
    # The play's summary is in the stats: tasks ran on localhost, none failed, the audit found drift.
    stats = job.stats
    assert stats["ok"].get("localhost", 0) >= 3 and not stats["failures"] and not stats["dark"], stats
    assert stats["changed"].get("localhost", 0) >= 1, stats
    # What the next node of a workflow gets: the audit's summary, in the job's artifacts (set_stats).
    summary = stats.get("artifact_data", {}).get("phone_profiles_summary", {})
    assert summary.get("check_mode") is True and summary.get("drifted", 0) >= 1, stats
    results = [event["event_data"]["res"] for event in events if event["event"] == "runner_on_ok"
               and event["event_data"].get("task_action", "").endswith("phone_properties")]
    if results:  # the role's apply task, in check mode
        assert results[0]["changed"] and results[0]["stats"]["changed"] >= 1, results[0]
    # Check mode: the API was read, never written.
    methods = {entry["method"] for entry in sim.log if entry["path"].startswith("/api/")}
    assert "GET" in methods and "PUT" not in methods, methods
    # No secret in any artifact.
    texts = artifact_texts(private_data_dir)
    assert any(name.startswith("artifacts/job/job_events/") for name in texts)
    assert "artifacts/job/stdout" in texts
    leaks = sorted((name, secret[:4] + "...") for name, text in texts.items() for secret in secrets if secret in text)
    assert not leaks, leaks


def test_job_with_app_credentials_in_check_mode(credential_type, simulator, tmp_path):
    pdd = tmp_path / "job"
    inputs = {"api_url": simulator.url, "app_id": APP[0], "app_secret": APP[1], "ca_pem": SAMPLE_CA}
    env = render_injectors(credential_type, inputs, str(pdd))[0]
    job = run_job(pdd, env)
    tokens = issued_tokens(simulator)
    assert tokens, "the job obtained a token"
    check_job(job, simulator, pdd, [APP[1]] + tokens)
    # The CA file the credential injected is the one the job saw, in the private data dir.
    assert pathlib.Path(env["TELPHIN_CA_PATH"]).read_text() == SAMPLE_CA
    assert pathlib.Path(env["TELPHIN_CA_PATH"]).parent == pdd / "env"


def test_job_with_access_token_in_check_mode(credential_type, simulator, tmp_path):
    answer = requests.post(simulator.url + "/oauth/token", timeout=10, data={
        "grant_type": "client_credentials", "client_id": APP[0], "client_secret": APP[1]})
    token = answer.json()["access_token"]
    pdd = tmp_path / "job"
    env = render_injectors(credential_type, {"api_url": simulator.url, "access_token": token}, str(pdd))[0]
    job = run_job(pdd, env)
    assert issued_tokens(simulator) == [token], "the job used the given token and asked for no other"
    check_job(job, simulator, pdd, [APP[1], token])


# ---- TLS: a credential that says nothing of it verifies ------------------------------------------------
@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    return make_self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def https_simulator(tls_files):
    with Simulator(rate_limit=100000, tls=tls_files) as sim:
        yield sim


def run_module(env, folder):
    """One module of the collection on localhost with the credential's environment: (result, output)."""
    out = folder / "result.json"
    out.unlink(missing_ok=True)
    (folder / "playbook.yml").write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"telphin.pbx.phone_properties_info": {"extension_id": 1001}, "register": "read", "ignore_errors": True},
        {"ansible.builtin.copy": {"content": "{{ read | to_json }}", "dest": str(out)}}]}]))
    # The system's CA bundle, as in an execution environment: no REQUESTS_CA_BUNDLE of this machine's.
    environ = {name: value for name, value in os.environ.items()
               if not name.startswith("TELPHIN_") and name not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    environ.update(env, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".build" / "collections"),
                   ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
                   ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "playbook.yml"],
                          env=environ, cwd=folder, capture_output=True, text=True, timeout=120, check=False)
    output = proc.stdout + proc.stderr
    assert out.exists(), output
    return json.loads(out.read_text()), output


def test_a_credential_that_sets_nothing_about_tls_verifies_it(credential_type, https_simulator, tls_files,
                                                              tmp_path):
    """URL, id and secret only, as a credential made through AWX's API or awx.awx.credential: a server with
    a self-signed certificate is refused, naming the certificate. With the certificate as ca_pem, the
    same credential connects, and so does one that asks to skip verification."""
    base = {"api_url": https_simulator.url, "app_id": APP[0], "app_secret": APP[1]}
    env = render_injectors(credential_type, base, str(tmp_path / "bare"))[0]
    result, output = run_module(env, tmp_path)
    assert result.get("failed") is True, output
    assert "certificate verify failed: self-signed certificate" in result["msg"], result["msg"]
    assert https_simulator.log == []

    ca_pem = pathlib.Path(tls_files[0]).read_text()
    for extra in ({"ca_pem": ca_pem}, {"skip_tls_verify": True}):
        env = render_injectors(credential_type, dict(base, **extra), str(tmp_path / next(iter(extra))))[0]
        assert env["TELPHIN_VALIDATE_CERTS"] == ("false" if "skip_tls_verify" in extra else "true")
        result, output = run_module(env, tmp_path)
        assert not result.get("failed"), output
        assert result["extensions"][0]["extension_id"] == 1001
