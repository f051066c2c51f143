package sqlstore

import (
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
)

// TestMySQLDSN: whatever the DSN names, TCP or a Unix socket, powercheck
// completes it with what the store relies on, and keeps what it was given.
func TestMySQLDSN(t *testing.T) {
	cases := []struct {
		name, dsn, net, addr, db string
		galera                   bool
	}{
		{"tcp", "root@tcp(127.0.0.1:3306)/powercheck", "tcp", "127.0.0.1:3306", "powercheck", false},
		{"unix socket", "pc:secret@unix(/run/mysqld/mysqld.sock)/pc?timeout=5s", "unix", "/run/mysqld/mysqld.sock", "pc", false},
		{"galera", "root@tcp(10.0.0.2:3306)/powercheck", "tcp", "10.0.0.2:3306", "powercheck", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := mysqlDSN(c.dsn, c.galera)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := mysqldrv.ParseDSN(out)
			if err != nil {
				t.Fatalf("completed DSN %q does not parse: %v", out, err)
			}
			if cfg.Net != c.net || cfg.Addr != c.addr || cfg.DBName != c.db {
				t.Errorf("%q: net %q addr %q db %q, want %q %q %q", out, cfg.Net, cfg.Addr, cfg.DBName, c.net, c.addr, c.db)
			}
			if !cfg.ParseTime || cfg.Loc != time.UTC || !cfg.InterpolateParams || !cfg.MultiStatements || cfg.Collation != "utf8mb4_bin" {
				t.Errorf("%q: parseTime %v loc %v interpolateParams %v multiStatements %v collation %q",
					out, cfg.ParseTime, cfg.Loc, cfg.InterpolateParams, cfg.MultiStatements, cfg.Collation)
			}
			if got := cfg.Params["time_zone"]; got != "'+00:00'" {
				t.Errorf("%q: time_zone %q", out, got)
			}
			if _, ok := cfg.Params["wsrep_sync_wait"]; ok != c.galera {
				t.Errorf("%q: wsrep_sync_wait set %v, want %v", out, ok, c.galera)
			}
		})
	}
	t.Run("unix socket timeout kept", func(t *testing.T) {
		out, err := mysqlDSN(cases[1].dsn, false)
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := mysqldrv.ParseDSN(out)
		if cfg.Timeout != 5*time.Second || cfg.User != "pc" || cfg.Passwd != "secret" {
			t.Errorf("%q: timeout %v user %q: the given parts were not kept", out, cfg.Timeout, cfg.User)
		}
	})
}
