package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mspsync/mspsync/alerting"
)

func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(t.Context(), options{demo: true}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	s := out.String()
	for _, want := range []string{
		"redelivery of the same raise         200",
		"a body with the wrong secret         401",
		"Datto's test button                  400",
		"Unassigned alerts", "resolved by API",
		"mspsync_alerting_tickets_created_total 4",
		"mspsync_alerting_deduplicated_total 1",
		"mspsync_alerting_source_resolves_total 1",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}

func TestMissingSettings(t *testing.T) {
	for _, k := range []string{"HALO_URL", "HALO_CLIENT_ID", "HALO_CLIENT_SECRET", "DATTO_API_URL", "DATTO_API_KEY", "DATTO_API_SECRET", "DATTO_WEBHOOK_SECRET"} {
		t.Setenv(k, "")
	}
	var errOut bytes.Buffer
	code := run(t.Context(), options{}, &bytes.Buffer{}, &errOut)
	for _, want := range []string{"HALO_URL, HALO_CLIENT_ID, HALO_CLIENT_SECRET", "DATTO_API_URL, DATTO_API_KEY, DATTO_API_SECRET", "DATTO_WEBHOOK_SECRET"} {
		if code != exitSettings || !strings.Contains(errOut.String(), want) {
			t.Errorf("exit %d, %q not named: %s", code, want, errOut.String())
		}
	}
}

func TestPrintTemplates(t *testing.T) {
	t.Setenv("DATTO_WEBHOOK_SECRET", "s3cret-0123456789abcdef")
	var out bytes.Buffer
	if code := run(t.Context(), options{printTemplates: true}, &out, &bytes.Buffer{}); code != exitOK ||
		!strings.Contains(out.String(), `"alert_resolved":true,"state":"s3cret-0123456789abcdef"`) {
		t.Errorf("exit %d: %s", code, out.String())
	}
}

func TestOpenStorePicksByScheme(t *testing.T) {
	s, err := openStore(t.Context(), t.TempDir()+"/a.db")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := openStore(t.Context(), "postgres://u:secret-pw@127.0.0.1:1/db?connect_timeout=1"); err == nil || strings.Contains(err.Error(), "secret-pw") {
		t.Errorf("unreachable postgres: %v", err)
	}
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	if cfg, err := loadConfig(""); err != nil || !cfg.AutoMatch || !cfg.LinkAsset || cfg.Grouping != alerting.GroupPerAlert {
		t.Errorf("default: %+v, %v", cfg, err)
	}
	path := filepath.Join(t.TempDir(), "alerting.json")
	os.WriteFile(path, []byte(`{"grouping":"user","catch_all":{"customer":"1","contakt":"2"}}`), 0o600)
	if _, err := loadConfig(path); err == nil || !strings.Contains(err.Error(), path+`: config catch_all.contakt: unknown key`) {
		t.Errorf("unknown key: %v", err)
	}
	os.WriteFile(path, []byte(`{"grouping":"user","catch_all":{"customer":"1"}}`), 0o600)
	if cfg, err := loadConfig(path); err != nil || cfg.Grouping != alerting.GroupUser || cfg.OnResolve != alerting.CloseOnResolve {
		t.Errorf("file: %+v, %v", cfg, err)
	}
}
