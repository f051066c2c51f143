# powercheck — see README.md
GO        ?= go
BIN       := bin/powercheck
DB        ?= sqlite:powercheck.db
ADDR      ?= 127.0.0.1:8080

.PHONY: build run test test-mysql bench lint policy-test clean

build:
	$(GO) build -o $(BIN) ./cmd/powercheck

## run: start the service on SQLite with the demo district
run: build
	POWERCHECK_BOOTSTRAP_TOKEN=$${POWERCHECK_BOOTSTRAP_TOKEN:-demo-admin} ./$(BIN) serve --db $(DB) --addr $(ADDR) --demo

## test: every test (SQLite always; MySQL too when POWERCHECK_TEST_MYSQL_DSN is set)
test:
	$(GO) vet ./...
	$(GO) run ./cmd/powercheck policy test policies >/dev/null
	$(GO) test -count=1 ./...

## bench: Go benchmarks and a load run of POST /api/v1/steps on SQLite and MySQL
bench: build
	bash scripts/bench.sh

lint:
	gofmt -l . | (! grep .) || (echo "gofmt needed"; exit 1)
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

policy-test:
	$(GO) run ./cmd/powercheck policy test policies

clean:
	rm -rf bin powercheck.db powercheck.db-shm powercheck.db-wal
