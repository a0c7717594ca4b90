# Every developer and CI target. `make test` on a fresh machine installs what it needs
# (a virtual environment in .venv, Dovecot through apt-get when missing) and runs every test.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FUZZ_SECONDS ?= 20
FUZZ_TARGETS := response framer mutf7 seqset command

PYENV_ROOT ?= $(HOME)/.pyenv
TEST_PYTHONS ?= 3.11 3.12 3.13
ABI3_WHEELS := target/abi3-wheels

.PHONY: test demo venv build-dev lint lint-rust lint-python layering test-rust test-python test-pythons fuzz-smoke bench demo clean

test: venv build-dev lint test-rust test-python test-pythons fuzz-smoke

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
	$(VENV)/bin/ruff check python tests bench examples
	$(VENV)/bin/ruff format --check python tests bench examples
	$(VENV)/bin/mypy
	$(PY) -m mypy.stubtest imaprs._imaprs

# The protocol core knows nothing of sockets, threads, clocks or Python.
layering:
	@! grep -rnE 'pyo3|std::net|std::thread|std::time|rustls' src/proto \
	  || { echo "src/proto must stay sans-I/O"; exit 1; }

test-rust:
	cargo test --no-default-features

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

fuzz-smoke:
	command -v cargo-fuzz >/dev/null || cargo install -q cargo-fuzz --locked
	for t in $(FUZZ_TARGETS); do \
	  RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz $$t -- -max_total_time=$(FUZZ_SECONDS) -dict=fuzz/imap.dict 2>&1 | tail -n 3; \
	done

# The main job: a tour of imaprs against a Dovecot it starts on loopback.
demo: build-dev
	$(PY) examples/tour.py

bench: build-dev
	$(PY) bench/parse_bench.py
	cargo bench --no-default-features --bench parse

clean:
	rm -rf target fuzz/target $(VENV) .venvs
