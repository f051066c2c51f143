//go:build chaos || cluster

package chaos_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// mariadbBinaries finds the server and its installer, or skips the test.
func mariadbBinaries(t testing.TB) (server, install string) {
	t.Helper()
	find := func(names ...string) string {
		for _, n := range names {
			if p, err := exec.LookPath(n); err == nil {
				return p
			}
			for _, dir := range []string{"/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/mysql/bin"} {
				p := filepath.Join(dir, n)
				if st, err := os.Stat(p); err == nil && !st.IsDir() {
					return p
				}
			}
		}
		return ""
	}
	server = find("mariadbd", "mysqld")
	install = find("mariadb-install-db", "mysql_install_db")
	if server == "" || install == "" {
		t.Skip("MariaDB is not installed (want mariadbd and mariadb-install-db); apt-get install mariadb-server")
	}
	return server, install
}
