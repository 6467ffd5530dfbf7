# image_engine.sh, sourced by scripts/image.sh and scripts/image_test.sh: picks the container
# engine and wraps it in the `engine` function.
#
# Docker if its daemon answers (`docker info`), else podman. IMAGE_ENGINE=docker|podman forces
# one. Podman gets the flags these machines need (cgroup v1 in hybrid mode, rlimits that cannot
# be raised): the runc runtime, the cgroupfs manager, and a containers.conf without default
# ulimits (docs: ../shared notes, README "Course image"). Elsewhere they are harmless.

image_engine_pick() {
  local want=${IMAGE_ENGINE:-}
  case "$want" in
    "" | docker | podman) ;;
    *) echo "image: IMAGE_ENGINE=$want is not an engine (allowed: docker, podman, or unset to pick)" >&2; return 2 ;;
  esac
  if [ "$want" = docker ] || { [ -z "$want" ] && command -v docker >/dev/null && docker info >/dev/null 2>&1; }; then
    command -v docker >/dev/null || { echo "image: IMAGE_ENGINE=docker but docker is not installed (Debian: apt-get install docker.io)" >&2; return 1; }
    IMAGE_ENGINE=docker
    engine() { docker "$@"; }
    return 0
  fi
  if command -v podman >/dev/null; then
    IMAGE_ENGINE=podman
    if [ -z "${CONTAINERS_CONF:-}" ]; then
      IMAGE_CONTAINERS_CONF=${TMPDIR:-/tmp}/dlopt-containers-$(id -u).conf
      printf '[containers]\ndefault_ulimits = []\n' >"$IMAGE_CONTAINERS_CONF"
      export CONTAINERS_CONF=$IMAGE_CONTAINERS_CONF
    fi
    local runtime=()
    command -v runc >/dev/null && runtime=(--runtime runc)
    IMAGE_PODMAN_FLAGS=("${runtime[@]}" --cgroup-manager=cgroupfs)
    engine() { podman "${IMAGE_PODMAN_FLAGS[@]}" "$@"; }
    return 0
  fi
  if command -v docker >/dev/null; then
    echo "image: docker is installed but its daemon does not answer (\`docker info\` fails): start it (sudo systemctl start docker) or install podman (apt-get install podman runc)" >&2
  else
    echo "image: no container engine: install Docker (Debian/Ubuntu: apt-get install docker.io; elsewhere https://docs.docker.com/get-docker/) or Podman (apt-get install podman runc)" >&2
  fi
  return 1
}
