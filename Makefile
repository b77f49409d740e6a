# Cohort - top-level Makefile.
#
#   make            library (build/plain/libcohort.a) and CLI (build/plain/cohort)
#   make test       the suite twice: plainly, then under ASan + UBSan
#   make demo       the main job on the bundled example
#   make figures    redraw the README's example figures (docs/img)
#   make bench      side-by-side timings against R (bench/README.md)
#   make fuzz       a short libFuzzer run of the CSV reader (needs clang)
#   make deps       install missing Debian packages (as root)
#   make check-r    rerun the golden comparisons live against R
#   make check-browser  open the example report in headless Chromium
#
# SAN=1 builds with AddressSanitizer + UndefinedBehaviorSanitizer into
# build/asan.  Warnings are errors when CI is set (CI=true) or WERROR=1.

CC      ?= cc
MAKEFLAGS += --no-print-directory
SAN     ?= 0
ifeq ($(SAN),1)
BUILD   ?= build/asan
OPT     ?= -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD   ?= build/plain
OPT     ?= -O2
endif
ifneq ($(or $(CI),$(WERROR)),)
WFLAGS_ERR = -Werror
endif
WARN    = -Wall -Wextra -Wshadow -Wconversion -Wstrict-prototypes \
          -Wmissing-prototypes -Wpointer-arith -Wvla -Wformat=2
CFLAGS  ?=
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g $(OPT) \
           $(WARN) $(WFLAGS_ERR) -Iinclude -Isrc -pthread $(CAIRO_CFLAGS)
LDFLAGS += $(filter -fsanitize=%,$(OPT)) -pthread
# cairo's include path comes from pkg-config (evaluated in the sub-makes
# that compile, which run after `make deps` has installed it)
CAIRO_CFLAGS := $(shell pkg-config --cflags cairo fontconfig 2>/dev/null)
LIBS     = -lyaml -lreadstat -lsqlite3 -lgsl -lgslcblas -lxlsxwriter -lcairo -lfontconfig -lz -lm
TEST_LIBS = -lexpat

VERSION := $(shell cat VERSION)
LIB_SRC := $(sort $(wildcard src/*/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
TESTS   := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all lib cli tests test test-plain test-asan demo tour figures haip-data bench fuzz deps deps-r check-r check-browser clean
# keep object files of test programs (they are intermediate in a chain rule)
.SECONDARY:

all: cli

lib: $(BUILD)/libcohort.a
cli: $(BUILD)/cohort
tests: $(TESTS) $(BUILD)/cohort $(BUILD)/haip-gen

$(BUILD)/%.o: %.c $(wildcard include/cohort/*.h src/*/*.h cli/*.h tests/*.h) VERSION
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DCOHORT_VERSION='"$(VERSION)"' -c $< -o $@

# The Cox fit's row passes: -O3 lets GCC vectorise them (with the AVX2
# clones cox.c asks for); sanitizer builds keep their own flags.
ifneq ($(SAN),1)
$(BUILD)/src/stats/cox.o: OPT = -O3
endif

$(BUILD)/libcohort.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/cohort: $(CLI_OBJ) $(BUILD)/libcohort.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libcohort.a $(LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libcohort.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libcohort.a $(LIBS) $(TEST_LIBS)

# test_oom and test_study_spec fail the n-th allocation through the
# linker's --wrap.
$(BUILD)/tests/test_oom $(BUILD)/tests/test_study_spec: $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libcohort.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc -o $@ $< \
	    $(BUILD)/libcohort.a $(LIBS)

# The seed study's synthetic databases (examples/haip-recurrence/README.md).
HAIP_LIBS = -lsqlite3 -lgsl -lgslcblas -lm
$(BUILD)/haip-gen: examples/haip-recurrence/gen.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(HAIP_LIBS)
haip-data: build/haip/mskcc.sqlite
build/haip/mskcc.sqlite: $(BUILD)/haip-gen
	$(BUILD)/haip-gen --out build/haip
build/haip/erasmus.sqlite: build/haip/mskcc.sqlite
# test_haip_gen compiles the generator in
$(BUILD)/tests/unit/test_haip_gen.o: examples/haip-recurrence/gen.c

deps:
	@tools/deps.sh build

deps-r:
	@tools/deps.sh r

# The suite, plainly and then under the sanitizers; each run ends with
# "N passed, N failed" and fails the make if anything failed.
test: deps
	$(MAKE) test-plain
	$(MAKE) test-asan

test-plain:
	$(MAKE) SAN=0 tests
	tests/run.sh build/plain

test-asan:
	$(MAKE) SAN=1 tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 tests/run.sh build/asan

demo: deps
	$(MAKE) SAN=0 cli haip-data
	examples/demo.sh build/plain/cohort build/plain/haip-gen

# a tour of the commands on the bundled examples
tour: deps
	$(MAKE) SAN=0 cli
	examples/tour.sh build/plain/cohort

# the README's example figures (docs/img/*.png, committed)
figures: deps
	$(MAKE) SAN=0 cli
	examples/figures.sh build/plain/cohort

bench: deps deps-r
	$(MAKE) SAN=0 cli
	bench/run.sh build/plain/cohort
	bench/run_km.sh build/plain/cohort
	bench/run_cox.sh build/plain/cohort
	$(MAKE) SAN=0 haip-data
	bench/run_demo.sh build/plain/cohort

fuzz:
	$(MAKE) -C tests/fuzz run

# The example study's report in headless Chromium: fails on any console
# error (not part of CI; needs Debian's chromium, installed here).
check-browser: deps
	$(MAKE) SAN=0 cli haip-data
	tools/check-browser.sh build/plain/cohort

check-r: deps-r
	tests/golden/check-r.sh

clean:
	rm -rf build
