//go:build !race

package policy

// raceSlowdown scales the default evaluation time limit; see race.go.
const raceSlowdown = 1
