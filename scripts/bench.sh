#!/usr/bin/env bash
# scripts/bench.sh — powercheck's benchmarks, run by `make bench`
# (see docs/performance.md):
#
#   1. the Go micro-benchmarks: policy evaluation, working-day arithmetic and
#      the store (SQLite, and MySQL when the server answers), then the API
#      requests behind the console's list pages at 100,000 warnings;
#   2. for SQLite and MySQL each: a real `powercheck serve` on a fresh
#      database, a clerk, the licensing item XK-001, then cmd/pcload against
#      POST /api/v1/steps: a warm-up, a closed-loop maximum-throughput run
#      and an open-loop run at half that throughput for latency; then the
#      public pages (the power list and an item) alone, and at 200 requests/s
#      while steps arrive at half the maximum;
#   3. on SQLite, the maximum throughput with the metrics and access logs
#      off, then on;
#   4. powercheck against OPA's own server (cmd/pcopa: `opa run --server`
#      with the working-day built-ins) on the same policies: durable steps/s
#      on MySQL versus decisions/s for the decision step's input, the same
#      load tool and connections, in interleaved rounds; prints the ratio.
#
# Everything it starts (servers, databases, temporary files) is stopped or
# removed on exit, also on failure or Ctrl-C. Results are kept in
# bench-out/<time>/.
#
# Knobs (environment):
#   BENCH_DURATION=20s         length of the max-throughput and the fixed-rate runs
#   BENCH_WARMUP=5s            length of the warm-up
#   BENCH_CONCURRENCY=64       connections of the max-throughput and fixed-rate runs
#   BENCH_DRIVERS="sqlite mysql"
#   BENCH_OBSERVABILITY=1      0 skips the metrics-and-logs on/off runs (SQLite)
#   BENCH_OBSERVABILITY_ROUNDS=3 rounds of interleaved off/on runs (the medians are compared)
#   BENCH_OPA=1                0 skips the comparison with OPA's server (needs MySQL)
#   BENCH_OPA_ROUNDS=3         rounds of interleaved powercheck/OPA runs (the medians are compared)
#   BENCH_GO=1                 0 skips the Go benchmarks
#   BENCH_GO_BENCHTIME=1s      -benchtime of the Go benchmarks
#   BENCH_DETERMINISM=1        0 skips the determinism test over 100,000 steps
#   BENCH_PROFILE=0            1 keeps a CPU profile of the server during each maximum-throughput
#                              run and each batch run (bench-out/<time>/cpu-<driver>.pprof and
#                              cpu-<driver>-batch.pprof; see `go tool pprof -top`)
#   BENCH_CONSOLE_BENCHTIME=20x -benchtime of BenchmarkConsoleLists (requests per route)
#   BENCH_MYSQL_HOST=127.0.0.1 BENCH_MYSQL_PORT=3306 BENCH_MYSQL_USER=root
#   BENCH_MYSQL_SOCKET=auto    how powercheck's servers reach MySQL: auto takes the server's Unix
#                              socket when MySQL runs on this host and the socket is there
#                              (docs/performance.md: ≈ 7 % more steps a second than TCP), else
#                              TCP; tcp always TCP; a path, that socket
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=lib/calendar.sh
. scripts/lib/calendar.sh

DURATION=${BENCH_DURATION:-20s}
WARMUP=${BENCH_WARMUP:-5s}
CONCURRENCY=${BENCH_CONCURRENCY:-64}
DRIVERS=${BENCH_DRIVERS:-"sqlite mysql"}
GO_BENCH=${BENCH_GO:-1}
GO_BENCHTIME=${BENCH_GO_BENCHTIME:-1s}
CONSOLE_BENCHTIME=${BENCH_CONSOLE_BENCHTIME:-20x}
MYSQL_HOST=${BENCH_MYSQL_HOST:-127.0.0.1}
MYSQL_PORT=${BENCH_MYSQL_PORT:-3306}
MYSQL_USER=${BENCH_MYSQL_USER:-root}
GO=${GO:-go}

BIN=bin/powercheck
LOAD=bin/pcload
OPA=bin/pcopa
ADMIN_TOKEN=bench-admin-token-0123456789abcdef # serve refuses one shorter than 32 characters outside demo mode

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pcbench.XXXXXX")
OUT=bench-out/$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
SERVER_PIDS=()
MYSQL_DBS=()
LOAD_PID=
METRICS_URL=
BG_PID=
FAILED=0

