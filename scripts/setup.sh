#!/usr/bin/env bash
# Installs what nianbao needs on a fresh Debian machine with Python 3.11:
# Debian packages (converters, OCR; with --test also the browser for the browser tests)
# and a virtualenv in .venv with the project and its dependencies.
# Usage: scripts/setup.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."

runtime_debs=(tesseract-ocr tesseract-ocr-chi-sim poppler-utils antiword libreoffice-writer-nogui)
test_debs=(chromium chromium-driver fonts-noto-cjk redis-server poppler-data)
extras=""
debs=("${runtime_debs[@]}")
if [[ "${1:-}" == "--test" ]]; then
  debs+=("${test_debs[@]}")
  extras="[test]"
fi

missing=()
for deb in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q "install ok installed" || missing+=("$deb")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
[[ -x .venv/bin/python ]] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras}" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import scrapy, datasette, pdfplumber, docx, sqlite_utils, trafilatura" \
  || { echo "setup: the Python dependencies did not install" >&2; exit 1; }
