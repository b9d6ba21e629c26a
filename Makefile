# contactsd — the two commands that matter: `make run` and `make test`.
BUILD_DIR ?= build
PYTHON ?= /usr/bin/python3
# The API suite's pytest-xdist workers (scripts/test-all.sh); 0 runs it in one process.
PYTEST_WORKERS ?= 4
PYTEST = $(PYTHON) -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS)
PREFIX ?= /usr/local

SAN_BUILD_DIR ?= build-asan
TSAN_BUILD_DIR ?= build-tsan
FUZZ_BUILD_DIR ?= build-fuzz

.PHONY: deps test-deps configure build install package run test unit-test api-test api-test-prism \
	crash-matrix test-sanitize test-tsan fuzz-build fuzz-smoke fuzz bench bench-ab bench-scale \
	bench-hostile format clean


deps:
	@./scripts/install-deps.sh

# Test tools from the npm registry, each tree pinned by its lockfile: the webhook tests'
# receiver (tests/webhook_receiver: `standardwebhooks`) and the OpenAPI document's checkers
# (tests/openapi: `@redocly/cli`). A stamp is written after `npm ci` succeeds, so a missing,
# half-installed or outdated node_modules (lockfile newer than the stamp) is redone.
NPM_TREES := tests/webhook_receiver tests/openapi
test-deps: $(addsuffix /node_modules/.contactsd-installed,$(NPM_TREES))

%/node_modules/.contactsd-installed: %/package-lock.json %/package.json | deps
	npm ci --prefix $* --ignore-scripts --no-audit --no-fund
	touch $@

configure: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -U CONTACTSD_LAYERS >/dev/null

build: configure
	cmake --build $(BUILD_DIR)

# The server alone, its docs and its systemd unit under PREFIX (DESTDIR honoured); see
# docs/install.md. `make package`: the Debian package, build/contactsd_<version>_<arch>.deb.
install: configure
	cmake --build $(BUILD_DIR) --target contactsd
	DESTDIR='$(DESTDIR)' cmake --install $(BUILD_DIR) --prefix '$(PREFIX)'

package: configure
	cmake --build $(BUILD_DIR) --target contactsd
	cd $(BUILD_DIR) && cpack --config CPackConfig.cmake

# The server alone (no test binaries), served as the CONTACTSD_* environment says, like any
# `contactsd serve` (README, "Command line"); by default SQLite in ./data, the standard model,
# 127.0.0.1:8080. E.g. `CONTACTSD_MODEL=crm CONTACTSD_LISTEN=127.0.0.1:9000 make run`.
run: configure
	cmake --build $(BUILD_DIR) --target contactsd
	@mkdir -p data
	$(BUILD_DIR)/contactsd serve

# PostgreSQL unit tests run when CONTACTSD_TEST_PG_URL is set, and are skipped otherwise.
unit-test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure

# On SQLite; on PostgreSQL when CONTACTSD_TEST_DB=postgresql://... is set.
api-test: build test-deps
	CONTACTSD_BIN=$(abspath $(BUILD_DIR))/contactsd $(PYTEST) tests/api

# The API suite on SQLite with every client talking through `prism proxy` (tests/openapi),
# which checks each request and answer against the OpenAPI document the server serves.
api-test-prism: build test-deps
	CONTACTSD_BIN=$(abspath $(BUILD_DIR))/contactsd \
	  CONTACTSD_TEST_PRISM=$(abspath tests/openapi/node_modules/.bin/prism) \
	  $(PYTEST) tests/api

# Everything: unit tests, the API suite on SQLite and on PostgreSQL, on a throw-away PostgreSQL
# cluster that scripts/test-all.sh starts first and removes at the end, even on failure.
test: build test-deps
	BUILD_DIR=$(BUILD_DIR) PYTHON=$(PYTHON) PYTEST_WORKERS=$(PYTEST_WORKERS) ./scripts/test-all.sh

# kill -9 under each kind of write, restart, check every acknowledged write (tests/crash); on
# SQLite, or on PostgreSQL with CONTACTSD_TEST_DB=postgresql://... (`make test` runs both).
crash-matrix: build
	CONTACTSD_BIN=$(abspath $(BUILD_DIR))/contactsd $(PYTHON) tests/crash/crash_matrix.py

