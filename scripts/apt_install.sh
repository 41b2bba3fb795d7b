#!/usr/bin/env bash
# Sourced by the ensure_*.sh scripts: `apt_install PACKAGE` installs one Debian package
# (root in CI, else through sudo), quietly and without recommended extras.
apt_install() {
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "$1" >/dev/null
}
