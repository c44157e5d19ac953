// Command hearth runs the Hearth service: the host API, the scheduler, live rooms and the listen
// page, with an embedded SQLite store under the data directory.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
	// Time zones are embedded so schedules work on minimal systems without tzdata installed.
	_ "time/tzdata"

	"hearth/api"
	"hearth/assets"
	"hearth/clock"
	"hearth/live"
	"hearth/media"
	"hearth/media/photo"
	"hearth/room"
	"hearth/session"
	"hearth/show"
	"hearth/store"
	"hearth/turnserver"
)

func main() {
	cfg, err := loadConfig(os.Args[1:], os.LookupEnv)
	if errors.Is(err, flagHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hearth:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "hearth:", err)
		os.Exit(1)
	}
}

// run starts the service and blocks until ctx ends, then shuts down gracefully. ready, if not nil,
// receives the HTTP address once the service is listening (tests use it with --addr 127.0.0.1:0).
func run(ctx context.Context, cfg Config, out io.Writer, ready func(addr string)) error {
	return runWith(ctx, cfg, out, ready, nil)
}

// runWith is run with a hook that receives the HTTP handler (tests list its routes).
func runWith(ctx context.Context, cfg Config, out io.Writer, ready func(addr string), handlerHook func(http.Handler)) error {
	log := newLogger(cfg, out)
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	st, err := store.Open(ctx, filepath.Join(cfg.Data, "hearth.db"))
	if err != nil {
		return err
	}
	defer st.Close()

	var hello welcome
	tokenHash, err := adminToken(ctx, st, cfg.AdminToken, &hello)
	if err != nil {
		return err
	}
	lib, err := media.NewLibrary(filepath.Join(cfg.Data, "media"), st, media.Limits{MaxBytes: cfg.MaxUploadMB << 20})
	if err != nil {
		return err
	}
	rtc, closeMux, err := room.NewAPI(room.NetConfig{UDPPort: cfg.UDPPort, PublicIPs: cfg.PublicIPs, Loopback: cfg.Loopback})
	if err != nil {
		return err
	}
	defer closeMux()

	var iceServers func() []api.ICEServer
	if cfg.TURN != "" {
		lo, hi, _ := cfg.relayPorts()
		ts, err := turnserver.New(turnserver.Config{
			ListenAddr: cfg.TURN, PublicIP: cfg.PublicIPs[0], RelayPortMin: lo, RelayPortMax: hi,
			MediaPort: cfg.UDPPort,
		}, log)
		if err != nil {
			return fmt.Errorf("turn: %w", err)
		}
		defer ts.Close()
		iceServers = func() []api.ICEServer {
			c := ts.Credentials(time.Now())
			return []api.ICEServer{{URLs: c.URLs, Username: c.Username, Credential: c.Credential}}
		}
		log.Info("TURN server listening", "addr", ts.Addr().String())
	}

	liveCtx, stopLive := context.WithCancel(context.Background())
	defer stopLive()
	clk := clock.Real{}
	ambience, err := media.DecodeAll(assets.Ambience(), "ambience.mp3", time.Minute)
	if err != nil {
		return fmt.Errorf("waiting ambience: %w", err)
	}
	photos, err := media.NewPhotos(filepath.Join(cfg.Data, "photos"))
	if err != nil {
		return err
	}
	showCfg, err := cfg.Show()
	if err != nil {
		return err
	}
	renders, err := show.NewRenders(liveCtx, filepath.Join(cfg.Data, "recordings"), log)
	if err != nil {
		return err
	}
	collageShows := &shows{st: st, files: photos, decoder: photo.NewDecoder(photo.DefaultLimits, 1), cfg: showCfg,
		renders: renders, log: log}
	hub := live.NewHub(liveCtx, rtc, lib, clk, live.Config{
		OpusBitrate: cfg.OpusBitrate, OpusComplexity: cfg.OpusComplexity,
		Room:     room.Config{MaxListeners: cfg.MaxListeners},
		Ambience: ambience,
		Shows:    collageShows,
	}, log)
	mgr := session.NewManager(st, st, hub, clk, session.Config{DoorsOpen: cfg.DoorsOpen}, log)
	mgr.SetSeriesStore(st)

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Addr, err)
	}
	hello.base = cfg.PublicURL
	if hello.base == "" {
		hello.base = "http://" + displayAddr(ln.Addr())
	}
	if cfg.Demo {
		if hello.demo, err = ensureDemo(ctx, st, lib, mgr); err != nil {
			ln.Close()
			return fmt.Errorf("demo session: %w", err)
		}
	}
	if err := hello.prepareSetup(ctx, st, clk.Now()); err != nil {
		ln.Close()
		return fmt.Errorf("setup link: %w", err)
	}

	proxies, _ := api.ParseTrustedProxies(cfg.TrustedProxies) // checked by Validate
	handler := api.New(api.Config{
		Collage: api.CollageDeps{Store: st, Intake: photo.NewDecoder(photo.DefaultLimits, 2), Files: photos,
			Show: showCfg, Shows: collageShows, Recordings: renders},
		AdminTokenHash: tokenHash,
		PublicURL:      cfg.PublicURL,
		Ready:          st.Ping,
		ICEServers:     iceServers,
		Clock:          clk,
		TrustedProxies: proxies,
	}, mgr, lib, st, hub, st, st, log)
	if handlerHook != nil {
		handlerHook(handler)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}

	schedCtx, stopSched := context.WithCancel(context.Background())
	schedDone := make(chan error, 1)
	go func() { schedDone <- mgr.Run(schedCtx) }()
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Serve(ln) }()
	log.Info("hearth listening", "addr", ln.Addr().String(), "data", cfg.Data)
	hello.print(out)
	if ready != nil {
		ready(ln.Addr().String())
	}

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-srvDone:
	}
	log.Info("shutting down")
	// Rooms close first: that ends the event streams and peer connections the HTTP server would
	// otherwise wait for. Clients are not told the session ended; they reconnect after the restart.
	stopSched()
	<-schedDone
	hub.Close()
	stopLive()
	renders.Wait()
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutCtx)
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	return serveErr
}

