# Shared by etcd.sh and zookeeper.sh: settings, on-demand installs, waiting, cleanup. Source it; do not run it.
# INFLIGHT (default "1 64"), SIZES (default "100 1024") and RUN_SECONDS (default 10) choose the load.
set -euo pipefail
PEERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$PEERS_DIR/../../.." && pwd)
INFLIGHT=${INFLIGHT:-"1 64"}
SIZES=${SIZES:-"100 1024"}
RUN_SECONDS=${RUN_SECONDS:-10}
WORK=$(mktemp -d /tmp/derecho-peers.XXXXXX)   # on the same disk as the other systems' logs
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# Installs the Debian packages named that are missing (as root), or says which command would.
ensure_packages() {
    local missing=() package
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    ((${#missing[@]} == 0)) && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "peers: missing Debian packages: ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" >&2
        exit 2
    fi
    echo "peers: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2 ||
        { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2; }
}

# wait_until SECONDS DESCRIPTION COMMAND...: retries COMMAND every 0.2 s until it succeeds.
wait_until() {
    local limit=$1 what=$2
    shift 2
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            echo "peers: $what did not happen within ${limit} s; logs in $WORK" >&2
            trap - EXIT
            exit 3
        fi
        sleep 0.2
    done
}

# Prints the machine and its load, for RESULTS.md.
describe_machine() {
    echo "# $(date -u '+%Y-%m-%d %H:%M UTC'); nproc $(nproc); $(lscpu | sed -n 's/^Model name: *//p'); $(free -g | awk '/Mem:/{print $2}') GiB; load average $(cut -d' ' -f1-3 /proc/loadavg)"
}
