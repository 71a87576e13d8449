# scripts/common.sh — shared by the set-up scripts: Debian packages, the project venv with PyTorch, configure,
# build. Sourced, not run.
set -euo pipefail
AOTVIZ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${AOTVIZ_BUILD_DIR:-$AOTVIZ_ROOT/build}"
JOBS="${AOTVIZ_JOBS:-$(nproc 2>/dev/null || echo 2)}"

# Packages for building and testing everything (GUI included). LibTorch is not among them: it comes from the
# pinned PyPI wheel in the venv below.
AOTVIZ_PACKAGES=(build-essential cmake pkg-config ccache python3 python3-venv nlohmann-json3-dev libboost-graph-dev
  libcli11-dev libgtest-dev libimgui-dev libglfw3-dev libgl-dev libgraphviz-dev graphviz libstb-dev zlib1g-dev)
AOTVIZ_TEST_PACKAGES=(xvfb xauth libgl1-mesa-dri clang)

# The one PyTorch aotviz builds against and checks itself with (LibTorch for the build, Python PyTorch as the
# fidelity reference and the benchmark peer). Pinned: change it here only.
AOTVIZ_TORCH_VERSION=2.11.0
# What the venv needs besides torch: networkx for PyTorch's min-cut partitioner (fidelity tests, benchmarks),
# numpy, without which torch warns at import, and torchvision (the release made for torch 2.11; it requires
# torch==2.11.0 exactly, so pip keeps the pinned torch) with its dependency pillow for the real-model corpus
# (tests/corpus/corpus.py).
AOTVIZ_VENV_PACKAGES=(networkx==3.6.1 numpy==2.4.6 torchvision==0.26.0 pillow==13.0.0)
VENV_DIR="${AOTVIZ_VENV:-$AOTVIZ_ROOT/.venv}"
VENV_PYTHON="$VENV_DIR/bin/python"

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

# venv_problem: prints why the venv cannot be used as it is (nothing when it is right).
venv_problem() {
  [ -x "$VENV_PYTHON" ] || { echo "there is no venv at $VENV_DIR"; return; }
  local probe
  probe="$("$VENV_PYTHON" - "$AOTVIZ_TORCH_VERSION" "${AOTVIZ_VENV_PACKAGES[@]}" 2>&1 <<'EOF'
import sys
from importlib import metadata
want, extra = sys.argv[1], sys.argv[2:]
try:
    import torch
except Exception as e:
    print(f"torch does not import ({type(e).__name__}: {e})"); sys.exit()
if torch.__version__.split("+")[0] != want:
    print(f"it holds torch {torch.__version__}, not {want}"); sys.exit()
for req in extra:
    name, version = req.split("==")
    try:
        have = metadata.version(name)
    except metadata.PackageNotFoundError:
        have = None
    if have != version:
        print(f"{name} is {have or 'missing'}, not {version}"); sys.exit()
if any(req.startswith("torchvision==") for req in extra):
    try:
        import torchvision  # its C++ operators are built for one torch: a mismatch fails here
    except Exception as e:
        print(f"torchvision does not import with torch {torch.__version__} ({type(e).__name__}: {e})"); sys.exit()
EOF
)" || probe="its python does not run ($probe)"
  echo "$probe"
}

# ensure_venv: the project venv with the pinned torch and the test packages. Reused when it is already right; when
# only packages besides torch are missing or have other versions, they are installed into it (torch stays: every
# pin is passed to pip together); otherwise it is (re)created, with a line saying why. Only PyPI is used.
ensure_venv() {
  local why req
  why="$(venv_problem)"
  [ -z "$why" ] && return 0
  for req in "${AOTVIZ_VENV_PACKAGES[@]}"; do
    if [[ "$why" == "${req%%==*} is "* ]]; then
      echo "aotviz: updating the venv at $VENV_DIR: $why"
      "$VENV_PYTHON" -m pip install -q --disable-pip-version-check --progress-bar off \
        "torch==$AOTVIZ_TORCH_VERSION" "${AOTVIZ_VENV_PACKAGES[@]}" || true
      why="$(venv_problem)"
      [ -z "$why" ] && return 0
      break
    fi
  done
  if [ -d "$VENV_DIR" ] && [ "$why" != "there is no venv at $VENV_DIR" ]; then
    echo "aotviz: replacing the venv at $VENV_DIR: $why"
    rm -rf "$VENV_DIR"
  else
    echo "aotviz: creating the venv at $VENV_DIR (torch==$AOTVIZ_TORCH_VERSION from PyPI, about 3 GB)"
  fi
  /usr/bin/python3 -m venv "$VENV_DIR"
  "$VENV_PYTHON" -m pip install -q --disable-pip-version-check --progress-bar off \
    "torch==$AOTVIZ_TORCH_VERSION" "${AOTVIZ_VENV_PACKAGES[@]}"
  why="$(venv_problem)"
  [ -z "$why" ] || { echo "aotviz: the venv at $VENV_DIR is still not right: $why" >&2; exit 1; }
}

