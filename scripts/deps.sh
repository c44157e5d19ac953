#!/usr/bin/env bash
# Installs the Debian packages Hearth needs, if any are missing. As root it runs apt-get itself;
# otherwise it prints the exact command to run and fails, so nothing half-works.
#   scripts/deps.sh run    libraries to build and run the service
#   scripts/deps.sh test   the above plus Chromium for the browser tests, and node and npm
#                          for the web client's own tests and type check (web/tools)
set -euo pipefail

want=(gcc pkg-config libopus-dev libopusfile-dev libvpx-dev)
if [[ "${1:-run}" == "test" ]]; then
	want+=(chromium)
	# The web client: node runs web/test/*.test.js, npm installs the pinned
	# TypeScript that type-checks it (web/tools/package-lock.json).
	# Some node builds carry npm inside the nodejs package; Debian's is apart.
	want+=(nodejs)
	command -v npm >/dev/null 2>&1 || want+=(npm)
fi

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if ! command -v go >/dev/null 2>&1; then
	echo "Go is not installed: install Go 1.26 or newer from go.dev/dl, then run this again." >&2
	exit 1
fi

# web_tools installs the web client's pinned TypeScript (web/tools) once npm is there.
web_tools() {
	[[ "${1:-run}" == "test" ]] || return 0
	local dir
	dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/web/tools"
	[[ -f "$dir/node_modules/typescript/package.json" ]] && return 0
	echo "Installing the web client's type checker (web/tools, npm ci)" >&2
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

if ((${#missing[@]} == 0)); then
	web_tools "${1:-run}"
	exit 0
fi

cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
	echo "Hearth needs these Debian packages: ${missing[*]}" >&2
	echo "Run as root:  $cmd" >&2
	exit 1
fi
echo "Installing missing packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
web_tools "${1:-run}"