func newLogger(cfg Config, out io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(out, opts))
	}
	return slog.New(slog.NewTextHandler(out, opts))
}

// adminToken returns the hash of the admin token. A token from the environment wins; otherwise the
// stored hash is used, and on the very first start a token is generated, printed once and only its
// hash kept.
func adminToken(ctx context.Context, st *store.Store, fromEnv string, hello *welcome) (string, error) {
	if fromEnv != "" {
		return api.HashToken(fromEnv), nil
	}
	h, err := st.Meta(ctx, "admin_token_sha256")
	if err == nil {
		return h, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	token := "hearth_" + rand.Text()
	h = api.HashToken(token)
	if err := st.SetMeta(ctx, "admin_token_sha256", h); err != nil {
		return "", err
	}
	hello.adminToken = token
	return h, nil
}

// ensureDemo creates, on a data directory with no demo session, a session that is live at once and
// loops the sample meditation, so a fresh install has something to listen to.
func ensureDemo(ctx context.Context, st *store.Store, lib *media.Library, mgr *session.Manager) (*session.Session, error) {
	id, err := st.DemoSession(ctx)
	if err == nil {
		return mgr.Get(ctx, id)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	a, err := lib.Import(ctx, bytes.NewReader(assets.Meditation()), "meditation.mp3", assets.MeditationTitle)
	if err != nil {
		return nil, err
	}
	return mgr.Create(ctx, session.CreateRequest{
		Title:    "Demo: " + assets.MeditationTitle,
		StartsAt: mgr.Now(),
		MediaIDs: []string{a.ID},
		Loop:     true,
		Demo:     true,
	})
}

// displayAddr turns a listen address into one a person can open in a browser.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