say() { printf '\n==> %s\n' "$*"; }
warn() { printf 'bench: %s\n' "$*" >&2; }

stop_server() {
	local pid=$1
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 150); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		warn "server $pid did not stop in 15 s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$?
	set +e
	for pid in "$LOAD_PID" "$BG_PID"; do
		[ -n "$pid" ] || continue
		kill -INT "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for pid in "${SERVER_PIDS[@]}"; do
		stop_server "$pid"
	done
	for db in "${MYSQL_DBS[@]}"; do
		mysql_cli -e "DROP DATABASE IF EXISTS \`$db\`" || warn "could not drop database $db"
	done
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mysql_cli() {
	local cli=mariadb
	command -v mariadb >/dev/null || cli=mysql
	"$cli" -h"$MYSQL_HOST" -P"$MYSQL_PORT" -u"$MYSQL_USER" --connect-timeout=3 "$@"
}

# mysql_local_pid: the pid of the database server when it runs on this
# machine (to count its CPU), else nothing.
mysql_local_pid() {
	case $MYSQL_HOST in
	127.0.0.1 | localhost | ::1) pgrep -o -x mariadbd || pgrep -o -x mysqld || true ;;
	esac
}

# mysql_addr: the address part of powercheck's MySQL DSN, "unix(PATH)" or
# "tcp(HOST:PORT)", as BENCH_MYSQL_SOCKET says.
mysql_addr() {
	local sock=${BENCH_MYSQL_SOCKET:-auto}
	if [ "$sock" = auto ]; then
		sock=tcp
		case $MYSQL_HOST in
		127.0.0.1 | localhost | ::1)
			local s
			s=$(mysql_cli -N -B -e 'SELECT @@socket' 2>/dev/null || true)
			[ -n "$s" ] && [ -S "$s" ] && sock=$s
			;;
		esac
	fi
	if [ "$sock" = tcp ]; then
		echo "tcp($MYSQL_HOST:$MYSQL_PORT)"
	else
		echo "unix($sock)"
	fi
}

mysql_up() { command -v mariadb >/dev/null || command -v mysql >/dev/null || return 1; mysql_cli -e 'SELECT 1' >/dev/null 2>&1; }

# json_get FIELD: the top-level string FIELD of the JSON object on stdin.
json_get() {
	if command -v python3 >/dev/null; then
		python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
	else
		sed -n 's/.*"'"$1"'"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p'
	fi
}

# api WANT METHOD URL TOKEN [BODY|@FILE]: a request that must answer WANT;
# prints the answer.
api() {
	local want=$1 method=$2 url=$3 token=$4 body=${5:-}
	local args=(-sS -o "$WORK/answer" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $token")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	local code
	code=$(curl "${args[@]}" "$url")
	if [ "$code" != "$want" ]; then
		warn "$method $url: HTTP $code, want $want: $(head -c 500 "$WORK/answer")"
		return 1
	fi
	cat "$WORK/answer"
}

# cpu_ticks PID: user+system clock ticks the process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# machine_ticks: "busy total" clock ticks of all cores so far.
machine_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }

# cores TICKS SECONDS: the average number of cores TICKS make over SECONDS.
cores() { awk -v t="$1" -v s="${2:-0}" -v hz="$HZ" 'BEGIN { if (s > 0) printf "%.2f", t / hz / s; else print "-" }'; }
HZ=$(getconf CLK_TCK)

# start_server NAME DSN [serve flags…]: starts powercheck on a free port;
# sets BASE and SERVER_PID. The log level is warn (no access log lines)
# unless LOG_LEVEL says otherwise; the log goes to LOG_FILE, by default
# bench-out's server-NAME.log.
start_server() {
	local name=$1 dsn=$2
	shift 2
	POWERCHECK_BOOTSTRAP_TOKEN=$ADMIN_TOKEN POWERCHECK_LOG_LEVEL=${LOG_LEVEL:-warn} \
		"$BIN" serve --addr 127.0.0.1:0 --db "$dsn" --public-rate 0 "$@" >"$WORK/$name.stdout" 2>"${LOG_FILE:-$OUT/server-$name.log}" &
	SERVER_PID=$!
	SERVER_PIDS+=("$SERVER_PID")
	BASE=
	for _ in $(seq 1 300); do
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			warn "the $name server exited; its log:"
			cat "$OUT/server-$name.log" >&2
			return 1
		fi
		if [ -z "$BASE" ]; then
			BASE=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$WORK/$name.stdout" | head -n1)
		fi
		if [ -n "$BASE" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/readyz")" = 200 ]; then
			echo "$name server pid $SERVER_PID on $BASE is ready"
			return 0
		fi
		sleep 0.1
	done
	warn "the $name server was not ready within 30 s"
	return 1
}

