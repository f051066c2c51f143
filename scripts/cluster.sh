#!/usr/bin/env bash
# scripts/cluster.sh — a three-node MariaDB Galera cluster on this machine,
# for trying powercheck on more than one database node (`make cluster`,
# `make cluster-stop`).
#
#   scripts/cluster.sh start     initialise (first time) and start the nodes
#   scripts/cluster.sh stop      stop them (the data is kept)
#   scripts/cluster.sh status    each node's state and the cluster's size
#   scripts/cluster.sh kill N    kill -9 node N (1..3), as a crash would
#   scripts/cluster.sh up N      start node N again; it rejoins (IST or SST)
#   scripts/cluster.sh clean     stop and remove the data directories
#
# Each node has its own data directory under $CLUSTER_DIR (default
# /tmp/pccluster), its own client port (CLUSTER_PORT, 4306, 4307, 4308) and
# Galera ports (from CLUSTER_GALERA_PORT, 14567, ten apart, so that two
# clusters can run side by side); the first node bootstraps the cluster when none is running.
# The machine's shared MariaDB on 3306 is never touched. Clients use
#   root@tcp(127.0.0.1:4306)/powercheck?parseTime=true   (and :4307, :4308)
# The database `powercheck` is created on start.
set -euo pipefail

DIR=${CLUSTER_DIR:-/tmp/pccluster}
BASE_PORT=${CLUSTER_PORT:-4306}
NODES=3
GALERA_LIB=${GALERA_LIB:-/usr/lib/galera/libgalera_smm.so}

server=$(command -v mariadbd || echo /usr/sbin/mariadbd)
install=$(command -v mariadb-install-db || echo /usr/bin/mariadb-install-db)
client=$(command -v mariadb || command -v mysql || true)

# The nodes run as the mysql user when started by root: the rsync daemon
# that receives a state transfer runs as the node's user, and must own the
# data directory as the node does.
RUN_AS=$(id -un)
if [[ $(id -u) == 0 ]]; then
	RUN_AS=mysql
	id mysql >/dev/null 2>&1 || RUN_AS=root
fi

die() { echo "cluster: $*" >&2; exit 1; }
say() { echo "cluster: $*"; }

GALERA_BASE=${CLUSTER_GALERA_PORT:-14567}

port() { echo $((BASE_PORT + $1 - 1)); }                  # client port of node n
gport() { echo $((GALERA_BASE + 10 * ($1 - 1))); }        # Galera replication
ist_port() { echo $((GALERA_BASE + 1 + 10 * ($1 - 1))); } # incremental state transfer
sst_port() { echo $((GALERA_BASE + 2 + 10 * ($1 - 1))); } # full state transfer
ndir() { echo "$DIR/node$1"; }

members() {
	local out="" n
	for n in $(seq 1 $NODES); do out+="127.0.0.1:$(gport "$n"),"; done
	echo "${out%,}"
}

sql() { # sql N statement
	"$client" --protocol=tcp -h127.0.0.1 -P"$(port "$1")" -uroot -N -B -e "$2"
}

alive() { [[ -f $(ndir "$1")/pid ]] && kill -0 "$(cat "$(ndir "$1")/pid")" 2>/dev/null; }

