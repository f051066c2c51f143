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
	"strings"
	"time"

	"powercheck/internal/calendar"
	"powercheck/internal/checker"
	"powercheck/internal/compliance"
	"powercheck/internal/httpapi"
	"powercheck/internal/jobs"
	"powercheck/internal/metrics"
	"powercheck/internal/notify"
	"powercheck/internal/policy"
	"powercheck/internal/session"
	"powercheck/internal/sqlstore"
	"powercheck/internal/webhook"
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
	if err := engine.Sync(ctx, store.Revisions(), defaults); err != nil {
		_ = store.Close()
		return nil, err
	}
	o := checker.Options{Log: log, Calendar: engine, Params: engine, Settings: engine.SetSettings}
	for _, opt := range opts {
		opt(&o)
	}
	services, err := checker.New(checker.SQLStores(store), engine, o)
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
	f, err := parseServeFlags(args)
	if err != nil {
		return err
	}
	log, err := newLogger(stderr, level, *f.logFormat)
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	if err := errors.Join(f.envErr, checkServeFlags(*f.maxBody, *f.evalTimeout, *f.poll, *f.recheck, *f.sweepEvery, *f.drain, *f.lockWait),
		checkCheckpointFlags(*f.checkpointEvery), checkPublicRate(*f.publicRate), f.hooks.check(), f.notes.check(),
		checkBootstrapToken(os.Getenv("POWERCHECK_BOOTSTRAP_TOKEN"), *f.withDemo)); err != nil {
		return err
	}
	a, m, err := openServeApp(ctx, f, log)
	if err != nil {
		return err
	}
	defer a.store.Close()

	sessions, err := prepareData(ctx, a, *f.withDemo, stdout, log)
	if err != nil {
		return err
	}
	console := web.New()
	if !console.Built() {
		log.Warn("the web console is not built into this binary; run `make web` and rebuild to serve it")
	}

	trusted := trustedProxies(*f.proxies)
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
	cfg := httpapi.Config{MaxBodyBytes: *f.maxBody, TrustedProxies: trusted,
		CookieSecure: *f.cookieSecure, Sessions: sessions, Console: console, SubjectLocks: locks, SubjectLockWait: *f.lockWait,
		PublicRate: publicRateConfig(*f.publicRate)}
	cfg.Webhooks, cfg.Mail = f.hooks.services(a, log)
	inbox := f.notes.service(a, log)
	cfg.Notifications = inbox
	if m != nil {
		stop, err := serveMetrics(*f.metricsAddr, m, a, stdout, log)
		if err != nil {
			return err
		}
		defer stop() // after the drain: its requests are counted
		cfg.Requests = m
	}
	h, err := httpapi.New(apiServices(a.services), policy.NewAuthoring(a.engine, a.store.Revisions()), a.store, a.engine, cfg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *f.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute}

	bg := jobs.New(log)
	bg.Add(serveComponents(a, f, cfg.Mail, inbox, newAPIServer(srv, ln, log), log)...)
	if err := bg.Start(ctx); err != nil {
		_ = ln.Close()
		return err
	}

	announce(a, ln, stdout, log)
	select {
	case <-bg.Done(): // a component failed
	case <-ctx.Done():
	}
	return shutdown(bg, *f.drain, log)
}

// serveFlags are the flags of serve, parsed.
type serveFlags struct {
	addr            *string
	dsn             *string
	withDemo        *bool
	maxBody         *int64
	publicRate      *int
	evalTimeout     *time.Duration
	poll            *time.Duration
	recheck         *time.Duration
	sweepEvery      *time.Duration
	auditKeyFile    *string
	proxies         *string
	cookieSecure    *bool
	drain           *time.Duration
	lockWait        *time.Duration
	intentAge       *time.Duration
	checkpointFile  *string
	checkpointEvery *time.Duration
	logFormat       *string
	metricsAddr     *string
	hooks           *hookOptions
	notes           *notifyOptions
	// envErr is a malformed POWERCHECK_COOKIE_SECURE, reported with the
	// other flag errors.
	envErr error
}

