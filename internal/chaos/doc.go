// Package chaos holds powercheck's fault tests: a database outage
// under load against a MariaDB instance of the test's own, and the kill of one
// of two nodes sharing a MySQL database. They start real processes (mariadbd
// and the powercheck binary), take about a minute each and run only with the
// chaos build tag:
//
//	make chaos    # go test -tags chaos -count=1 -v ./internal/chaos
//
// See docs/reliability.md for what they count and what they measured.
//
// With the cluster build tag instead, it holds the fault test on a MariaDB
// Galera cluster of its own (three powercheck nodes, a database node and a
// powercheck node killed and brought back under load; docs/scale.md):
//
//	make cluster-test    # go test -tags cluster -run Cluster -v ./internal/chaos
package chaos
