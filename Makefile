# Every developer and CI target. `make test` on a fresh machine installs what it needs
# (a virtual environment in .venv, Dovecot through apt-get when missing) and runs every test.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FUZZ_SECONDS ?= 600
FUZZ_SEED ?= 1
FUZZ_RUNS ?= 300000
FUZZ_TARGETS := response framer mutf7 seqset command fetch

PYENV_ROOT ?= $(HOME)/.pyenv
TEST_PYTHONS ?= 3.9 3.10 3.11 3.12 3.13
ABI3_WHEELS := target/abi3-wheels

.PHONY: test demo venv build-dev lint lint-rust lint-python layering test-rust test-python test-pythons fuzz-smoke fuzz bench demo clean
.PHONY: docs test-wheel

test: venv build-dev lint test-rust test-python test-pythons test-wheel fuzz-smoke

venv: $(VENV)/.installed
$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

build-dev: venv
	VIRTUAL_ENV=$(abspath $(VENV)) PATH=$(abspath $(VENV))/bin:$$PATH maturin develop --release -q

lint: lint-rust lint-python layering

lint-rust:
	cargo fmt --all -- --check
	cargo clippy --all-targets --no-default-features -- -D warnings
	cargo clippy --lib --features python -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --no-default-features --no-deps -q

lint-python: build-dev
	$(VENV)/bin/ruff check python tests bench examples docs/cookbook
	$(VENV)/bin/ruff format --check python tests bench examples docs/cookbook
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --strict docs/cookbook/*.py examples/*.py  # user code, through the stubs
	$(PY) -m mypy.stubtest imaprs._imaprs

# The protocol core knows nothing of sockets, threads, clocks or Python.
layering:
	@! grep -rnE 'pyo3|std::net|std::thread|std::time|rustls' src/proto \
	  || { echo "src/proto must stay sans-I/O"; exit 1; }

# In CI the Rust property tests draw the same cases on every run, as the Python ones do
# (tests/conftest.py), so that a run fails only for a change; elsewhere each run explores.
test-rust:
	$(if $(CI),PROPTEST_RNG_SEED=1 )cargo test --no-default-features

test-python: build-dev
	$(PY) -m pytest -q
	$(PY) bench/parse_bench.py --quick

# The drop-in's twin tests (imaplib side by side) on each CPython found through pyenv, all with
# the one abi3 wheel; a version that is not installed is skipped, and said so.
test-pythons: venv
	rm -rf $(ABI3_WHEELS)
	VIRTUAL_ENV=$(abspath $(VENV)) PATH=$(abspath $(VENV))/bin:$$PATH maturin build --release -q -o $(ABI3_WHEELS)
	for v in $(TEST_PYTHONS); do \
	  py=$$(ls -d $(PYENV_ROOT)/versions/$$v.*/bin/python 2>/dev/null | sort -V | tail -n 1 || true); \
	  if [ -z "$$py" ]; then echo "test-pythons: CPython $$v not found in $(PYENV_ROOT), skipped"; continue; fi; \
	  env=.venvs/py$$v; \
	  [ -x $$env/bin/python ] || $$py -m venv $$env; \
	  $$env/bin/python -m pip install -q pytest pytest-timeout hypothesis imapclient imap-tools; \
	  $$env/bin/python -m pip install -q --force-reinstall --no-deps $(ABI3_WHEELS)/*.whl; \
	  echo "test-pythons: $$($$env/bin/python -V)"; \
	  $$env/bin/python -m pytest -q -p no:cacheprovider tests/imaplib; \
	done

# The fuzzing run of `make test` and CI: the same inputs for the same commit (a fixed seed
# and number of runs, from an empty corpus plus the inputs kept in fuzz/regressions), so a
# run that passes here passes there. `make fuzz` explores for longer, from a growing corpus.
fuzz-smoke:
	command -v cargo-fuzz >/dev/null || cargo install -q cargo-fuzz --locked
	for t in $(FUZZ_TARGETS); do \
	  corpus=target/fuzz-smoke/$$t; rm -rf $$corpus; mkdir -p $$corpus; \
	  kept=$$( [ -d fuzz/regressions/$$t ] && echo fuzz/regressions/$$t || true ); \
	  status=0; RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz $$t $$corpus $$kept -- \
	    -seed=$(FUZZ_SEED) -runs=$(FUZZ_RUNS) -dict=fuzz/imap.dict >target/fuzz-$$t.log 2>&1 || status=$$?; \
	  tail -n 1 target/fuzz-$$t.log; \
	  [ $$status -eq 0 ] || { tail -n 40 target/fuzz-$$t.log; echo "fuzz-smoke: $$t failed (target/fuzz-$$t.log)"; exit $$status; }; \
	done

# Each target for FUZZ_SECONDS with a random seed. Keep what it finds: copy the crash
# input from fuzz/artifacts/<target>/ into fuzz/regressions/<target>/ with the fix.
fuzz:
	command -v cargo-fuzz >/dev/null || cargo install -q cargo-fuzz --locked
	for t in $(FUZZ_TARGETS); do \
	  kept=$$( [ -d fuzz/regressions/$$t ] && echo fuzz/regressions/$$t || true ); \
	  mkdir -p fuzz/corpus/$$t; \
	  RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz $$t fuzz/corpus/$$t $$kept -- \
	    -max_total_time=$(FUZZ_SECONDS) -dict=fuzz/imap.dict; \
	done

# The main job: a tour of imaprs against a Dovecot it starts on loopback.
demo: build-dev
	$(PY) examples/tour.py

bench: build-dev
	$(PY) bench/parse_bench.py
	cargo bench --no-default-features --bench parse

clean:
	rm -rf target fuzz/target $(VENV) .venvs

# The documentation site as CI builds it (tests/test_docs.py builds it too): a broken link,
# page or API reference is an error.
docs: build-dev
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict -q -d target/site

# Release artefacts: an sdist (checked to hold the sources) and an abi3 wheel (built with the
# release profile build-dev has already compiled). The wheel is installed (not editable, with
# the cli extra) into a fresh virtual environment and the tests run against it: on the
# default Python every test that needs no Dovecot plus the command line's backup tests, and
# the same on CPython $(WHEEL_PYTHONS) from ~/.pyenv when there (said and skipped when not).
WHEEL_DIR := target/dist
WHEEL_VENV := target/wheel-venv
WHEEL_PYTHONS ?= 3.9 3.13
WHEEL_TEST_DEPS := pytest pytest-timeout hypothesis imapclient

test-wheel: venv
	rm -rf $(WHEEL_DIR)
	PATH=$(abspath $(VENV))/bin:$$PATH maturin sdist -o $(WHEEL_DIR) >/dev/null
	tar -tzf $(WHEEL_DIR)/imaprs-*.tar.gz | grep -E '^imaprs-[^/]+/src/proto/mod.rs$$' >/dev/null
	tar -tzf $(WHEEL_DIR)/imaprs-*.tar.gz | grep -E '^imaprs-[^/]+/python/imaprs/cli/main.py$$' >/dev/null
	PATH=$(abspath $(VENV))/bin:$$PATH maturin build --release -q -o $(WHEEL_DIR)
	ls $(WHEEL_DIR)/imaprs-*.tar.gz $(WHEEL_DIR)/imaprs-*-abi3-*.whl
	$(MAKE) --no-print-directory wheel-tests WHEEL_PY=$(PYTHON)
	for v in $(WHEEL_PYTHONS); do \
	  py=$$(ls -d $$HOME/.pyenv/versions/$$v.*/bin/python3 2>/dev/null | sort -V | tail -n 1); \
	  if [ -z "$$py" ]; then echo "test-wheel: CPython $$v is not installed under ~/.pyenv: skipped"; continue; fi; \
	  $(MAKE) --no-print-directory wheel-tests WHEEL_PY=$$py; \
	done

wheel-tests:
	@echo "test-wheel: $$($(WHEEL_PY) --version) with $$(ls $(WHEEL_DIR)/imaprs-*-abi3-*.whl)"
	rm -rf $(WHEEL_VENV)
	$(WHEEL_PY) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/python -m pip install -q "$$(ls $(WHEEL_DIR)/imaprs-*-abi3-*.whl)[cli]" $(WHEEL_TEST_DEPS)
	$(WHEEL_VENV)/bin/python -c 'import imaprs, sys; assert "site-packages" in imaprs.__file__, imaprs.__file__'
	$(WHEEL_VENV)/bin/python -m pytest -q -p no:cacheprovider -m "not server"
	$(WHEEL_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/cli/test_cli_backup.py
