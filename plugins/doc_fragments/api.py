# -*- coding: utf-8 -*-
# Copyright: telphin.pbx contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):

    # The connection options of every module that talks to the API (plugins/module_utils/client.py,
    # api_argument_spec()). Use with: extends_documentation_fragment: telphin.pbx.api
    DOCUMENTATION = r'''
options:
  api_url:
    description:
      - Base URL of the PBX REST API server, scheme and host name with an optional path prefix,
        for example V(https://apiproxy.telphin.ru) or V(https://pbx.example.com/telephony).
      - The client appends C(/api/ver1.0/...) for API calls and C(/oauth/token) for tokens;
        do not include them. A trailing slash is ignored.
      - Other operators of the same (Ringme) API serve it under their own host names.
      - If not set, the value of the E(TELPHIN_API_URL) environment variable is used.
    type: str
    default: https://apiproxy.telphin.ru
  app_id:
    description:
      - OAuth client ID of a I(trusted) application of the PBX (client-credentials grant).
      - Give either O(access_token), or both O(app_id) and O(app_secret).
        When O(access_token) is given, O(app_id) and O(app_secret) are ignored.
      - With O(app_id) and O(app_secret) the client asks for a token when it first needs one, renews it
        before it expires, and asks for a new one once after the API refuses a token (HTTP 401).
      - Changing configuration (for example phone terminal properties) needs an application with
        access level C(All); an application with the default level C(Call API) can only read.
      - If not set, the value of the E(TELPHIN_APP_ID) environment variable is used.
    type: str
  app_secret:
    description:
      - OAuth client secret of the application given in O(app_id).
      - This value is a secret (C(no_log)) and never appears in any output or error message.
      - If not set, the value of the E(TELPHIN_APP_SECRET) environment variable is used.
    type: str
  access_token:
    description:
      - A ready OAuth access token, used as is instead of O(app_id) and O(app_secret).
      - Such a token cannot be renewed by the module; when the API refuses it (expired or invalid),
        the task fails and says so.
      - This value is a secret (C(no_log)) and never appears in any output or error message.
      - If not set, the value of the E(TELPHIN_ACCESS_TOKEN) environment variable is used.
    type: str
  validate_certs:
    description:
      - Whether to validate the TLS certificate of the API server.
      - Set to V(false) only for test servers you control; the token then travels over an unverified connection.
      - If not set, the value of the E(TELPHIN_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM file of CA certificates to validate the server with, for servers with a certificate
        from a private CA. When set, it is used instead of the system CA store and O(validate_certs) is ignored.
      - If not set, the value of the E(TELPHIN_CA_PATH) environment variable is used.
      - A relative path is taken from the folder where C(ansible-playbook) was started (under a local
        connection); C(~) is expanded.
    type: path
  timeout:
    description:
      - Time-out in seconds of each HTTP request (connecting, and waiting for each part of the answer).
    type: float
    default: 30
  max_retries:
    description:
      - How many times a request that failed in a transient way is repeated before the task gives up on it.
        Transient failures are connection errors, time-outs, HTTP 5xx, HTTP 429 and answers that are not valid JSON.
      - Waits between attempts grow exponentially, with random jitter, up to 10 seconds.
      - Other errors (HTTP 400, 403, 404...) are not repeated. V(0) disables retries.
    type: int
    default: 4
  rate_limit_wait:
    description:
      - The longest time in seconds the module waits when the API answers that the rate limit is exceeded
        (HTTP 429; the wait comes from the C(Retry-After) or C(X-RateLimit-Reset) header).
      - A wait up to this long pauses every request of the module (all parallel workers together),
        then the request is repeated.
      - A longer wait is not made at all. The request fails at once with a message that says when the
        hourly request budget resets; raise this option to wait for it instead. V(0) never waits for a known reset.
    type: int
    default: 60
  rate_limit_reserve:
    description:
      - How much of the account's hourly request budget the task leaves to the account's other applications
        (a CRM, call tracking, click-to-call share it), as a number of requests, or a percentage of the hourly
        limit the API states (C(X-RateLimit-Limit); the lowest seen), such as V(10%). V(0) keeps nothing back.
      - Before it reads the phones (after the listing, or after the first phone read alone when no listing is
        needed), the task checks that its reads fit in the budget left above the reserve, and refuses to go
        on when they do not, in check mode too (an audit spends its reads all the same).
      - After the plan, it checks the writes (and the registration reads around them, with
        O(telphin.pbx.phone_properties#module:check_registrations)). A task whose writes do not fit writes
        nothing, and check mode warns of it; O(telphin.pbx.phone_properties#module:allow_partial) writes the
        first ones that fit. Each message names the cost, the remaining budget, the reserve and when the
        budget resets.
      - A retry (of a time-out, a 5xx) is not sent when the remaining budget is down to the reserve. Requests
        already in flight may go past it by up to the number in flight.
      - When the API's answers carry no rate-limit headers, the task warns that the reserve was not checked.
        A reserve at or above the hourly limit is refused.
      - If not set, the value of the E(TELPHIN_RATE_LIMIT_RESERVE) environment variable is used.
    type: raw
    default: 10%
    version_added: 2.0.0
notes:
  - The API limits the number of requests per hour for each PBX client (shared by all its applications).
    Every request a task makes, including token requests and retries, counts against that limit.
  - HTTP proxies are taken from the standard E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY) environment
    variables, as the Python C(requests) library reads them. E(REQUESTS_CA_BUNDLE) is honoured when
    O(ca_path) is not set.
  - Requests ask for gzip-compressed answers (C(Accept-Encoding) C(gzip)), as the API requires.
requirements:
  - requests (Python library, on the host that runs the module)
'''
