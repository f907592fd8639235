#!/usr/bin/env bash
# Set up what the integration tests need on this machine. Idempotent: a second run
# installs nothing and reuses the cached Debian root (a few hundred milliseconds).
#
#   - Debian packages (only the missing ones): debootstrap, systemd-container, kmod
#   - a cached Debian 12 minbase root at
#       ${NODEWARD_TEST_CACHE:-/var/cache/nodeward-test}/bookworm-minbase
#     rebuilt when the include list (or suite/variant/mirror) changes; see the .stamp
#     file beside it.
#
# Needs root (apt-get, debootstrap). Logs go to $CACHE/logs/<step>.log; a failing step
# prints the tail of its log. Environment:
#   NODEWARD_TEST_CACHE    cache directory (default /var/cache/nodeward-test)
#   NODEWARD_DEBIAN_MIRROR Debian mirror (default http://deb.debian.org/debian)
#   NODEWARD_REBUILD_ROOT=1  force a fresh debootstrap
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "test/integration/setup.sh: must run as root (it installs Debian packages and runs debootstrap)." >&2
  echo "  Run it with sudo, or run the integration tests in CI (bash .ci/run) where it runs as root." >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
CACHE="${NODEWARD_TEST_CACHE:-/var/cache/nodeward-test}"
MIRROR="${NODEWARD_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
VARIANT=minbase
INCLUDE="systemd,systemd-sysv,dbus,kmod,procps,iproute2,openssh-server,cron"
ROOT="$CACHE/bookworm-minbase"
STAMP="$ROOT.stamp"
LOGDIR="$CACHE/logs"

# Debian packages the integration tests need on the host.
PACKAGES=(
  debootstrap        # builds the Debian 12 root
  systemd-container  # systemd-nspawn (booted-systemd tests)
  kmod               # modprobe (kernel-module comparisons)
  # ---- added by later issues -------------------------------------------------------
  prometheus         # real Prometheus + promtool scraping the agent (installed with
  #                  #   --no-install-recommends, so no prometheus-node-exporter)
  chromium           # headless browser for the HTML report / UI tests
  rpm                # rpmbuild + rpm: real rpm databases (rpmdb.sqlite) for rpm-parity.test.ts
  sqlite3            # holds an rpm database open mid-write (a -wal file) in rpm-parity.test.ts
  podman             # builds and runs the DaemonSet image (deploy/Dockerfile), daemonset-parity.test.ts
  runc               #   its OCI runtime here (crun fails on this machine kind: setrlimit, hybrid cgroups)
  strace             # confinement: a scan of a root full of escaping links opens nothing outside
  iproute2           # drift-netns.test.ts: `ip link set lo up` in a private network namespace
  util-linux         #   unshare and nsenter
  openscap-scanner   # openscap-agreement.test.ts: oscap, and ComplianceAsCode's content for
  ssg-debian         #   Debian (ssg-debian; Debian 12 ships content for Debian 10/11 only, the
  ssg-debderived     #   test widens its platform check) and Debian-derived (ssg-debderived)
  # -----------------------------------------------------------------------------------
)

mkdir -p "$CACHE" "$LOGDIR"
# One setup at a time (parallel CI jobs or test shards on one machine share the cache).
exec 9>"$CACHE/.setup.lock"
if ! flock -w 900 9; then
  echo "setup.sh: another setup.sh holds $CACHE/.setup.lock for more than 15 min; giving up" >&2
  exit 1
fi

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
T_ALL=$(now)

# step NAME CMD...: run CMD with its output in $LOGDIR/NAME.log, print how long it took,
# and on failure print the tail of the log and stop.
step() {
  local name=$1; shift
  local log="$LOGDIR/$name.log" t rc=0
  t=$(now)
  printf '[setup] %-28s ... ' "$name"
  "$@" >"$log" 2>&1 </dev/null || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "FAILED (rc=$rc, $(elapsed "$t") s)"
    echo "---- last 40 lines of $log ----" >&2
    tail -n 40 "$log" >&2
    echo "---- end of $log ----" >&2
    return "$rc"
  fi
  echo "ok ($(elapsed "$t") s)"
}

