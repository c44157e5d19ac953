package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"hearth/api"
	"hearth/show"
)

// Config is the whole of Hearth's configuration. It is built in layers: defaults, then an optional
// JSON file (--config / HEARTH_CONFIG), then HEARTH_* environment variables, then flags; Validate
// checks the result.
type Config struct {
	Addr           string        `json:"addr"`
	Data           string        `json:"data"`
	PublicURL      string        `json:"public_url"`
	AdminToken     string        `json:"-"` // from the environment only, never a file or a flag
	MaxUploadMB    int64         `json:"max_upload_mb"`
	OpusBitrate    int           `json:"opus_bitrate"`
	OpusComplexity int           `json:"opus_complexity"`
	UDPPort        int           `json:"udp_port"`
	PublicIPs      []string      `json:"public_ips"`
	TURN           string        `json:"turn"`
	TURNRelayPorts string        `json:"turn_relay_ports"`
	Loopback       bool          `json:"loopback"`
	DoorsOpen      time.Duration `json:"doors_open"`
	MaxListeners   int           `json:"max_listeners"`
	Demo           bool          `json:"demo"`
	LogLevel       string        `json:"log_level"`
	LogFormat      string        `json:"log_format"`
	// VideoSize, VideoFPS and VideoBitrate shape the memorial collages' picture.
	VideoSize    string `json:"video_size"`
	VideoFPS     int    `json:"video_fps"`
	VideoBitrate int    `json:"video_bitrate"`
	// TrustedProxies are the reverse proxies (IPs or CIDR prefixes) whose forwarding headers name
	// the real client; empty means none, so nobody can spoof an address.
	TrustedProxies []string `json:"trusted_proxies"`
}

// flagHelp is returned when -h was asked for: the usage has been printed and hearth exits 0.
var flagHelp = errors.New("help requested")

func defaults() Config {
	return Config{
		Addr:           ":8080",
		Data:           "data",
		MaxUploadMB:    200,
		OpusBitrate:    96000,
		OpusComplexity: 10,
		DoorsOpen:      15 * time.Minute,
		MaxListeners:   500,
		Demo:           true,
		LogLevel:       "info",
		LogFormat:      "text",
		VideoSize:      "1280x720",
		VideoFPS:       30,
		VideoBitrate:   1_500_000,
	}
}

