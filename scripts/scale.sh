#!/usr/bin/env bash
# scripts/scale.sh — durable steps/s of powercheck on more than one node,
# run by `make scale` (see docs/scale.md). In one sitting:
#
#   single    one powercheck node on one MariaDB server of its own
#   galera-1  one powercheck node on a three-node Galera cluster of its own
#   galera-2  two nodes, each on its own Galera node
#   galera-3  three nodes, each on its own Galera node
#
# Each run has a fresh database, a clerk and the licensing item XK-001, a
# warm-up, then one cmd/pcload per powercheck node, all at once (the
# connections spread evenly over the nodes, closed loop), for
# SCALE_DURATION. The table gives the aggregate steps/s (201 answers: each
# a committed, durable step), the slowest node's p99, the errors, steps/s
# per core of the machine and per core busy during the run, and the load
# average before the run (the machine may be shared: compare figures taken
# in one sitting only).
#
# Knobs (environment):
#   SCALE_DURATION=20s  SCALE_WARMUP=5s  SCALE_CONCURRENCY=48 (in all, split over the nodes)
#   SCALE_MYSQL_PORT=8306                the single server's port
#   SCALE_CLUSTER_PORT=8316              the cluster's client ports (8316-8318)
#   SCALE_CLUSTER_GALERA_PORT=18567      the cluster's Galera ports (ten apart)
#   SCALE_RUNS="single galera-1 galera-2 galera-3"
#   SCALE_SPREAD=0                       1: each node's load in a department of its own
#
# Everything it starts is stopped, and its directories removed, on exit.
# Outputs are kept in bench-out/scale-<time>/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=lib/calendar.sh
. scripts/lib/calendar.sh

GO=${GO:-go}
DURATION=${SCALE_DURATION:-20s}
WARMUP=${SCALE_WARMUP:-5s}
CONCURRENCY=${SCALE_CONCURRENCY:-48}
MYSQL_PORT=${SCALE_MYSQL_PORT:-8306}
CLUSTER_PORT=${SCALE_CLUSTER_PORT:-8316}
CLUSTER_GALERA_PORT=${SCALE_CLUSTER_GALERA_PORT:-18567}
RUNS=${SCALE_RUNS:-"single galera-1 galera-2 galera-3"}
# SCALE_SPREAD=1 gives each node's load a department of its own, as a
# province's nodes would serve different departments; 0 sends every node's
# load to one department, whose counters every step then writes.
SPREAD=${SCALE_SPREAD:-0}
DEPARTMENTS=(ZJJ)
[ "$SPREAD" = 1 ] && DEPARTMENTS=(ZJJ JYJ SCJ)
BIN=bin/powercheck
LOAD=bin/pcload
ADMIN_TOKEN=scale-admin-token-0123456789abcdef

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pcscale.XXXXXX")
chmod 755 "$WORK" # the database servers run as the mysql user when started by root
OUT=bench-out/scale-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
SERVER_PIDS=()
LOAD_PIDS=()
MYSQL_PID=
CLUSTER_UP=0
RUN_AS=$(id -un)
[[ $(id -u) == 0 ]] && RUN_AS=mysql

warn() { printf 'scale: %s\n' "$*" >&2; }
say() { printf '\n==> %s\n' "$*"; }

