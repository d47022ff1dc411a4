# dataeng.platform: the two commands are `make local` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
# One pinned set per Python: ansible 12 (ansible-core 2.19, amazon.aws 10) on 3.11, the current ansible (ansible-core
# 2.21, amazon.aws 11) on 3.12 and newer, which is all ansible-core 2.20+ runs on. requirements.txt picks the ansible
# release with environment markers; each set's constraints file locks the rest.
CONSTRAINTS ?= $(shell $(PYTHON) -c 'import sys; print("constraints.txt" if sys.version_info < (3, 12) else "constraints-py312.txt")')
BIN := $(VENV)/bin
# `make runtime`'s virtualenv: the collection's run-time requirements alone, for a deployer on real AWS.
RUNTIME_VENV ?= .venv-runtime
# The security scanner's own virtualenv (requirements-scanner.txt says why it is not $(VENV)).
SCANNER_VENV ?= .scanner-venv
EMULATOR_PORT ?= 5000
# The integration tests' processes: a test mostly waits on Ansible, so two keep both cores of a small machine busy.
INTEGRATION_WORKERS ?= 2
EMULATOR_STATE ?= .local/emulator
# no: `make local` converges the platform only, without loading the sample data (samples/) nor running the pipeline.
SAMPLE_DATA ?= yes
# Target of `make destroy`; local by default so nothing reaches AWS by accident.
INVENTORY ?= inventories/local

# Only the local inventory talks to the emulator; dev/prod go to real AWS.
LOCAL_AWS_ENV := AWS_ENDPOINT_URL=https://127.0.0.1:$(EMULATOR_PORT) AWS_CA_BUNDLE=$(CURDIR)/$(EMULATOR_STATE)/emulator-cert.pem EMULATOR_CA_BUNDLE=$(CURDIR)/$(EMULATOR_STATE)/emulator-cert.pem
INVENTORY_AWS_ENV = $(if $(filter inventories/local inventories/local/,$(INVENTORY)),$(LOCAL_AWS_ENV))
PLAYBOOK := $(BIN)/ansible-playbook
# The test hosts standing in for the emulated instances (named after them).
LOCAL_TESTHOSTS := dataeng-local-kubernetes dataeng-local-monitoring

.PHONY: help venv runtime system-deps local newcomer-debian13 query testhosts testhosts-stop emulator-start emulator-stop outputs plan drift destroy break-lock \
        test lint sanity unit jobs integration build lock scanner scanner-lock clean docs docs-check kube-apiserver bench deployer-policy

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt requirements-dev.txt $(CONSTRAINTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c $(CONSTRAINTS)
	@touch $@

venv: $(BIN)/.installed ## Create the virtualenv with the pinned toolchain (if missing or outdated)

# ansible (with the collections it bundles), boto3 and what the roles import on the controller; none of the test
# and local-mode toolchain (moto, PySpark, molecule, pytest, linters).
runtime: ## Create RUNTIME_VENV (.venv-runtime) with only what running the collection against AWS needs
	@test -x $(RUNTIME_VENV)/bin/python || $(PYTHON) -m venv $(RUNTIME_VENV)
	$(RUNTIME_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c $(CONSTRAINTS)

$(SCANNER_VENV)/.installed: requirements-scanner.txt constraints-scanner.txt
	@test -x $(SCANNER_VENV)/bin/python || $(PYTHON) -m venv $(SCANNER_VENV)
	$(SCANNER_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-scanner.txt -c constraints-scanner.txt
	@touch $@

scanner: $(SCANNER_VENV)/.installed ## Install the pinned security scanner (Prowler) into its own virtualenv (if missing or outdated)

system-deps: ## Install the Debian packages the tests need, by Debian release (12 or 13; when missing; needs root)
	$(PYTHON) tools/system_deps.py install

emulator-start: venv ## Start the local AWS emulator on 127.0.0.1:$(EMULATOR_PORT)
	$(BIN)/python tools/emulator.py start --port $(EMULATOR_PORT) --state-dir $(EMULATOR_STATE)

emulator-stop: ## Stop the local AWS emulator
	$(PYTHON) tools/emulator.py stop --state-dir $(EMULATOR_STATE)

# The cloud layer needs only the virtualenv; the host layer and the sample pipeline run when this machine can
# (tools/local_mode.py: root and Debian for the test hosts, Java for Spark), or are skipped with a line saying why.
local: venv emulator-start ## Run the whole platform against the local AWS emulator and print its outputs, then the pipeline on the sample data (SAMPLE_DATA=no: not)
	@$(BIN)/python tools/local_mode.py host-layer; case $$? in \
	  0) $(MAKE) --no-print-directory testhosts && $(LOCAL_AWS_ENV) $(PLAYBOOK) -i inventories/local site.yml ;; \
	  1) $(LOCAL_AWS_ENV) $(PLAYBOOK) -i inventories/local site.yml --limit 'all:!platform_hosts' ;; \
	  *) exit 1 ;; \
	esac
