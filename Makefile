# Chappe: the two commands of the README, and the steps they are made of.
#   make demo   local demo homeserver with sample users and rooms, then Chappe logged in
#   make test   every test: Rust unit + integration (real Synapse), UI unit, end-to-end

SHELL := /bin/bash
CACHE ?= $(HOME)/.cache/chappe
# The cargo target dir lives outside the clone so CI and later runs reuse it when it
# exists; a clean build works too, just slower.
export CARGO_TARGET_DIR ?= $(CACHE)/target
export CHAPPE_CACHE := $(CACHE)
TEST_PORT ?= 18008
DEMO_PORT ?= 8008
APP := $(CARGO_TARGET_DIR)/debug/chappe

.PHONY: demo test bench bench-app setup ui app test-rust test-ui test-e2e test-server stop-test-server test-package

setup:
	bash tests/setup.sh

ui:
	cd ui && npm run build

# The UI is embedded in the binary at compile time, so it is built first.
app: ui
	cargo build -p chappe

demo: setup app
	bash tests/demo.sh "$(APP)" $(DEMO_PORT)

# The test Synapse comes with an SMTP sink and a real identity server (sydent behind a
# TLS proxy), for email registration and invites by email (tests/server/identity.sh),
# and loads Tchap's room access rules module, which asks that identity server (ID_SERVER)
# where an invited email belongs.
# Its TLS federation listener takes port 8448 too.
SMTP_PORT ?= 18025
SYDENT_PORT ?= 18090
IDENTITY_PORT ?= 18091
IDENTITY_ENV = \
	CHAPPE_TEST_IDENTITY_SERVER=$$(bash tests/server/identity.sh url test) \
	CHAPPE_TEST_IDENTITY_CA=$$(bash tests/server/identity.sh ca) \
	CHAPPE_TEST_MAILDIR=$$(bash tests/server/identity.sh maildir test)
# And the antivirus scanner of attachments (matrix-content-scanner, tests/server/scanner.sh)
# in front of it.
SCANNER_PORT ?= 18095
SCANNER_ENV = CHAPPE_TEST_SCANNER=$$(bash tests/server/scanner.sh url test)

test-server:
	FRESH=1 bash tests/server/identity.sh start test $(SMTP_PORT) $(SYDENT_PORT) $(IDENTITY_PORT)
	FRESH=1 IDENTITY_SMTP_PORT=$(SMTP_PORT) ID_SERVER=127.0.0.1:$(IDENTITY_PORT) \
	  bash tests/server/synapse.sh start test $(TEST_PORT)
	FRESH=1 bash tests/server/scanner.sh start test $(SCANNER_PORT) http://127.0.0.1:$(TEST_PORT)

stop-test-server:
	bash tests/server/scanner.sh stop test
	bash tests/server/synapse.sh stop test
	bash tests/server/identity.sh stop test

test-rust: test-server
	CHAPPE_TEST_HOMESERVER=$$(bash tests/server/synapse.sh url test) \
	CHAPPE_TEST_SECRET=$$(bash tests/server/synapse.sh secret test) \
	$(IDENTITY_ENV) $(SCANNER_ENV) \
	cargo test --workspace

test-ui:
	cd ui && npm run check && npm test

test-e2e: test-server app
	SYNAPSE_URL=$$(bash tests/server/synapse.sh url test) \
	SYNAPSE_SECRET=$$(bash tests/server/synapse.sh secret test) \
	$(IDENTITY_ENV) $(SCANNER_ENV) \
	APP="$(APP)" bash tests/e2e/run.sh

# Installers (tests/package): the release workflow and the bundle config against their
# schemas, icons up to date; then the .deb and .rpm built by the tauri CLI (debug
# profile, reusing the app's build), the .deb installed with dpkg (root or sudo),
# launched from /usr/bin and removed.
test-package: app
	bash tests/package/workflow.sh
	bash tests/package/deb.sh

test: setup
	@start=$$(date +%s); status=0; \
	$(MAKE) --no-print-directory test-ui && \
	$(MAKE) --no-print-directory app && \
	$(MAKE) --no-print-directory test-package && \
	$(MAKE) --no-print-directory test-rust && \
	$(MAKE) --no-print-directory test-e2e || status=$$?; \
	$(MAKE) --no-print-directory stop-test-server; \
	echo "make test: $$([ $$status -eq 0 ] && echo PASSED || echo FAILED) in $$(( $$(date +%s) - start ))s"; \
	exit $$status

# Benchmarks (not tests): Chappe core against the raw homeserver and the peer clients
# (matrix-js-sdk, matrix-nio) on a seeded Synapse kept between runs (the seed is
# cached), then whole-app size and memory under Xvfb of the release app and its .deb
# (`bench-app`, first: a no-op for cargo once built, 35 min on 2 cores from scratch).
# BENCH_ROOMS / BENCH_MESSAGES / BENCH_RUNS / BENCH_PEER_RUNS / BENCH_APP_RUNS.
BENCH_PORT ?= 18010
BENCH_ROOMS ?= 1000
BENCH_MESSAGES ?= 20
RELEASE_APP := $(CARGO_TARGET_DIR)/release/chappe
# The bench server is a plain Synapse (no Tchap module), as the other clients were measured on.
bench: setup bench-app
	TCHAP_ACCESS_RULES=0 bash tests/server/synapse.sh start bench $(BENCH_PORT)
	bash tests/bench/peers/setup.sh
	CHAPPE_TEST_HOMESERVER=$$(bash tests/server/synapse.sh url bench) \
	CHAPPE_TEST_SECRET=$$(bash tests/server/synapse.sh secret bench) \
	BENCH_ROOMS=$(BENCH_ROOMS) BENCH_MESSAGES=$(BENCH_MESSAGES) \
	cargo bench -p chappe-core --bench startup
	@if [ -x "$(RELEASE_APP)" ]; then \
	  BENCH_ROOMS=$(BENCH_ROOMS) \
	  bash tests/bench/app.sh "$(RELEASE_APP)" "$$(bash tests/server/synapse.sh url bench)" \
	    bench_$(BENCH_ROOMS)x$(BENCH_MESSAGES) bench-password; \
	else echo "(no release app at $(RELEASE_APP): make ui; cargo build -p chappe --release; for whole-app rows)"; fi

# The release app the whole-app rows measure ([profile.release]: fat LTO, one codegen
# unit, stripped; long on a small machine) and its .deb (Tauri CLI `bundle`, see
# tests/bench/deb.sh; the CLI is installed without touching package.json).
bench-app: ui
	cargo build -p chappe --release
	[ -x ui/node_modules/.bin/tauri ] || (cd ui && npm install --no-save @tauri-apps/cli@2.12.5)
	bash tests/bench/deb.sh
