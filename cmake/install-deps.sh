#!/usr/bin/env bash
# Installs the Debian packages charmpy needs to build and test, only those missing.
# Idempotent: does nothing (and no apt-get update) when everything is there.
set -euo pipefail
packages=(
  g++ cmake make pkg-config
  libopenmpi-dev openmpi-bin
  libhwloc-dev libboost-context-dev catch2
  python3-dev python3-numpy python3-numba python3-mpi4py python3-tqdm python3-matplotlib
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
