package session

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"powercheck/internal/compliance"
)

// Argon2id parameters: OWASP's 19 MiB, two passes, one lane. A sign-in
// costs ~20 ms of one core; the memory bounds what a guessing GPU gains.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// Password limits.
const (
	MinPasswordRunes = 10
	MaxPasswordRunes = 128 // bounds the work one sign-in can ask for
)

// HashPassword returns the PHC string of password under argon2id.
func HashPassword(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
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
// an unknown username takes as long to refuse as a wrong password.
var dummyHash = func() string {
	h, err := HashPassword("powercheck-no-such-account")
	if err != nil {
		panic(err) // crypto/rand cannot fail on supported platforms
	}
	return h
}()

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