// loadConfig applies the layers to the defaults. args are the command-line arguments without the
// program name; env looks variables up.
func loadConfig(args []string, env func(string) (string, bool)) (Config, error) {
	cfg := defaults()
	fs := flag.NewFlagSet("hearth", flag.ContinueOnError)
	configPath := fs.String("config", "", "JSON config file (HEARTH_CONFIG)")
	addr := fs.String("addr", "", "HTTP listen address (HEARTH_ADDR, default :8080)")
	data := fs.String("data", "", "data directory for the database and media (HEARTH_DATA, default ./data)")
	publicURL := fs.String("public-url", "", "base URL of links handed out, e.g. https://hearth.example.org (HEARTH_PUBLIC_URL)")
	maxUpload := fs.Int64("max-upload-mb", 0, "largest media upload in MB (HEARTH_MAX_UPLOAD_MB, default 200)")
	bitrate := fs.Int("opus-bitrate", 0, "broadcast Opus bitrate in bit/s (HEARTH_OPUS_BITRATE, default 96000)")
	udpPort := fs.Int("udp-port", -1, "one UDP port for all WebRTC media; 0 = ephemeral ports (HEARTH_UDP_PORT)")
	publicIP := fs.String("public-ip", "", "comma-separated public IPs to advertise behind NAT (HEARTH_PUBLIC_IP)")
	turn := fs.String("turn", "", "listen address of the built-in TURN server, e.g. :3478; empty = off (HEARTH_TURN)")
	turnPorts := fs.String("turn-relay-ports", "", "TURN relay port range, e.g. 49160-49200 (HEARTH_TURN_RELAY_PORTS)")
	doors := fs.Duration("doors-open", 0, "how long before the start listeners may connect (HEARTH_DOORS_OPEN, default 15m)")
	demo := fs.String("demo", "", "create a looping demo session on an empty data dir: true/false (HEARTH_DEMO)")
	logLevel := fs.String("log-level", "", "debug, info, warn or error (HEARTH_LOG_LEVEL)")
	logFormat := fs.String("log-format", "", "text or json (HEARTH_LOG_FORMAT)")
	trustedProxies := fs.String("trusted-proxies", "", "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For/Forwarded is believed (HEARTH_TRUSTED_PROXIES)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, flagHelp
		}
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}

	if p := first(*configPath, envOr(env, "HEARTH_CONFIG")); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return cfg, fmt.Errorf("config file: %w", err)
		}
		var fc fileConfig
		fc.Config = cfg
		if err := json.Unmarshal(b, &fc); err != nil {
			return cfg, fmt.Errorf("config file %s: %w", p, err)
		}
		cfg = fc.Config
		if fc.DoorsOpen != "" {
			d, err := time.ParseDuration(fc.DoorsOpen)
			if err != nil {
				return cfg, fmt.Errorf("config file %s: doors_open: %w", p, err)
			}
			cfg.DoorsOpen = d
		}
	}

	var errs []error
	str := func(name string, dst *string) {
		if v, ok := env(name); ok && v != "" {
			*dst = v
		}
	}
	num := func(name string, dst *int) {
		if v, ok := env(name); ok && v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				return
			}
			*dst = n
		}
	}
	str("HEARTH_ADDR", &cfg.Addr)
	str("HEARTH_DATA", &cfg.Data)
	str("HEARTH_PUBLIC_URL", &cfg.PublicURL)
	str("HEARTH_ADMIN_TOKEN", &cfg.AdminToken)
	str("HEARTH_LOG_LEVEL", &cfg.LogLevel)
	str("HEARTH_LOG_FORMAT", &cfg.LogFormat)
	str("HEARTH_TURN", &cfg.TURN)
	str("HEARTH_TURN_RELAY_PORTS", &cfg.TURNRelayPorts)
	num("HEARTH_OPUS_BITRATE", &cfg.OpusBitrate)
	str("HEARTH_VIDEO_SIZE", &cfg.VideoSize)
	num("HEARTH_VIDEO_FPS", &cfg.VideoFPS)
	num("HEARTH_VIDEO_BITRATE", &cfg.VideoBitrate)
	num("HEARTH_UDP_PORT", &cfg.UDPPort)
	num("HEARTH_MAX_LISTENERS", &cfg.MaxListeners)
	var mb int = int(cfg.MaxUploadMB)
	num("HEARTH_MAX_UPLOAD_MB", &mb)
	cfg.MaxUploadMB = int64(mb)
	if v, ok := env("HEARTH_PUBLIC_IP"); ok && v != "" {
		cfg.PublicIPs = splitList(v)
	}
	if v, ok := env("HEARTH_TRUSTED_PROXIES"); ok && v != "" {
		cfg.TrustedProxies = splitList(v)
	}
	if v, ok := env("HEARTH_DOORS_OPEN"); ok && v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("HEARTH_DOORS_OPEN: %w", err))
		}
		cfg.DoorsOpen = d
	}
	if v, ok := env("HEARTH_DEMO"); ok && v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("HEARTH_DEMO: %w", err))
		}
		cfg.Demo = b
	}
	if v, ok := env("HEARTH_LOOPBACK"); ok && v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("HEARTH_LOOPBACK: %w", err))
		}
		cfg.Loopback = b
	}
	if err := errors.Join(errs...); err != nil {
		return cfg, err
	}

	// Flags last: only those given on the command line.
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["addr"] {
		cfg.Addr = *addr
	}
	if set["data"] {
		cfg.Data = *data
	}
	if set["public-url"] {
		cfg.PublicURL = *publicURL
	}
	if set["max-upload-mb"] {
		cfg.MaxUploadMB = *maxUpload
	}
	if set["opus-bitrate"] {
		cfg.OpusBitrate = *bitrate
	}
	if set["udp-port"] {
		cfg.UDPPort = *udpPort
	}
	if set["public-ip"] {
		cfg.PublicIPs = splitList(*publicIP)
	}
	if set["turn"] {
		cfg.TURN = *turn
	}
	if set["turn-relay-ports"] {
		cfg.TURNRelayPorts = *turnPorts
	}
	if set["doors-open"] {
		cfg.DoorsOpen = *doors
	}
	if set["demo"] {
		b, err := strconv.ParseBool(*demo)
		if err != nil {
			return cfg, fmt.Errorf("-demo: %w", err)
		}
		cfg.Demo = b
	}
	if set["log-level"] {
		cfg.LogLevel = *logLevel
	}
	if set["log-format"] {
		cfg.LogFormat = *logFormat
	}
	if set["trusted-proxies"] {
		cfg.TrustedProxies = splitList(*trustedProxies)
	}
	return cfg, cfg.Validate()
}

