# Development entry points. `make demo` and `make test` work on a fresh machine: they create the
# virtualenv they need. See README.md.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
BUILD := .build
# The collection must sit at ansible_collections/telphin/pbx to be imported; a link keeps edits live.
COLLECTIONS := $(BUILD)/collections
LINK := $(COLLECTIONS)/ansible_collections/telphin/pbx
SIM := PYTHONPATH=tests/simulator $(BIN)/python -m pbxsim
PREPARE_ANSIBLE_TEST := ../shared/tools/prepare-ansible-test
export ANSIBLE_COLLECTIONS_PATH := $(abspath $(COLLECTIONS))
export PYTHONPATH := $(abspath $(COLLECTIONS)):$(abspath tests/simulator)

.PHONY: help venv link demo test units integration sanity docs-check changelog-lint bench simulator clean

help:
	@echo "make demo        set up, start the simulator, audit and apply a profile (check, real, again)"
	@echo "make test        set up and run every test (unit, simulator, integration, sanity, docs, changelog)"
	@echo "make bench       benchmark one task over many extensions against a loop (see tests/bench)"
	@echo "make simulator   run the API simulator in the foreground on port 8080"

$(BIN)/.installed: requirements.txt test-requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r test-requirements.txt
	touch $@

venv: $(BIN)/.installed

link:
	mkdir -p $(dir $(LINK))
	ln -sfn $(CURDIR) $(LINK)

demo: venv
	bash tools/demo.sh

simulator: venv
	$(SIM) serve --port 8080

units: venv link
	$(BIN)/python -m pytest -q -n 2 tests/unit tests/simulator/tests

integration: venv link
	$(BIN)/python -m pytest -q -n 2 tests/integration

docs-check: venv link
	$(BIN)/python tools/field_docs.py --check
	for m in phone_properties phone_properties_info extension_info; do \
	  $(BIN)/ansible-doc telphin.pbx.$$m > /dev/null || exit 1; done

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

# ansible-test needs a real ansible_collections/telphin/pbx tree: copy what git knows into one.
sanity: venv
	rm -rf $(BUILD)/sanity && mkdir -p $(BUILD)/sanity/ansible_collections/telphin/pbx
	git ls-files -co --exclude-standard | tar -cf - -T - | tar -xf - -C $(BUILD)/sanity/ansible_collections/telphin/pbx
	# A repository of its own, or ansible-test asks this one, where .build/ is ignored, and finds no files.
	cd $(BUILD)/sanity/ansible_collections/telphin/pbx && git init -q && git add -A
	if [ -f $(PREPARE_ANSIBLE_TEST) ]; then . $(BIN)/activate && sh $(PREPARE_ANSIBLE_TEST); fi
	cd $(BUILD)/sanity/ansible_collections/telphin/pbx && env -u PYTHONPATH -u ANSIBLE_COLLECTIONS_PATH \
	  PATH=$(abspath $(BIN)):$$PATH $(abspath $(BIN))/ansible-test sanity --venv --python 3.11

test: units integration docs-check changelog-lint sanity

bench: venv link
	$(BIN)/python tests/bench/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) tests/output
