# contactsd — the two commands that matter: `make run` and `make test`.
BUILD_DIR ?= build
DB ?= sqlite:./data/contacts.db
MODEL ?= standard
LISTEN ?= 127.0.0.1:8080
PYTHON ?= /usr/bin/python3

.PHONY: deps build run test unit-test api-test bench format clean

deps:
	@./scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -U CONTACTSD_LAYERS >/dev/null
	cmake --build $(BUILD_DIR)

run: build
	@mkdir -p data
	$(BUILD_DIR)/contactsd serve --db $(DB) --model $(MODEL) --listen $(LISTEN)

unit-test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure

api-test: build
	CONTACTSD_BIN=$(abspath $(BUILD_DIR))/contactsd $(PYTHON) -m pytest -q -p no:cacheprovider tests/api

test: unit-test api-test

bench: build
	./bench/run.sh

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp')

clean:
	rm -rf $(BUILD_DIR)
