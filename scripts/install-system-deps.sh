#!/usr/bin/env bash
# Installs the Debian packages the tests use for real: Chromium (browser test), LibreOffice
# (.doc/.rtf/.xls), Tesseract with Vietnamese (scanned PDFs), and python3-venv (missing on a stock Debian 12).
# Skips what is already there. `make` itself must be there first: sudo apt-get install make.
set -euo pipefail
need=()
command -v chromium  >/dev/null 2>&1 || need+=(chromium)
command -v soffice   >/dev/null 2>&1 || need+=(libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui)
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
if command -v tesseract >/dev/null 2>&1 && ! tesseract --list-langs 2>/dev/null | grep -qx vie; then
  need+=(tesseract-ocr-vie)
elif ! command -v tesseract >/dev/null 2>&1; then
  need+=(tesseract-ocr-vie)
fi
command -v fc-list >/dev/null 2>&1 && fc-list | grep -qi "dejavu" || need+=(fonts-dejavu-core)
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || need+=(python3-venv)  # stock Debian 12 lacks it
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "Thiếu gói hệ thống: ${need[*]} — cần quyền root để cài (apt-get install ${need[*]})." >&2
    exit 1
  fi
fi
echo "installing: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
