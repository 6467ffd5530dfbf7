package dlopt

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/go-xla/compute/xla"

	// The installer is linked so that `dlopt backends --install` can use it; init below keeps it
	// from running on its own.
	_ "github.com/gomlx/go-xla/compute/xla/autoinstall"
)

// Environment variables read by [Backend], in order of precedence.
const (
	BackendEnv      = "DLOPT_BACKEND"
	GoMLXBackendEnv = compute.ConfigEnvVar // "GOMLX_BACKEND"
)

// DefaultBackendConfig is used when neither DLOPT_BACKEND nor GOMLX_BACKEND is set: the embedded
// pure-Go backend, which needs nothing installed.
const DefaultBackendConfig = gobackend.BackendName

func init() {
	// dlopt never downloads a PJRT plugin behind the user's back: see InstallXLAPlugins.
	xla.EnableAutoInstall(false)
}

// ErrUnknownBackend is wrapped by the error for a configuration whose backend name is none of
// go, xla and onnx: the caller's mistake, not a backend missing on this machine (the command
// line tells them apart by exit code).
var ErrUnknownBackend = errors.New("dlopt: unknown backend")

var (
	backendOnce sync.Once
	backendVal  compute.Backend
	backendErr  error
)

// Backend returns the process-wide GoMLX backend, created on first use from
// $DLOPT_BACKEND, else $GOMLX_BACKEND, else [DefaultBackendConfig].
//
// Configurations have GoMLX's form "name:config": "go" (GoMLX's Go backend), "xla:cpu", "xla:cuda",
// or "xla:/absolute/path/to/pjrt_plugin.so". An error names the variable the configuration came
// from, what was tried and how to fix it.
func Backend() (compute.Backend, error) {
	backendOnce.Do(func() { backendVal, backendErr = backendFromEnvironment() })
	return backendVal, backendErr
}

// backendFromEnvironment creates the backend [BackendConfig] names; an error says which
// environment variable the configuration came from.
func backendFromEnvironment() (compute.Backend, error) {
	config, source := backendConfigSource()
	b, err := NewBackend(config)
	if err != nil && source != "" {
		err = fmt.Errorf("%w\n(the configuration %q comes from $%s)", err, config, source)
	}
	return b, err
}

// MustBackend is [Backend] for notebooks and examples: it panics with the error's explanation.
func MustBackend() compute.Backend {
	b, err := Backend()
	if err != nil {
		panic(err)
	}
	return b
}

// BackendConfig returns the configuration [Backend] uses and nothing else: the first non-empty
// of $DLOPT_BACKEND, $GOMLX_BACKEND and [DefaultBackendConfig].
func BackendConfig() string {
	config, _ := backendConfigSource()
	return config
}

// backendConfigSource returns BackendConfig and the environment variable it came from ("" for
// the default).
func backendConfigSource() (config, source string) {
	for _, env := range []string{BackendEnv, GoMLXBackendEnv} {
		if v := strings.TrimSpace(os.Getenv(env)); v != "" {
			return v, env
		}
	}
	return DefaultBackendConfig, ""
}

// NewBackend creates a backend from a configuration string ("go", "xla:cpu", "xla:/path/plugin.so").
// Unlike GoMLX's own constructor it never panics: an unknown name or a missing or broken plugin
// is an error that says what was tried and how to fix it.
func NewBackend(config string) (b compute.Backend, err error) {
	name, err := checkConfig(config)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("dlopt: creating backend %q failed: %v%s", config, r, fixHint(name))
		}
	}()
	_, options, _ := strings.Cut(config, ":")
	if name == ONNXBackendName {
		b, err := newONNXBackend(options)
		if err != nil {
			return nil, fmt.Errorf("dlopt: creating backend %q failed: %w%s", config, err, fixHint(name))
		}
		return b, nil
	}
	cfg := name
	if options != "" {
		cfg += ":" + options
	}
	b, err = compute.NewWithConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("dlopt: creating backend %q failed: %w%s", config, err, fixHint(name))
	}
	return b, nil
}

// checkConfig validates a configuration without creating the backend (nor loading a plugin) and
// returns GoMLX's name for its backend.
func checkConfig(config string) (name string, err error) {
	name, options, _ := strings.Cut(config, ":")
	switch strings.ToLower(name) {
	case "go", "simplego":
		return gobackend.BackendName, nil
	case "xla", "stablehlo", "shlo", "hlo", "pjrt":
		return xla.BackendName, checkPlugin(options)
	case "onnx", ONNXBackendName:
		if _, _, err := onnxOptions(options); err != nil {
			return "", fmt.Errorf("%w%s", err, fixHint(ONNXBackendName))
		}
		return ONNXBackendName, nil
	}
	return "", fmt.Errorf("%w %q in configuration %q: allowed are \"go\" (pure Go, the default), "+
		"\"xla:PLUGIN\" with PLUGIN one of cpu, cuda or an absolute path to a PJRT plugin .so, "+
		"and \"onnx\" (ONNX Runtime) or \"onnx:/abs/path/libonnxruntime.so.1\"", ErrUnknownBackend, name, config)
}

