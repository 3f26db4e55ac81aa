#!/usr/bin/env bash
# Installs Debian's Chromium for the web console tests (test/web/) when it is missing; part of `npm test`'s pretest.
# Needs root or passwordless sudo for apt, like test/cluster/build-kube.sh. CLAW_TEST_CHROMIUM names another binary.
set -euo pipefail

CHROMIUM=${CLAW_TEST_CHROMIUM:-/usr/bin/chromium}
die() { echo "[ensure-chromium] $*" >&2; exit 1; }

[[ -x "$CHROMIUM" ]] && exit 0
[[ -n "${CLAW_TEST_CHROMIUM:-}" ]] && die "CLAW_TEST_CHROMIUM=$CHROMIUM is not an executable"

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@";
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@" || die "need root (or passwordless sudo) to run: $*";
  else die "need root to install chromium (apt-get install chromium), or set CLAW_TEST_CHROMIUM"; fi
}

echo "[ensure-chromium] installing Debian's chromium for the web console tests" >&2
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || die "apt-get update failed"
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >&2 || die "apt-get install chromium failed"
[[ -x "$CHROMIUM" ]] || die "chromium installed, but $CHROMIUM is not there"
