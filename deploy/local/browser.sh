#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright drives it via executable_path; no browser download).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
echo "[browser] installing chromium from the OS packages ..." >&2
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium >/dev/null
chromium --version >&2