// parseServeFlags defines the flags of serve, with their environment
// defaults, and parses args.
func parseServeFlags(args []string) (*serveFlags, error) {
	f := &serveFlags{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	f.addr = fs.String("addr", env("POWERCHECK_ADDR", "127.0.0.1:8080"), "listen address")
	f.dsn = fs.String("db", env("POWERCHECK_DB", "sqlite:powercheck.db"), "database: sqlite:<path> or mysql:<dsn>")
	f.withDemo = fs.Bool("demo", false, "load the demo district into an empty database")
	f.maxBody = fs.Int64("max-body", 1<<20, "request body limit in bytes")
	f.publicRate = fs.Int("public-rate", httpapi.PublicRequestsPerMinute, "public requests (/api/public/v1) one address may make a minute; 0: no bound (behind a proxy that limits them)")
	f.evalTimeout = fs.Duration("eval-timeout", policy.DefaultTimeout, "time limit of one policy evaluation")
	f.poll = fs.Duration("policy-poll", 5*time.Second, "how often to look for a new policy revision")
	f.recheck = fs.Duration("recheck-interval", 30*time.Second, "how often to re-check steps whose evaluation failed")
	f.sweepEvery = fs.Duration("sweep-interval", 10*time.Minute, "how often the deadline sweeper runs (0: only on POST /api/v1/sweeps)")
	f.auditKeyFile = fs.String("audit-key-file", env("POWERCHECK_AUDIT_KEY_FILE", ""), "file holding the key that seals audit entries (keep it off the database server)")
	f.proxies = fs.String("trusted-proxies", env("POWERCHECK_TRUSTED_PROXIES", ""), "comma-separated proxies whose X-Forwarded-For is trusted")
	cookieSecureEnv, envErr := envBool("POWERCHECK_COOKIE_SECURE")
	f.envErr = envErr
	f.cookieSecure = fs.Bool("cookie-secure", cookieSecureEnv, "mark the session cookie Secure (serve behind TLS)")
	f.drain = fs.Duration("drain-timeout", 60*time.Second, "on SIGTERM, how long in-flight requests and background jobs may take to finish before they are cut")
	f.intentAge = fs.Duration("audit-intent-age", compliance.DefaultIntentBound, "how old the audit intent of a committed change whose entry was never recorded (its node stopped) must be before the sequencer records the entry from it; keep it well above any request's time")
	f.lockWait = fs.Duration("audit-lock-wait", httpapi.DefaultSubjectLockWait, "how long a change waits for its turn on an object (an account, a department, an item, a calendar year) that another request, on any node, is changing; then it is refused with 503")
	f.checkpointFile = fs.String("audit-checkpoint-file", env("POWERCHECK_AUDIT_CHECKPOINT_FILE", ""), "file outside the database that the audit log's head is appended to (keep it off the database server)")
	f.checkpointEvery = fs.Duration("audit-checkpoint-interval", defaultCheckpointEvery, "how often the audit log's head is appended to --audit-checkpoint-file when the log has grown")
	f.logFormat = fs.String("log-format", env("POWERCHECK_LOG_FORMAT", "json"), "log format: json (one object a line) or text")
	f.metricsAddr = fs.String("metrics-addr", env("POWERCHECK_METRICS_ADDR", ""), "listen address of the Prometheus metrics (/metrics), apart from the API; empty: no metrics")
	f.hooks = hookFlags(fs)
	f.notes = notifyFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return f, nil
}

func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	dsn, err := parseDBFlag("migrate", args)
	if err != nil {
		return err
	}
	s, err := sqlstore.Open(ctx, dsn)
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
	dsn, err := parseDBFlag("demo", args)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, dsn, policy.DefaultTimeout, slog.Default())
	if err != nil {
		return err
	}
	defer a.store.Close()
	if _, err := bootstrap(ctx, a, slog.Default()); err != nil {
		return err
	}
	if err := loadDemo(ctx, a, session.NewService(a.store.Sessions(), a.services.Core.Credentials(), nil, nil), stdout, slog.Default()); err != nil {
		return err
	}
	return a.services.Audit.SettleAudit(ctx) // no service may run to sequence them
}

// apiServices are the services the API calls.
func apiServices(s *checker.Services) httpapi.Services {
	return httpapi.Services{Accounts: s.Accounts, Catalog: s.Catalog, Cases: s.Cases, Supervision: s.Supervision,
		Reports: s.Reports, Patrols: s.Patrols, Policies: s.Policies, Audit: s.Audit, Public: s.Public,
		Deadlines: s.Deadlines, Documents: s.Documents, Dashboard: s.Dashboard}
}