// checkPlugin verifies that an XLA plugin can be found before GoMLX tries to load it.
func checkPlugin(pluginCfg string) error {
	plugin, _, _ := strings.Cut(pluginCfg, ",")
	if filepath.IsAbs(plugin) {
		if _, err := os.Stat(plugin); err != nil {
			return fmt.Errorf("dlopt: XLA plugin %q: %w%s", plugin, err, fixHint(xla.BackendName))
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
	want, found := plugin, "none"
	if want == "" {
		want = "any"
	}
	if len(available) > 0 {
		found = strings.Join(available, ", ")
	}
	return fmt.Errorf("dlopt: no XLA PJRT plugin %q found (searched $PJRT_PLUGIN_LIBRARY_PATH and the standard "+
		"locations; found: %s)%s", want, found, fixHint(xla.BackendName))
}

// fixHint tells how to get a working backend after the named one failed.
func fixHint(name string) string {
	if name == ONNXBackendName {
		return ".\nTo fix: run `make setup` (puts ONNX Runtime " + ONNXRuntimeVersion + " in ~/.cache/dlopt/onnxruntime), " +
			"give the library's absolute path (DLOPT_BACKEND=onnx:/path/to/libonnxruntime.so.1 or $" + ONNXRuntimeLibraryEnv + "), " +
			"download it with `dlopt backends --install onnx` (from GitHub), or use the pure-Go backend: DLOPT_BACKEND=go"
	}
	if name != xla.BackendName {
		return ".\nTo fix: use DLOPT_BACKEND=go (the Go backend with its default options), or only the options listed above"
	}
	return ".\nTo fix: give the plugin's absolute path (DLOPT_BACKEND=xla:/path/to/pjrt_c_api_cpu_plugin.so), " +
		"install one with `dlopt backends --install` (downloads GoMLX's CPU plugin, or jax's CUDA plugin), " +
		"or use the pure-Go backend: DLOPT_BACKEND=go"
}

// BackendInfo describes one backend configuration: one usable here, or the one selected by
// $DLOPT_BACKEND/$GOMLX_BACKEND whether usable or not.
type BackendInfo struct {
	Config      string // what to put in DLOPT_BACKEND
	Description string
	Default     bool  // the one Backend() would pick now
	Err         error // why Config cannot be used here; nil when it can
}

// AvailableBackends lists the backends usable on this machine: the Go backend always, and one XLA entry
// per PJRT plugin found (nothing is downloaded). A configuration selected through the environment
// that is none of these is listed too, with Err saying why it is not usable (for XLA, only that
// the plugin file exists is checked: it is not loaded).
func AvailableBackends() []BackendInfo {
	current, source := backendConfigSource()
	infos := []BackendInfo{{Config: "go", Description: "Go backend: pure Go, embedded, CPU; SIMD kernels: " + SIMDKernels()}}
	for _, p := range xla.GetAvailablePlugins() {
		infos = append(infos, BackendInfo{Config: "xla:" + p, Description: "XLA with PJRT plugin " + p})
	}
	// ONNX Runtime where its library is found; when the selection names an ONNX configuration,
	// only that one (a process loads one ONNX Runtime library).
	if name, _, _ := strings.Cut(current, ":"); !isONNXName(name) {
		if _, lib, err := onnxOptions(""); err == nil {
			infos = append(infos, onnxInfo("onnx", lib))
		}
	}
	matched := false
	for i := range infos {
		if infos[i].Config == current || (isPlainSimplego(current) && infos[i].Config == "go") {
			infos[i].Default, matched = true, true
		}
	}
	if !matched {
		info := BackendInfo{Config: current, Description: "from $" + source, Default: true}
		if name, err := checkConfig(current); err != nil {
			info.Err = err
		} else if name == ONNXBackendName {
			_, options, _ := strings.Cut(current, ":")
			_, lib, _ := onnxOptions(options)
			onnx := onnxInfo(current, lib)
			info.Description, info.Err = onnx.Description+", from $"+source, onnx.Err
		} else if name == gobackend.BackendName {
			// the Go backend with options: creating it is cheap and checks the options.
			b, err := NewBackend(current)
			if err != nil {
				info.Err = err
			} else {
				b.Finalize()
			}
		}
		infos = append(infos, info)
	}
	return infos
}

// onnxInfo creates the ONNX Runtime backend of config (which loads the library lib) for its version.
func onnxInfo(config, lib string) BackendInfo {
	info := BackendInfo{Config: config, Description: "ONNX Runtime (CPU), " + lib}
	b, err := NewBackend(config)
	if err != nil {
		info.Err = err
		return info
	}
	defer b.Finalize()
	info.Description = fmt.Sprintf("ONNX Runtime %s, %s", ONNXRuntimeVersionOf(b), lib)
	if !strings.Contains(b.Description(), "(CPU)") {
		info.Description += " (" + b.Description() + ")"
	}
	return info
}

// isONNXName reports whether a configuration's name selects ONNX Runtime.
func isONNXName(name string) bool {
	name = strings.ToLower(name)
	return name == "onnx" || name == ONNXBackendName
}

// isPlainSimplego reports whether config selects the Go backend with its default options.
func isPlainSimplego(config string) bool {
	name, options, _ := strings.Cut(config, ":")
	name = strings.ToLower(name)
	return (name == "go" || name == "simplego") && options == ""
}

// InstallXLAPlugins downloads GoMLX's default PJRT plugins (CPU, and CUDA where a GPU is present).
// It is the only place dlopt downloads anything, and it runs only when asked.
func InstallXLAPlugins() error {
	return xla.AutoInstall()
}
