package session_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"powercheck/internal/checker"
	"powercheck/internal/compliance"
	"powercheck/internal/session"
	"powercheck/internal/sqlstore"
	"powercheck/internal/sqlstore/sqlstoretest"
)

func TestPasswordHash(t *testing.T) {
	h, err := session.HashPassword("正确的密码-Correct-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q: want an argon2id PHC string", h)
	}
	h2, _ := session.HashPassword("正确的密码-Correct-1")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, tc := range []struct {
		hash, password string
		want           bool
	}{
		{h, "正确的密码-Correct-1", true},
		{h, "正确的密码-Correct-2", false},
		{h, "", false},
		{strings.Replace(h, "t=2", "t=3", 1), "正确的密码-Correct-1", false},
		{strings.Replace(h, "m=19456", "m=99999999", 1), "正确的密码-Correct-1", false}, // unbounded work refused
		{"$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", "x", false},
		{"not a hash", "x", false},
	} {
		if got := session.CheckPassword(tc.hash, tc.password); got != tc.want {
			t.Errorf("CheckPassword(%.40q, %q) = %v, want %v", tc.hash, tc.password, got, tc.want)
		}
	}
}

func TestCheckNewPassword(t *testing.T) {
	for _, tc := range []struct {
		username, password string
		ok                 bool
	}{
		{"zjj-clerk", "Abcdefghij", true},
		{"zjj-clerk", "十个汉字组成的一个密码", true},
		{"zjj-clerk", "Abcdefghi", false},              // 9 characters
		{"zjj-clerk-1", "ZJJ-CLERK-1", false},          // the username
		{"zjj-clerk", "Abcdefghij\x00", false},         // a control character
		{"zjj-clerk", strings.Repeat("a", 129), false}, // too long
	} {
		err := session.CheckNewPassword(tc.username, tc.password)
		if (err == nil) != tc.ok {
			t.Errorf("%q/%q: %v, want ok=%v", tc.username, tc.password, err, tc.ok)
		}
		if err != nil && compliance.ClassOf(err) != compliance.ClassInvalid {
			t.Errorf("%q: kind %s, want %s", tc.password, compliance.ClassOf(err), compliance.ClassInvalid)
		}
	}
}

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// clerkFixture is a department's clerk, with a password, over a fresh
// store, and the services that sign it in.
type clerkFixture struct {
	t        *testing.T
	st       *sqlstore.Store
	accounts *compliance.Accounts
	sessions *session.Service
	clerk    compliance.Account
	token    string // the clerk's bearer token
}

