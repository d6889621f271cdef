#!/usr/bin/env bash
# Installs the Debian packages the test suite runs against, and only those that are missing.
# `npm run test:setup` and .ci/run both call it; when everything is present it changes nothing
# and takes a fraction of a second. apt-get runs through sudo only when we are not root.
set -euo pipefail

# What each package is for in the suite:
#   zsh           the zsh completion script
#   chromium      the HTML report and the browser faults (through playwright-core)
#   python3       the python provider and controls
#   python3-yaml  PyYAML, whose safe_load the YAML 1.1 reading of experiments is checked against
#   redis-server  the chapter 8 lesson and the Redis client tests
#   postgresql    the chapter 4 lesson (initdb and postgres, run as the postgres user)
#   etcd-server etcd-client   the 3-member etcd cluster scenarios
#   strace        system-call faults
#   iproute2      network labs (ip, tc)
#   haproxy nginx dnsmasq prometheus dnsutils curl openssl   real peers for the HTTP, UDP and TLS
#                 tests and the bench
packages=(
  zsh chromium python3 python3-yaml redis-server postgresql etcd-server etcd-client strace iproute2
  haproxy nginx dnsmasq prometheus dnsutils curl openssl
)

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  echo "test:setup: this script installs Debian packages with apt-get, which this machine lacks." >&2
  echo "Install these with your system's package manager, then run npm test: ${packages[*]}" >&2
  exit 1
fi

# PostgreSQL's initdb runs as the postgres user and writes to /dev/null; some container images
# ship it readable by root alone (crw-------), which fails the database lessons with "cannot open
# /dev/null". A null device anyone can write is what every Debian system has: restore that.
if [ -c /dev/null ] && [ "$(stat -c %a /dev/null)" != 666 ]; then
  echo "test:setup: /dev/null is mode $(stat -c %a /dev/null), so users other than root cannot write to it; making it 666 as on any Debian system"
  if [ "$(id -u)" -eq 0 ]; then chmod 666 /dev/null; else sudo chmod 666 /dev/null; fi
fi

installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

missing=()
for package in "${packages[@]}"; do
  installed "$package" || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "test:setup: all ${#packages[@]} Debian packages the tests use are installed"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "test:setup: missing ${missing[*]}; installing them needs root, and sudo is not installed." >&2
    echo "As root, run: apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  as_root=(sudo)
fi

echo "test:setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}" >/dev/null

still_missing=()
for package in "${missing[@]}"; do
  installed "$package" || still_missing+=("$package")
done
if [ ${#still_missing[@]} -gt 0 ]; then
  echo "test:setup: apt-get finished but these are still not installed: ${still_missing[*]}" >&2
  exit 1
fi
echo "test:setup: installed ${missing[*]}"
