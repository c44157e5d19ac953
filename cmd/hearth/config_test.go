package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func envMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestConfigLayers(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "hearth.json")
	os.WriteFile(file, []byte(`{"addr": ":7000", "data": "/from/file", "doors_open": "5m", "opus_bitrate": 64000}`), 0o600)
	cfg, err := loadConfig([]string{"--config", file, "--data", "/from/flag"}, envMap(map[string]string{
		"HEARTH_ADDR": ":9000", "HEARTH_DATA": "/from/env", "HEARTH_ADMIN_TOKEN": "0123456789abcdef0",
	}))
	if err != nil {
		t.Fatal(err)
	}
	// defaults < file < environment < flags
	if cfg.Addr != ":9000" || cfg.Data != "/from/flag" || cfg.DoorsOpen != 5*time.Minute || cfg.OpusBitrate != 64000 ||
		cfg.MaxUploadMB != 200 || cfg.AdminToken != "0123456789abcdef0" {
		t.Fatalf("config = %+v", cfg)
	}
	px, err := loadConfig([]string{"--trusted-proxies", "127.0.0.1, 10.0.0.0/8"}, envMap(map[string]string{"HEARTH_TRUSTED_PROXIES": "192.0.2.1"}))
	if err != nil || len(px.TrustedProxies) != 2 || px.TrustedProxies[1] != "10.0.0.0/8" {
		t.Fatalf("trusted proxies = %q, %v", px.TrustedProxies, err)
	}
	def, err := loadConfig(nil, envMap(nil))
	if err != nil || def.Addr != ":8080" || def.Data != "data" || !def.Demo {
		t.Fatalf("defaults = %+v, %v", def, err)
	}
}

func TestConfigRejectsNonsense(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		args []string
		env  map[string]string
	}{
		"bad addr":        {[]string{"--addr", "nonsense"}, nil},
		"bad bitrate":     {[]string{"--opus-bitrate", "5"}, nil},
		"bad port env":    {nil, map[string]string{"HEARTH_UDP_PORT": "many"}},
		"short token":     {nil, map[string]string{"HEARTH_ADMIN_TOKEN": "short"}},
		"bad public ip":   {[]string{"--public-ip", "not-an-ip"}, nil},
		"bad public url":  {[]string{"--public-url", "ftp://x"}, nil},
		"bad log level":   {[]string{"--log-level", "loud"}, nil},
		"stray argument":  {[]string{"extra"}, nil},
		"bad doors":       {nil, map[string]string{"HEARTH_DOORS_OPEN": "soon"}},
		"missing file":    {[]string{"--config", "/no/such/file.json"}, nil},
		"zero upload cap": {[]string{"--max-upload-mb", "0"}, nil},
		"proxy by name":   {[]string{"--trusted-proxies", "proxy.example"}, nil},
		"bad proxy env":   {nil, map[string]string{"HEARTH_TRUSTED_PROXIES": "10.0.0.0/40"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := loadConfig(tc.args, envMap(tc.env)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
