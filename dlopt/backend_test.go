package dlopt_test

import (
	"strings"
	"testing"

	"github.com/dlopt/course/dlopt"
)

func TestBackendConfigPrecedence(t *testing.T) {
	for _, tc := range []struct {
		name, dlopt, gomlx, want string
	}{
		{"neither set: default", "", "", dlopt.DefaultBackendConfig},
		{"only GOMLX_BACKEND", "", "xla:cpu", "xla:cpu"},
		{"only DLOPT_BACKEND", "xla:cuda", "", "xla:cuda"},
		{"DLOPT_BACKEND wins", "go", "xla:cpu", "go"},
		{"blank DLOPT_BACKEND is unset", "  ", "xla:cpu", "xla:cpu"},
		{"surrounding spaces trimmed", " xla:/p/plugin.so\n", "", "xla:/p/plugin.so"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(dlopt.BackendEnv, tc.dlopt)
			t.Setenv(dlopt.GoMLXBackendEnv, tc.gomlx)
			if got := dlopt.BackendConfig(); got != tc.want {
				t.Errorf("DLOPT_BACKEND=%q GOMLX_BACKEND=%q: BackendConfig() = %q, want %q", tc.dlopt, tc.gomlx, got, tc.want)
			}
		})
	}
	if dlopt.DefaultBackendConfig != "go" {
		t.Errorf("DefaultBackendConfig = %q, want \"go\" (the embedded backend that needs nothing installed)", dlopt.DefaultBackendConfig)
	}
}

func TestNewBackendAccepts(t *testing.T) {
	for _, config := range []string{"go", "simplego", "GO", "go:parallelism=2"} {
		b, err := dlopt.NewBackend(config)
		if err != nil {
			t.Errorf("NewBackend(%q): %v", config, err)
			continue
		}
		if b.String() != "go" {
			t.Errorf("NewBackend(%q) gave backend %q (%s), want the Go backend \"go\"", config, b.String(), b.Name())
		}
		// The Go backend's options take effect (its description shows the parallelism).
		if _, opt, _ := strings.Cut(config, ":"); opt != "" && !strings.Contains(b.Description(), opt) {
			t.Errorf("NewBackend(%q) gave backend %q, whose description lacks %q", config, b.Description(), opt)
		}
		b.Finalize()
	}
}

// TestNewBackendErrors: every unusable configuration is an error (never a panic) that names the
// configuration, says what was tried and how to fix it.
func TestNewBackendErrors(t *testing.T) {
	for _, tc := range []struct {
		config string
		want   []string // all must appear in the error
	}{
		{"tpu", []string{`"tpu"`, "allowed are", `"go"`, "xla:PLUGIN"}},
		{"", []string{`""`, "allowed are"}},
		{":cpu", []string{`":cpu"`, "allowed are"}},
		{"go:no_such_option", []string{`"go:no_such_option"`, "no_such_option", "To fix", "DLOPT_BACKEND=go"}},
		{"xla:/nonexistent/dir/pjrt_plugin.so", []string{"/nonexistent/dir/pjrt_plugin.so", "To fix", "dlopt backends --install", "DLOPT_BACKEND=go"}},
		{"xla:no_such_plugin", []string{`"no_such_plugin"`, "searched", "To fix", "DLOPT_BACKEND=go"}},
		{"xla:/etc/hostname", []string{`"xla:/etc/hostname"`, "failed", "To fix"}}, // exists, not a plugin
	} {
		t.Run(tc.config, func(t *testing.T) {
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("NewBackend(%q) panicked: %v", tc.config, r)
					}
				}()
				var b interface{ Finalize() }
				b, err = dlopt.NewBackend(tc.config)
				if err == nil {
					b.Finalize()
				}
			}()
			if err == nil {
				t.Fatalf("NewBackend(%q) gave no error", tc.config)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("NewBackend(%q) error lacks %q:\n%v", tc.config, w, err)
				}
			}
		})
	}
}

func TestAvailableBackends(t *testing.T) {
	for _, tc := range []struct {
		name, env, gomlxEnv string
		wantDefault         string
		wantUsable          bool
		wantInErr           string
	}{
		{"default", "", "", "go", true, ""},
		{"simplego alias of go", "simplego", "", "go", true, ""},
		{"go with options", "go:parallelism=2", "", "go:parallelism=2", true, ""},
		{"bad go option", "", "go:bogus", "go:bogus", false, "bogus"},
		{"missing plugin file", "xla:/nonexistent/pjrt_plugin.so", "", "xla:/nonexistent/pjrt_plugin.so", false, "no such file"},
		{"unknown name", "tpu", "", "tpu", false, "unknown backend"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(dlopt.BackendEnv, tc.env)
			t.Setenv(dlopt.GoMLXBackendEnv, tc.gomlxEnv)
			infos := dlopt.AvailableBackends()
			if len(infos) == 0 || infos[0].Config != "go" || infos[0].Err != nil {
				t.Fatalf("AvailableBackends()[0] should be the always-usable \"go\": %+v", infos)
			}
			var defaults []dlopt.BackendInfo
			for _, info := range infos {
				if info.Default {
					defaults = append(defaults, info)
				}
			}
			if len(defaults) != 1 {
				t.Fatalf("want exactly one default, got %+v", defaults)
			}
			d := defaults[0]
			if d.Config != tc.wantDefault {
				t.Errorf("default is %q, want %q", d.Config, tc.wantDefault)
			}
			if tc.wantUsable && d.Err != nil {
				t.Errorf("%q marked unusable: %v", d.Config, d.Err)
			}
			if !tc.wantUsable && (d.Err == nil || !strings.Contains(d.Err.Error(), tc.wantInErr)) {
				t.Errorf("%q should be marked unusable with a reason containing %q, got %v", d.Config, tc.wantInErr, d.Err)
			}
		})
	}
}
