#!/usr/bin/env bash
# Every test in one command, on a fresh machine too: installs what the tests need when it is
# missing, then runs `cargo test`, passing on any arguments (`scripts/test.sh --test http`,
# `scripts/test.sh -- --nocapture`).
#
# The browser tests (tests/browser.rs) drive Debian's headless Chromium (/usr/bin/chromium)
# through chromedriver, with CJK fonts so that the screenshots under target/screenshots/ show
# Chinese: Debian's chromium, chromium-driver and fonts-noto-cjk are installed with apt-get
# (through sudo when not root). The tests never download a browser, and fail without one
# rather than skip. Rust itself (1.88 or later, with cargo) must be installed already.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo not found: install Rust 1.88 or later (https://rustup.rs)" >&2
  exit 1
fi

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
fc-list ':lang=zh' 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
if ((${#need[@]})); then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "installing ${need[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi
/usr/bin/chromium --version
chromedriver --version

exec cargo test "$@"
