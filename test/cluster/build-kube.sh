#!/usr/bin/env bash
# Builds (once) and caches kube-apiserver, kube-controller-manager and kube-scheduler v1.20.2 from Debian's source package.
#
# Why from source: no registry reachable from CI ships Kubernetes binaries, but Debian bookworm's
# `kubernetes` source package carries the complete v1.20.2 tree with vendored dependencies.
#
# Usage: test/cluster/build-kube.sh            -> prints the bin dir on the last line of stdout
# Env:   CLAW_KUBE_CACHE      cache dir (default: $HOME/.cache/open-cluster-claw/kube-v1.20.2)
#        CLAW_DEBIAN_MIRROR   Debian mirror for the deb-src entry (default: the one apt already uses)
#        CLAW_KUBE_KEEP_SRC=1 keep the unpacked source and Go build cache after a successful build
set -euo pipefail

CACHE="${CLAW_KUBE_CACHE:-$HOME/.cache/open-cluster-claw/kube-v1.20.2}"
BIN="$CACHE/bin"
COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler)
# openssl: test-cluster.ts issues the throwaway cluster certificates with it.
APT_PACKAGES=(golang-go etcd-server golang-github-modern-go-reflect2-dev make rsync jq openssl)
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

log() { echo "[build-kube] $*" >&2; }
die() { echo "[build-kube] ERROR: $*" >&2; exit 1; }

binaries_ok() {
  local c
  for c in "${COMPONENTS[@]}"; do
    [[ -x "$BIN/$c" ]] || return 1
    "$BIN/$c" --version >/dev/null 2>&1 || return 1
  done
}

etcd_ok() { command -v etcd >/dev/null 2>&1 || [[ -x /usr/bin/etcd ]]; }
runtime_ok() { etcd_ok && command -v openssl >/dev/null 2>&1; }

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@";
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@" || die "need root (or passwordless sudo) to run: $*";
  else die "need root to run: $*"; fi
}

install_packages() {
  local missing=() p
  for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "installing apt packages: ${missing[*]}"
  # A fresh image may have empty or stale package lists; an update first is cheap compared to the build.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || die "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
    || die "apt-get install ${missing[*]} failed"
  for p in "${missing[@]}"; do pkg_installed "$p" || die "package $p still not installed"; done
}

