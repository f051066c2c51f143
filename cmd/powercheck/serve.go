package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"powercheck/internal/calendar"
	"powercheck/internal/checker"
	"powercheck/internal/compliance"
	"powercheck/internal/demo"
	"powercheck/internal/httpapi"
	"powercheck/internal/jobs"
	"powercheck/internal/metrics"
	"powercheck/internal/policy"
	"powercheck/internal/session"
	"powercheck/internal/sqlstore"
	"powercheck/policies"
	"powercheck/web"
)

// app is the wired service.
type app struct {
	store  *sqlstore.Store
	engine *policy.Engine
	// services are the checker's services, wired over store and engine.
	services *checker.Services
	// calendarSeeded lists the official calendar years the start stored,
	// for the audit log (see bootstrap).
	calendarSeeded compliance.Written
}

// openApp opens and migrates the database, loads the policies (publishing the
// defaults on an empty database) and wires the services; opts set the parts
// of them that only serve has (the audit key, checkpoints, metrics).
func openApp(ctx context.Context, dsn string, evalTimeout time.Duration, log *slog.Logger, opts ...func(*checker.Options)) (*app, error) {
	store, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		_ = store.Close()
		return nil, err
	}
	engine := policy.NewEngine(calendar.Default(), evalTimeout)
	defaults, err := policy.ReadModules(policies.FS)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	if err := engine.Sync(ctx, store, defaults); err != nil {
		_ = store.Close()
		return nil, err
	}
	o := checker.Options{Log: log, Calendar: engine, Params: engine, Settings: engine.SetSettings}
	for _, opt := range opts {
		opt(&o)
	}
	services, err := checker.New(store, engine, o)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	// The policies read the district's settings as input.settings.
	if _, err := services.Accounts.RefreshSettings(ctx); err != nil {
		_ = store.Close()
		return nil, err
	}
	seeding, seeded := services.Audit.TrackWrites(ctx)
	if err := services.Accounts.SyncCalendar(seeding); err != nil {
		_ = store.Close()
		return nil, err
	}
	return &app{store: store, engine: engine, services: services, calendarSeeded: seeded}, nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer, level slog.Level) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", env("POWERCHECK_ADDR", "127.0.0.1:8080"), "listen address")
	dsn := fs.String("db", env("POWERCHECK_DB", "sqlite:powercheck.db"), "database: sqlite:<path> or mysql:<dsn>")
	withDemo := fs.Bool("demo", false, "load the demo district into an empty database")
	maxBody := fs.Int64("max-body", 1<<20, "request body limit in bytes")
	publicRate := fs.Int("public-rate", httpapi.PublicRequestsPerMinute, "public requests (/api/public/v1) one address may make a minute; 0: no bound (behind a proxy that limits them)")
	evalTimeout := fs.Duration("eval-timeout", policy.DefaultTimeout, "time limit of one policy evaluation")
	poll := fs.Duration("policy-poll", 5*time.Second, "how often to look for a new policy revision")
	recheck := fs.Duration("recheck-interval", 30*time.Second, "how often to re-check steps whose evaluation failed")
	sweepEvery := fs.Duration("sweep-interval", 10*time.Minute, "how often the deadline sweeper runs (0: only on POST /api/v1/sweeps)")
	auditKeyFile := fs.String("audit-key-file", env("POWERCHECK_AUDIT_KEY_FILE", ""), "file holding the key that seals audit entries (keep it off the database server)")
	proxies := fs.String("trusted-proxies", env("POWERCHECK_TRUSTED_PROXIES", ""), "comma-separated proxies whose X-Forwarded-For is trusted")
	cookieSecureEnv, envErr := envBool("POWERCHECK_COOKIE_SECURE")
	cookieSecure := fs.Bool("cookie-secure", cookieSecureEnv, "mark the session cookie Secure (serve behind TLS)")
	drain := fs.Duration("drain-timeout", 60*time.Second, "on SIGTERM, how long in-flight requests and background jobs may take to finish before they are cut")
	lockWait := fs.Duration("audit-lock-wait", httpapi.DefaultSubjectLockWait, "how long a change waits for its turn on an object (an account, a department, an item, a calendar year) that another request, on any node, is changing; then it is refused with 503")
	checkpointFile := fs.String("audit-checkpoint-file", env("POWERCHECK_AUDIT_CHECKPOINT_FILE", ""), "file outside the database that the audit log's head is appended to (keep it off the database server)")
	checkpointEvery := fs.Duration("audit-checkpoint-interval", defaultCheckpointEvery, "how often the audit log's head is appended to --audit-checkpoint-file when the log has grown")
	logFormat := fs.String("log-format", env("POWERCHECK_LOG_FORMAT", "json"), "log format: json (one object a line) or text")
	metricsAddr := fs.String("metrics-addr", env("POWERCHECK_METRICS_ADDR", ""), "listen address of the Prometheus metrics (/metrics), apart from the API; empty: no metrics")
	hooks := hookFlags(fs)
	notes := notifyFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := newLogger(stderr, level, *logFormat)
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	if err := errors.Join(envErr, checkServeFlags(*maxBody, *evalTimeout, *poll, *recheck, *sweepEvery, *drain, *lockWait),
		checkCheckpointFlags(*checkpointEvery), checkPublicRate(*publicRate), hooks.check(), notes.check(),
		checkBootstrapToken(os.Getenv("POWERCHECK_BOOTSTRAP_TOKEN"), *withDemo)); err != nil {
		return err
	}
	// Policy evaluation allocates many short-lived values; with the small
	// live heap of this service, collecting less often saves a third of
	// the evaluation time. GOGC and GOMEMLIMIT still override it.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	auditKey, err := readAuditKey(*auditKeyFile)
	if err != nil {
		return err
	}
	var m *metrics.Metrics // nil: no metrics
	if *metricsAddr != "" {
		m = metrics.New()
	}
	a, err := openApp(ctx, *dsn, *evalTimeout, log, func(o *checker.Options) {
		o.AuditKey = auditKey
		if *checkpointFile != "" {
			o.Checkpoints = fileCheckpoints(*checkpointFile)
		}
		if m != nil {
			o.Observer = m // told of evaluations, warnings and sweeps
		}
	})
	if err != nil {
		return err
	}
	defer a.store.Close()

	// A database an earlier version wrote: the audit log starts to account
	// for the objects stored before it followed them one by one.
	if n, err := a.services.Audit.RecordAuditBaseline(ctx); err != nil {
		return fmt.Errorf("audit baseline: %w", err)
	} else if n > 0 {
		log.Info("the audit log now accounts for the objects stored before it followed them", "objects", n)
	}
	token, err := bootstrap(ctx, a, log)
	if err != nil {
		return err
	}
	if token != "" && os.Getenv("POWERCHECK_BOOTSTRAP_TOKEN") == "" {
		fmt.Fprintf(stdout, "created account admin; its token, shown only now: %s\n", token)
	}
	sessions := session.NewService(a.store, nil, log)
	if *withDemo {
		if err := loadDemo(ctx, a, sessions, stdout, log); err != nil {
			return err
		}
	}
	console := web.New()
	if !console.Built() {
		log.Warn("the web console is not built into this binary; run `make web` and rebuild to serve it")
	}

	var trusted []string
	if *proxies != "" {
		trusted = strings.Split(*proxies, ",")
	}
	// Changes to one object through several nodes take turns, so that the
	// audit log's states before and after each change follow each other.
	locks, err := sqlstore.NewSubjectLocks(ctx, a.store)
	if err != nil {
		return err
	}
	defer locks.Close()
	if !locks.CrossProcess() {
		log.Info("subject locks hold within this process only (SQLite in memory, or no open-file-description locks on this system): run one node on this database")
	}
	cfg := httpapi.Config{MaxBodyBytes: *maxBody, TrustedProxies: trusted,
		CookieSecure: *cookieSecure, Sessions: sessions, Console: console, SubjectLocks: locks, SubjectLockWait: *lockWait,
		PublicRate: publicRateConfig(*publicRate)}
	cfg.Webhooks, cfg.Mail = hooks.services(a, log)
	inbox := notes.service(a, log)
	cfg.Notifications = inbox
	if m != nil {
		stop, err := serveMetrics(*metricsAddr, m, a, stdout, log)
		if err != nil {
			return err
		}
		defer stop() // after the drain: its requests are counted
		cfg.Requests = m
	}
	h, err := httpapi.New(apiServices(a.services), policy.NewAuthoring(a.engine, a.store), a.store, a.engine, cfg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute}

	// The background jobs and the API, in the order they start; they are
	// stopped in the reverse order (the API first) and joined by shutdown.
	// An interval of 0 turns a job off.
	var checkpoints jobs.Component
	if *checkpointFile != "" {
		cps := newCheckpointer(a.services.Audit, a.store, *checkpointFile, log)
		// A first checkpoint at the start, then on the interval, and the
		// last one once every change is logged.
		checkpoints = jobs.Every("audit checkpoint", *checkpointEvery, cps.run, jobs.OnStart(cps.open), jobs.AtStop())
	}
	dispatcher := hooks.dispatcher(a, log)
	bg := jobs.New(log)
	bg.Add(
		// Every node runs the newest policies, calendar and settings.
		jobs.Every("policy poll", *poll, pollPolicy(a.engine, a.store, log)),
		jobs.Every("calendar sync", *poll, syncCalendar(a.services, log)),
		jobs.Every("settings refresh", *poll, refreshSettings(a.services.Accounts)),
		// Steps whose evaluation failed, evaluated again.
		jobs.Every("recheck", *recheck, recheckJob(a.services, log)),
		// Deadlines passed, patrol days and last month closed, the catalog's upkeep.
		jobs.Every("deadline sweep", *sweepEvery, (&sweeper{svc: a.services, log: log}).run),
		// New events to webhook deliveries, due deliveries sent, daily digests mailed.
		jobs.Every("webhook fan-out", *hooks.fanOut, dropCount(dispatcher.FanOut)),
		jobs.Every("webhook dispatch", *hooks.dispatch, dropCount(dispatcher.Dispatch)),
		jobs.Every("mail digest", *hooks.mail, mailDigest(cfg.Mail, log)),
		// New events to the recipients' inboxes; reminders due written.
		jobs.Every("notification fan-out", *notes.fanOut, dropCount(inbox.Deliver)),
		jobs.Every("reminders", *notes.reminders, newReminders(a, nil, log).Run),
		// The audit log's head, appended to a file outside the database.
		checkpoints,
		// The API, last: it stops taking requests first.
		newAPIServer(srv, ln, log),
	)
	if err := bg.Start(ctx); err != nil {
		_ = ln.Close()
		return err
	}

	if missing := a.services.Accounts.MissingYears(); len(missing) > 0 {
		log.Warn("the holiday calendar lacks years that deadlines reach into; enter them with PUT /api/v1/calendar/{year}", "missing", missing)
	}
	log.Info("powercheck listening", "addr", ln.Addr().String(), "db", a.store.Dialect(), "policy_revision", a.engine.Revision())
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	select {
	case <-bg.Done(): // a component failed
	case <-ctx.Done():
	}
	return shutdown(bg, *drain, log)
}

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

