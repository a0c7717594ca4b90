# Every developer and CI target. `make test` on a fresh machine installs what it needs
# (a virtual environment in .venv, Dovecot through apt-get when missing) and runs every test.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FUZZ_SECONDS ?= 20
FUZZ_TARGETS := response framer mutf7 seqset command

.PHONY: test demo venv build-dev lint lint-rust lint-python layering test-rust test-python fuzz-smoke bench demo clean

test: venv build-dev lint test-rust test-python fuzz-smoke

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
	rm -rf target fuzz/target $(VENV)
