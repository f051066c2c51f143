package session

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"powercheck/internal/compliance"
)

const (
	argonKeyLen = 32
	saltLen     = 16
)

// params is the cost of an argon2id hash. Each hash records its own, so a
// hash verifies whatever the cost new hashes are made at.
type params struct {
	Time    uint32 // passes
	Memory  uint32 // KiB
	Threads uint8  // lanes
}

// productionParams: OWASP's 19 MiB, two passes, one lane. A sign-in costs
// ~20 ms of one core; the memory bounds what a guessing GPU gains.
var productionParams = params{Time: 2, Memory: 19 * 1024, Threads: 1}

// testParams is the least work argon2id accepts.
var testParams = params{Time: 1, Memory: 8, Threads: 1}

// hashParams is the cost of new hashes: productionParams unless a test
// binary called UseTestParams.
var hashParams atomic.Pointer[params]

func currentParams() params {
	if p := hashParams.Load(); p != nil {
		return *p
	}
	return productionParams
}

// UseTestParams makes the hashes this process creates from now on cheap,
// for tests whose servers create and sign in many accounts. It panics
// outside a test binary: no flag, setting or environment variable of a
// built server reaches it, so nothing a deployment does can weaken hashing.
func UseTestParams() {
	if !testing.Testing() {
		panic("session: UseTestParams called outside a test binary")
	}
	hashParams.Store(&testParams)
}

// UseProductionParams undoes UseTestParams.
func UseProductionParams() {
	hashParams.Store(nil)
}

// Password limits.
const (
	MinPasswordRunes = 10
	MaxPasswordRunes = 128 // bounds the work one sign-in can ask for
)

// HashPassword returns the PHC string of password under argon2id, at
// productionParams (outside tests).
func HashPassword(password string) (string, error) {
	return hashPassword(password, currentParams())
}

func hashPassword(password string, p params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the PHC string hash. A
// malformed hash never matches.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	// Stored hashes are ours; the bounds keep a tampered row from asking
	// for unbounded work.
	if m == 0 || m > 256*1024 || t == 0 || t > 10 || p == 0 || p > 16 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when there is no account to check, so that
// an unknown username takes as long to refuse as a wrong password. One per
// cost, made when first needed, so that it costs what the accounts' do.
var dummyHashes sync.Map // params -> string

func dummyHash() string {
	p := currentParams()
	if h, ok := dummyHashes.Load(p); ok {
		return h.(string)
	}
	h, err := hashPassword("powercheck-no-such-account", p)
	if err != nil {
		panic(err) // crypto/rand cannot fail on supported platforms
	}
	got, _ := dummyHashes.LoadOrStore(p, h)
	return got.(string)
}

// CheckNewPassword validates a password that an account is to get.
func CheckNewPassword(username, password string) error {
	var v compliance.Validation
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		v.Add("password", "密码含有无效字符")
	case n < MinPasswordRunes:
		v.Add("password", "密码至少 %d 个字符", MinPasswordRunes)
	case n > MaxPasswordRunes:
		v.Add("password", "密码不能超过 %d 个字符", MaxPasswordRunes)
	case strings.EqualFold(password, username):
		v.Add("password", "密码不能与用户名相同")
	case strings.IndexFunc(password, unicode.IsControl) >= 0:
		v.Add("password", "密码不能含有控制字符")
	}
	return v.Err("weak_password", "密码不符合要求")
}