ifneq ($(SAMPLE_DATA),no)
	@if $(BIN)/python tools/local_mode.py pipeline; then \
	  $(LOCAL_AWS_ENV) $(PLAYBOOK) -i inventories/local playbooks/sample_data.yml && \
	  $(LOCAL_AWS_ENV) $(PLAYBOOK) -i inventories/local playbooks/pipeline.yml && \
	  echo "The sample data went through the pipeline: the raw_*, processed_* and curated_* tables of the local Glue catalog." && \
	  echo "Query them on local Spark (make query alone lists them, with their columns and locations):" && \
	  echo '  make query SQL="select event_type, count(*) as events, round(sum(amount), 2) as amount from curated_events group by event_type order by events desc"' && \
	  echo '  make query SQL="select order_date, status, count(*) as orders, round(sum(total), 2) as total from processed_orders group by order_date, status order by order_date, status"'; \
	fi
endif

# SQL goes to the tool through the environment (make exports a variable set on its command line), so that its quotes
# and backticks arrive as typed.
query: venv ## Run SQL="..." on local Spark over the tables of the local emulator's Glue catalog (without SQL: list them)
	$(BIN)/python tools/query.py --state-dir $(EMULATOR_STATE) $${SQL:+"$$SQL"}

testhosts: venv system-deps ## Start the local test hosts standing in for the platform's two instances
	$(BIN)/python tools/testhost.py ensure-engine
	$(BIN)/python tools/testhost.py build-image
	$(BIN)/python tools/testhost.py save-service-images
	@for host in $(LOCAL_TESTHOSTS); do \
	  $(BIN)/python tools/testhost.py start $$host || exit 1; \
	done

testhosts-stop: ## Remove the local test hosts
	@for host in $(LOCAL_TESTHOSTS); do $(PYTHON) tools/testhost.py stop $$host || exit 1; done

outputs: venv ## Print the outputs of INVENTORY (default: local)
	$(INVENTORY_AWS_ENV) $(PLAYBOOK) -i $(INVENTORY) playbooks/outputs.yml

plan: venv ## Print what a converge of INVENTORY's cloud layer would add, change or destroy; saved to plan-<inventory>.json
	$(INVENTORY_AWS_ENV) $(BIN)/python tools/plan.py -i $(INVENTORY) $(PLAN_OPTIONS)

# tools/plan.py --detailed-exitcode tells CI "no changes" (0) from "changes" (2) and errors (1); make turns any
# failure into its own status 2.
drift: venv ## The plan of INVENTORY, failing when the account differs from it (drift)
	$(INVENTORY_AWS_ENV) $(BIN)/python tools/plan.py -i $(INVENTORY) --detailed-exitcode $(PLAN_OPTIONS)

destroy: venv ## Tear down the platform of INVENTORY (default: local); asks for the environment name, or CONFIRM=<env>
	@answer="$(CONFIRM)"; \
	if [ -z "$$answer" ]; then read -r -p "Type the environment name of $(INVENTORY) to destroy it: " answer; fi; \
	$(INVENTORY_AWS_ENV) $(PLAYBOOK) -i $(INVENTORY) playbooks/destroy.yml -e "confirm_destroy=$$answer"

break-lock: venv ## Break the run lock of INVENTORY whose run was lost (docs/run-lock.md); asks for the environment name, or CONFIRM=<env>
	@answer="$(CONFIRM)"; \
	if [ -z "$$answer" ]; then read -r -p "No run of $(INVENTORY) still going? Type its environment name to break its lock: " answer; fi; \
	$(INVENTORY_AWS_ENV) $(PLAYBOOK) -i $(INVENTORY) playbooks/break_lock.yml -e "break_lock=$$answer"

# The scanner's install (about 3 minutes and 190 s of CPU, mostly unpacking 2.3 GB) runs niced beside lint,
# sanity, unit and the Glue jobs, taking only the CPU they leave; only the integration tests need it, and wait for it.
test: venv system-deps ## Lint, sanity, unit, Glue job and integration tests (the slowest aside: make extended)
	@mkdir -p build; nice -n 19 $(MAKE) --no-print-directory scanner > build/scanner-install.log 2>&1 & installing=$$!; \
	$(MAKE) --no-print-directory lint sanity unit jobs; status=$$?; \
	wait $$installing || { cat build/scanner-install.log; exit 1; }; \
	test $$status = 0 && $(MAKE) --no-print-directory integration

