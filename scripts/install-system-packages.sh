#!/usr/bin/env bash
# System packages the tests use for real: gnome-keyring on a private D-Bus (secret-service backend),
# pass + GnuPG (pass backend), keyutils (keyctl backend), zsh and fish (completion scripts), wrk
# (benchmarks/server_throughput.py), iproute2 + util-linux (the 169.254.169.254 test's network namespace).
# Installs only what is missing.
set -euo pipefail
need=()
command -v gnome-keyring-daemon >/dev/null || need+=(gnome-keyring)
command -v dbus-daemon >/dev/null || need+=(dbus-daemon dbus)
command -v secret-tool >/dev/null || need+=(libsecret-tools)
command -v pass >/dev/null || need+=(pass)
command -v gpg >/dev/null || need+=(gnupg)
command -v keyctl >/dev/null || need+=(keyutils)
command -v zsh >/dev/null || need+=(zsh)
command -v fish >/dev/null || need+=(fish)
command -v wrk >/dev/null || need+=(wrk)
command -v ip >/dev/null || need+=(iproute2)
command -v unshare >/dev/null || need+=(util-linux)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install these packages first (needs root and apt-get): ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
