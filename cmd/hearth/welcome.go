package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"hearth/api"
	"hearth/session"
	"hearth/store"
)

// welcome is what the first lines of a start tell the person who ran Hearth: where the dashboard
// is, the one-time setup link while no account exists, the admin token on the very first start,
// and the demo session's links. It is printed once the server is listening, so every link works.
type welcome struct {
	base       string
	setupPath  string
	adminToken string
	demo       *session.Session
}

// prepareSetup makes a fresh setup link when there is no host account yet (each start makes a new
// one; the previous one stops working).
func (w *welcome) prepareSetup(ctx context.Context, st *store.Store, now time.Time) error {
	n, err := st.HostCount(ctx)
	if err != nil || n > 0 {
		return err
	}
	w.setupPath, err = api.SetupLinkPath(ctx, st, now)
	return err
}

func (w *welcome) print(out io.Writer) {
	base := strings.TrimRight(w.base, "/")
	var b strings.Builder
	fmt.Fprintf(&b, "\n  Hearth is running.\n\n")
	fmt.Fprintf(&b, "  Dashboard for hosts:  %s/dashboard\n", base)
	if w.setupPath != "" {
		fmt.Fprintf(&b, "\n  No account yet. Open this link to create the first admin account\n")
		fmt.Fprintf(&b, "  (it works once, for %d hours; a restart prints a new one):\n", int(api.AccountLinkLife.Hours()))
		fmt.Fprintf(&b, "  %s%s\n", base, w.setupPath)
	}
	if w.adminToken != "" {
		fmt.Fprintf(&b, "\n  Admin token (shown once, keep it safe): %s\n  Use it as: Authorization: Bearer %s\n", w.adminToken, w.adminToken)
	}
	if s := w.demo; s != nil {
		fmt.Fprintf(&b, "\n  Demo session %q is live.\n", s.Title)
		fmt.Fprintf(&b, "  Join with a microphone:  %s/join/%s#t=%s\n", base, s.ID, s.MemberToken)
		fmt.Fprintf(&b, "  Listen only:             %s/listen/%s#t=%s\n", base, s.ID, s.ListenerToken)
	}
	if !strings.HasPrefix(base, "https://") {
		fmt.Fprintf(&b, "\n  Phones only allow the microphone on HTTPS pages: to use Hearth from phones,\n")
		fmt.Fprintf(&b, "  put it behind HTTPS as docs/DEPLOYMENT.md explains.\n")
	}
	b.WriteString("\n")
	io.WriteString(out, b.String())
}
