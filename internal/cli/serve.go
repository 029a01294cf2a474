package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/integrations"
	"github.com/switchboard/switchboard/server"
	"github.com/switchboard/switchboard/store"
)

// storeFlags choose the database: SQLite in a data directory (the default)
// or PostgreSQL.
type storeFlags struct {
	data     string
	database string
	// init lets the command make a new data directory. Without it a
	// directory that holds no database is refused: a command run from the
	// wrong directory would otherwise make an empty one, with a key of its
	// own, and do its work there.
	init bool
	// creates is serve's: a first start makes the data directory.
	creates bool
	// noInit leaves --init out, for commands that only work on data that
	// exists (key rotate).
	noInit bool
}

func (f *storeFlags) register(cmd *cobra.Command) {
	if f.creates {
		cmd.Flags().StringVar(&f.data, "data", "./data", "data directory of the embedded SQLite database and the key file; made on first start")
	} else {
		cmd.Flags().StringVar(&f.data, "data", "./data", "data directory of the embedded SQLite database and the key file, as serve uses it")
	}
	if !f.creates && !f.noInit {
		cmd.Flags().BoolVar(&f.init, "init", false, "make a new data directory when --data holds no Switchboard data")
	}
	cmd.Flags().StringVar(&f.database, "database", "", "PostgreSQL URL (postgres://…) instead of SQLite; needs SWITCHBOARD_SECRET_KEY")
	shareEnv(cmd.Flags(), "data", "database", "init")
}

// open opens (and migrates) the store with the secret key:
// SWITCHBOARD_SECRET_KEY, or for SQLite a key file generated in the data
// directory. Replicas sharing PostgreSQL must share the key, so there it
// must come from the environment.
func (f *storeFlags) open(ctx context.Context) (store.Store, error) {
	st, _, err := f.openWithKey(ctx)
	return st, err
}

// openWithKey also returns the secret key, which signs recording links.
func (f *storeFlags) openWithKey(ctx context.Context) (store.Store, []byte, error) {
	envKey := os.Getenv("SWITCHBOARD_SECRET_KEY")
	if err := f.check(envKey); err != nil {
		return nil, nil, err
	}
	key, err := store.LoadKey(envKey, f.data)
	if err != nil {
		return nil, nil, keyErr(err)
	}
	sealer, err := store.NewSealer(key)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.openSealed(ctx, sealer)
	return st, key, err
}

func (f *storeFlags) openSealed(ctx context.Context, sealer *store.Sealer) (store.Store, error) {
	if f.database != "" {
		return store.OpenPostgres(ctx, f.database, sealer)
	}
	return store.OpenSQLite(ctx, f.data, sealer)
}

// check refuses what would open the wrong data, before anything is made:
// PostgreSQL without the shared key, a data directory without a database
// (unless the command may make one), a database whose key file is gone.
func (f *storeFlags) check(envKey string) error {
	if f.database != "" {
		if strings.TrimSpace(envKey) == "" {
			return usageErr("--database needs SWITCHBOARD_SECRET_KEY: every replica must seal secrets with the same key (make one with: switchboard key generate)")
		}
		return nil
	}
	dir, hasDB, err := f.checkDir()
	if err != nil || !hasDB {
		return err
	}
	hasKey, err := exists(filepath.Join(dir, store.KeyFileName))
	if err != nil {
		return err
	}
	if !hasKey && strings.TrimSpace(envKey) == "" {
		return usageErr("%s holds a database but no key file (%s) and SWITCHBOARD_SECRET_KEY is not set: a new key would not open the secrets sealed in it; "+
			"set SWITCHBOARD_SECRET_KEY to the key it was used with, or restore %s from the backup", dir, store.KeyFileName, store.KeyFileName)
	}
	return nil
}

// checkDir refuses a data directory without a database unless the
// command may make one; it returns the directory and whether it holds
// a database.
func (f *storeFlags) checkDir() (string, bool, error) {
	dir, err := filepath.Abs(f.data)
	if err != nil {
		return "", false, usageErr("--data %s: %w", f.data, err)
	}
	hasDB, err := exists(filepath.Join(dir, store.SQLiteFile))
	switch {
	case err != nil:
		return "", false, err
	case hasDB || f.creates || f.init:
		return dir, hasDB, nil
	case f.noInit:
		return "", false, usageErr("no Switchboard data in %s: run from the directory you serve from, or pass --data", dir)
	}
	return "", false, usageErr("no Switchboard data in %s: run from the directory you serve from, pass --data, or --init to create one", dir)
}

