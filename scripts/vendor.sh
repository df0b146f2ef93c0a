#!/usr/bin/env bash
# Refresh the vendored front-end files in quizapp/static/vendor/ (served by the app) and
# tests/browser/vendor/ (used by the browser tests only, never served) from the npm registry.
#
# Versions are pinned here; to upgrade, change a version, run this script from the repository
# root (`bash scripts/vendor.sh`), update quizapp/static/vendor/README.md (for axe-core:
# tests/browser/vendor/axe-core/README.md), and check the app.
# Needs npm (for `npm pack`) and tar; installs nothing globally.
set -euo pipefail

PICO_VERSION="2.1.1"
SORTABLE_VERSION="1.15.7"
AXE_VERSION="4.14.1"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/quizapp/static/vendor"
TEST_VENDOR="$ROOT/tests/browser/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# fetch NAME VERSION: download the package tarball and unpack it into $WORK/NAME/package.
fetch() {
    local name="$1" version="$2" dir="$WORK/${1//\//_}"
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$name@$version" >/dev/null)
    tar -xzf "$dir"/*.tgz -C "$dir"
    echo "$dir/package"
}

# install SRC DEST: copy one file, failing loudly when the package layout changed.
install_file() {
    local src="$1" dest="$2"
    if [[ ! -f "$src" ]]; then
        echo "vendor.sh: expected file missing from the package: $src" >&2
        exit 1
    fi
    mkdir -p "$(dirname "$dest")"
    cp "$src" "$dest"
    echo "  $dest"
}

echo "Pico CSS $PICO_VERSION"
pkg="$(fetch @picocss/pico "$PICO_VERSION")"
install_file "$pkg/css/pico.min.css" "$VENDOR/pico/pico.min.css"
install_file "$pkg/LICENSE.md" "$VENDOR/pico/LICENSE.md"

echo "SortableJS $SORTABLE_VERSION"
pkg="$(fetch sortablejs "$SORTABLE_VERSION")"
install_file "$pkg/Sortable.min.js" "$VENDOR/sortablejs/Sortable.min.js"
install_file "$pkg/LICENSE" "$VENDOR/sortablejs/LICENSE"

# The accessibility checker that tests/browser/test_accessibility.py injects into each page.
echo "axe-core $AXE_VERSION (tests only)"
pkg="$(fetch axe-core "$AXE_VERSION")"
install_file "$pkg/axe.min.js" "$TEST_VENDOR/axe-core/axe.min.js"
install_file "$pkg/LICENSE" "$TEST_VENDOR/axe-core/LICENSE"

echo "Done. Update quizapp/static/vendor/README.md (or tests/browser/vendor/axe-core/README.md)"
echo "if a version changed."
