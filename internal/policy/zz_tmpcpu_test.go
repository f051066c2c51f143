//go:build zzbench

package policy_test

import (
	"syscall"
	"testing"
)

func cpuNow() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// loopCPU runs f in a b.Loop and reports process CPU ns per op.
func loopCPU(b *testing.B, f func()) {
	b.ReportAllocs()
	start := cpuNow()
	n := 0
	for b.Loop() {
		f()
		n++
	}
	b.ReportMetric(float64(cpuNow()-start)/float64(n), "cpu-ns/op")
}