// isNewData reports whether the data directory of f holds no database yet
// (false on PostgreSQL).
func (f *storeFlags) isNewData() bool {
	if f.database != "" {
		return false
	}
	ok, err := exists(filepath.Join(f.data, store.SQLiteFile))
	return err == nil && !ok
}

func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("looking for Switchboard data: %w", err)
	}
}

// keyErr adds to an unusable key how to make one.
func keyErr(err error) error {
	var ke *store.KeyError
	if !errors.As(err, &ke) {
		return err
	}
	return usageErr("%w\nA secret key is 32 random bytes in base64 or hex: make one with\n  switchboard key generate\n"+
		"If secrets were sealed with this value, re-seal them under the new key with\n  switchboard key rotate --new-key-stdin   (with this value still in place)", err)
}

// DefaultAddr is where serve listens unless told otherwise: this machine
// only. Listening on every interface is a choice made with --addr.
const DefaultAddr = "127.0.0.1:8080"

func newServe() *cobra.Command {
	sf := storeFlags{creates: true}
	var addr, publicURL, timezone, recordingsDir, outboundProxy, pprofAddr, memoryLimit, metricsAddr, metricsToken string
	var allowLinkLocal bool
	var jobTimeout time.Duration
	var jobWorkers int
	var hc server.HTTPConfig
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the service (SQLite in --data by default, PostgreSQL with --database)",
		Long: `Run the HTTP API, the OAuth callback and the operational endpoints.

It listens on ` + DefaultAddr + ` (this machine only) unless --addr says
otherwise. The first start makes the data directory (--data) with its
database and its key file; back up both.

Every flag can be set from the environment instead: its variable is named
in its help. Besides: SWITCHBOARD_ADMIN_TOKEN is accepted as an admin API
token; SWITCHBOARD_SECRET_KEY seals secrets (default: the key file in
--data), 32 random bytes in base64 or hex (switchboard key generate).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			log := slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), nil))
			if err := hc.Validate(); err != nil {
				return usageErr("%w", err)
			}
			if err := setMemoryLimit(ctx, memoryLimit); err != nil {
				return err
			}
			if pprofAddr != "" {
				stopPprof, err := servePprof(pprofAddr, cmd.OutOrStdout(), log)
				if err != nil {
					return err
				}
				defer stopPprof()
			}
			newData := sf.isNewData()
			st, key, err := sf.openWithKey(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			if newData {
				dir, _ := filepath.Abs(sf.data) // Abs worked in check
				log.Info("made a new data directory", slog.String("data", dir))
				fmt.Fprintf(cmd.OutOrStdout(), "Made a new data directory at %s: back up its database and its key file (%s) together.\n", dir, store.KeyFileName)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return usageErr("--addr %s: %w", addr, err)
			}
			defer ln.Close() // closed already when served; this covers the ways out before
			var metricsLn net.Listener
			if metricsAddr != "" {
				if metricsLn, err = net.Listen("tcp", metricsAddr); err != nil {
					return usageErr("--metrics-addr %s: %w", metricsAddr, err)
				}
				defer metricsLn.Close()
			}
			if publicURL == "" {
				publicURL = "http://" + hostPort(ln.Addr().String())
			}
			loc := time.Local
			if timezone != "" {
				if loc, err = time.LoadLocation(timezone); err != nil {
					return usageErr("--timezone %q: %w", timezone, err)
				}
			}
			var proxy *url.URL
			if outboundProxy != "" {
				if proxy, err = url.Parse(outboundProxy); err != nil || (proxy.Scheme != "http" && proxy.Scheme != "https") || proxy.Host == "" {
					return usageErr("--outbound-proxy %q is not an http(s) URL like http://proxy.internal:3128", outboundProxy)
				}
			}
			srv, err := server.New(ctx, server.Config{Store: st, Logger: log, AdminToken: os.Getenv("SWITCHBOARD_ADMIN_TOKEN"),
				Integrations: integrations.Tuning{OutboundProxy: proxy, AllowLinkLocal: allowLinkLocal},
				PublicURL:    publicURL, TimeZone: loc, SigningKey: key, RecordingsDir: recordingsDir,
				MetricsToken: metricsToken, MetricsElsewhere: metricsLn != nil,
				Queue: store.QueueConfig{JobTimeout: jobTimeout, MaxWorkers: jobWorkers, Logger: log}})
			if err != nil {
				return err
			}
			if err := srv.Start(ctx); err != nil {
				return err
			}
			// From here on every way out stops the server before the
			// deferred st.Close, so running jobs and messages in flight
			// finish (or, once the shutdown's time is out, are cut off to
			// run again) while the database is still open.
			shutdownCtx := func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			}
			err = firstStartHint(ctx, cmd, st)
			if err == nil {
				err = setupHint(ctx, cmd, srv, log, publicURL)
			}
			if err != nil {
				sctx, cancel := shutdownCtx()
				defer cancel()
				return errors.Join(err, srv.Stop(sctx))
			}
			hs := srv.HTTPServer(hc)
			ln = srv.Listener(ln, hc)
			reach := reachOf(ln.Addr())
			log.Info("switchboard listening", slog.String("addr", ln.Addr().String()), slog.String("reach", reach), slog.String("public_url", publicURL))
			fmt.Fprintf(cmd.OutOrStdout(), "Switchboard is listening on %s, %s (API at %s/api/v1, spec at %s/openapi.yaml)\n", ln.Addr(), reach, publicURL, publicURL)
			errc := make(chan error, 2)
			running := 1 // servers whose Serve has not returned into errc yet
			go func() { errc <- hs.Serve(ln) }()
			var ms *http.Server
			if metricsLn != nil {
				ms = &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
				log.Info("metrics listening", slog.String("addr", metricsLn.Addr().String()), slog.Bool("token", metricsToken != ""))
				fmt.Fprintf(cmd.OutOrStdout(), "Metrics at http://%s/metrics (not on %s)\n", metricsLn.Addr(), ln.Addr())
				running++
				go func() { errc <- ms.Serve(metricsLn) }()
			}
			var serveErr error
			select {
			case serveErr = <-errc:
				running--
			case <-ctx.Done():
			}
			log.Info("shutting down")
			sctx, cancel := shutdownCtx()
			defer cancel()
			// The API stops taking requests first (its event streams end
			// with it); then the background work stops: jobs already
			// running finish, the rest stay queued for the next start.
			shutdownErr := hs.Shutdown(sctx)
			if ms != nil {
				shutdownErr = errors.Join(shutdownErr, ms.Shutdown(sctx))
			}
			// Once shut down, each server's Serve returns ErrServerClosed.
			serveErrs := []error{serveErr}
			for range running {
				serveErrs = append(serveErrs, <-errc)
			}
			for i, e := range serveErrs {
				if errors.Is(e, http.ErrServerClosed) {
					serveErrs[i] = nil
				}
			}
			return errors.Join(errors.Join(serveErrs...), shutdownErr, srv.Stop(sctx))
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVar(&addr, "addr", DefaultAddr, "address to listen on; the default takes connections from this machine only (a reverse proxy on it): :8080 listens on every interface")
	cmd.Flags().StringVar(&metricsAddr, "metrics-addr", "", "serve /metrics on this address (e.g. 127.0.0.1:9090) and not on --addr; default: on --addr")
	cmd.Flags().StringVar(&metricsToken, "metrics-token", "", "answer /metrics only to Authorization: Bearer <this token> (prefer the variable to the flag, which ps shows); default: open to whoever reaches it")
	cmd.Flags().StringVar(&publicURL, "public-url", "", "URL the PBX, browsers and OAuth providers reach this service at (default http://<addr>)")
	cmd.Flags().StringVar(&timezone, "timezone", "", "PBX time zone for TimeFormat, e.g. Asia/Shanghai (default: local)")
	cmd.Flags().BoolVar(&allowLinkLocal, "allow-link-local", false, "let templates reach link-local and cloud metadata addresses")
	cmd.Flags().IntVar(&jobWorkers, "job-workers", store.DefaultMaxWorkers, "jobs (a call's work for one integration, mostly waiting on the helpdesk) one replica runs at once")
	cmd.Flags().DurationVar(&jobTimeout, "job-timeout", 2*time.Minute, "time limit of one attempt of a call's work; work cut off by a crash resumes after twice this")
	cmd.Flags().DurationVar(&hc.ReadTimeout, "read-timeout", server.DefaultReadTimeout, "time limit for reading a whole request, body included")
	cmd.Flags().DurationVar(&hc.WriteTimeout, "write-timeout", server.DefaultWriteTimeout, "time limit for writing an answer (the event stream and recordings are exempt)")
	cmd.Flags().DurationVar(&hc.IdleTimeout, "idle-timeout", server.DefaultIdleTimeout, "how long a kept-alive connection may stay idle")
	cmd.Flags().IntVar(&hc.MaxConnsPerAddr, "max-conns-per-addr", server.DefaultMaxConnsPerAddr, "connections one client address may hold open (-1: no limit; raise it behind a reverse proxy)")
	cmd.Flags().StringVar(&outboundProxy, "outbound-proxy", "", "HTTP proxy for requests to remote APIs (HTTP_PROXY and friends are ignored); targets are checked before they reach it")
	cmd.Flags().StringVar(&pprofAddr, "pprof-addr", "", "address to serve Go's profiles on (/debug/pprof/), e.g. 127.0.0.1:6060; off by default")
	cmd.Flags().StringVar(&memoryLimit, "memory-limit", "auto", "soft memory limit of the Go runtime: auto (40 MiB, raised as the live heap grows; GOMEMLIMIT, when set, wins), off, or a size such as 256MiB")
	cmd.Flags().StringVar(&recordingsDir, "recordings", "", "directory of call recordings named by the PBX's events (served to helpdesks through signed links)")
	shareEnv(cmd.Flags())
	return cmd
}

// reachOf says who can connect to a listener on addr, for the start-up
// line: a loopback address is this machine only.
func reachOf(addr net.Addr) string {
	ip := net.ParseIP(hostOf(addr.String()))
	switch {
	case ip == nil || ip.IsUnspecified():
		return "every interface"
	case ip.IsLoopback():
		return "this machine only (--addr :8080 listens on every interface)"
	default:
		return "this address only"
	}
}

func hostPort(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || host == "::" || host == "0.0.0.0" {
		return "localhost:" + port
	}
	return net.JoinHostPort(host, port)
}

// firstStartHint says how to get the first admin token when there is none.
func firstStartHint(ctx context.Context, cmd *cobra.Command, st store.Store) error {
	if os.Getenv("SWITCHBOARD_ADMIN_TOKEN") != "" {
		return nil
	}
	tokens, err := st.ListAPITokens(ctx)
	if err != nil {
		return err
	}
	for _, t := range tokens {
		if t.Role == store.RoleAdmin {
			return nil
		}
	}
	fmt.Fprintln(cmd.OutOrStdout(), `No admin API token exists yet. Create the first one with
  switchboard token create --role admin --name first-admin   (with the same --data or --database)
or start with SWITCHBOARD_ADMIN_TOKEN set.`)
	return nil
}

// setupHint prints, while nobody can sign in to the web console, the link
// that creates the first admin: to stdout and to the log, which is where
// an operator of a container finds it. The token is made at each start
// and shown only there.
func setupHint(ctx context.Context, cmd *cobra.Command, srv *server.Server, log *slog.Logger, publicURL string) error {
	token, err := srv.Accounts().EnsureSetupToken(ctx)
	if err != nil || token == "" {
		return err
	}
	msg := "No users yet: create the first admin at " + strings.TrimRight(publicURL, "/") + "/setup?token=" + token
	fmt.Fprintln(cmd.OutOrStdout(), msg)
	log.Info(msg)
	return nil
}

func newMigrate() *cobra.Command {
	var sf storeFlags
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring the database schema up to date, say from which version to which, and exit",
		Long: `migrate runs the migrations "switchboard serve" runs at start, and reports
the schema version before and after. A database at a newer schema than this
switchboard knows is refused: run the newer version, or restore a backup.
No key is needed.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var ch store.SchemaChange
			var err error
			if sf.database != "" {
				ch, err = store.MigratePostgres(cmd.Context(), sf.database)
			} else if _, _, err = sf.checkDir(); err == nil {
				ch, err = store.MigrateSQLite(cmd.Context(), sf.data)
			}
			if err != nil {
				return err
			}
			if ch.Before == ch.After {
				fmt.Fprintf(cmd.OutOrStdout(), "the database is up to date at schema %d\n", ch.After)
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "migrated the database from schema %d to %d\n", ch.Before, ch.After)
			}
			return nil
		},
	}
	sf.register(cmd)
	return cmd
}

func newToken() *cobra.Command {
	var sf storeFlags
	var role, name, extension string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token directly in the database and print it (shown once)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if name == "" {
				return usageErr("--name is required: say what the token is for")
			}
			if role != store.RoleAdmin && role != store.RoleAgent && role != store.RolePBX {
				return usageErr("--role %q is not one of admin, agent, pbx", role)
			}
			if (role == store.RoleAgent) != (extension != "") {
				return usageErr("--extension is required for agent tokens and only for them")
			}
			st, err := sf.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			token, t := server.NewAPIToken(role, extension, name, time.Now())
			if err := st.CreateAPIToken(cmd.Context(), t); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), token)
			return nil
		},
	}
	sf.register(create)
	create.Flags().StringVar(&role, "role", store.RoleAdmin, "admin, agent or pbx")
	create.Flags().StringVar(&name, "name", "", "what the token is for")
	create.Flags().StringVar(&extension, "extension", "", "the agent's extension")
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	cmd.AddCommand(create)
	return cmd
}