# ImPlot for the app's charts. Debian has no ImPlot; PyPI's imgui-bundle source release 0.5.1 carries ImPlot 0.14
# (external/implot), the last ImPlot that builds against Debian's Dear ImGui 1.86 (later ones need ImGui >= 1.89).
# The sdist is fetched once from PyPI's file host, pinned by its SHA-256, and only ImPlot's files are kept.
AOTVIZ_IMPLOT_URL="https://files.pythonhosted.org/packages/ef/22/79817a1eb384f70e80b1707c2bc100c28f51b681df36eda57ddb51c30f84/imgui-bundle-0.5.1.tar.gz"
AOTVIZ_IMPLOT_SHA256=e72480b93239fa402f5be96c05ee2d970d7b6d6e70e76551203de34cb0ef13d0
AOTVIZ_IMPLOT_DIR="$AOTVIZ_ROOT/.deps/implot-0.14"

# ensure_implot: ImPlot's sources in $AOTVIZ_IMPLOT_DIR (idempotent).
ensure_implot() {
  [ -f "$AOTVIZ_IMPLOT_DIR/implot.cpp" ] && return 0
  echo "aotviz: fetching ImPlot 0.14 (imgui-bundle 0.5.1 source release from PyPI, 22 MB, SHA-256 checked)"
  /usr/bin/python3 - "$AOTVIZ_IMPLOT_URL" "$AOTVIZ_IMPLOT_SHA256" "$AOTVIZ_IMPLOT_DIR" <<'EOF'
import hashlib, io, os, sys, tarfile, tempfile, urllib.request
url, want, out = sys.argv[1:]
data = urllib.request.urlopen(url, timeout=300).read()
got = hashlib.sha256(data).hexdigest()
if got != want:
    sys.exit(f"aotviz: {url} has SHA-256 {got}, expected {want}: not used")
names = ("implot.h", "implot_internal.h", "implot.cpp", "implot_items.cpp", "LICENSE")
os.makedirs(os.path.dirname(out), exist_ok=True)
tmp = tempfile.mkdtemp(dir=os.path.dirname(out))
with tarfile.open(fileobj=io.BytesIO(data)) as tar:
    for m in tar.getmembers():
        parts = m.name.split("/")
        if len(parts) == 4 and parts[1:3] == ["external", "implot"] and parts[3] in names and m.isfile():
            with open(os.path.join(tmp, parts[3]), "wb") as f:
                f.write(tar.extractfile(m).read())
missing = [n for n in names if not os.path.exists(os.path.join(tmp, n))]
if missing:
    sys.exit(f"aotviz: the ImPlot sources are not in {url}: {missing}")
os.chmod(tmp, 0o755)
os.rename(tmp, out)
EOF
}

# configure DIR [extra cmake args...]: configures a build directory against the venv's LibTorch (quiet unless it
# fails; prints aotviz's own status lines: LibTorch version, CUDA compiled in or not).
configure() {
  local dir="$1"; shift
  ensure_venv
  local prefix log
  prefix="$("$VENV_PYTHON" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')"
  [[ " $* " == *" -DAOTVIZ_GUI=OFF "* ]] || ensure_implot
  log="$(mktemp)"
  if ! cmake -S "$AOTVIZ_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH="$prefix" \
      -DAOTVIZ_PYTHON="$VENV_PYTHON" -DAOTVIZ_IMPLOT_DIR="$AOTVIZ_IMPLOT_DIR" "$@" >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"; exit 1
  fi
  grep '^-- aotviz' "$log" || true
  rm -f "$log"
}

# configure_and_build [extra cmake args...]: the main build directory, configured and built.
configure_and_build() {
  configure "$BUILD_DIR" "$@"
  cmake --build "$BUILD_DIR" -j "$JOBS"
}