# Reuse the Debian mirror the machine is already configured with (CI machines may only reach that one).
debian_mirror() {
  if [[ -n "${CLAW_DEBIAN_MIRROR:-}" ]]; then echo "$CLAW_DEBIAN_MIRROR"; return; fi
  local uri
  uri=$( { cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/{for(i=2;i<=NF;i++) print $i}';
           cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1=="deb"{for(i=2;i<=NF;i++) if ($i ~ /^(https?|file):/) {print $i; break}}'; } \
         | grep -E '/debian/?$' | head -n1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

fetch_source() {
  local src="$CACHE/src" apt_dir="$CACHE/apt" mirror
  mirror=$(debian_mirror)
  mkdir -p "$src/dl" "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  cat > "$apt_dir/sources.list.d/bookworm-src.sources" <<SRC
Types: deb-src
URIs: $mirror
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  # Private lists/cache/sources so the system's apt configuration and state are left untouched.
  local apt_opts=(
    -o "Dir::Etc::sourceparts=$apt_dir/sources.list.d"
    -o "Dir::Etc::sourcelist=$apt_dir/none.list"
    -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::Cache=$apt_dir/cache"
    -o "APT::Sandbox::User=root"
  )
  if ! ls "$src"/dl/kubernetes_*.orig.tar.* >/dev/null 2>&1; then
    log "fetching kubernetes source package from $mirror"
    apt-get "${apt_opts[@]}" update -q >&2 || die "apt-get update (private deb-src list) failed"
    (cd "$src/dl" && apt-get "${apt_opts[@]}" source --download-only kubernetes >&2) \
      || die "apt-get source --download-only kubernetes failed"
  fi
  local orig
  orig=$(ls "$src"/dl/kubernetes_*.orig.tar.* 2>/dev/null | grep -v '\.asc$' | head -n1 || true)
  [[ -n "$orig" ]] || die "no kubernetes_*.orig.tar.* in $src/dl after download"
  if [[ ! -f "$src/tree/.claw-unpacked" ]]; then
    log "unpacking $orig"
    rm -rf "$src/tree"; mkdir -p "$src/tree"
    tar -xf "$orig" -C "$src/tree" --strip-components=1 || die "cannot untar $orig"
    touch "$src/tree/.claw-unpacked"
  fi
  [[ -d "$src/tree/vendor" && -f "$src/tree/Makefile" ]] || die "$src/tree does not look like a kubernetes tree with vendor/"
}

patch_reflect2() {
  local tree="$CACHE/src/tree" deb=/usr/share/gocode/src/github.com/modern-go/reflect2
  [[ -d "$deb" ]] || die "$deb missing (package golang-github-modern-go-reflect2-dev)"
  # Vendored reflect2 1.0.1 relies on runtime internals that changed in Go 1.18 and crashes on the
  # first custom-resource write; Debian's 1.0.2 copy is API compatible.
  rsync -a --delete --exclude '*_test.go' --exclude 'test*/' "$deb/" "$tree/vendor/github.com/modern-go/reflect2/"
}

build() {
  local tree="$CACHE/src/tree"
  command -v go >/dev/null 2>&1 || die "go not on PATH after installing golang-go"
  # Without a git checkout hack/lib/version.sh would stamp v0.0.0-master; pin the real version instead.
  cat > "$CACHE/src/version.env" <<VER
KUBE_GIT_COMMIT='faecb196815e248d3ecfb03c680a4507229c2a56'
KUBE_GIT_TREE_STATE='clean'
KUBE_GIT_VERSION='v1.20.2'
KUBE_GIT_MAJOR='1'
KUBE_GIT_MINOR='20'
VER
  log "building ${COMPONENTS[*]} with $(go version) (takes ~5 min on 2 cores)"
  (
    cd "$tree"
    # CGO off: the three servers are static anyway, and the build then needs no C toolchain.
    export GOPROXY=off GOFLAGS=-mod=vendor GO111MODULE=on GOTOOLCHAIN=local CGO_ENABLED=0
    export KUBE_GIT_VERSION_FILE="$CACHE/src/version.env"
    make WHAT="cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler" >&2
  ) || die "make failed (see output above)"
  mkdir -p "$BIN"
  local c out
  for c in "${COMPONENTS[@]}"; do
    out=$(ls "$tree"/_output/local/bin/linux/*/"$c" "$tree"/_output/bin/"$c" 2>/dev/null | head -n1 || true)
    [[ -n "$out" ]] || die "built binary $c not found under $tree/_output"
    install -m 0755 "$out" "$BIN/$c.tmp" && mv -f "$BIN/$c.tmp" "$BIN/$c"
  done
  # The unpacked tree plus Go's build cache is ~2.3 GB; only the binaries (and the 30 MB download) are reused.
  if [[ "${CLAW_KUBE_KEEP_SRC:-0}" != 1 ]]; then
    log "removing build tree (set CLAW_KUBE_KEEP_SRC=1 to keep it)"
    chmod -R u+w "$tree" 2>/dev/null || true
    rm -rf "$tree"
  fi
}

main() {
  if binaries_ok && runtime_ok; then echo "$BIN"; exit 0; fi
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script expects Debian bookworm"
  if binaries_ok; then
    install_packages etcd-server openssl
  else
    install_packages "${APT_PACKAGES[@]}"
    fetch_source
    patch_reflect2
    build
    binaries_ok || die "binaries in $BIN do not run"
  fi
  etcd_ok || die "etcd not found after installing etcd-server"
  command -v openssl >/dev/null 2>&1 || die "openssl not found after installing it"
  log "ready: $("$BIN/kube-apiserver" --version), etcd $(etcd --version 2>/dev/null | head -n1 || true)"
  echo "$BIN"
}

main "$@"
