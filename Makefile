# pharos - one non-recursive Makefile. The verbs:
#   make          build every binary (static, musl) into build/bin/
#   make run      start the appliance here, in the foreground
#   make test     unit tests (ASan+UBSan) and integration tests
#   make bench    pharos against the reference binaries, as ratios
#   make fuzz     build the libFuzzer targets and run each briefly
# Everything is built under build/; nothing there is ever committed.

.SUFFIXES:
.DELETE_ON_ERROR:
SHELL := /bin/sh

VERSION  := 0.1.0
REVISION := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

B        := build
DEPS     := $(B)/deps
WARN     := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes
DEFS     := -D_GNU_SOURCE -DPHAROS_VERSION='"$(VERSION)"' -DPHAROS_REVISION='"$(REVISION)"'
INC      := -I$(DEPS)/include

# The shipped flavour: musl, static, small.
MUSL_CC     := musl-gcc
MUSL_CFLAGS := -std=c11 -Os -ffunction-sections -fdata-sections $(WARN) $(DEFS) $(INC)
MUSL_LDFLAGS:= -static -Wl,--gc-sections -s -pthread

# The test flavour: host gcc with the sanitizers.
ASAN_CC     := gcc
ASAN_CFLAGS := -std=c11 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
               -fno-sanitize-recover=undefined $(WARN) $(DEFS) $(INC)
ASAN_LDFLAGS:= -fsanitize=address,undefined -pthread

LIB_SRC      := $(wildcard lib/*.c)
EXPORTER_SRC := $(wildcard services/exporter/*.c services/exporter/collector/*.c)
EXPORTER_LIB := $(filter-out services/exporter/main.c,$(EXPORTER_SRC))
UNIT_SRC     := $(wildcard tests/unit/*.c tests/unit/*/*.c)
FUZZ_SRC     := $(wildcard tests/fuzz/*.c)

musl_obj = $(patsubst %.c,$(B)/musl/%.o,$(1))
asan_obj = $(patsubst %.c,$(B)/asan/%.o,$(1))

BINS := $(B)/bin/pharos-exporter

.PHONY: all setup deps run test unit integration bench fuzz clean
all: $(BINS)

# ---- machine setup and third-party libraries (Debian source packages) ----
$(B)/.setup: scripts/setup.sh
	@mkdir -p $(B)
	./scripts/setup.sh
	@touch $@
setup: $(B)/.setup

$(DEPS)/musl/.stamp: scripts/deps.sh scripts/deps.sha256 | $(B)/.setup
	./scripts/deps.sh musl
$(DEPS)/asan/.stamp: scripts/deps.sh scripts/deps.sha256 | $(B)/.setup
	./scripts/deps.sh asan
deps: $(DEPS)/musl/.stamp $(DEPS)/asan/.stamp

# ---- objects ----
$(B)/musl/%.o: %.c $(DEPS)/musl/.stamp
	@mkdir -p $(@D)
	$(MUSL_CC) $(MUSL_CFLAGS) -MMD -MP -c $< -o $@
$(B)/asan/%.o: %.c $(DEPS)/asan/.stamp
	@mkdir -p $(@D)
	$(ASAN_CC) $(ASAN_CFLAGS) -MMD -MP -c $< -o $@

-include $(shell find $(B)/musl $(B)/asan -name '*.d' 2>/dev/null)

# ---- binaries ----
$(B)/bin/pharos-exporter: $(call musl_obj,$(EXPORTER_SRC) $(LIB_SRC))
	@mkdir -p $(@D)
	$(MUSL_CC) $(MUSL_LDFLAGS) -o $@ $^ -L$(DEPS)/musl/lib -lcivetweb

# The same programs under the sanitizers, for tests that want them.
$(B)/asan/bin/pharos-exporter: $(call asan_obj,$(EXPORTER_SRC) $(LIB_SRC))
	@mkdir -p $(@D)
	$(ASAN_CC) $(ASAN_LDFLAGS) -o $@ $^ -L$(DEPS)/asan/lib -lcivetweb

# ---- tests ----
$(B)/asan/unit-tests: $(call asan_obj,$(UNIT_SRC) $(EXPORTER_LIB) $(LIB_SRC))
	@mkdir -p $(@D)
	$(ASAN_CC) $(ASAN_LDFLAGS) -o $@ $^ -L$(DEPS)/asan/lib -lcivetweb -lm

unit: $(B)/asan/unit-tests
	$(B)/asan/unit-tests

integration: $(BINS) $(B)/asan/bin/pharos-exporter
	/usr/bin/python3 -m pytest -q tests/integration

test: unit integration

run: $(BINS)
	$(B)/bin/pharos-exporter

bench: $(BINS)
	./bench/run.sh

# ---- fuzzing (clang + libFuzzer) ----
FUZZ_CFLAGS := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined $(DEFS) $(INC)
$(B)/fuzz/%: tests/fuzz/%.c $(EXPORTER_LIB) $(LIB_SRC) $(DEPS)/asan/.stamp
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< $(EXPORTER_LIB) $(LIB_SRC) -L$(DEPS)/asan/lib -lcivetweb -lm
fuzz: $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))
	@for f in $^; do echo "fuzz: $$f (20 s)"; $$f -max_total_time=20 -max_len=65536 || exit 1; done

clean:
	rm -rf $(B)/musl $(B)/asan $(B)/bin $(B)/fuzz