// bootstrap creates the first administrator when there is no account, with
// the token POWERCHECK_BOOTSTRAP_TOKEN gives or a new one, which it returns
// ("" when accounts exist). The official calendar years the start stored
// are in the audit log with it, or on their own on a later start.
func bootstrap(ctx context.Context, a *app, log *slog.Logger) (string, error) {
	token, err := a.services.Accounts.Bootstrap(ctx, os.Getenv("POWERCHECK_BOOTSTRAP_TOKEN"))
	if err != nil {
		return "", fmt.Errorf("bootstrap admin: %w", err)
	}
	if token != "" {
		auditSystem(ctx, a.services.Audit, log, compliance.SystemChange{Action: "bootstrap", Target: "username=admin",
			Result: map[string]string{"username": "admin"}, Subjects: []compliance.AuditSubject{{Kind: compliance.SubjectAccount, Key: "admin"}}},
			a.calendarSeeded, true)
	} else {
		auditSystem(ctx, a.services.Audit, log, compliance.SystemChange{Action: "calendar", Target: "official years"}, a.calendarSeeded, false)
	}
	return token, nil
}

// auditSystem records a change the service made on its own in the audit
// log, with the followed objects written lists (nil: none): when did says
// the job stored something, or it wrote such objects. A failure is logged,
// not returned: the change was made.
//
// The entry is written even when the job was cut at shutdown: what it
// stored before it was cut is committed and must be in the log.
func auditSystem(ctx context.Context, svc systemRecorder, log *slog.Logger, c compliance.SystemChange, written compliance.Written, did bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if written != nil {
		objects, err := written(ctx)
		if err != nil {
			log.Error("audit: objects a system change wrote not read; recorded without them", "error", err, "action", c.Action)
		}
		c.Written = append(c.Written, objects...)
	}
	if !did && len(c.Written) == 0 {
		return
	}
	if _, err := svc.RecordSystemChange(ctx, c); err != nil {
		log.Error("audit entry of a system change not recorded; the change was made", "error", err, "action", c.Action,
			"target", c.Target, "objects", len(c.Written))
	}
}

