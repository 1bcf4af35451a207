# jiceng: `make` builds ./jiceng; `make run` sets up and serves a demo city;
# `make check` builds and runs every test. See README.md.

CC ?= cc
PKGS := libh2o-evloop jansson sqlite3 libpq libsodium xlsxwriter libzip expat geos pwquality pangocairo cairo-pdf
WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Isrc $(shell pkg-config --cflags $(PKGS))
CFLAGS ?= -O2 -g
LIBS = $(shell pkg-config --libs $(PKGS)) -lpthread -lm
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
PYTEST := /usr/bin/python3 -m pytest
# The API suite runs in API_JOBS processes (pytest-xdist), each test module whole in one of
# them (its module-scoped servers shared in order as written); each process has its own
# temp folders, ports and PostgreSQL cluster. Then the tests marked timed (they hold response
# times to a bound) run in one process with no other beside it. API_JOBS=1: one process.
API_JOBS ?= 2
API_TESTS = $(PYTEST) -q $(if $(filter 1,$(API_JOBS)),,-n $(API_JOBS) --dist loadfile) -m 'not timed' tests/api \
	&& $(PYTEST) -q -m timed tests/api
DB ?= data/jiceng.db
LISTEN ?= 127.0.0.1:8080
DEMO_RESIDENTS ?= 300000

