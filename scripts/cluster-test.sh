#!/usr/bin/env bash
# scripts/cluster-test.sh — powercheck on a MariaDB Galera cluster, run by
# `make cluster-test` (see docs/scale.md):
#
#   1. the fault test (internal/chaos, build tag cluster): three powercheck
#      nodes on a three-node cluster of the test's own (ports 6306-6308,
#      Galera 16567…), under load, through the kill of a database node and
#      of a powercheck node; it prints its counts on a RESULT line;
#   2. the cluster correctness tests (internal/clustertest, build tag
#      cluster), when that package exists, against a second cluster of its
#      own that this script starts on CLUSTER_TEST_PORT (default 7306-7308,
#      Galera CLUSTER_TEST_GALERA_PORT, default 17567…) and removes on exit,
#      with POWERCHECK_TEST_CLUSTER_DSNS naming its three nodes.
#
# Nothing is started on the shared MariaDB's port (3306) nor on the ports of
# `make cluster` (4306-4308). Needs mariadbd, galera-4 and rsync.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

GO=${GO:-go}
PORT=${CLUSTER_TEST_PORT:-7306}
GALERA_PORT=${CLUSTER_TEST_GALERA_PORT:-17567}
start=$(date +%s)

echo "==> the Galera fault test (internal/chaos)"
"$GO" vet -tags cluster ./internal/chaos
# Both parts run even when the first fails; the script fails if either did.
failed=0
"$GO" test -tags cluster -count=1 -timeout 15m -v -run Cluster ./internal/chaos/ || failed=1

if [ -d internal/clustertest ]; then
	echo "==> the cluster correctness tests (internal/clustertest) on ports $PORT-$((PORT + 2))"
	dir=$(mktemp -d "${TMPDIR:-/tmp}/pcclustertest.XXXXXX")
	# The nodes run as the mysql user when started by root.
	chmod 755 "$dir"
	export CLUSTER_DIR=$dir CLUSTER_PORT=$PORT CLUSTER_GALERA_PORT=$GALERA_PORT
	trap 'bash scripts/cluster.sh clean >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
	bash scripts/cluster.sh start
	dsns=""
	for n in 0 1 2; do dsns+="root@tcp(127.0.0.1:$((PORT + n)))/powercheck,"; done
	POWERCHECK_TEST_CLUSTER_DSNS=${dsns%,} "$GO" test -tags cluster -count=1 -timeout 15m -v ./internal/clustertest/ || failed=1
else
	echo "==> internal/clustertest is not there: its tests are skipped"
fi
echo "cluster-test took $(($(date +%s) - start)) s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
exit "$failed"