// serveComponents lists the background jobs and the API, in the order they
// start; they are stopped in the reverse order (the API first) and joined
// by shutdown. An interval of 0 turns a job off.
func serveComponents(a *app, f *serveFlags, mail *webhook.Mailer, inbox *notify.Service, api jobs.Component, log *slog.Logger) []jobs.Component {
	var checkpoints jobs.Component
	if *f.checkpointFile != "" {
		cps := newCheckpointer(a.services.Audit, a.store.Audit(), *f.checkpointFile, log)
		// A first checkpoint at the start, then on the interval, and the
		// last one once every change is logged.
		checkpoints = jobs.Every("audit checkpoint", *f.checkpointEvery, cps.run, jobs.OnStart(cps.open), jobs.AtStop())
	}
	dispatcher := f.hooks.dispatcher(a, log)
	return []jobs.Component{
		// Every node runs the newest policies, calendar and settings.
		jobs.Every("policy poll", *f.poll, pollPolicy(a.engine, a.store.Revisions(), log)),
		jobs.Every("calendar sync", *f.poll, syncCalendar(a.services, log)),
		jobs.Every("settings refresh", *f.poll, refreshSettings(a.services.Accounts)),
		// Steps whose evaluation failed, evaluated again.
		jobs.Every("recheck", *f.recheck, recheckJob(a.services, log)),
		// Deadlines passed, patrol days and last month closed, the catalog's upkeep.
		jobs.Every("deadline sweep", *f.sweepEvery, (&sweeper{svc: a.services, log: log}).run),
		// New events to webhook deliveries, due deliveries sent, daily digests mailed.
		jobs.Every("webhook fan-out", *f.hooks.fanOut, dropCount(dispatcher.FanOut)),
		jobs.Every("webhook dispatch", *f.hooks.dispatch, dropCount(dispatcher.Dispatch)),
		jobs.Every("mail digest", *f.hooks.mail, mailDigest(mail, log)),
		// New events to the recipients' inboxes; reminders due written.
		jobs.Every("notification fan-out", *f.notes.fanOut, dropCount(inbox.Deliver)),
		jobs.Every("reminders", *f.notes.reminders, newReminders(a, nil, log).Run),
		// The audit log's head, appended to a file outside the database.
		checkpoints,
		// The audit entries the changes queued, chained by the node that
		// holds the lease; after the checkpoints, so that it finishes
		// before their last one.
		a.services.Audit.NewSequencer(sequencerHolder(), 0, 0, *f.intentAge),
		// The API, last: it stops taking requests first.
		api,
	}
}

// openServeApp opens the database and the services serve runs, with the
// audit key, the checkpoint file and the metrics (nil: none) the flags ask for.
func openServeApp(ctx context.Context, f *serveFlags, log *slog.Logger) (*app, *metrics.Metrics, error) {
	// Policy evaluation allocates many short-lived values; with the small
	// live heap of this service, collecting less often saves a third of
	// the evaluation time. GOGC and GOMEMLIMIT still override it.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	auditKey, err := readAuditKey(*f.auditKeyFile)
	if err != nil {
		return nil, nil, err
	}
	var m *metrics.Metrics // nil: no metrics
	if *f.metricsAddr != "" {
		m = metrics.New()
	}
	a, err := openApp(ctx, *f.dsn, *f.evalTimeout, log, func(o *checker.Options) {
		o.AuditKey = auditKey
		if *f.checkpointFile != "" {
			o.Checkpoints = fileCheckpoints(*f.checkpointFile)
		}
		if m != nil {
			o.Observer = m // told of evaluations, warnings and sweeps
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return a, m, nil
}

// prepareData brings the database up to what serve needs: the audit
// baseline, the first account and, if asked, the demo district.
func prepareData(ctx context.Context, a *app, withDemo bool, stdout io.Writer, log *slog.Logger) (*session.Service, error) {
	// A database an earlier version wrote: the audit log starts to account
	// for the objects stored before it followed them one by one.
	if n, err := a.services.Audit.RecordAuditBaseline(ctx); err != nil {
		return nil, fmt.Errorf("audit baseline: %w", err)
	} else if n > 0 {
		log.Info("the audit log now accounts for the objects stored before it followed them", "objects", n)
	}
	token, err := bootstrap(ctx, a, log)
	if err != nil {
		return nil, err
	}
	if token != "" && os.Getenv("POWERCHECK_BOOTSTRAP_TOKEN") == "" {
		fmt.Fprintf(stdout, "created account admin; its token, shown only now: %s\n", token)
	}
	sessions := session.NewService(a.store.Sessions(), a.services.Core.Credentials(), nil, log)
	if withDemo {
		if err := loadDemo(ctx, a, sessions, stdout, log); err != nil {
			return nil, err
		}
	}
	// What the start recorded is in the chain before the first request.
	if err := a.services.Audit.SettleAudit(ctx); err != nil {
		return nil, err
	}
	return sessions, nil
}

// trustedProxies splits the comma-separated --trusted-proxies; empty: none.
func trustedProxies(list string) []string {
	var trusted []string
	if list != "" {
		trusted = strings.Split(list, ",")
	}
	return trusted
}

// announce tells the log and the operator that serve is up, and warns of
// calendar years missing.
func announce(a *app, ln net.Listener, stdout io.Writer, log *slog.Logger) {
	if missing := a.services.Accounts.MissingYears(); len(missing) > 0 {
		log.Warn("the holiday calendar lacks years that deadlines reach into; enter them with PUT /api/v1/calendar/{year}", "missing", missing)
	}
	log.Info("powercheck listening", "addr", ln.Addr().String(), "db", a.store.Dialect(), "policy_revision", a.engine.Revision())
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
}
