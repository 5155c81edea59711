#!/usr/bin/env bash
# Makes a real, independent Toxiproxy-compatible server available to the netproxy conformance
# suite: noxious-server (Rust), installed with cargo into ~/.cargo/bin and kept between runs.
# It never fails the build because of cargo: without noxious the suite runs against the
# embedded server only, and a warning says so.
#
# Usage: bash .ci/netproxy.sh [--test]
#   --test   also run the netproxy suite (tests/netproxy) afterwards; its result is the exit code
#
# Environment:
#   NOXIOUS_TIMEOUT   seconds allowed for each cargo build (default 1500)
set -uo pipefail

cd "$(dirname "$0")/.."
run_tests=0
[[ "${1:-}" == "--test" ]] && run_tests=1

CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$CARGO_BIN:$PATH"
timeout_s="${NOXIOUS_TIMEOUT:-1500}"

warn() { printf 'WARNING: netproxy: %s\n' "$*" >&2; }

have_noxious() { [[ -x "$CARGO_BIN/noxious-server" ]] || command -v noxious-server >/dev/null 2>&1; }

build_noxious() {
    if ! command -v cargo >/dev/null 2>&1; then
        warn "cargo not found; cannot build noxious-server"
        return 1
    fi
    echo "netproxy: building noxious-server with cargo (this takes a few minutes on 2 cores)"
    timeout "$timeout_s" cargo install noxious-server --locked && return 0
    warn "cargo install noxious-server --locked failed; retrying without --locked"
    timeout "$timeout_s" cargo install noxious-server && return 0
    return 1
}

if have_noxious; then
    echo "netproxy: noxious-server present: $(command -v noxious-server || echo "$CARGO_BIN/noxious-server")"
elif build_noxious && have_noxious; then
    echo "netproxy: noxious-server installed in $CARGO_BIN"
else
    warn "noxious-server is not available; the netproxy conformance suite runs against the"
    warn "embedded server only (services.toxiproxy). See docs/toxiproxy.md, 'Real servers'."
fi

if command -v toxiproxy-server >/dev/null 2>&1; then
    echo "netproxy: toxiproxy-server present: $(command -v toxiproxy-server)"
fi

if [[ $run_tests -eq 1 ]]; then
    python="${PYTHON:-.venv/bin/python}"
    [[ -x "$python" ]] || python=python3
    exec "$python" -m pytest tests/netproxy -q
fi
exit 0