// fileConfig lets the JSON file give durations as strings ("15m").
type fileConfig struct {
	Config
	DoorsOpen string `json:"doors_open"`
}

// Validate checks that the configuration can run.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr %q: %w", c.Addr, err))
	}
	if strings.TrimSpace(c.Data) == "" {
		errs = append(errs, errors.New("data directory must be set"))
	}
	if c.MaxUploadMB < 1 || c.MaxUploadMB > 4096 {
		errs = append(errs, fmt.Errorf("max upload %d MB out of range 1..4096", c.MaxUploadMB))
	}
	if c.OpusBitrate < 16000 || c.OpusBitrate > 510000 {
		errs = append(errs, fmt.Errorf("opus bitrate %d out of range 16000..510000", c.OpusBitrate))
	}
	if _, err := c.Show(); err != nil {
		errs = append(errs, err)
	}
	if c.OpusComplexity < 0 || c.OpusComplexity > 10 {
		errs = append(errs, fmt.Errorf("opus complexity %d out of range 0..10", c.OpusComplexity))
	}
	if c.UDPPort < 0 || c.UDPPort > 65535 {
		errs = append(errs, fmt.Errorf("udp port %d out of range", c.UDPPort))
	}
	for _, ip := range c.PublicIPs {
		if net.ParseIP(ip) == nil {
			errs = append(errs, fmt.Errorf("public ip %q is not an IP address", ip))
		}
	}
	if _, err := api.ParseTrustedProxies(c.TrustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("trusted proxies: %w", err))
	}
	if c.TURN != "" {
		if _, _, err := net.SplitHostPort(c.TURN); err != nil {
			errs = append(errs, fmt.Errorf("turn %q: %w", c.TURN, err))
		}
		if len(c.PublicIPs) == 0 {
			errs = append(errs, errors.New("the TURN server needs --public-ip: the address clients relay through"))
		}
	}
	if _, _, err := c.relayPorts(); err != nil {
		errs = append(errs, err)
	}
	if c.DoorsOpen < 0 || c.DoorsOpen > 24*time.Hour {
		errs = append(errs, fmt.Errorf("doors-open %s out of range 0..24h", c.DoorsOpen))
	}
	if c.MaxListeners < 1 {
		errs = append(errs, errors.New("max listeners must be at least 1"))
	}
	if c.PublicURL != "" && !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://") {
		errs = append(errs, fmt.Errorf("public url %q must start with http:// or https://", c.PublicURL))
	}
	if c.AdminToken != "" && len(c.AdminToken) < 16 {
		errs = append(errs, errors.New("HEARTH_ADMIN_TOKEN must be at least 16 characters"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log level %q: want debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log format %q: want text or json", c.LogFormat))
	}
	return errors.Join(errs...)
}

// relayPorts parses TURNRelayPorts ("49160-49200"); zeros mean the TURN server's default.
func (c Config) relayPorts() (int, int, error) {
	if c.TURNRelayPorts == "" {
		return 0, 0, nil
	}
	lo, hi, ok := strings.Cut(c.TURNRelayPorts, "-")
	a, err1 := strconv.Atoi(strings.TrimSpace(lo))
	b, err2 := strconv.Atoi(strings.TrimSpace(hi))
	if !ok || err1 != nil || err2 != nil || a < 1024 || b > 65535 || a > b {
		return 0, 0, fmt.Errorf("turn relay ports %q: want a range such as 49160-49200", c.TURNRelayPorts)
	}
	return a, b, nil
}

func envOr(env func(string) (string, bool), k string) string {
	v, _ := env(k)
	return v
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Show is the collages' picture: the default show with the configured size, rate and bitrate.
func (c Config) Show() (show.Config, error) {
	sc := show.DefaultConfig()
	if _, err := fmt.Sscanf(c.VideoSize, "%dx%d", &sc.Width, &sc.Height); err != nil {
		return sc, fmt.Errorf("video size %q should look like 1280x720", c.VideoSize)
	}
	sc.FPS, sc.Bitrate = c.VideoFPS, c.VideoBitrate
	if sc.FPS < 24 || sc.FPS > 30 {
		return sc, fmt.Errorf("video fps %d out of range 24..30", sc.FPS)
	}
	if err := sc.Validate(); err != nil {
		return sc, fmt.Errorf("video: %w", err)
	}
	return sc, nil
}