SRC := $(sort $(wildcard src/*.c src/*/*.c))
OBJ := $(SRC:src/%.c=build/obj/%.o) build/obj/gen/schema.o
ASAN_OBJ := $(SRC:src/%.c=build/asan/%.o) build/asan/gen/schema.o
CORE_SRC := $(sort $(wildcard src/core/*.c))
# Parts of src/lib that need nothing but the C library, linked into the unit tests too.
UNIT_LIB_SRC := src/lib/csv.c
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/tests/%)
SCHEMA := $(sort $(wildcard schema/*.sql))

.PHONY: all deps run check check-pg unit api api-pg api-asan asan clean web e2e e2e-pg
.DELETE_ON_ERROR:

all: jiceng web

# The web console: npm ci when the lock file changes, a Vite build when a source does.
WEB_SRC := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.js

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SRC)
	cd web && npm run build

web: web/dist/index.html

# Browser tests: Debian's chromium driven by playwright-core against the real binary.
e2e: jiceng web/dist/index.html
	node tests/e2e/run.mjs

# The browser tests again on a PostgreSQL database of a throwaway cluster.
e2e-pg: jiceng web/dist/index.html
	/usr/bin/python3 tests/e2e/with_postgres.py node tests/e2e/run.mjs

deps:
	@bash scripts/deps.sh

jiceng: $(OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

build/gen/schema.c: $(SCHEMA) scripts/embed-schema.sh
	@mkdir -p $(@D)
	bash scripts/embed-schema.sh $@ $(SCHEMA)

build/obj/gen/schema.o: build/gen/schema.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -c -o $@ $<

build/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# The same program under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: build/asan/jiceng

build/asan/jiceng: $(ASAN_OBJ)
	$(CC) $(SAN) -g -o $@ $^ $(LIBS)

build/asan/gen/schema.o: build/gen/schema.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN) -O1 -g -c -o $@ $<

build/asan/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN) -O1 -g -MMD -MP -c -o $@ $<

# C unit tests: each tests/unit/test_X.c against the pure core (and UNIT_LIB_SRC), under
# the sanitizers: linked with the core's objects of the sanitizer build, compiled once
# for all the tests (and for the server's sanitizer build) rather than once per test.
UNIT_OBJ := $(CORE_SRC:src/%.c=build/asan/%.o) $(UNIT_LIB_SRC:src/%.c=build/asan/%.o)
build/tests/%: tests/unit/%.c $(UNIT_OBJ)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN) -g -o $@ $< $(UNIT_OBJ) $(shell pkg-config --libs libsodium cmocka geos) -lm

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

api: export JICENG_BIN = $(CURDIR)/jiceng
api: jiceng
	$(API_TESTS)

# The same suite on PostgreSQL 15: the tests start a throwaway cluster of their own
# (initdb as the user postgres in a temp folder, a free loopback port) and remove it.
api-pg: export JICENG_TEST_BACKEND = postgres
api-pg: export JICENG_BIN = $(CURDIR)/jiceng
api-pg: jiceng
	$(API_TESTS)

api-asan: export JICENG_BIN = $(CURDIR)/build/asan/jiceng
api-asan: export JICENG_SANITIZED = 1
api-asan: export LSAN_OPTIONS = suppressions=$(CURDIR)/tests/sanitizers/lsan.supp:print_suppressions=0
api-asan: export ASAN_OPTIONS = detect_leaks=1:abort_on_error=0
api-asan: export UBSAN_OPTIONS = print_stacktrace=1:halt_on_error=1
api-asan: export JICENG_LEAK_PROBE_BIN = $(CURDIR)/build/leakprobe/jiceng
api-asan: build/asan/jiceng build/leakprobe/jiceng
	$(API_TESTS)

# ---- leak probe ----
# The sanitizer build with one handler leaking on purpose (src/api/org.c compiled with
# -DJICENG_LEAK_PROBE: org_list keeps its search text): tests/api/test_sanitizers.py runs it
# under api-asan's suppressions and expects LeakSanitizer to report the leak and the test's
# check of the server's stderr to fail. Only org.o is compiled again; the rest is the
# sanitizer build's.
LEAK_PROBE_OBJ := $(filter-out build/asan/api/org.o,$(ASAN_OBJ)) build/leakprobe/api/org.o

build/leakprobe/jiceng: $(LEAK_PROBE_OBJ)
	$(CC) $(SAN) -g -o $@ $^ $(LIBS)

build/leakprobe/api/org.o: src/api/org.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN) -O1 -g -DJICENG_LEAK_PROBE -MMD -MP -c -o $@ $<

-include build/leakprobe/api/org.d
# ---- end leak probe ----

# Every test: the API suite on SQLite (under the sanitizers: the same tests as `api`,
# and more checked) and the browser tests, then the API suite and the browser's
# whole-stack scenarios on a PostgreSQL 15 cluster the tests start and remove themselves.
# Everything is built first, in one -j2 make (no core left idle at the end of one build while the
# next waits to start).
check: deps
	$(MAKE) -j2 all build/asan/jiceng build/leakprobe/jiceng build/fault/libsqlitefault.so $(UNIT_BIN) fuzz-build
	$(MAKE) unit
	$(MAKE) -j2 fuzz-check
	$(MAKE) api-asan
	$(MAKE) e2e
	$(MAKE) api-pg
	$(MAKE) e2e-pg

# The PostgreSQL half of check alone.
check-pg: deps
	$(MAKE) -j2 all
	$(MAKE) api-pg
	$(MAKE) e2e-pg

# ---- fuzzing ----
# libFuzzer harnesses (tests/fuzz/T.c) of the parsers of untrusted input, built with clang
# under AddressSanitizer and UndefinedBehaviorSanitizer, each linked with only the product
# objects it needs (compiled by clang into build/fuzz/obj/). `make fuzz` runs each harness
# for FUZZ_SECONDS; `make fuzz-check` (in check) runs every harness over its committed
# corpus (tests/fuzz/corpus/T) and then FUZZ_CHECK_SECONDS of new inputs in all, and fails
# on any crash, leak or sanitizer report. tests/fuzz/run.sh prints each harness's stats.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FUZZ_CHECK_SECONDS ?= 60
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Isrc -Itests/fuzz $(shell pkg-config --cflags $(PKGS)) -g -O1 \
	-fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_TARGETS := core csv xlsx geojson query body headers sniff keys
FUZZ_BIN := $(FUZZ_TARGETS:%=build/fuzz/%)
FUZZ_UTIL := lib/util core/redact
FUZZ_core := core/credit_code core/division core/idcard core/netaddr core/path core/pii_text core/redact \
	core/tile_url core/timefmt core/utf8
FUZZ_csv := api/sheet lib/csv core/utf8 $(FUZZ_UTIL)
FUZZ_LIBS_csv := $(shell pkg-config --libs libsodium)
FUZZ_xlsx := api/spreadsheet $(FUZZ_csv)
FUZZ_LIBS_xlsx := $(shell pkg-config --libs libsodium jansson xlsxwriter libzip expat)
FUZZ_geojson := api/geojson core/geo core/geo_shape $(FUZZ_UTIL)
FUZZ_LIBS_geojson := $(shell pkg-config --libs jansson geos) -lm
FUZZ_query := api/query core/utf8 $(FUZZ_UTIL)
FUZZ_body := api/validate api/errors core/timefmt core/utf8 $(FUZZ_UTIL)
FUZZ_LIBS_body := $(shell pkg-config --libs jansson)
FUZZ_headers := http/headers
FUZZ_LIBS_headers := $(shell pkg-config --libs libh2o-evloop)
FUZZ_sniff := api/sniff
FUZZ_keys := lib/keys db/db db/sqlite db/pg core/timefmt $(FUZZ_UTIL)
FUZZ_LIBS_keys := $(shell pkg-config --libs libsodium jansson sqlite3 libpq) -lpthread

.PHONY: fuzz fuzz-check fuzz-build

build/fuzz/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

define FUZZ_RULE
build/fuzz/$(1): tests/fuzz/$(1).c $$(FUZZ_$(1):%=build/fuzz/obj/%.o) $$(wildcard tests/fuzz/*.h)
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -fsanitize=fuzzer -o $$@ $$< $$(FUZZ_$(1):%=build/fuzz/obj/%.o) $$(FUZZ_LIBS_$(1))
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_RULE,$(t))))

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	bash tests/fuzz/run.sh fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-check: fuzz-build
	bash tests/fuzz/run.sh check $(FUZZ_CHECK_SECONDS) $(FUZZ_TARGETS)

-include $(wildcard build/fuzz/obj/*/*.d)
# ---- end of fuzzing ----

$(DB):
	./jiceng init --db $(DB) --password-file $(dir $(DB))admin-password.txt

# import-divisions is idempotent: it completes a first run that was interrupted. It loads the
# districts' outlines beside hefei.csv too (hefei-outlines.geojson), which demo places its city in.
run: deps
	$(MAKE) all
	$(MAKE) $(DB)
	./jiceng import-divisions --db $(DB) data/divisions/hefei.csv
	./jiceng demo --db $(DB) --residents $(DEMO_RESIDENTS) --seed 1 --if-empty --accounts-file $(dir $(DB))demo-accounts.txt
	@echo
	@echo "jiceng: open http://$(LISTEN)/ and log in as user 'admin';"
	@echo "        the password is in $(dir $(DB))admin-password.txt (unless JICENG_ADMIN_PASSWORD set it at first run)."
	@echo "        A party member's and a resident's own accounts (the phone pages) are in $(dir $(DB))demo-accounts.txt."
	@echo
	./jiceng serve --db $(DB) --listen $(LISTEN)

# ---- fault shims ----
# A SQLite VFS that injects faults (disk full, I/O errors, lost unsynced writes),
# LD_PRELOADed into the real server by tests/api/test_faults_sqlite.py: built for the
# API suites, never linked into jiceng. See docs/reliability.md.
build/fault/libsqlitefault.so: tests/fault/sqlite_fault.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O1 -g -fPIC -shared -o $@ $< $(shell pkg-config --cflags --libs sqlite3) -lpthread

api api-pg api-asan: build/fault/libsqlitefault.so
# ---- end fault shims ----

clean:
	rm -rf build jiceng web/dist

-include $(OBJ:.o=.d) $(ASAN_OBJ:.o=.d)