# The server and the unit tests built with AddressSanitizer and UBSan in a directory of their
# own, then the unit tests and the API suite on SQLite against them; any report fails the run.
test-sanitize: deps test-deps
	cmake -S . -B $(SAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCONTACTSD_SANITIZE=address,undefined -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
	  -U CONTACTSD_LAYERS >/dev/null
	cmake --build $(SAN_BUILD_DIR)
	BUILD_DIR=$(SAN_BUILD_DIR) PYTHON=$(PYTHON) PYTEST_WORKERS=$(PYTEST_WORKERS) ./scripts/test-sanitize.sh

# ThreadSanitizer on the unit tests of the concurrent pieces: the group commit writer, the WAL
# syncer and checkpointer, the credentials watch (store), the API-key cache (auth), and the
# transport's server, sessions and worker pools (http). PostgreSQL's store tests too when
# CONTACTSD_TEST_PG_URL is set.
TSAN_ENV = TSAN_OPTIONS="halt_on_error=1 suppressions=$(abspath tests/unit/tsan.supp)"
test-tsan: deps
	cmake -S . -B $(TSAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCONTACTSD_SANITIZE=thread -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -U CONTACTSD_LAYERS >/dev/null
	cmake --build $(TSAN_BUILD_DIR) --target contactsd_store_tests contactsd_auth_tests \
	  contactsd_http_tests contactsd_api_tests contactsd_contacts_tests
	$(TSAN_ENV) $(TSAN_BUILD_DIR)/tests/unit/contactsd_store_tests --gtest_brief=1
	$(TSAN_ENV) $(TSAN_BUILD_DIR)/tests/unit/contactsd_api_tests --gtest_brief=1
	$(TSAN_ENV) $(TSAN_BUILD_DIR)/tests/unit/contactsd_contacts_tests --gtest_brief=1
	$(TSAN_ENV) $(TSAN_BUILD_DIR)/tests/unit/contactsd_auth_tests --gtest_brief=1
	$(TSAN_ENV) $(TSAN_BUILD_DIR)/tests/unit/contactsd_http_tests --gtest_brief=1

# libFuzzer (docs/fuzzing.md): the targets of tests/fuzz built with clang-15, ASan and UBSan in
# a directory of their own. fuzz-smoke runs each for 30 s on a copy of its checked-in corpus,
# two at a time, and fails on any crash, leak or timeout; `make fuzz TARGET=http_head
# SECONDS=600` runs one for longer, keeping what it finds in $(FUZZ_BUILD_DIR)/corpus/.
fuzz-build: deps
	FUZZ_BUILD_DIR=$(FUZZ_BUILD_DIR) ./scripts/fuzz.sh build

fuzz-smoke: fuzz-build
	FUZZ_BUILD_DIR=$(FUZZ_BUILD_DIR) ./scripts/fuzz.sh smoke

fuzz: fuzz-build
	FUZZ_BUILD_DIR=$(FUZZ_BUILD_DIR) ./scripts/fuzz.sh run '$(TARGET)' '$(SECONDS)'

# SQLite (FULL, NORMAL), PostgreSQL and the node-fastify peer in one run (docs/benchmarks.md).
# PostgreSQL: a throw-away cluster, or `BENCH_DB=postgresql://... make bench` (the run creates its
# own org there and seeds it; the peer's PostgreSQL run then is skipped).
bench: build
	./bench/run.sh

# Two builds measured against each other, alternated in one sitting (healthz, GET, PATCH):
#   make bench-ab OLD=/path/to/old/contactsd
bench-ab: build
	./bench/ab.sh '$(OLD)' $(BUILD_DIR)/contactsd

# contactsd at a million contacts (issue 18): imports, exports, reads and writes at a tenth and at
# the full size, and a bare SQLite insert of the same rows (docs/benchmarks.md). BENCH_SCALE sets
# the size (default 1,000,000); PostgreSQL: a throw-away cluster or `BENCH_DB=postgresql://...`.
bench-scale: build
	./bench/scale.sh

# Each hostile client of docs/http.md against a fresh server: peak and settled RSS, and a
# normal client's latency meanwhile (docs/benchmarks.md, "Hostile clients").
bench-hostile: build
	$(PYTHON) bench/hostile_clients.py

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp')

clean:
	rm -rf $(BUILD_DIR) $(SAN_BUILD_DIR) $(TSAN_BUILD_DIR) $(FUZZ_BUILD_DIR)
