package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
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
}

func (f *storeFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.data, "data", "./data", "data directory for the embedded SQLite database and the key file")
	cmd.Flags().StringVar(&f.database, "database", "", "PostgreSQL URL (postgres://…) instead of SQLite; needs SWITCHBOARD_SECRET_KEY")
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
	if f.database != "" && envKey == "" {
		return nil, nil, usageErr("--database needs SWITCHBOARD_SECRET_KEY: every replica must seal secrets with the same key")
	}
	key, err := store.LoadKey(envKey, f.data)
	if err != nil {
		return nil, nil, err
	}
	sealer, err := store.NewSealer(key)
	if err != nil {
		return nil, nil, err
	}
	var st store.Store
	if f.database != "" {
		st, err = store.OpenPostgres(ctx, f.database, sealer)
	} else {
		st, err = store.OpenSQLite(ctx, f.data, sealer)
	}
	return st, key, err
}

func newServe() *cobra.Command {
	var sf storeFlags
	var addr, publicURL, timezone, recordingsDir, outboundProxy, pprofAddr, memoryLimit string
	var allowLinkLocal bool
	var jobTimeout time.Duration
	var jobWorkers int
	var hc server.HTTPConfig
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the service (SQLite in --data by default, PostgreSQL with --database)",
		Long: `Run the HTTP API, the OAuth callback and the operational endpoints.

Environment: SWITCHBOARD_ADMIN_TOKEN is accepted as an admin API token;
SWITCHBOARD_SECRET_KEY seals secrets (default: a key file in --data).`,
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
			st, key, err := sf.openWithKey(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return usageErr("--addr %s: %w", addr, err)
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
			log.Info("switchboard listening", slog.String("addr", ln.Addr().String()), slog.String("public_url", publicURL))
			fmt.Fprintf(cmd.OutOrStdout(), "Switchboard is listening on %s (API at %s/api/v1, spec at %s/openapi.yaml)\n", ln.Addr(), publicURL, publicURL)
			errc := make(chan error, 1)
			go func() { errc <- hs.Serve(ln) }()
			var serveErr error
			select {
			case serveErr = <-errc:
			case <-ctx.Done():
			}
			log.Info("shutting down")
			sctx, cancel := shutdownCtx()
			defer cancel()
			// The API stops taking requests first (its event streams end
			// with it); then the background work stops: jobs already
			// running finish, the rest stay queued for the next start.
			shutdownErr := hs.Shutdown(sctx)
			if serveErr == nil {
				serveErr = <-errc
			}
			if errors.Is(serveErr, http.ErrServerClosed) {
				serveErr = nil
			}
			return errors.Join(serveErr, shutdownErr, srv.Stop(sctx))
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVar(&addr, "addr", ":8080", "address to listen on")
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
	return cmd
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
			} else {
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