// newClerkFixture opens a fresh store at dsn; the accounts and the
// sessions remember credentials in cache (nil: none) and run on now.
func newClerkFixture(t *testing.T, dsn string, cache *compliance.CredentialCache, now func() time.Time) *clerkFixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	core := compliance.NewCore(compliance.CoreConfig{Lookup: checker.SQLStores(st).Lookup, Now: now, Credentials: cache})
	f := &clerkFixture{t: t, st: st, accounts: compliance.NewAccounts(core, st.Accounts(), nil),
		sessions: session.NewService(st.Sessions(), core.Credentials(), now, nil)}
	if _, err := f.accounts.CreateDepartment(ctx, &compliance.Account{Role: compliance.RoleAdmin}, compliance.Department{Code: "ZJJ", Name: "住建局"}); err != nil {
		t.Fatal(err)
	}
	f.clerk, f.token, err = f.accounts.CreateAccount(ctx, nil, compliance.Account{Username: "zjj-clerk", RealName: "张三", Role: compliance.RoleClerk, DepartmentCode: "ZJJ"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.sessions.SetKnownPassword(ctx, f.clerk.Username, "Clerk-Pass-2026"); err != nil {
		t.Fatal(err)
	}
	return f
}

// begin signs the clerk in and returns the session's token.
func (f *clerkFixture) begin() string {
	f.t.Helper()
	ctx := context.Background()
	a, err := f.sessions.Verify(ctx, f.clerk.Username, "Clerk-Pass-2026")
	if err != nil {
		f.t.Fatal(err)
	}
	tok, _, err := f.sessions.Start(ctx, a, "127.0.0.1")
	if err != nil {
		f.t.Fatal(err)
	}
	return tok
}

// alive reports whether the session of tok resolves.
func (f *clerkFixture) alive(tok string) bool {
	f.t.Helper()
	_, _, err := f.sessions.Resolve(context.Background(), tok)
	if err != nil && compliance.ClassOf(err) != compliance.ClassUnauthenticated {
		f.t.Fatal(err)
	}
	return err == nil
}

func TestSessionLimits(t *testing.T) {
	for _, d := range sqlstoretest.Drivers() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
			clk := &clock{t: start}
			f := newClerkFixture(t, d.DSN(t), nil, clk.now)
			sessions, begin, alive := f.sessions, f.begin, f.alive

			idle := begin()
			clk.t = clk.t.Add(29 * time.Minute)
			if !alive(idle) {
				t.Fatal("ended after 29 minutes idle")
			}
			clk.t = clk.t.Add(31 * time.Minute)
			if alive(idle) {
				t.Fatal("alive after 31 minutes idle")
			}

			busy := begin()
			used := clk.t
			for clk.t.Sub(used) < 12*time.Hour-10*time.Minute {
				clk.t = clk.t.Add(20 * time.Minute)
				if !alive(busy) {
					t.Fatalf("a session used every 20 minutes ended after %s", clk.t.Sub(used))
				}
			}
			clk.t = used.Add(12*time.Hour + time.Minute)
			if alive(busy) {
				t.Fatal("alive after 12 hours")
			}

			ended := begin()
			if err := sessions.End(ctx, ended); err != nil {
				t.Fatal(err)
			}
			if alive(ended) {
				t.Fatal("alive after sign-out")
			}
			if alive("") || alive(strings.Repeat("a", 64)) {
				t.Fatal("an unknown token resolves")
			}
		})
	}
}

// The cheap cost is for test binaries only; hashes made at either cost
// verify, whichever cost is current, because each records its own.
func TestUseTestParams(t *testing.T) {
	prod, err := session.HashPassword("正确的密码-Correct-1")
	if err != nil {
		t.Fatal(err)
	}
	session.UseTestParams()
	t.Cleanup(session.UseProductionParams)
	cheap, err := session.HashPassword("正确的密码-Correct-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cheap, "$argon2id$v=19$m=8,t=1,p=1$") {
		t.Fatalf("test hash %q: want the least cost", cheap)
	}
	for _, h := range []string{prod, cheap} {
		if !session.CheckPassword(h, "正确的密码-Correct-1") || session.CheckPassword(h, "正确的密码-Correct-2") {
			t.Errorf("hash %.40q does not verify", h)
		}
	}
	session.UseProductionParams()
	if h, _ := session.HashPassword("x"); !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("after UseProductionParams: hash %q, want the production cost", h)
	}
}

