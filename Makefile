# The two commands a newcomer needs: `make run` and `make test`. Both install missing Debian
# packages first (scripts/install-deps.sh) and build incrementally in build/.
PRESET ?= default
BUILD_DIR := build
ifneq ($(PRESET),default)
  BUILD_DIR := build-$(PRESET)
endif

.PHONY: all deps configure build run test bench sanitize format clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@test -f $(BUILD_DIR)/CMakeCache.txt || cmake --preset $(PRESET)

build: configure
	@cmake --build --preset $(PRESET)

run: build
	$(BUILD_DIR)/easel serve

test: build
	@ctest --preset $(PRESET) -j2

bench: build
	@bench/run.sh $(BUILD_DIR)

# The suite under ASan, UBSan and LSan (slow: a nightly run; README, "Sanitizer runs").
sanitize: deps
	@scripts/sanitize.sh

format:
	@find src tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