func loadDemo(ctx context.Context, a *app, sessions *session.Service, stdout io.Writer, log *slog.Logger) error {
	// Every object the demo stores is in its audit entry, as it is once
	// the demo passwords are set.
	ctx, written := a.services.Audit.TrackWrites(ctx)
	tokens, err := demo.Load(ctx, a.store, a.engine)
	if errors.Is(err, demo.ErrLoaded) {
		fmt.Fprintln(stdout, "demo district already loaded; its accounts keep the tokens listed in the README")
		return nil
	}
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// The demo accounts sign in to the console with their tokens as
	// passwords; so does the administrator when its token was given.
	users := make([]string, len(tokens))
	for i, t := range tokens {
		users[i] = t.Username
		if err := sessions.SetKnownPassword(ctx, t.Username, t.Token); err != nil {
			return fmt.Errorf("demo password of %s: %w", t.Username, err)
		}
	}
	if tok := os.Getenv("POWERCHECK_BOOTSTRAP_TOKEN"); tok != "" && len(tok) >= session.MinPasswordRunes {
		err := sessions.SetKnownPassword(ctx, "admin", tok)
		switch {
		case err == nil:
			auditSystem(ctx, a.services.Audit, log, compliance.SystemChange{Action: "demo_password", Target: "username=admin",
				Subjects: []compliance.AuditSubject{{Kind: compliance.SubjectAccount, Key: "admin"}}}, nil, true)
		case !errors.Is(err, compliance.ErrNotFound):
			return fmt.Errorf("demo password of admin: %w", err)
		}
	}
	auditSystem(ctx, a.services.Audit, log, compliance.SystemChange{Action: "demo", Result: map[string][]string{"accounts": users}}, written, true)
	fmt.Fprintln(stdout, "demo district loaded; accounts and tokens (demo only, never use in production):")
	fmt.Fprintln(stdout, "  (each account signs in to the console with its token as password)")
	for _, t := range tokens {
		fmt.Fprintf(stdout, "  %-16s %-15s %-6s %s\n", t.Username, t.Role, t.Department, t.Token)
	}
	return nil
}

func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	dsn := fs.String("db", env("POWERCHECK_DB", "sqlite:powercheck.db"), "database")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := sqlstore.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "schema is up to date")
	return nil
}

func demoCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	dsn := fs.String("db", env("POWERCHECK_DB", "sqlite:powercheck.db"), "database")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := openApp(ctx, *dsn, policy.DefaultTimeout, slog.Default())
	if err != nil {
		return err
	}
	defer a.store.Close()
	if _, err := bootstrap(ctx, a, slog.Default()); err != nil {
		return err
	}
	return loadDemo(ctx, a, session.NewService(a.store, nil, nil), stdout, slog.Default())
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

// apiServices are the services the API calls.
func apiServices(s *checker.Services) httpapi.Services {
	return httpapi.Services{Accounts: s.Accounts, Catalog: s.Catalog, Cases: s.Cases, Supervision: s.Supervision,
		Reports: s.Reports, Patrols: s.Patrols, Policies: s.Policies, Audit: s.Audit, Public: s.Public,
		Deadlines: s.Deadlines, Documents: s.Documents, Dashboard: s.Dashboard}
}