# setup_district: department ZJJ, a clerk (CLERK_TOKEN), a legal officer,
# the licensing item XK-001 and any calendar year missing.
setup_district() {
	api 201 POST "$BASE/api/v1/departments" "$ADMIN_TOKEN" '{"code":"ZJJ","name":"区住房和城乡建设局"}' >/dev/null
	# The clerk's real name is the handler pcload sends: its steps stay compliant
	# (no sync.unknown_handler), as the load is meant to be.
	CLERK_TOKEN=$(api 201 POST "$BASE/api/v1/accounts" "$ADMIN_TOKEN" \
		'{"username":"bench-clerk","real_name":"张三","role":"clerk","department_code":"ZJJ"}' | json_get token)
	local legal
	legal=$(api 201 POST "$BASE/api/v1/accounts" "$ADMIN_TOKEN" \
		'{"username":"bench-legal","real_name":"压测法制员","role":"legal"}' | json_get token)
	api 201 PUT "$BASE/api/v1/power-items/XK-001" "$legal" @testdata/catalog/licensing.json >/dev/null
	enter_missing_years "$BASE"
	[ -n "$CLERK_TOKEN" ] || { warn "no clerk token"; return 1; }
}

# result_field FILE KEY: a value of the RESULT line of a pcload output.
result_field() {
	awk -v k="$2" '$1 == "RESULT" { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) v = kv[2] } } END { print v }' "$1"
}

# load NAME LABEL DESCRIPTION [pcload flags…]: one pcload run; adds a
# summary row unless LABEL is warmup. Besides pcload's figures the row has
# the cores used, on average, by the server, the database server (MySQL on
# this machine only), pcload itself, and the whole machine (anything else
# running included).
load() {
	local name=$1 label=$2 desc=$3
	shift 3
	local file="$OUT/pcload-$name-$label.txt"
	local rc=0 srv0 srv1 db0=0 db1=0 m0 m1 t0 t1
	srv0=$(cpu_ticks "$SERVER_PID")
	[ -n "$DB_PID" ] && db0=$(cpu_ticks "$DB_PID")
	read -r m0 t0 < <(machine_ticks)
	# In the background, so that Ctrl-C or a TERM reaches the trap at once
	# (bash defers traps while a foreground child runs).
	"$LOAD" -url "$BASE" -token "$CLERK_TOKEN" -item XK-001 "$@" >"$file" 2>&1 &
	LOAD_PID=$!
	wait "$LOAD_PID" || rc=$?
	LOAD_PID=
	srv1=$(cpu_ticks "$SERVER_PID")
	[ -n "$DB_PID" ] && db1=$(cpu_ticks "$DB_PID")
	read -r m1 t1 < <(machine_ticks)
	sed 's/^/    /' "$file"
	if [ "$rc" -gt 128 ]; then
		warn "pcload $name $label was interrupted (exit $rc)"
		exit "$rc"
	fi
	if [ "$rc" != 0 ]; then
		warn "pcload $name $label failed (exit $rc)"
		FAILED=1
	fi
	[ "$label" = warmup ] && return 0
	local secs db_cores=- load_cores busy
	secs=$(sed -n 's/^  duration  \([0-9.]*\)s.*/\1/p' "$file")
	[ -n "$DB_PID" ] && db_cores=$(cores $((db1 - db0)) "$secs")
	load_cores=$(result_field "$file" cpu_cores)
	busy=$(awk -v b=$((m1 - m0)) -v t=$((t1 - t0)) -v n="$(nproc)" 'BEGIN { if (t > 0) printf "%.2f", n * b / t; else print "-" }')
	printf '%-7s %-22s %9s %8s %8s %8s %8s %6s %7s %6s %8s %8s\n' "$name" "$desc" \
		"$(result_field "$file" steps_per_s)" "$(result_field "$file" p50_ms)" "$(result_field "$file" p90_ms)" \
		"$(result_field "$file" p99_ms)" "$(result_field "$file" max_ms)" "$(result_field "$file" errors)" \
		"$(cores $((srv1 - srv0)) "$secs")" "$db_cores" "$load_cores" "$busy" >>"$OUT/summary.txt"
}

