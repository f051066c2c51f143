//go:build race

package policy

// raceSlowdown scales the default evaluation time limit under the race
// detector (`make race`), which makes evaluation about ten times slower:
// a step cut off there would be a false failure, not a race.
const raceSlowdown = 20
