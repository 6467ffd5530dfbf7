package dlopt

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/backends/xla"
)

// Environment variables read by [Backend], in order of precedence.
const (
	BackendEnv      = "DLOPT_BACKEND"
	GoMLXBackendEnv = backends.ConfigEnvVar // "GOMLX_BACKEND"
)

// DefaultBackendConfig is used when neither DLOPT_BACKEND nor GOMLX_BACKEND is set: the embedded
// pure-Go backend, which needs nothing installed.
const DefaultBackendConfig = simplego.BackendName

func init() {
	// dlopt never downloads a PJRT plugin behind the user's back: see InstallXLAPlugins.
	xla.EnableAutoInstall(false)
}

var (
	backendOnce sync.Once
	backendVal  backends.Backend
	backendErr  error
)

// Backend returns the process-wide GoMLX backend, created on first use from
// $DLOPT_BACKEND, else $GOMLX_BACKEND, else [DefaultBackendConfig].
//
// Configurations have GoMLX's form "name:config": "go" (simplego), "xla:cpu", "xla:cuda",
// or "xla:/absolute/path/to/pjrt_plugin.so".
func Backend() (backends.Backend, error) {
	backendOnce.Do(func() {
		backendVal, backendErr = NewBackend(BackendConfig())
	})
	return backendVal, backendErr
}

// MustBackend is [Backend] for notebooks and examples: it panics with the error's explanation.
func MustBackend() backends.Backend {
	b, err := Backend()
	if err != nil {
		panic(err)
	}
	return b
}

// BackendConfig returns the configuration [Backend] uses and nothing else: the first non-empty
// of $DLOPT_BACKEND, $GOMLX_BACKEND and [DefaultBackendConfig].
func BackendConfig() string {
	for _, env := range []string{BackendEnv, GoMLXBackendEnv} {
		if v := strings.TrimSpace(os.Getenv(env)); v != "" {
			return v
		}
	}
	return DefaultBackendConfig
}

// NewBackend creates a backend from a configuration string ("go", "xla:cpu", "xla:/path/plugin.so").
// Unlike GoMLX's own constructor it never panics: an unknown name or a missing or broken plugin
// is an error that says what was tried and how to fix it.
func NewBackend(config string) (b backends.Backend, err error) {
	name, pluginCfg, _ := strings.Cut(config, ":")
	switch name {
	case "go", "simplego":
		name = simplego.BackendName
	case "xla", "stablehlo", "shlo", "hlo", "pjrt":
		name = xla.BackendName
		if err := checkPlugin(pluginCfg); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("dlopt: unknown backend %q in configuration %q: allowed are \"go\" (pure Go, the default) "+
			"and \"xla:PLUGIN\" with PLUGIN one of cpu, cuda or an absolute path to a PJRT plugin .so", name, config)
	}
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("dlopt: creating backend %q failed: %v", config, r)
		}
	}()
	cfg := name
	if pluginCfg != "" {
		cfg += ":" + pluginCfg
	}
	b, err = backends.NewWithConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("dlopt: creating backend %q failed: %w%s", config, err, xlaHint(name))
	}
	return b, nil
}

// checkPlugin verifies that an XLA plugin can be found before GoMLX tries to load it.
func checkPlugin(pluginCfg string) error {
	plugin, _, _ := strings.Cut(pluginCfg, ",")
	if filepath.IsAbs(plugin) {
		if _, err := os.Stat(plugin); err != nil {
			return fmt.Errorf("dlopt: XLA plugin %q: %w%s", plugin, err, xlaHint(xla.BackendName))
		}
		return nil
	}
	available := xla.GetAvailablePlugins()
	if plugin == "" && len(available) > 0 {
		return nil
	}
	for _, p := range available {
		if p == plugin {
			return nil
		}
	}
	want := plugin
	if want == "" {
		want = "any"
	}
	return fmt.Errorf("dlopt: no XLA PJRT plugin %q found (searched $PJRT_PLUGIN_LIBRARY_PATH and the standard "+
		"locations; found %q)%s", want, available, xlaHint(xla.BackendName))
}

func xlaHint(name string) string {
	if name != xla.BackendName {
		return ""
	}
	return ".\nTo fix: give the plugin's absolute path (DLOPT_BACKEND=xla:/path/to/pjrt_c_api_cpu_plugin.so), " +
		"install one with `dlopt backends --install` (downloads GoMLX's CPU plugin, or jax's CUDA plugin), " +
		"or use the pure-Go backend: DLOPT_BACKEND=go"
}

// BackendInfo describes one backend configuration available on this machine.
type BackendInfo struct {
	Config      string // what to put in DLOPT_BACKEND
	Description string
	Default     bool // the one Backend() would pick now
}

// AvailableBackends lists the backends usable on this machine: simplego always, and one XLA entry
// per PJRT plugin found (nothing is downloaded).
func AvailableBackends() []BackendInfo {
	current := BackendConfig()
	infos := []BackendInfo{{Config: "go", Description: "simplego: pure Go, embedded, CPU"}}
	for _, p := range xla.GetAvailablePlugins() {
		infos = append(infos, BackendInfo{Config: "xla:" + p, Description: "XLA with PJRT plugin " + p})
	}
	matched := false
	for i := range infos {
		if infos[i].Config == current || (current == simplego.BackendName && infos[i].Config == "go") {
			infos[i].Default, matched = true, true
		}
	}
	if !matched {
		infos = append(infos, BackendInfo{Config: current, Description: "from $" + BackendEnv + "/$" + GoMLXBackendEnv, Default: true})
	}
	return infos
}

// InstallXLAPlugins downloads GoMLX's default PJRT plugins (CPU, and CUDA where a GPU is present).
// It is the only place dlopt downloads anything, and it runs only when asked.
func InstallXLAPlugins() error {
	return xla.AutoInstall()
}