# metric_value URL NAME: the value of an unlabelled metric at URL.
metric_value() { curl -s "$1" | awk -v n="$2" '$1 == n { print $2 }'; }

# per_step_counters NAME: "steps transactions splits fsyncs commits
# statements": the step writer's counters (from the server's metrics) and,
# on MySQL, the server's fsyncs, commits and statements (server-wide: other
# clients of the same server count too).
per_step_counters() {
	local m=$METRICS_URL steps=0 txs=0 splits=0 fsyncs=- commits=- stmts=- atxs=0
	if [ -n "$m" ]; then
		steps=$(metric_value "$m" powercheck_step_writer_steps_total)
		txs=$(metric_value "$m" powercheck_step_writer_transactions_total)
		splits=$(metric_value "$m" powercheck_step_writer_splits_total)
		atxs=$(metric_value "$m" powercheck_audit_writer_transactions_total)
	fi
	if [ "$1" = mysql ]; then
		read -r fsyncs commits stmts < <(mysql_cli -N -B -e "SHOW GLOBAL STATUS WHERE Variable_name IN
			('Innodb_data_fsyncs', 'Com_commit', 'Questions')" |
			awk '{ v[$1] = $2 } END { print v["Innodb_data_fsyncs"], v["Com_commit"], v["Questions"] }')
	fi
	echo "${steps:-0} ${txs:-0} ${splits:-0} $fsyncs $commits $stmts ${atxs:-0}"
}

# per_step_report NAME BEFORE AFTER: what one durable step cost during the
# maximum-throughput run.
per_step_report() {
	awk -v name="$1" -v b="$2" -v a="$3" 'BEGIN {
		split(b, x, " "); split(a, y, " ")
		steps = y[1] - x[1]
		if (steps <= 0) { print name ": no steps counted (metrics off?)"; exit }
		printf "%s per stored step: %.3f step-writer transactions (%.1f steps a group), %d groups split, %.3f audit-writer transactions", name, (y[2] - x[2]) / steps, steps / (y[2] - x[2] > 0 ? y[2] - x[2] : 1), y[3] - x[3], (y[7] - x[7]) / steps
		if (x[4] != "-") printf "; server-wide: %.2f InnoDB fsyncs, %.2f commits, %.1f statements", (y[4] - x[4]) / steps, (y[5] - x[5]) / steps, (y[6] - x[6]) / steps
		printf "\n"
	}'
}

