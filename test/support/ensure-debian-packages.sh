#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing; part of `npm test`'s pretest:
#   chromium    the web console tests (test/web/); CLAW_TEST_CHROMIUM names another binary
#   bubblewrap  the sandbox of local claws (test/runtime/local-isolation.test.ts)
# Needs root or passwordless sudo for apt, like test/cluster/build-kube.sh.
set -euo pipefail

CHROMIUM=${CLAW_TEST_CHROMIUM:-/usr/bin/chromium}
die() { echo "[ensure-debian-packages] $*" >&2; exit 1; }

[[ -n "${CLAW_TEST_CHROMIUM:-}" && ! -x "$CHROMIUM" ]] && die "CLAW_TEST_CHROMIUM=$CHROMIUM is not an executable"
missing=()
[[ -x "$CHROMIUM" ]] || missing+=(chromium)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
[[ ${#missing[@]} -eq 0 ]] && exit 0

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@";
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@" || die "need root (or passwordless sudo) to run: $*";
  else die "need root to install ${missing[*]} (apt-get install ${missing[*]})"; fi
}

echo "[ensure-debian-packages] installing Debian's ${missing[*]} for the tests" >&2
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || die "apt-get update failed"
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
[[ -x "$CHROMIUM" ]] || die "chromium installed, but $CHROMIUM is not there"
command -v bwrap >/dev/null 2>&1 || die "bubblewrap installed, but bwrap is not on PATH"
