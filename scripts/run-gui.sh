#!/usr/bin/env bash
# scripts/run-gui.sh [MODEL] [aotviz options] — install what is missing, build, and open the debugger
# (default model: attn_block).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_packages "${AOTVIZ_PACKAGES[@]}"
configure_and_build -DAOTVIZ_GUI=ON
exec "$BUILD_DIR/app/aotviz" "$@"
