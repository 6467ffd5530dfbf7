#!/usr/bin/env bash
# lab.sh: Jupyter Notebook with the GoNB (Go) kernel on notebooks/, for `make lab` and the
# course image (docker/Dockerfile). Prints the URL to open; Ctrl-C stops it and its kernels.
#
# Environment, all optional:
#   LAB_IP     address to listen on (default 127.0.0.1: this machine only; the image uses 0.0.0.0)
#   LAB_PORT   port (default 8888); a port in use is an error, never silently another port
#   LAB_TOKEN  access token (default: a fresh random one); letters, digits, '-' and '_' only
#   LAB_DIR    folder to serve (default: notebooks/ of this checkout)
#   JUPYTER    the Jupyter command (default /usr/bin/jupyter, Debian's, which has the notebook)
# Extra arguments are passed to `jupyter notebook`.
set -euo pipefail
# Go 1.27.3 with the simd experiment, as the Makefile sets them (why: its comment), since this
# script also runs alone: the machine's Go 1.26 ignores go.mod's toolchain line.
export GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd

here=$(cd "$(dirname "$0")/.." && pwd)
ip=${LAB_IP:-127.0.0.1}
port=${LAB_PORT:-8888}
dir=${LAB_DIR:-$here/notebooks}
jupyter=${JUPYTER:-/usr/bin/jupyter}

die() { echo "lab: $*" >&2; exit 1; }

# Input checks first, each naming the bad value and what is allowed.
[[ "$port" =~ ^[0-9]{1,5}$ ]] && ((10#$port >= 1 && 10#$port <= 65535)) ||
  die "LAB_PORT=$port is not a port number (allowed: 1-65535)"
port=$((10#$port)) # "08" is port 8, not an octal error
[[ -n "$ip" && "$ip" =~ ^[0-9A-Za-z.:_-]+$ ]] || die "LAB_IP='$ip' is not an address (e.g. 127.0.0.1, 0.0.0.0, ::1)"
if [ -z "${LAB_TOKEN+set}" ]; then
  token=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
else
  token=$LAB_TOKEN
  # An empty token would switch authentication off: anyone who reaches the port runs code.
  [[ "$token" =~ ^[A-Za-z0-9_-]{8,}$ ]] ||
    die "LAB_TOKEN must be at least 8 characters from [A-Za-z0-9_-] (got '${token}'); unset it for a random one"
fi
[ -d "$dir" ] || die "LAB_DIR=$dir is not a folder"
dir=$(cd "$dir" && pwd)
[ -x "$jupyter" ] || command -v "$jupyter" >/dev/null ||
  die "Jupyter not found at $jupyter: run \`make setup\` (Debian's jupyter-notebook) or set JUPYTER"
command -v go >/dev/null || die "go not found on PATH"

# GoNB compiles each cell with go and fixes imports with goimports, both found on PATH.
gobin=${GOBIN:-$(go env GOPATH)/bin}
export PATH="$gobin:$PATH"
[ -x "$gobin/gonb" ] || die "GoNB not found in $gobin: run \`make setup\`"
# (Captured first: grep -q closing the pipe early could fail the pipeline under pipefail.)
specs=$("$jupyter" kernelspec list 2>/dev/null || true)
grep -qw gonb <<<"$specs" || die "the GoNB Jupyter kernel is not installed: run \`make setup\`"

# Fail early and clearly on a busy port (Jupyter would otherwise log a stack trace, or with
# its default port_retries quietly move to another port). SO_REUSEADDR as Tornado binds.
/usr/bin/python3 - "$ip" "$port" <<'EOF' || exit 1
import errno, socket, sys
ip, port = sys.argv[1], int(sys.argv[2])
try:
    infos = socket.getaddrinfo(ip, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
except socket.gaierror as e:
    sys.exit(f"lab: LAB_IP={ip} does not resolve: {e}")
fam, typ, proto, _, addr = infos[0]
s = socket.socket(fam, typ, proto)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(addr)
except OSError as e:
    if e.errno == errno.EADDRINUSE:
        sys.exit(f"lab: port {port} on {ip} is already in use (another lab?): "
                 f"stop that program or pick another port, e.g. LAB_PORT={port + 1} make lab")
    sys.exit(f"lab: cannot listen on {ip}:{port}: {e.strerror}")
finally:
    s.close()
EOF

args=(notebook --no-browser
  "--NotebookApp.ip=$ip" "--NotebookApp.port=$port" --NotebookApp.port_retries=0
  "--NotebookApp.token=$token" "--NotebookApp.notebook_dir=$dir")
[ "$(id -u)" = 0 ] && args+=(--allow-root)

# The address to type into a browser: inside a container 0.0.0.0 is reached as localhost
# through `docker run -p PORT:PORT`.
case "$ip" in
  0.0.0.0 | :: | '[::]') shown=127.0.0.1 ;;
  *:*) shown="[$ip]" ;;
  *) shown=$ip ;;
esac
echo "lab: serving $dir with the GoNB kernel; Ctrl-C stops it"
echo "lab: open http://$shown:$port/tree?token=$token"

# stdin from /dev/null: Jupyter then takes Ctrl-C as "stop now" (shutting its kernels down)
# instead of asking for confirmation. exec: signals reach Jupyter directly.
exec "$jupyter" "${args[@]}" "$@" </dev/null