cleanup() {
	local rc=$? pid
	set +e
	for pid in "${LOAD_PIDS[@]}" "${SERVER_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ -n "$MYSQL_PID" ]; then
		kill -TERM "$MYSQL_PID" 2>/dev/null
		for _ in $(seq 1 60); do kill -0 "$MYSQL_PID" 2>/dev/null || break; sleep 0.5; done
		kill -KILL "$MYSQL_PID" 2>/dev/null
	fi
	[ "$CLUSTER_UP" = 1 ] && cluster clean >/dev/null 2>&1
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cluster() {
	CLUSTER_DIR=$WORK/cluster CLUSTER_PORT=$CLUSTER_PORT CLUSTER_GALERA_PORT=$CLUSTER_GALERA_PORT bash scripts/cluster.sh "$@"
}

sql() { # sql PORT statement
	local cli=mariadb
	command -v mariadb >/dev/null || cli=mysql
	"$cli" --protocol=tcp -h127.0.0.1 -P"$1" -uroot -N -B -e "$2"
}

# start_single: a MariaDB server of its own, with the cluster nodes'
# settings but no Galera, on MYSQL_PORT.
start_single() {
	local d=$WORK/single
	mkdir -p "$d/data"
	[[ $(id -u) == 0 ]] && chown -R "$RUN_AS": "$d"
	mariadb-install-db --no-defaults --datadir="$d/data" --auth-root-authentication-method=normal --skip-test-db \
		--user="$RUN_AS" >"$d/install.log" 2>&1 || { warn "mariadb-install-db failed: $d/install.log"; return 1; }
	setsid mariadbd --no-defaults --datadir="$d/data" --port="$MYSQL_PORT" --bind-address=127.0.0.1 \
		--socket="$d/sock" --pid-file="$d/pid" --log-error="$OUT/single-mariadb.log" --skip-name-resolve \
		--innodb-buffer-pool-size=128M --max-connections=500 --innodb-flush-log-at-trx-commit=1 \
		--user="$RUN_AS" </dev/null >/dev/null 2>&1 &
	MYSQL_PID=$!
	for _ in $(seq 1 120); do
		sql "$MYSQL_PORT" "SELECT 1" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	warn "the single MariaDB did not start; see $OUT/single-mariadb.log"
	return 1
}

# start_server NAME DSN: powercheck on a free port; appends its base URL
# to BASES.
start_server() {
	local name=$1 dsn=$2 pid base=
	POWERCHECK_BOOTSTRAP_TOKEN=$ADMIN_TOKEN POWERCHECK_LOG_LEVEL=warn \
		"$BIN" serve --addr 127.0.0.1:0 --db "$dsn" --public-rate 0 >"$WORK/$name.stdout" 2>"$OUT/server-$name.log" &
	pid=$!
	SERVER_PIDS+=("$pid")
	for _ in $(seq 1 600); do
		kill -0 "$pid" 2>/dev/null || { warn "$name exited: $(tail -5 "$OUT/server-$name.log")"; return 1; }
		[ -z "$base" ] && base=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$WORK/$name.stdout" | head -n1)
		if [ -n "$base" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz")" = 200 ]; then
			BASES+=("$base")
			return 0
		fi
		sleep 0.1
	done
	warn "$name was not ready within 60 s"
	return 1
}

stop_servers() {
	local pid
	for pid in "${SERVER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${SERVER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
	SERVER_PIDS=()
}

# api WANT METHOD URL TOKEN [BODY|@FILE]: prints the answer's body.
api() {
	local want=$1 method=$2 url=$3 token=$4 body=${5:-} code
	local args=(-sS -o "$WORK/answer" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $token")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	code=$(curl "${args[@]}" "$url")
	[ "$code" = "$want" ] || { warn "$method $url: HTTP $code, want $want: $(head -c 300 "$WORK/answer")"; return 1; }
	cat "$WORK/answer"
}

token_of() { sed -n 's/.*"token"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p'; }

# setup_district BASE: the departments of DEPARTMENTS, each with a clerk
# (CLERK_TOKENS) and a licensing item of its own (ITEMS: XK-001, XK-002…),
# and any calendar year missing.
setup_district() {
	local base=$1 legal i code
	legal=$(api 201 POST "$base/api/v1/accounts" "$ADMIN_TOKEN" \
		'{"username":"scale-legal","real_name":"压测法制员","role":"legal"}' | token_of)
	CLERK_TOKENS=()
	ITEMS=()
	for i in "${!DEPARTMENTS[@]}"; do
		code=${DEPARTMENTS[$i]}
		api 201 POST "$base/api/v1/departments" "$ADMIN_TOKEN" "{\"code\":\"$code\",\"name\":\"压测部门$code\"}" >/dev/null
		CLERK_TOKENS+=("$(api 201 POST "$base/api/v1/accounts" "$ADMIN_TOKEN" \
			"{\"username\":\"scale-clerk-$i\",\"real_name\":\"张三\",\"role\":\"clerk\",\"department_code\":\"$code\"}" | token_of)")
		ITEMS+=("XK-00$((i + 1))")
		sed "s/\"department_code\": \"ZJJ\"/\"department_code\": \"$code\"/" testdata/catalog/licensing.json >"$WORK/item-$code.json"
		api 201 PUT "$base/api/v1/power-items/${ITEMS[$i]}" "$legal" "@$WORK/item-$code.json" >/dev/null
		[ -n "${CLERK_TOKENS[$i]}" ] || return 1
	done
	enter_missing_years "$base"
}

result_field() {
	awk -v k="$2" '$1 == "RESULT" { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) v = kv[2] } } END { print v }' "$1"
}

# status_sum VAR PORT…: a global status counter summed over servers.
status_sum() {
	local var=$1 port total=0 v
	shift
	for port in "$@"; do
		v=$(sql "$port" "SHOW GLOBAL STATUS LIKE '$var'" 2>/dev/null | cut -f2)
		total=$((total + ${v:-0}))
	done
	echo "$total"
}

machine_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }

# load_all LABEL DURATION: one pcload per node at once; prints the
# aggregate "steps/s p99_max errors busy_cores".
load_all() {
	local label=$1 duration=$2 n=${#BASES[@]} i per rc=0 m0 t0 m1 t1
	per=$(((CONCURRENCY + n - 1) / n))
	LOAD_PIDS=()
	read -r m0 t0 < <(machine_ticks)
	for i in $(seq 0 $((n - 1))); do
		local d=$((i % ${#DEPARTMENTS[@]}))
		"$LOAD" -url "${BASES[$i]}" -token "${CLERK_TOKENS[$d]}" -item "${ITEMS[$d]}" -concurrency "$per" -duration "$duration" \
			-prefix "$label-n$i-$(date +%s)" >"$OUT/pcload-$label-n$i.txt" 2>&1 &
		LOAD_PIDS+=($!)
	done
	for i in "${LOAD_PIDS[@]}"; do wait "$i" || rc=1; done
	LOAD_PIDS=()
	read -r m1 t1 < <(machine_ticks)
	[ "$rc" = 0 ] || warn "a pcload of $label reported errors (see $OUT/pcload-$label-n*.txt)"
	local total=0 p99=0 errors=0 steps=0 f
	for i in $(seq 0 $((n - 1))); do
		f=$OUT/pcload-$label-n$i.txt
		total=$(awk -v a="$total" -v b="$(result_field "$f" steps_per_s)" 'BEGIN { printf "%.1f", a + b }')
		p99=$(awk -v a="$p99" -v b="$(result_field "$f" p99_ms)" 'BEGIN { print (b > a ? b : a) }')
		errors=$((errors + $(result_field "$f" errors)))
		steps=$((steps + $(result_field "$f" steps)))
	done
	echo "$total $p99 $errors $steps $(awk -v b=$((m1 - m0)) -v t=$((t1 - t0)) -v c="$(nproc)" 'BEGIN { if (t > 0) printf "%.2f", c * b / t; else print 0 }')"
}

# measure NAME PORTS DSN…: a fresh database behind one server per DSN, a
# warm-up, the measured run; adds a row to the table and one to the
# writes table (rows and redo bytes written on the first database server, and, on
# Galera, the write sets and bytes the nodes replicated, per step). PORTS
# is a comma-separated list of the database servers' ports.
measure() {
	local name=$1 ports=${2//,/ } i loadavg rows0 rows1 redo0 redo1 ws0 ws1 wb0 wb1 cf0 cf1
	shift 2
	say "$name: $# node(s)"
	BASES=()
	i=0
	for dsn in "$@"; do
		i=$((i + 1))
		start_server "$name-$i" "$dsn"
		# The first creates the schema; the others start once it is there.
		[ "$i" = 1 ] && setup_district "${BASES[0]}"
	done
	load_all "$name-warmup" "$WARMUP" >/dev/null
	loadavg=$(cut -d' ' -f1-3 /proc/loadavg)
	# shellcheck disable=SC2086 # a list of ports
	{
		rows0=$(($(status_sum Handler_write ${ports%% *}) + $(status_sum Handler_update ${ports%% *})))
		redo0=$(status_sum Innodb_os_log_written ${ports%% *})
		ws0=$(status_sum wsrep_replicated $ports) wb0=$(status_sum wsrep_replicated_bytes $ports)
		cf0=$(($(status_sum wsrep_local_cert_failures $ports) + $(status_sum wsrep_local_bf_aborts $ports)))
		read -r sps p99 errors steps busy < <(load_all "$name" "$DURATION")
		rows1=$(($(status_sum Handler_write ${ports%% *}) + $(status_sum Handler_update ${ports%% *})))
		redo1=$(status_sum Innodb_os_log_written ${ports%% *})
		ws1=$(status_sum wsrep_replicated $ports) wb1=$(status_sum wsrep_replicated_bytes $ports)
		cf1=$(($(status_sum wsrep_local_cert_failures $ports) + $(status_sum wsrep_local_bf_aborts $ports)))
	}
	stop_servers
	printf '%-9s %8d %10s %11s %14s %16s %10s\n' "$name" "$steps" \
		"$(awk -v a=$((rows1 - rows0)) -v s="$steps" 'BEGIN { if (s > 0) printf "%.1f", a / s; else print "-" }')" \
		"$(awk -v a=$((redo1 - redo0)) -v s="$steps" 'BEGIN { if (s > 0) printf "%.0f", a / s; else print "-" }')" \
		"$(awk -v a=$((ws1 - ws0)) -v s="$steps" 'BEGIN { if (s > 0 && a > 0) printf "%.2f", a / s; else print "-" }')" \
		"$(awk -v a=$((wb1 - wb0)) -v s="$steps" 'BEGIN { if (s > 0 && a > 0) printf "%.0f", a / s; else print "-" }')" \
		"$((cf1 - cf0))" >>"$OUT/writes.txt"
	printf '%-9s %5d %9s %8s %6s %10s %6s %12s  %s\n' "$name" "$#" "$sps" "$p99" "$errors" \
		"$(awk -v s="$sps" -v c="$(nproc)" 'BEGIN { printf "%.1f", s / c }')" "$busy" \
		"$(awk -v s="$sps" -v b="$busy" 'BEGIN { if (b > 0) printf "%.1f", s / b; else print "-" }')" "$loadavg" | tee -a "$OUT/table.txt"
}

# db_size PORT DB: the database's size on disk per step and per warning,
# after the runs into it (InnoDB's statistics, refreshed first).
db_size() {
	local port=$1 db=$2 t bytes steps warnings
	for t in $(sql "$port" "SELECT table_name FROM information_schema.tables WHERE table_schema = '$db'"); do
		sql "$port" "ANALYZE TABLE \`$db\`.\`$t\`" >/dev/null
	done
	bytes=$(sql "$port" "SELECT SUM(data_length + index_length) FROM information_schema.tables WHERE table_schema = '$db'")
	steps=$(sql "$port" "SELECT COUNT(*) FROM \`$db\`.steps")
	warnings=$(sql "$port" "SELECT COUNT(*) FROM \`$db\`.warnings")
	echo "database $db: $bytes bytes for $steps steps and $warnings warnings:" \
		"$(awk -v b="$bytes" -v s="$steps" 'BEGIN { if (s > 0) printf "%.0f", b / s }') bytes a step, all tables and indexes" \
		"($(awk -v w="$warnings" -v s="$steps" 'BEGIN { if (s > 0) printf "%.2f", w / s }') warnings a step)" | tee -a "$OUT/size.txt"
}

say "build"
"$GO" build -o "$BIN" ./cmd/powercheck
"$GO" build -o "$LOAD" ./cmd/pcload
echo "$(nproc) cores; $(uname -sr); $(mariadbd --version | head -1)"
printf '%-9s %8s %10s %11s %14s %16s %10s\n' run steps rows/step redo/step writesets/step repl_bytes/step conflicts >"$OUT/writes.txt"
printf '%-9s %5s %9s %8s %6s %10s %6s %12s  %s\n' run nodes steps/s p99_ms errors steps/s/core busy steps/s/busy "load average before" >"$OUT/table.txt"

for run in $RUNS; do
	case $run in
	single)
		start_single
		sql "$MYSQL_PORT" "CREATE DATABASE pcscale CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
		measure single "$MYSQL_PORT" "mysql:root@tcp(127.0.0.1:$MYSQL_PORT)/pcscale"
		db_size "$MYSQL_PORT" pcscale
		kill -TERM "$MYSQL_PID" && wait "$MYSQL_PID" 2>/dev/null || true
		MYSQL_PID=
		;;
	galera-[123])
		if [ "$CLUSTER_UP" = 0 ]; then
			say "a three-node Galera cluster on ports $CLUSTER_PORT-$((CLUSTER_PORT + 2))"
			cluster start
			CLUSTER_UP=1
		fi
		n=${run#galera-}
		db=pcscale$n
		sql "$CLUSTER_PORT" "CREATE DATABASE $db CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
		dsns=()
		for i in $(seq 0 $((n - 1))); do dsns+=("mysql:root@tcp(127.0.0.1:$((CLUSTER_PORT + i)))/$db"); done
		measure "$run" "$CLUSTER_PORT,$((CLUSTER_PORT + 1)),$((CLUSTER_PORT + 2))" "${dsns[@]}"
		;;
	*) warn "unknown run $run" ;;
	esac
done

say "durable steps/s, $(nproc) cores, $CONCURRENCY connections in all, $DURATION each ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo "busy: cores the whole machine used during the run (everything on it: servers, databases, pcload)"
echo "departments: ${#DEPARTMENTS[@]} (SCALE_SPREAD=$SPREAD: $([ "$SPREAD" = 1 ] && echo "node n loads department n" || echo "every node loads one department"))"
cat "$OUT/table.txt"
echo
echo "writes per step on the first database server (on Galera it applies every node's): rows written or updated"
echo "(Handler_write + Handler_update, temporary tables included) and bytes of InnoDB redo log;"
echo "write sets and bytes the Galera nodes replicated (each node sends its own writes to the two others);"
echo "conflicts: transactions Galera rolled back for a conflict with another node's (certification failures and"
echo "brute-force aborts; each such transaction is run again, see internal/sqlstore/retry.go)"
cat "$OUT/writes.txt"
[ -f "$OUT/size.txt" ] && cat "$OUT/size.txt"
echo "(outputs in $OUT/)"
