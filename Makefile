# powercheck — see README.md
GO        ?= go
NPM       ?= npm
BIN       := bin/powercheck
DB        ?= sqlite:powercheck.db
ADDR      ?= 127.0.0.1:8080
FUZZTIME  ?= 20s
CHAOS_RUN ?= .
RACE_PKGS ?= ./internal/policy ./internal/compliance ./internal/sqlstore/... ./internal/httpapi ./internal/webhook ./internal/notify \
             ./internal/session ./internal/calendar

# The console's sources: a change to any of them rebuilds it.
WEB_SRC   := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts \
             web/tsconfig.json web/package.json web/package-lock.json
WEB_OUT   := web/dist/console/index.html
WEB_DEPS  := web/node_modules/.package-lock.json

.PHONY: build web run test test-go test-web test-browser bench lint policy-test clean chaos fuzz race cluster cluster-stop cluster-test scale

## build: the console (when its sources changed), then the binary that embeds it
build: $(WEB_OUT)
	$(GO) build -o $(BIN) ./cmd/powercheck

## web: install the console's packages (when the lock changed) and build it
web: $(WEB_OUT)

$(WEB_DEPS): web/package-lock.json
	cd web && $(NPM) ci --no-audit --no-fund
	@touch $@

$(WEB_OUT): $(WEB_DEPS) $(WEB_SRC)
	cd web && $(NPM) run build
	@touch $@

## run: start the service on SQLite with the demo district
run: build
	POWERCHECK_BOOTSTRAP_TOKEN=$${POWERCHECK_BOOTSTRAP_TOKEN:-demo-admin} ./$(BIN) serve --db $(DB) --addr $(ADDR) --demo

## test: every test — vet, the Rego tests, the console's unit tests, every Go
## test (SQLite always; MySQL too when POWERCHECK_TEST_MYSQL_DSN is set) and
## the browser tests in headless Chromium
test: build test-go test-web test-browser

# Most tests wait on the database's fsyncs rather than the CPU, so they
# run four at a time even on two cores (go test's default is GOMAXPROCS).
TEST_PARALLEL ?= 4

test-go:
	$(GO) vet ./...
	$(GO) run ./cmd/powercheck policy test policies >/dev/null
	$(GO) test -count=1 -parallel $(TEST_PARALLEL) -timeout 25m ./...

test-web: $(WEB_DEPS)
	cd web && $(NPM) test

test-browser: build
	cd web && $(NPM) run e2e

## bench: Go benchmarks and a load run of POST /api/v1/steps on SQLite and MySQL
bench: build
	bash scripts/bench.sh

## chaos: the fault tests (docs/reliability.md): a database
## outage, a frozen database and a node kill, each against a MariaDB server
## the test starts on its own data directory and port (needs mariadbd)
chaos:
	$(GO) vet -tags chaos ./internal/chaos
	$(GO) test -tags chaos -count=1 -timeout 10m -v -run '$(CHAOS_RUN)' ./internal/chaos

## cluster: a three-node MariaDB Galera cluster on ports 4306-4308 (its own
## data directories under /tmp/pccluster; the MariaDB on 3306 is not touched);
## cluster-stop stops it. scripts/cluster.sh also kills and restarts a node.
cluster:
	bash scripts/cluster.sh start

cluster-stop:
	bash scripts/cluster.sh stop

## cluster-test: powercheck on Galera (docs/scale.md): the fault test (three
## nodes on a cluster of its own, ports 6306-6308, through the kill of a
## database node and of a powercheck node) and internal/clustertest on a
## second cluster of its own (ports 7306-7308); nothing on the shared ports.
## Needs mariadbd, galera-4 and rsync
cluster-test:
	GO=$(GO) bash scripts/cluster-test.sh

## scale: durable steps/s of 1, 2 and 3 nodes on a Galera cluster of its
## own against one node on a single MariaDB of its own (docs/scale.md)
scale:
	GO=$(GO) bash scripts/scale.sh

## fuzz: every Go fuzz target for FUZZTIME each (default 20s); `make test`
## runs only their seed corpora (testdata/fuzz)
fuzz:
	FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh

## race: the race detector over the packages that run things concurrently
## (cmd/powercheck takes over 8 minutes under -race and is left out)
race:
	$(GO) test -race -count=1 -timeout 15m $(RACE_PKGS)

lint:
	gofmt -l . | (! grep -v '^web/node_modules/' | grep .) || (echo "gofmt needed"; exit 1)
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

policy-test:
	$(GO) run ./cmd/powercheck policy test policies

clean:
	rm -rf bin powercheck.db powercheck.db-shm powercheck.db-wal web/dist/console web/node_modules
