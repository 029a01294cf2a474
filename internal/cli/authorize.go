package cli

import (
	"context"

	"fmt"
	"html"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard/switchboard/auth"
	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/templaterun"
)

type authorizeFlags struct {
	fields    []string
	listen    string
	tokenFile string
	timeout   time.Duration
}

func newAuthorize() *cobra.Command {
	var f authorizeFlags
	cmd := &cobra.Command{
		Use:   "authorize FILE",
		Short: "Authorize an oauth2 template in the browser and keep its token for 'template run'",
		Long: `Print the provider's authorize URL, wait on a local address for the provider
to redirect back with a code, exchange it at the TokenEndPoint and save the
token in the token file. 'template run' then uses the token and renews it.
Register http://<listen>/callback as the redirect URI with the provider.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("template authorize needs exactly one template file")
			}
			return authorize(cmd, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.fields, "field", nil, "custom field value name=value (repeatable)")
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8976", "local address the provider redirects the browser to")
	fl.StringVar(&f.tokenFile, "token-file", auth.DefaultTokenFile(), "where to keep the token")
	fl.DurationVar(&f.timeout, "timeout", 5*time.Minute, "how long to wait for the browser")
	return cmd
}

func authorize(cmd *cobra.Command, file string, f authorizeFlags) error {
	tmpl, err := loadTemplate(cmd, file, engine.Options{})
	if err != nil {
		return err
	}
	if tmpl.Source.AuthType != "oauth2" {
		return usageErr("%s has AuthType %q; only oauth2 templates are authorized in the browser", file, tmpl.Source.AuthType)
	}
	fields, err := pairs("--field", f.fields)
	if err != nil {
		return err
	}
	if err := templaterun.CheckFields(tmpl.Source, fields); err != nil {
		return usageErr("--%w", err)
	}
	o, err := auth.NewOAuth2(tmpl, fields, auth.Options{Store: &auth.FileStore{Path: f.tokenFile}})
	if err != nil {
		return usageErr("%w", err)
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return usageErr("--listen %s: %w", f.listen, err)
	}
	defer ln.Close()
	redirectURI := "http://" + ln.Addr().String() + "/callback"
	state := auth.NewState()
	authURL, err := o.AuthorizeURL(redirectURI, state)
	if err != nil {
		return usageErr("%w", err)
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "Open this address in a browser and allow access:\n%s\n", authURL)
	fmt.Fprintf(out, "Waiting up to %s for the provider to redirect to %s\n", f.timeout, redirectURI)

	ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
	defer cancel()
	done := make(chan error, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: callbackHandler(ctx, o, state, redirectURI, done)}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
	defer func() {
		// Graceful, so the browser gets its page before the server goes.
		sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
		<-served
	}()

	select {
	case err = <-done:
	case <-ctx.Done():
		err = fmt.Errorf("no callback within %s: %w", f.timeout, ctx.Err())
	}
	if err != nil {
		return &exitError{code: ExitFailed, err: err}
	}
	fmt.Fprintf(out, "Authorized; the token is saved in %s\n", f.tokenFile)
	return nil
}

// callbackHandler receives the provider's redirect once: the state must be
// the one this run sent, and the code is exchanged for a token.
func callbackHandler(ctx context.Context, o *auth.OAuth2, state, redirectURI string, done chan<- error) http.Handler {
	var used atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var err error
		if q.Get("state") != state {
			http.Error(w, "the state does not match this authorization request", http.StatusBadRequest)
			return
		}
		if used.Swap(true) {
			http.Error(w, "this authorization has already been completed", http.StatusConflict)
			return
		}
		switch {
		case q.Get("error") != "":
			err = fmt.Errorf("the provider refused: %s %s", q.Get("error"), q.Get("error_description"))
		default:
			err = o.Exchange(ctx, q.Get("code"), redirectURI)
		}
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "<p>Authorization failed: %s</p>", html.EscapeString(err.Error()))
		} else {
			fmt.Fprint(w, "<p>Switchboard is authorized. You can close this tab.</p>")
		}
		select {
		case done <- err:
		default:
		}
	})
	return mux
}
