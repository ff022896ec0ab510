#!/bin/sh
# Builds the standalone anchor (not part of the wheel) with the wheel's flags:
#   bench/anchor/build.sh [OUT]   (default: bench/anchor/cartpole_reinforce)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/cartpole_reinforce"}
"${CXX:-c++}" -std=c++17 -O3 -ffp-contract=off -Wall -Wextra -Wpedantic -Wshadow \
  -o "$out" "$here/cartpole_reinforce.cpp"
echo "$out"