# any_synced prints a node that is up and synced, if any.
any_synced() {
	local n
	for n in $(seq 1 $NODES); do
		if alive "$n" && [[ $(sql "$n" "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | cut -f2) == Synced ]]; then
			echo "$n"
			return 0
		fi
	done
	return 1
}

# init_node prepares node n's data directory: the bootstrap node's is
# initialised; a joiner's is left empty, to be filled by a full state
# transfer from a synced node.
init_node() { # init_node N [bootstrap]
	local d
	d=$(ndir "$1")
	[[ -d $d/data ]] && return 0
	mkdir -p "$d/data"
	[[ $(id -u) == 0 ]] && chown -R "$RUN_AS": "$d"
	[[ ${2:-} != bootstrap ]] && return 0
	"$install" --no-defaults --datadir="$d/data" --auth-root-authentication-method=normal --skip-test-db \
		--user="$RUN_AS" >"$d/install.log" 2>&1 || die "initialising node $1 failed: see $d/install.log"
}

start_node() { # start_node N [bootstrap]
	local n=$1 d
	d=$(ndir "$n")
	if alive "$n"; then
		say "node $n already runs (port $(port "$n"))"
		return 0
	fi
	init_node "$n" "${2:-}"
	local args=(--no-defaults --datadir="$d/data" --port="$(port "$n")" --bind-address=127.0.0.1
		--socket="$d/sock" --pid-file="$d/pid" --log-error="$d/error.log" --skip-name-resolve
		--innodb-buffer-pool-size=128M --max-connections=500 --innodb-flush-log-at-trx-commit=1
		--binlog-format=ROW --default-storage-engine=InnoDB --innodb-autoinc-lock-mode=2
		--wsrep-on=ON --wsrep-provider="$GALERA_LIB" --wsrep-cluster-name=powercheck
		--wsrep-cluster-address="gcomm://$(members)" --wsrep-node-name="node$n"
		--wsrep-node-address="127.0.0.1:$(gport "$n")" --wsrep-sst-method=rsync
		--wsrep-sst-receive-address="127.0.0.1:$(sst_port "$n")"
		--wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:$(gport "$n");ist.recv_addr=127.0.0.1:$(ist_port "$n");gcache.size=256M"
		--wsrep-slave-threads=2 --user="$RUN_AS")
	if [[ ${2:-} == bootstrap ]]; then
		args+=(--wsrep-new-cluster)
		# A node that crashed last may not be marked safe to bootstrap.
		[[ -f $d/data/grastate.dat ]] && sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$d/data/grastate.dat"
	fi
	setsid "$server" "${args[@]}" </dev/null >/dev/null 2>&1 &
	local i
	for i in $(seq 1 240); do
		if [[ $(sql "$n" "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | cut -f2) == Synced ]]; then
			say "node $n synced on port $(port "$n")"
			return 0
		fi
		sleep 0.5
	done
	tail -20 "$d/error.log" >&2 || true
	die "node $n did not join the cluster within 120 s; see $d/error.log"
}

stop_node() {
	local n=$1 pid
	alive "$n" || return 0
	pid=$(cat "$(ndir "$n")/pid")
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
	kill -KILL "$pid" 2>/dev/null || true
}

cmd_start() {
	[[ -x $server && -x $install && -n $client ]] || die "MariaDB is not installed (apt-get install mariadb-server)"
	[[ -f $GALERA_LIB ]] || die "Galera is not installed (apt-get install galera-4)"
	command -v rsync >/dev/null || die "rsync is needed for state transfers (apt-get install rsync)"
	mkdir -p "$DIR"
	local first=1 n
	if synced=$(any_synced); then
		first=0
		say "cluster already up (node $synced synced)"
	fi
	for n in $(seq 1 $NODES); do
		if [[ $first == 1 ]]; then
			start_node "$n" bootstrap
			first=0
		else
			start_node "$n"
		fi
	done
	sql 1 "CREATE DATABASE IF NOT EXISTS powercheck" || sql "$(any_synced)" "CREATE DATABASE IF NOT EXISTS powercheck"
	cmd_status
}

cmd_stop() {
	local n
	# The last to stop is the one to bootstrap from next time.
	for n in $(seq $NODES -1 1); do stop_node "$n"; done
	say "stopped"
}

cmd_status() {
	local n
	for n in $(seq 1 $NODES); do
		if alive "$n"; then
			local state size
			state=$(sql "$n" "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | cut -f2 || echo "?")
			size=$(sql "$n" "SHOW STATUS LIKE 'wsrep_cluster_size'" 2>/dev/null | cut -f2 || echo "?")
			echo "node $n: port $(port "$n") $state, cluster size $size"
		else
			echo "node $n: port $(port "$n") down"
		fi
	done
}

cmd_kill() {
	local n=${1:?node number}
	alive "$n" || die "node $n is not running"
	kill -KILL "$(cat "$(ndir "$n")/pid")"
	say "node $n killed"
}

cmd_up() {
	local n=${1:?node number}
	if any_synced >/dev/null; then start_node "$n"; else start_node "$n" bootstrap; fi
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
kill) cmd_kill "${2:-}" ;;
up) cmd_up "${2:-}" ;;
clean)
	cmd_stop
	rm -rf "$DIR"
	say "removed $DIR"
	;;
*) die "usage: $0 start|stop|status|kill N|up N|clean" ;;
esac
