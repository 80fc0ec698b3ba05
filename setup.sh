#!/usr/bin/env bash
# Installs what the three systems need (Debian packages, NuGet packages) and builds Release.
# Idempotent and quiet when everything is present. Usage: ./setup.sh [--no-build]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# Debian packages: solvers (Serval), clang/lld/llvm 19 and cross toolchains (Serval, Popcorn),
# qemu-user/qemu-system for differential tests (Serval, Popcorn). Keep this list in step with the README.
packages=(
  z3 cvc5 boolector libz3-dev
  clang-19 lld-19 llvm-19
  qemu-user qemu-system-misc
  gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu
  gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if ! command -v dotnet >/dev/null; then
  echo "setup: the .NET SDK 10 is missing; install it (https://dot.net) and run ./setup.sh again" >&2
  exit 1
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if [ "${1:-}" != "--no-build" ]; then
  # Release build of everything; bin/derecho, bin/serval and bin/popcorn run what this builds.
  if ! out=$(dotnet build Systems.slnx -c Release -nologo -clp:NoSummary -v:q 2>&1); then
    printf '%s\n' "$out" | grep -E "error|warning" | sort -u >&2 || printf '%s\n' "$out" >&2
    echo "setup: the build failed" >&2
    exit 1
  fi
fi