# bench_driver NAME DSN [DB_PID]
bench_driver() {
	local name=$1 dsn=$2
	DB_PID=${3:-}
	say "$name: POST /api/v1/steps through bin/powercheck ($dsn)"
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (the machine may be shared)"
	start_server "$name" "$dsn" --metrics-addr 127.0.0.1:0
	METRICS_URL=$(sed -n 's/^metrics on \(http:[^ ]*\).*/\1/p' "$WORK/$name.stdout" | head -n1)
	setup_district
	local prefix
	prefix=B$(date +%s)
	echo "-- warm-up ($WARMUP, concurrency 16)"
	load "$name" warmup "warm-up" -concurrency 16 -duration "$WARMUP" -prefix "$prefix-w"
	echo "-- maximum throughput ($DURATION, closed loop, concurrency $CONCURRENCY)"
	local before after
	before=$(per_step_counters "$name")
	local prof_pid= secs=
	if [ "${BENCH_PROFILE:-0}" = 1 ] && [ -n "$METRICS_URL" ]; then
		# The profile covers the run but its first and last second.
		secs=$(awk -v d="$DURATION" 'BEGIN { n = d + 0; if (d ~ /m$/) n *= 60; n -= 2; if (n < 1) n = 1; print int(n) }')
		(sleep 1; curl -s -o "$OUT/cpu-$name.pprof" "${METRICS_URL%/metrics}/debug/pprof/profile?seconds=$secs") &
		prof_pid=$!
	fi
	load "$name" max "max, c=$CONCURRENCY" -concurrency "$CONCURRENCY" -duration "$DURATION" -prefix "$prefix-m"
	[ -z "$prof_pid" ] || wait "$prof_pid" || warn "no CPU profile of $name"
	after=$(per_step_counters "$name")
	per_step_report "$name" "$before" "$after" | tee -a "$OUT/per-step.txt"
	# The batch endpoint: 4 connections, each sending 1,000 steps (of 1,000
	# cases) a request.
	echo "-- POST /api/v1/steps/batch ($DURATION, closed loop, 4 connections, 1,000 steps a request)"
	before=$(per_step_counters "$name")
	prof_pid=
	if [ "${BENCH_PROFILE:-0}" = 1 ] && [ -n "$METRICS_URL" ]; then
		(sleep 1; curl -s -o "$OUT/cpu-$name-batch.pprof" "${METRICS_URL%/metrics}/debug/pprof/profile?seconds=$secs") &
		prof_pid=$!
	fi
	load "$name" batch "batch of 1000, c=4" -batch 1000 -concurrency 4 -duration "$DURATION" -prefix "$prefix-b"
	[ -z "$prof_pid" ] || wait "$prof_pid" || warn "no CPU profile of $name's batches"
	after=$(per_step_counters "$name")
	per_step_report "$name batch" "$before" "$after" | tee -a "$OUT/per-step.txt"
	local max rate
	max=$(result_field "$OUT/pcload-$name-max.txt" steps_per_s)
	rate=$(awk -v m="${max:-0}" 'BEGIN { r = int(m / 2); if (r < 1) r = 1; print r }')
	echo "-- latency at half the maximum: $rate steps/s ($DURATION, open loop)"
	load "$name" rate "rate $rate/s, c=$CONCURRENCY" -concurrency "$CONCURRENCY" -rate "$rate" -duration "$DURATION" -prefix "$prefix-r"
	# The public side: the power list and an item page, read by citizens
	# (no token), alone and while departments submit steps at half the
	# maximum. The server runs with --public-rate 0: all requests come from
	# one address here.
	local pub=/api/public/v1/items,/api/public/v1/items/XK-001
	echo "-- public pages alone ($DURATION, closed loop, concurrency 16): $pub"
	load "$name" public "public list+item, c=16" -get "$pub" -concurrency 16 -duration "$DURATION"
	echo "-- public pages at 200 requests/s while steps arrive at $rate steps/s ($DURATION, open loops)"
	"$LOAD" -url "$BASE" -token "$CLERK_TOKEN" -item XK-001 -concurrency "$CONCURRENCY" -rate "$rate" -duration "$DURATION" \
		-prefix "$prefix-p" >"$OUT/pcload-$name-steps-beside-public.txt" 2>&1 &
	BG_PID=$!
	load "$name" public-busy "public 200/s + steps" -get "$pub" -concurrency 16 -rate 200 -duration "$DURATION"
	wait "$BG_PID" || { warn "pcload $name steps beside the public pages failed"; FAILED=1; }
	BG_PID=
	echo "    steps submitted meanwhile:"
	sed 's/^/    /' "$OUT/pcload-$name-steps-beside-public.txt"
	stop_server "$SERVER_PID"
}

