# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS for real: the simulator serves HTTPS with a self-signed certificate made for the test session.

By default (``validate_certs`` true, no ``ca_path``) the modules refuse it before anything is read or written,
saying it is the certificate; ``ca_path`` with the certificate, or ``validate_certs: false``, as options
or as the environment an AWX credential injects, connect.
"""

import pytest

from conftest import run_tasks
from pbxsim import Simulator
from pbxsim.tls import make_self_signed

READ = {"telphin.pbx.phone_properties_info": {"extension_id": 1001}}
WRITE = {"telphin.pbx.phone_properties": {"extension_id": 1001, "hangup_timeout": 77}}


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """(certificate, key): the certificate is its own CA."""
    return make_self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def certificate(tls_files):
    return str(tls_files[0])


@pytest.fixture(scope="module")
def https_simulator(tls_files):
    with Simulator(rate_limit=100000, tls=tls_files) as sim:
        yield sim


@pytest.fixture
def https_sim(https_simulator):
    https_simulator.reset()
    yield https_simulator


def test_the_simulator_speaks_https(https_sim):
    assert https_sim.url.startswith("https://127.0.0.1:")


def test_a_self_signed_certificate_is_refused_by_default_and_nothing_is_written(https_sim, tmp_path):
    results, output, _rc = run_tasks(https_sim, tmp_path, [READ, WRITE])
    for result in results:
        assert result["failed"] is True, output
        assert "certificate verify failed" in result["msg"] and "self-signed certificate" in result["msg"], result
        assert "check validate_certs and ca_path" in result["msg"], result
    assert https_sim.log == []  # no request got through a handshake
    assert https_sim.phone(1001)["hangup_timeout"] != 77


@pytest.mark.parametrize("how", ["ca_path", "TELPHIN_CA_PATH", "validate_certs", "TELPHIN_VALIDATE_CERTS"])
def test_the_certificate_as_ca_path_or_verification_off_connects(https_sim, tmp_path, certificate, how):
    options, env = {}, {}
    if how == "ca_path":
        options = {"ca_path": certificate}
    elif how == "validate_certs":
        options = {"validate_certs": False}
    elif how == "TELPHIN_CA_PATH":
        env = {"TELPHIN_CA_PATH": certificate}
    else:
        env = {"TELPHIN_VALIDATE_CERTS": "false"}
    tasks = [{name: dict(args, **options)} for task in (READ, WRITE) for name, args in task.items()]
    results, output, rc = run_tasks(https_sim, tmp_path, tasks, env=env)
    assert rc == 0 and not any(result.get("failed") for result in results), output
    assert results[0]["extensions"][0]["extension_id"] == 1001
    assert results[1]["changed"] is True and https_sim.phone(1001)["hangup_timeout"] == 77


def test_empty_tls_variables_of_an_awx_credential_mean_the_defaults(https_sim, tmp_path, certificate):
    """TELPHIN_VALIDATE_CERTS='' (a credential's field left empty) verifies, as if unset; it fails no task."""
    results, output, rc = run_tasks(https_sim, tmp_path, [READ], env={"TELPHIN_VALIDATE_CERTS": "",
                                                                      "TELPHIN_CA_PATH": certificate})
    assert rc == 0 and results[0]["extensions"][0]["extension_id"] == 1001, output
    results, output, rc = run_tasks(https_sim, tmp_path, [READ], env={"TELPHIN_VALIDATE_CERTS": " ",
                                                                      "TELPHIN_CA_PATH": ""})
    assert results[0]["failed"] is True and "certificate verify failed" in results[0]["msg"], output


def test_https_to_a_server_that_speaks_plain_http_says_so_not_the_certificate(sim, tmp_path):
    # api_url with https:// where the server has no TLS (a proxy's plain port, a local simulator).
    https_url = sim.url.replace("http://", "https://")
    results, output, _rc = run_tasks(sim, tmp_path, [READ], env={"TELPHIN_API_URL": https_url})
    result, = results
    assert result["failed"] is True, output
    assert "the server answers in plain HTTP, not HTTPS: check the port of api_url, or give it as http://" \
        in result["msg"], result["msg"]
    assert "check validate_certs and ca_path" not in result["msg"]
