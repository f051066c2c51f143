package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
	"unicode/utf8"
)

// checkServeFlags refuses values that cannot work, naming each.
func checkServeFlags(maxBody int64, evalTimeout, poll, recheck, sweep, drain, lockWait time.Duration) error {
	var errs []error
	if maxBody < 1<<10 || maxBody > 1<<30 {
		errs = append(errs, fmt.Errorf("--max-body %d: want 1024 to 1073741824 bytes", maxBody))
	}
	if evalTimeout <= 0 || evalTimeout > time.Minute {
		errs = append(errs, fmt.Errorf("--eval-timeout %s: want more than 0 and at most 1m", evalTimeout))
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{{"--policy-poll", poll}, {"--recheck-interval", recheck}, {"--sweep-interval", sweep}} {
		if f.v < 0 || (f.v > 0 && f.v < 10*time.Millisecond) {
			errs = append(errs, fmt.Errorf("%s %s: want 0 (off) or at least 10ms", f.name, f.v))
		}
	}
	if drain <= 0 {
		errs = append(errs, fmt.Errorf("--drain-timeout %s: want more than 0", drain))
	}
	if lockWait < 10*time.Millisecond || lockWait > 5*time.Minute {
		errs = append(errs, fmt.Errorf("--audit-lock-wait %s: want 10ms to 5m", lockWait))
	}
	return errors.Join(errs...)
}

// envBool reads a boolean environment variable; unset is false.
func envBool(name string) (bool, error) {
	v := os.Getenv(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q: want true or false", name, v)
	}
	return b, nil
}

// minBootstrapTokenLen is the fewest characters of a bootstrap token outside
// demo mode: the token is the admin's for as long as it is not rotated.
const minBootstrapTokenLen = 32

// checkBootstrapToken refuses a short POWERCHECK_BOOTSTRAP_TOKEN unless the
// service runs in demo mode, whose well-known tokens are meant to be typed.
func checkBootstrapToken(token string, demo bool) error {
	n := utf8.RuneCountInString(token)
	if token == "" || demo || n >= minBootstrapTokenLen {
		return nil
	}
	return fmt.Errorf("POWERCHECK_BOOTSTRAP_TOKEN has %d characters; outside demo mode it needs at least %d "+
		"(e.g. `openssl rand -hex 32`), or leave it unset to have a token generated and printed once", n, minBootstrapTokenLen)
}

// publicRateConfig turns --public-rate (0: no bound) into the API's setting
// (negative: no bound).
func publicRateConfig(perMinute int) int {
	if perMinute <= 0 {
		return -1
	}
	return perMinute
}

func checkPublicRate(perMinute int) error {
	if perMinute < 0 {
		return fmt.Errorf("--public-rate %d: want 0 (no bound) or more requests a minute", perMinute)
	}
	return nil
}