# bench_observability: the maximum step throughput on SQLite with the
# metrics and access logs off (level warn, the log to /dev/null) and on
# (--metrics-addr, level info, one JSON line a request to a file, and a
# scrape a second meanwhile), each on a fresh database, one after the
# other within this run.
bench_observability() {
	say "sqlite: metrics and access logs off versus on (max throughput, $DURATION, concurrency $CONCURRENCY)"
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (the machine may be shared)"
	DB_PID=
	local mode prefix scraper round rounds=${BENCH_OBSERVABILITY_ROUNDS:-3}
	# Interleaved rounds, so that whatever else the machine does falls on both.
	for round in $(seq 1 "$rounds"); do
	for mode in off on; do
		if [ "$mode" = off ]; then
			LOG_FILE=/dev/null LOG_LEVEL=warn start_server "obs-$mode-$round" "sqlite:$WORK/obs-$mode-$round.db"
		else
			LOG_FILE="$WORK/obs-access.log" LOG_LEVEL=info start_server "obs-$mode-$round" "sqlite:$WORK/obs-$mode-$round.db" \
				--metrics-addr 127.0.0.1:0
		fi
		setup_district
		prefix=O$mode$(date +%s)
		load "obs-$mode-$round" warmup "warm-up" -concurrency 16 -duration "$WARMUP" -prefix "$prefix-w"
		scraper=
		if [ "$mode" = on ]; then
			local metrics
			metrics=$(sed -n 's/^metrics on \(http:[^ ]*\).*/\1/p' "$WORK/obs-$mode-$round.stdout" | head -n1)
			(while sleep 1; do curl -s -o /dev/null "$metrics"; done) &
			scraper=$!
		fi
		load "obs-$mode-$round" max "metrics+logs $mode, c=$CONCURRENCY" -concurrency "$CONCURRENCY" -duration "$DURATION" -prefix "$prefix-m"
		[ -n "$scraper" ] && { kill "$scraper" 2>/dev/null; wait "$scraper" 2>/dev/null || true; }
		stop_server "$SERVER_PID"
	done
	done
	local off on
	off=$(for r in $(seq 1 "$rounds"); do result_field "$OUT/pcload-obs-off-$r-max.txt" steps_per_s; done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	on=$(for r in $(seq 1 "$rounds"); do result_field "$OUT/pcload-obs-on-$r-max.txt" steps_per_s; done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	echo "    medians of $rounds rounds: off $off steps/s, on $on steps/s ($(awk -v a="$off" -v b="$on" 'BEGIN { if (a > 0) printf "%+.1f%%", 100 * (b - a) / a }'))"
	echo "    access log: $(wc -l <"$WORK/obs-access.log") lines, $(du -h "$WORK/obs-access.log" | cut -f1)"
}

# median: the median of the numbers on stdin.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# bench_versus_opa: powercheck's durable steps/s on MySQL against OPA's own
# server's decisions/s on the same policies, BENCH_OPA_ROUNDS interleaved
# rounds of the maximum throughput of each ($DURATION, concurrency
# $CONCURRENCY); the OPA server answers the decision of the step in
# internal/policy/testdata/decision_step.json, built as the engine builds it.
bench_versus_opa() {
	say "powercheck (MySQL, durable steps) versus OPA's server (decisions), max throughput, $DURATION, concurrency $CONCURRENCY"
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (the machine may be shared)"
	local round rounds=${BENCH_OPA_ROUNDS:-3} db port prefix
	for round in $(seq 1 "$rounds"); do
		db=pcbench_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
		mysql_cli -e "CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
		MYSQL_DBS+=("$db")
		DB_PID=$(mysql_local_pid)
		start_server "vs-pc-$round" "mysql:$MYSQL_USER@$(mysql_addr)/$db"
		setup_district
		prefix=V$round$(date +%s)
		load "vs-pc-$round" warmup "warm-up" -concurrency 16 -duration "$WARMUP" -prefix "$prefix-w"
		load "vs-pc-$round" max "powercheck, c=$CONCURRENCY" -concurrency "$CONCURRENCY" -duration "$DURATION" -prefix "$prefix-m"
		stop_server "$SERVER_PID"

		DB_PID=
		port=$((18000 + RANDOM % 2000))
		"$OPA" -addr "127.0.0.1:$port" -input-out "$WORK/opa-input.json" >"$OUT/opa-$round.log" 2>&1 &
		SERVER_PID=$!
		SERVER_PIDS+=("$SERVER_PID")
		BASE=http://127.0.0.1:$port
		for _ in $(seq 1 100); do
			[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health")" = 200 ] && break
			sleep 0.1
		done
		local path=/v1/data/powercheck/decision/check
		load "vs-opa-$round" warmup "warm-up" -get "$path" -post "$WORK/opa-input.json" -concurrency 16 -duration "$WARMUP"
		load "vs-opa-$round" max "OPA server, c=$CONCURRENCY" -get "$path" -post "$WORK/opa-input.json" \
			-concurrency "$CONCURRENCY" -duration "$DURATION"
		stop_server "$SERVER_PID"
	done
	local pc opa
	pc=$(for r in $(seq 1 "$rounds"); do result_field "$OUT/pcload-vs-pc-$r-max.txt" steps_per_s; done | median)
	opa=$(for r in $(seq 1 "$rounds"); do result_field "$OUT/pcload-vs-opa-$r-max.txt" steps_per_s; done | median)
	echo "    medians of $rounds rounds: powercheck $pc durable steps/s, OPA server $opa decisions/s"
	echo "RATIO powercheck/opa=$(awk -v a="$pc" -v b="$opa" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }') powercheck_steps_per_s=$pc opa_decisions_per_s=$opa" |
		tee -a "$OUT/summary.txt"
	# What the two cores spend on one step and on one decision: the ratio is
	# their quotient when the machine is saturated.
	local srv db dec
	srv=$(cpu_per_item vs-pc 3 | median)
	db=$(cpu_per_item vs-pc 2 | median)
	dec=$(cpu_per_item vs-opa 3 | median)
	echo "CPU a step (medians): powercheck server $srv ms + MySQL server $db ms; OPA server $dec ms a decision" |
		tee -a "$OUT/summary.txt"
}

# cpu_per_item PREFIX K: for each summary row of the rounds PREFIX-N, the
# milliseconds of CPU spent on one step (or decision) by the cores of the
# column K before the last (3: srv_cpu, 2: db_cpu), "-" when not measured.
cpu_per_item() {
	awk -v p="$1-" -v k="$2" 'index($1, p) == 1 {
		cpu = $(NF - k); n = $(NF - 9)
		if (cpu == "-" || n <= 0) print "-"; else printf "%.2f\n", cpu / n * 1000
	}' "$OUT/summary.txt"
}

say "build"
"$GO" build -o "$BIN" ./cmd/powercheck
"$GO" build -o "$LOAD" ./cmd/pcload
"$GO" build -tags opaserver -o "$OPA" ./cmd/pcopa
echo "$(nproc) cores; $(uname -sr); $("$GO" version)"

HAVE_MYSQL=0
if [[ " $DRIVERS " == *" mysql "* ]]; then
	if mysql_up; then
		HAVE_MYSQL=1
		echo "MySQL at $MYSQL_HOST:$MYSQL_PORT: $(mysql_cli -N -e 'SELECT VERSION()')," \
			"innodb_flush_log_at_trx_commit=$(mysql_cli -N -e 'SELECT @@innodb_flush_log_at_trx_commit')," \
			"sync_binlog=$(mysql_cli -N -e 'SELECT @@sync_binlog')," \
			"log_bin=$(mysql_cli -N -e 'SELECT @@log_bin')"
	else
		echo "MySQL at $MYSQL_HOST:$MYSQL_PORT is unreachable: its benchmarks are skipped"
	fi
fi
echo "SQLite: WAL, synchronous=FULL (internal/sqlstore/store.go)"

if [ "$GO_BENCH" = 1 ]; then
	say "Go benchmarks (-benchtime $GO_BENCHTIME)"
	if [ "$HAVE_MYSQL" = 1 ]; then
		export POWERCHECK_TEST_MYSQL_DSN="$MYSQL_USER@tcp($MYSQL_HOST:$MYSQL_PORT)/"
	fi
	"$GO" test -run '^$' -bench . -benchmem -benchtime "$GO_BENCHTIME" \
		./internal/policy/ ./internal/calendar/ 2>&1 | tee "$OUT/go-bench.txt"
	"$GO" test -run '^$' -bench 'RecordStep|ListWarningsFirstPage|AuditStateStep|AuditAppend' -benchmem -benchtime "$GO_BENCHTIME" \
		./internal/sqlstore/ 2>&1 | tee -a "$OUT/go-bench.txt"
	# The statements and transactions one step sends, alone and in a batch
	# of 64 (the figures do not vary with -benchtime), on each database.
	say "Statements per step"
	"$GO" test -run '^$' -bench 'BenchmarkStepStatements' -benchtime 1x -v \
		./internal/compliance/ 2>&1 | tee "$OUT/step-statements.txt"
	# The determinism test over its full data set: 100,000 steps through
	# the real store (group commit) and policies on SQLite, their warnings
	# compared with testdata/determinism/steps-100000.txt
	# (BENCH_DETERMINISM=0 skips it; it takes tens of minutes).
	if [ "${BENCH_DETERMINISM:-1}" = 1 ]; then
		say "Determinism over 100,000 steps (SQLite)"
		POWERCHECK_TEST_MYSQL_DSN='' POWERCHECK_DETERMINISM_STEPS=100000 "$GO" test -run '^TestDeterminism$' \
			-count=1 -timeout 3h -v ./internal/compliance/ 2>&1 | tee "$OUT/determinism.txt"
	fi
	# Webhooks: events delivered per second to a local receiver, and what
	# one outbox row adds to a step's transaction (ns/step, ns/step+event
	# and their ratio, interleaved in one run; also matched above).
	say "Webhook dispatch and the outbox's cost per step"
	"$GO" test -run '^$' -bench 'BenchmarkDispatch' -benchtime 5x ./internal/webhook/ 2>&1 | tee "$OUT/webhook-bench.txt"
	"$GO" test -run '^$' -bench 'BenchmarkRecordStepOutbox' -benchtime 500x ./internal/sqlstore/ 2>&1 | tee -a "$OUT/webhook-bench.txt"
	# The console's first load: the JavaScript and CSS that index.html names,
	# raw and gzipped as served (make bench builds the console first).
	say "Console first load"
	"$GO" test -run '^$' -bench 'BenchmarkFirstLoad' -benchtime 1x ./web/ 2>&1 | tee "$OUT/console-size.txt"
	# The API requests behind the console's list pages, one at a time, on the
	# demo district grown to 2,000 cases and 100,000 warnings (SQLite, and
	# MySQL when it answers); seeding takes a minute or two per driver.
	say "Console list pages at 100,000 warnings (-benchtime $CONSOLE_BENCHTIME)"
	"$GO" test -run '^$' -bench 'BenchmarkConsoleLists' -benchtime "$CONSOLE_BENCHTIME" -timeout 30m -v \
		./cmd/powercheck/ 2>&1 | tee "$OUT/console-bench.txt"
	if [ "$HAVE_MYSQL" = 1 ] && [ "${SCALE_BENCH:-1}" = 1 ]; then
		# At scale, on MySQL, once each (seeding takes most of the time):
		# the deadline sweeper over 1M open cases, a dry run over 100k
		# steps, a 1M-row export, the first pages of a 10M-warning list, the
		# dashboard's aggregates over 10M warnings.
		say "Scale benchmarks on MySQL (SCALE_BENCH=0 skips them)"
		"$GO" test -run '^$' -bench 'Sweep|Impact' -benchtime 1x -timeout 1h \
			./internal/compliance/ 2>&1 | tee "$OUT/scale-bench.txt"
		"$GO" test -run '^$' -bench 'ExportWarnings|ListWarnings10M|DashboardStats10M' -benchtime 1x -timeout 1h \
			./internal/sqlstore/ 2>&1 | tee -a "$OUT/scale-bench.txt"
	fi
	unset POWERCHECK_TEST_MYSQL_DSN
fi

printf '%-7s %-22s %9s %8s %8s %8s %8s %6s %7s %6s %8s %8s\n' driver run steps/s p50_ms p90_ms p99_ms max_ms errors srv_cpu db_cpu load_cpu all_cpu >"$OUT/summary.txt"
for d in $DRIVERS; do
	case $d in
	sqlite)
		bench_driver sqlite "sqlite:$WORK/bench.db"
		;;
	mysql)
		if [ "$HAVE_MYSQL" = 1 ]; then
			db=pcbench_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
			mysql_cli -e "CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
			MYSQL_DBS+=("$db")
			bench_driver mysql "mysql:$MYSQL_USER@$(mysql_addr)/$db" "$(mysql_local_pid)"
		fi
		;;
	*)
		warn "unknown driver $d (want sqlite or mysql)"
		FAILED=1
		;;
	esac
done

if [[ " $DRIVERS " == *" sqlite "* ]] && [ "${BENCH_OBSERVABILITY:-1}" = 1 ]; then
	bench_observability
fi

if [ "$HAVE_MYSQL" = 1 ] && [ "${BENCH_OPA:-1}" = 1 ]; then
	bench_versus_opa
fi

say "summary"
echo "steps/s counts 201 answers; the rate runs' latency is from each request's intended start;"
echo "*_cpu: cores used on average by the server, the database server, pcload and the whole machine ($(nproc) cores)"
cat "$OUT/summary.txt"
echo "(outputs in $OUT/)"
if [ "$FAILED" != 0 ]; then
	warn "some runs had errors"
	exit 1
fi