// Accepted tokens and sessions are remembered, in the cache the accounts
// and the sessions share; every change made through the services forgets
// what it affects at once. The cache's TTL is an hour here, so that every
// refusal below comes from a change forgetting, never from an entry
// running out.
// It is one story, each step starting from the state the last one left
// (the rotated token is the one reset at the end), so it stays whole.
func TestRememberedCredentials(t *testing.T) {
	for _, d := range sqlstoretest.Drivers() {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newClerkFixture(t, d.DSN(t), compliance.NewCredentialCache(time.Hour, 100, nil), nil)
			st, accounts, sessions, clerk, token := f.st, f.accounts, f.sessions, f.clerk, f.token
			admin := &compliance.Account{Username: "admin", Role: compliance.RoleAdmin}

			// remembered fails the test unless what is accepted is still
			// accepted while the clerk is disabled in the database directly,
			// as another node would: no service hears of it.
			remembered := func(what string, accepted func() bool) {
				t.Helper()
				for _, disabled := range []bool{true, false} {
					if err := st.DB().Exec("UPDATE accounts SET disabled = ? WHERE username = ?", disabled, clerk.Username).Error; err != nil {
						t.Fatal(err)
					}
					if !accepted() {
						t.Fatalf("%s refused after a change no service heard of (disabled %v): it was not remembered", what, disabled)
					}
				}
			}
			authenticated := func(tok string) bool {
				t.Helper()
				_, err := accounts.Authenticate(ctx, tok)
				if err != nil && compliance.ClassOf(err) != compliance.ClassUnauthenticated {
					t.Fatal(err)
				}
				return err == nil
			}
			begin, alive := f.begin, f.alive
			setDisabled := func(disabled bool) {
				t.Helper()
				if _, err := accounts.UpdateAccount(ctx, admin, clerk.Username, compliance.AccountChange{Disabled: &disabled}); err != nil {
					t.Fatal(err)
				}
			}

			// A token is remembered, and disabling its account refuses it at once.
			if !authenticated(token) {
				t.Fatal("the clerk's token is refused")
			}
			remembered("the token", func() bool { return authenticated(token) })
			setDisabled(true)
			if authenticated(token) {
				t.Fatal("accepted after its account was disabled")
			}
			setDisabled(false)
			if !authenticated(token) {
				t.Fatal("refused after its account was enabled again")
			}

			// A rotated token is refused at once.
			if !authenticated(token) {
				t.Fatal("the clerk's token is refused")
			}
			_, fresh, err := accounts.RotateToken(ctx, admin, clerk.Username)
			if err != nil {
				t.Fatal(err)
			}
			if authenticated(token) || !authenticated(fresh) {
				t.Fatalf("after rotation: old token accepted %v, new one %v; want only the new one", authenticated(token), authenticated(fresh))
			}
			token = fresh

			// A refused token is not remembered.
			next := compliance.NewToken()
			if authenticated(next) {
				t.Fatal("an unknown token is accepted")
			}
			if _, _, err := accounts.CreateAccount(ctx, admin, compliance.Account{Username: "zjj-clerk2", RealName: "李四",
				Role: compliance.RoleClerk, DepartmentCode: "ZJJ"}, next); err != nil {
				t.Fatal(err)
			}
			if !authenticated(next) {
				t.Fatal("a token refused before its account existed is still refused")
			}

			// A signed-out session is refused at once.
			tok := begin()
			if !alive(tok) {
				t.Fatal("a new session does not resolve")
			}
			remembered("the session", func() bool { return alive(tok) })
			if err := sessions.End(ctx, tok); err != nil {
				t.Fatal(err)
			}
			if alive(tok) {
				t.Fatal("alive after sign-out")
			}

			// Disabling the account ends its sessions at once.
			tok = begin()
			if !alive(tok) {
				t.Fatal("a new session does not resolve")
			}
			setDisabled(true)
			if alive(tok) {
				t.Fatal("alive after the account was disabled")
			}
			setDisabled(false)

			// A password change ends the other sessions at once.
			kept, other := begin(), begin()
			if !alive(kept) || !alive(other) {
				t.Fatal("new sessions do not resolve")
			}
			a, err := sessions.Verify(ctx, clerk.Username, "Clerk-Pass-2026")
			if err != nil {
				t.Fatal(err)
			}
			if err := sessions.ChangePassword(ctx, &a, session.HashOf(kept), "Clerk-Pass-2026", "Clerk-Pass-2027"); err != nil {
				t.Fatal(err)
			}
			if !alive(kept) || alive(other) {
				t.Fatalf("after the change: kept session alive %v, other %v; want only the kept one", alive(kept), alive(other))
			}

			// A reset by an administrator ends every session, and the
			// token's account must now change its password.
			if !authenticated(token) {
				t.Fatal("the clerk's token is refused")
			}
			if err := sessions.SetPassword(ctx, clerk.Username, "Reset-Pass-2026"); err != nil {
				t.Fatal(err)
			}
			if alive(kept) {
				t.Fatal("alive after a password reset")
			}
			a2, err := accounts.Authenticate(ctx, token)
			if err != nil || !a2.MustChangePassword {
				t.Fatalf("the token after a reset: %+v, %v; want the account, which must change its password", a2, err)
			}
		})
	}
}
