#!/usr/bin/env bash
# Installs everything the tests need (Python packages; Debian's chromium, CJK fonts and poppler
# when missing), checks the code with ruff and runs the whole suite. README's quick start and .ci/run
# call exactly this. While working, the fast tier is: python3 -m pytest -m "not browser and not slow"
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
python3 -m ruff check .
exec python3 -m pytest "$@"
