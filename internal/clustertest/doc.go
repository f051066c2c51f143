// Package clustertest holds the tests of powercheck on a Galera cluster
// with writers on different nodes. They are built with the "cluster" tag
// and read POWERCHECK_TEST_CLUSTER_DSNS, three comma-separated MySQL DSNs
// (one per node, e.g. root@tcp(127.0.0.1:4306)/test); they skip when it
// is unset:
//
//	go test -tags cluster -count=1 ./internal/clustertest/
package clustertest
