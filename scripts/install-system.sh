#!/usr/bin/env bash
# Debian packages tncam needs on a developer machine or CI: GStreamer's RTSP server (the
# simulated cameras), ffmpeg (test clips), PostgreSQL server binaries, build headers for
# PyGObject, promtool (package prometheus), amtool (package prometheus-alertmanager: checks the
# Alertmanager configuration), docker-compose (validates the compose file; no
# engine needed), nginx-light (a real reverse proxy in front of the gateway in e2e tests) and
# chromium with fonts that cover Vietnamese (headless browser tests of the live player, driven
# by Playwright's Python package; never `playwright install`, which downloads a browser), and
# cmake + g++ (uv builds LIVE555, PyPI's liblivemedia, the third-party RTSP server of the
# ingest interop tests: it ships as source only), fonts-dejavu-core (DejaVu Sans is embedded in
# the registry's PDF reports: Vietnamese typesetting) and poppler-utils (the e2e tests render
# those PDFs with pdftoppm and read them with pdftotext).
# Idempotent: installs only what is missing.
set -euo pipefail

packages=(
  gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0 gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  libgirepository1.0-dev libcairo2-dev pkg-config ffmpeg
  postgresql curl
  prometheus prometheus-alertmanager docker-compose nginx-light
  chromium fonts-dejavu-core fonts-noto-core
  cmake g++
  poppler-utils
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "system packages: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=sudo
  else
    echo "error: these Debian packages are missing and installing them needs root:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts a PostgreSQL cluster and a Prometheus server on install; tncam runs its own
# servers in private folders, so the system ones are stopped.
if command -v systemctl >/dev/null 2>&1; then
  for unit in postgresql prometheus prometheus-node-exporter nginx; do
    systemctl is-active --quiet "$unit" 2>/dev/null && { $SUDO systemctl stop "$unit" || true; }
  done
fi
echo "system packages: done"