lint: venv ## ansible-lint (production profile) and ruff
	$(BIN)/ansible-lint
	$(BIN)/ruff check tools tests plugins molecule roles/glue/files
	$(BIN)/ruff format --check tools tests plugins molecule roles/glue/files

sanity: venv ## ansible-test sanity on a build of the collection
	PATH=$(abspath $(BIN)):$$PATH tools/sanity.sh

unit: venv ## Unit tests (no emulator)
	$(BIN)/pytest tests/unit

jobs: venv system-deps ## The Glue job scripts on local PySpark (needs Java)
	$(BIN)/pytest tests/jobs

integration: venv scanner ## Integration tests against an emulator the tests start themselves, in INTEGRATION_WORKERS processes
	$(BIN)/pytest --numprocesses $(INTEGRATION_WORKERS) --dist loadscope -m "not extended" tests/integration

# What `make test` leaves out for time (about 25 minutes of CPU and, once, the API server's build): every role's
# molecule scenario on its own (the site test converges, reruns and checks them together) with argocd's against
# a real Kubernetes API server, and a converge and destroy as a user holding only the deployer policy under IAM
# enforcement (the site test checks the policy against every request its runs sent).
extended: venv system-deps kube-apiserver ## The slow checks make test leaves out: molecule scenarios, the deployer policy enforced
	$(BIN)/pytest --numprocesses $(INTEGRATION_WORKERS) --dist loadscope -m extended tests/integration

# The commit the bench compares this tree with, side by side (empty: no comparison).
BENCH_BASELINE ?= main

bench: venv ## Benchmark the cloud layer on fresh emulators against BENCH_BASELINE into build/bench/ (BENCH_OPTIONS="--repeat 1" for a quick look)
	PYTHONPATH=tests:tools $(BIN)/python -m bench.bench $(if $(BENCH_BASELINE),--baseline $(BENCH_BASELINE)) $(BENCH_OPTIONS)

kube-apiserver: venv system-deps ## Build the Kubernetes API server the argocd tests use, once, into ~/.cache (KUBE_APISERVER_BUILD=0: never)
	@if [ "$${KUBE_APISERVER_BUILD:-1}" != 0 ]; then $(BIN)/python tools/kube_apiserver.py build; fi

# A fresh clone in a Debian 13 machine (a test host with Docker inside): make local, make unit and the site test
# with Debian 13's Python and the current Ansible (about an hour); build/newcomer-debian13.{log,json} keep the result.
newcomer-debian13: venv system-deps ## Run a newcomer's make local and the unit and site tests on Debian 13, in a container (opt-in, slow)
	$(BIN)/python tools/newcomer.py run

deployer-policy: venv system-deps ## Regenerate docs/deployer-policy.json from a recorded site converge, rerun and destroy (minutes)
	DEPLOYER_POLICY_UPDATE=1 $(BIN)/pytest tests/integration/test_site.py -k "destroy_keeps_the_data or deployer_policy"

docs: venv ## Regenerate docs/roles.md and CHANGELOG.rst from the code (docs-check: only compare)
	$(BIN)/python tools/docs.py

docs-check: venv ## Fail when docs/roles.md or CHANGELOG.rst is out of date
	$(BIN)/python tools/docs.py --check

build: venv ## Build the collection tarball into build/
	$(BIN)/ansible-galaxy collection build --force --output-path build .

lock: ## Rewrite the constraints file of PYTHON's set (constraints.txt: 3.11; constraints-py312.txt: 3.12+) from a fresh virtualenv
	rm -rf build/lock-venv && $(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/pip install --quiet -r requirements-dev.txt
	{ echo '# Full lock of the toolchain for Python $(if $(filter constraints.txt,$(CONSTRAINTS)),3.11,3.12 and newer), produced by `pip freeze` in a fresh .venv; `make lock` rewrites it.'; \
	  build/lock-venv/bin/pip freeze --exclude-editable; } > $(CONSTRAINTS)

scanner-lock: ## Rewrite constraints-scanner.txt from a fresh virtualenv
	rm -rf build/scanner-lock-venv && $(PYTHON) -m venv build/scanner-lock-venv
	build/scanner-lock-venv/bin/pip install --quiet -r requirements-scanner.txt
	{ echo '# Full lock of the security scanner (Prowler), produced by `pip freeze` in a fresh virtualenv; `make scanner-lock` rewrites it.'; \
	  build/scanner-lock-venv/bin/pip freeze --exclude-editable; } > constraints-scanner.txt

clean: emulator-stop testhosts-stop ## Stop the emulator and the test hosts, remove the virtualenv and build output
	rm -rf $(VENV) $(RUNTIME_VENV) $(SCANNER_VENV) build .local .pytest_cache .ruff_cache
