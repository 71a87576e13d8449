# scripts/common.sh — shared by the set-up scripts: Debian packages, configure, build. Sourced, not run.
set -euo pipefail
AOTVIZ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${AOTVIZ_BUILD_DIR:-$AOTVIZ_ROOT/build}"
JOBS="${AOTVIZ_JOBS:-$(nproc 2>/dev/null || echo 2)}"

# Packages for building and testing everything (GUI included).
AOTVIZ_PACKAGES=(build-essential cmake pkg-config ccache libtorch-dev nlohmann-json3-dev libboost-graph-dev
  libcli11-dev libgtest-dev libimgui-dev libglfw3-dev libgl-dev libgraphviz-dev graphviz libstb-dev zlib1g-dev)
AOTVIZ_TEST_PACKAGES=(xvfb xauth libgl1-mesa-dri python3 python3-torch python3-networkx clang)

# install_packages PKG...: installs the ones that are missing (idempotent, quiet when nothing to do).
install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "aotviz: installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q >/dev/null
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# configure_and_build [extra cmake args...]
configure_and_build() {
  cmake -S "$AOTVIZ_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$BUILD_DIR" -j "$JOBS"
}
