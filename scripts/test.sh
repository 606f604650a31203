#!/usr/bin/env bash
# Installs everything the tests need (Python packages; Debian's chromium, CJK fonts, poppler,
# PostgreSQL 15 + PostGIS and HAProxy when missing), checks the code with ruff and runs the whole suite. README's quick
# start and .ci/run call exactly this. The store tests start their own throwaway PostgreSQL cluster
# (tests/pgcluster.py); no server needs to run. The whole suite runs on three workers (the browser tests wait on
# their servers half the time), a module's tests on one (pytest.ini: --dist loadfile, two workers by default, which
# suits the CPU-bound fast tier); the slowest tests are listed at the end. While working, the fast tier is:
#   python3 -m pytest -m "not browser and not slow"
# and one module without workers: python3 -m pytest -n 0 tests/test_x.py
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql postgresql-15)
ls /usr/share/postgresql/15/extension/postgis.control >/dev/null 2>&1 || missing+=(postgresql-15-postgis-3)
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)  # python -m server (tests/test_server.py)
/usr/bin/python3 -c "import qgis.core" >/dev/null 2>&1 || missing+=(python3-qgis)  # QGIS opens the exported project (tests/test_qgis_project.py)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
python3 -m ruff check .
lint-imports
exec python3 -m pytest -n 3 --durations=20 "$@"