# ---- 1. Debian packages ---------------------------------------------------------------
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]; }
MISSING=()
for p in "${PACKAGES[@]}"; do installed "$p" || MISSING+=("$p"); done
if [ "${#MISSING[@]}" -gt 0 ]; then
  echo "[setup] missing packages: ${MISSING[*]}"
  step apt-update apt-get update -qq -o DPkg::Lock::Timeout=600
  step apt-install apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${MISSING[@]}"
else
  echo "[setup] packages present: ${PACKAGES[*]}"
fi

# ---- 2. cached Debian 12 root -----------------------------------------------------------
WANT_STAMP="suite=$SUITE variant=$VARIANT mirror=$MIRROR include=$INCLUDE"

root_ok() {
  [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT_STAMP" ] \
    && [ -s "$ROOT/var/lib/dpkg/status" ] && [ -x "$ROOT/lib/systemd/systemd" ]
}

# Remove a (possibly half-built) root safely: debootstrap mounts /proc, /sys… inside the
# target while it runs, and a killed run leaves them mounted. Unmount them first and never
# let rm cross into another file system.
remove_tree() {
  local dir=$1 m
  [ -e "$dir" ] || return 0
  while read -r m; do
    [ -n "$m" ] && umount -l "$m" 2>/dev/null || true
  done < <(findmnt -rn -o TARGET | awk -v d="$dir" 'index($0, d "/") == 1 || $0 == d' | sort -r)
  rm -rf --one-file-system "$dir"
}

build_root() {
  local tmp="$ROOT.tmp"
  remove_tree "$tmp" || return 1
  if ! debootstrap --variant="$VARIANT" --include="$INCLUDE" "$SUITE" "$tmp" "$MIRROR"; then
    if [ -f "$tmp/debootstrap/debootstrap.log" ]; then
      echo "---- last 30 lines of $tmp/debootstrap/debootstrap.log ----"
      tail -n 30 "$tmp/debootstrap/debootstrap.log"
    fi
    remove_tree "$tmp"
    return 1
  fi
  # Atomic swap: the old root (if any) goes away only after the new one is complete.
  # (This runs inside `step`'s `|| rc=$?`, where errexit is off: check every command.)
  rm -f "$STAMP" || return 1
  remove_tree "$ROOT.old" || return 1
  if [ -e "$ROOT" ]; then mv "$ROOT" "$ROOT.old" || return 1; fi
  mv "$tmp" "$ROOT" || return 1
  remove_tree "$ROOT.old" || return 1
  printf '%s\n' "$WANT_STAMP" >"$STAMP.tmp" || return 1
  mv "$STAMP.tmp" "$STAMP" || return 1
}

if [ "${NODEWARD_REBUILD_ROOT:-0}" != 1 ] && root_ok; then
  echo "[setup] reusing Debian root $ROOT ($(cat "$STAMP"))"
else
  if [ -f "$STAMP" ]; then
    echo "[setup] Debian root is stale: have '$(cat "$STAMP")', want '$WANT_STAMP'; rebuilding"
  fi
  step debootstrap build_root
  echo "[setup] Debian root ready at $ROOT ($(du -sh --one-file-system "$ROOT" 2>/dev/null | cut -f1))"
fi

# ---- 3. podman base image for the DaemonSet image -------------------------------------
# The cached Debian root plus this machine's Node binary as /usr/local/bin/node: the base
# deploy/Dockerfile is built on (BASE_IMAGE) where no registry is reachable. Tagged by the
# root's stamp and the Node binary's digest; the tag is written to $CACHE/podman-base.tag.
NODE_BIN=$(readlink -f "$(command -v node)")
BASE_TAG="localhost/nodeward-test-base:$(printf '%s\n%s\n' "$(cat "$STAMP")" "$(sha256sum "$NODE_BIN" | cut -d' ' -f1)" | sha256sum | cut -c1-16)"
build_base_image() {
  tar -C "$ROOT" -c . -C "$(dirname "$NODE_BIN")" --transform "s,^$(basename "$NODE_BIN")\$,usr/local/bin/node," "$(basename "$NODE_BIN")" \
    | podman import --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' - "$BASE_TAG"
}
if podman image exists "$BASE_TAG" 2>/dev/null; then
  echo "[setup] reusing podman base image $BASE_TAG"
else
  step podman-base-image build_base_image
fi
printf '%s\n' "$BASE_TAG" >"$CACHE/podman-base.tag"

echo "[setup] done in $(elapsed "$T_ALL") s"
