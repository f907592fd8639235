#!/usr/bin/env bash
# nodeward installer: install, upgrade or remove nodeward as a systemd service.
# Run it from an unpacked release tarball (scripts/release.sh builds one); it copies
# what is in the tarball and fetches nothing.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: install.sh [options]

Install nodeward from this release directory as a systemd service:
  PREFIX/lib/nodeward/   the program (dist/, production node_modules/, benchmarks/)
  PREFIX/bin/nodeward    the command (a small wrapper that runs it with Node.js)
  /etc/nodeward/config.yaml, /etc/nodeward/token (0600), /etc/default/nodeward
                         created when missing, never overwritten
  PREFIX/lib/systemd/system/nodeward*.{service,path,timer}
then `systemctl daemon-reload`, enable and start nodeward.service.
A second run with the same release changes nothing.

Options:
  --upgrade       replace an installed (different) version; config, token and state stay
  --uninstall     stop and remove the program and units; config and state stay
  --purge         with --uninstall: also remove /etc/nodeward, /etc/default/nodeward
                  and /var/lib/nodeward, and the nodeward user
  --mode MODE     agent (default): enable nodeward.service (the daemon, /metrics);
                  timer: enable nodeward-scan.timer (a one-shot scan every 6 h) instead
  --no-start      install and enable, but do not start or restart anything
  --prefix DIR    install under DIR (default /usr)
  --destdir DIR   stage into DIR for packaging (also $DESTDIR); runs no systemctl
  -h, --help      this help

Needs: root, Node.js >= 20.19, and a running systemd (unless --no-start or --destdir).
USAGE
}

MIN_NODE=20.19
ORIG_ARGS=("$@")
PREFIX=/usr
DESTDIR=${DESTDIR:-}
ACTION=install
PURGE=0
START=1
MODE=agent

die() { echo "install.sh: error: $*" >&2; exit 1; }
say() { echo "install.sh: $*"; }

while [ $# -gt 0 ]; do
  case $1 in
    --upgrade) ACTION=upgrade ;;
    --uninstall) ACTION=uninstall ;;
    --purge) PURGE=1 ;;
    --no-start) START=0 ;;
    --mode) MODE=${2:-}; shift ;;
    --mode=*) MODE=${1#--mode=} ;;
    --prefix) PREFIX=${2:-}; shift ;;
    --prefix=*) PREFIX=${1#--prefix=} ;;
    --destdir) DESTDIR=${2:-}; shift ;;
    --destdir=*) DESTDIR=${1#--destdir=} ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
case $MODE in agent|timer) ;; *) die "--mode is agent or timer (got '$MODE')" ;; esac
case $PREFIX in /*) ;; *) die "--prefix must be an absolute path (got '$PREFIX')" ;; esac
[ "$PURGE" = 1 ] && [ "$ACTION" != uninstall ] && die "--purge goes with --uninstall"
PREFIX=${PREFIX%/}
DESTDIR=${DESTDIR%/}
[ -z "$DESTDIR" ] || case $DESTDIR in /*) ;; *) DESTDIR=$PWD/$DESTDIR ;; esac

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LIBDIR="$PREFIX/lib/nodeward"
BIN="$PREFIX/bin/nodeward"
UNITDIR="$PREFIX/lib/systemd/system"
CONFDIR=/etc/nodeward
DEFAULTS=/etc/default/nodeward
STATEDIR=/var/lib/nodeward
UNITS=(nodeward.service nodeward-remediate.service nodeward-remediate.path nodeward-scan.service nodeward-scan.timer
  nodeward-firewall-snapshot.service nodeward-firewall-snapshot.timer)
# Units that can be enabled (the others are started by these).
ENABLEABLE=(nodeward.service nodeward-scan.timer nodeward-remediate.path nodeward-firewall-snapshot.timer)
# Where nodeward-firewall-snapshot.service leaves the live firewall rules for the scans.
RUNDIR=/run/nodeward

# Packaging mode: stage files only; the package's own scripts talk to systemd.
PACKAGING=0
[ -n "$DESTDIR" ] && PACKAGING=1

# ---- checks, before anything changes ------------------------------------------------
if [ "$PACKAGING" = 0 ] && [ "$(id -u)" -ne 0 ]; then
  die "must run as root (it installs under $PREFIX and /etc and manages systemd units); try: sudo $0 ${ORIG_ARGS[*]}"
fi

SYSTEMD=0
[ -d /run/systemd/system ] && SYSTEMD=1
if [ "$PACKAGING" = 0 ] && [ "$SYSTEMD" = 0 ] && { [ "$START" = 1 ] || [ "$ACTION" = uninstall ]; }; then
  die "systemd is not running on this machine (no /run/systemd/system; PID 1 is '$(cat /proc/1/comm 2>/dev/null || echo '?')').
  nodeward installs as a systemd service. Nothing was changed.
  To only place the files (e.g. in an image build), use --no-start, or --destdir DIR to stage a package."
fi

sc() { systemctl "$@"; }

# ---- uninstall ----------------------------------------------------------------------
if [ "$ACTION" = uninstall ]; then
  if [ "$PACKAGING" = 0 ]; then
    for u in "${ENABLEABLE[@]}"; do
      if [ -e "$UNITDIR/$u" ]; then sc disable --now --quiet "$u" 2>/dev/null || true; fi
    done
    for u in nodeward-remediate.service nodeward-scan.service nodeward-firewall-snapshot.service; do
      if [ -e "$UNITDIR/$u" ]; then sc stop "$u" 2>/dev/null || true; fi
    done
  fi
  for u in "${UNITS[@]}"; do rm -f "$DESTDIR$UNITDIR/$u"; done
  rm -f "$DESTDIR$BIN" "$DESTDIR$PREFIX/lib/sysusers.d/nodeward.conf"
  rm -rf --one-file-system "$DESTDIR$LIBDIR" "$DESTDIR$LIBDIR.new" "$DESTDIR$LIBDIR.old"
  if [ "$PACKAGING" = 0 ]; then
    sc daemon-reload
    sc reset-failed "${UNITS[@]}" 2>/dev/null || true
    # The firewall snapshots (a tmpfs, gone at reboot anyway): no unit writes them any more.
    rm -rf --one-file-system "$RUNDIR"
  fi
  if [ "$PURGE" = 1 ]; then
    rm -rf --one-file-system "$DESTDIR$CONFDIR" "$DESTDIR$STATEDIR"
    rm -f "$DESTDIR$DEFAULTS"
    if [ "$PACKAGING" = 0 ] && getent passwd nodeward >/dev/null; then userdel nodeward 2>/dev/null || true; fi
    say "removed nodeward, its configuration and its state"
  else
    say "removed nodeward; kept $CONFDIR, $DEFAULTS and $STATEDIR (--purge removes them)"
  fi
  exit 0
fi

# ---- install / upgrade: the release must be complete ---------------------------------
for f in dist/cli/main.js package.json benchmarks node_modules systemd/nodeward.service; do
  [ -e "$SRC/$f" ] || die "$SRC/$f is missing: run install.sh from an unpacked release
  (scripts/release.sh builds nodeward-<version>.tar.gz; a git checkout is not a release)."
done
for u in "${UNITS[@]}"; do [ -f "$SRC/systemd/$u" ] || die "$SRC/systemd/$u is missing from the release"; done
[ -d "$SRC/node_modules/typescript" ] && die "$SRC/node_modules holds development packages: this is a
  working tree, not a release. Build one with scripts/release.sh and install from it."

# Node.js: needed to run nodeward (not to install it, but a service that cannot start is
# worse than a clear message now).
NODE=$(command -v node || true)
if [ -z "$NODE" ]; then
  die "Node.js >= $MIN_NODE is required and 'node' is not on PATH.
  Debian/Ubuntu: the distribution's nodejs is too old on Debian 12 (18.x); use NodeSource
    (https://github.com/nodesource/distributions: setup_20.x, then apt-get install nodejs)
    or an official build from https://nodejs.org/en/download.
  RHEL/Rocky/Alma 9: dnf module install nodejs:20 (or NodeSource's rpm repository).
  Then run install.sh again."
fi
NODE_VERSION=$("$NODE" -p 'process.versions.node' 2>/dev/null || echo 0)
node_ok() {
  local IFS=. maj min want_maj want_min
  read -r maj min _ <<<"$1"
  read -r want_maj want_min <<<"$MIN_NODE"
  [ "${maj:-0}" -gt "$want_maj" ] || { [ "${maj:-0}" -eq "$want_maj" ] && [ "${min:-0}" -ge "$want_min" ]; }
}
node_ok "$NODE_VERSION" || die "Node.js >= $MIN_NODE is required; $NODE is $NODE_VERSION.
  Debian/Ubuntu: NodeSource's setup_20.x (or newer) then apt-get install nodejs; RHEL 9: dnf module install nodejs:20."

VERSION=$("$NODE" -p 'require(process.argv[1]).version' "$SRC/package.json")

# ---- helpers ----------------------------------------------------------------------------
CHANGED=()
# Content + mode digest of a tree (or file): equal digests = nothing to copy.
tree_digest() {
  [ -e "$1" ] || { echo none; return; }
  (cd "$1" && find . \( -type f -o -type l -o -type d \) -printf '%y %m %p %l\n' | LC_ALL=C sort \
    && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) | sha256sum | cut -d' ' -f1
}
# put_file SRC DST MODE: replace DST atomically if its content or mode differs.
put_file() {
  local src=$1 dst=$2 mode=$3
  if [ -f "$dst" ] && cmp -s "$src" "$dst" && [ "$(stat -c %a "$dst")" = "${mode#0}" ]; then return 0; fi
  mkdir -p "$(dirname "$dst")"
  install -m "$mode" "$src" "$dst.nodeward-tmp"
  mv -f "$dst.nodeward-tmp" "$dst"
  CHANGED+=("$dst")
}
# new_file DST MODE: create DST from stdin only if it does not exist.
new_file() {
  local dst=$1 mode=$2
  if [ -e "$dst" ]; then cat >/dev/null; return 0; fi
  mkdir -p "$(dirname "$dst")"
  (umask 077; cat >"$dst.nodeward-tmp")
  chmod "$mode" "$dst.nodeward-tmp"
  mv "$dst.nodeward-tmp" "$dst"
  CHANGED+=("$dst")
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# ---- the program --------------------------------------------------------------------
# Stage exactly what gets installed, compare digests, swap directories only if different.
STAGE="$TMP/lib"
mkdir -p "$STAGE"
cp -a "$SRC/dist" "$SRC/node_modules" "$SRC/benchmarks" "$SRC/package.json" "$STAGE/"
[ -f "$SRC/RELEASE" ] && cp -a "$SRC/RELEASE" "$STAGE/"
# The units' Documentation= points here.
[ -f "$SRC/README.md" ] && cp -a "$SRC/README.md" "$STAGE/"
chmod -R u=rwX,go=rX "$STAGE"
chown -R 0:0 "$STAGE" 2>/dev/null || true

TARGET="$DESTDIR$LIBDIR"
if [ "$(tree_digest "$STAGE")" != "$(tree_digest "$TARGET")" ]; then
  if [ -e "$TARGET" ] && [ "$ACTION" != upgrade ]; then
    OLD=$("$NODE" -p 'require(process.argv[1]).version' "$TARGET/package.json" 2>/dev/null || echo unknown)
    die "a different nodeward ($OLD, at $TARGET) is installed; run install.sh --upgrade to replace it
  with $VERSION (configuration, token and state are kept)."
  fi
  rm -rf --one-file-system "$TARGET.new" "$TARGET.old"
  mkdir -p "$(dirname "$TARGET")"
  cp -a "$STAGE" "$TARGET.new"
  [ -e "$TARGET" ] && mv "$TARGET" "$TARGET.old"
  mv "$TARGET.new" "$TARGET"
  rm -rf --one-file-system "$TARGET.old"
  CHANGED+=("$TARGET")
fi

# The command: Node.js found now, overridable with NODEWARD_NODE; NODEWARD_NODE_FLAGS are
# Node flags for its command line (the units set them; see nodeward.service).
cat >"$TMP/nodeward" <<WRAPPER
#!/bin/sh
# nodeward $VERSION, installed by install.sh: run the program with Node.js >= $MIN_NODE.
# shellcheck disable=SC2086
exec "\${NODEWARD_NODE:-$NODE}" \${NODEWARD_NODE_FLAGS-} "$LIBDIR/dist/cli/main.js" "\$@"
WRAPPER
put_file "$TMP/nodeward" "$DESTDIR$BIN" 0755

# ---- units (ExecStart= follows --prefix) ---------------------------------------------
UNITS_CHANGED=0
for u in "${UNITS[@]}"; do
  sed -e "s#/usr/bin/nodeward#$BIN#g" -e "s#/usr/lib/nodeward#$LIBDIR#g" "$SRC/systemd/$u" >"$TMP/$u"
  n=${#CHANGED[@]}
  put_file "$TMP/$u" "$DESTDIR$UNITDIR/$u" 0644
  [ "${#CHANGED[@]}" = "$n" ] || UNITS_CHANGED=1
done

# ---- the agent's user (nodeward.service and nodeward-scan.service run as it, not as root) ----
SYSUSERS="$PREFIX/lib/sysusers.d/nodeward.conf"
put_file "$SRC/systemd/nodeward.sysusers" "$DESTDIR$SYSUSERS" 0644
if [ "$PACKAGING" = 0 ] && ! getent passwd nodeward >/dev/null; then
  if command -v systemd-sysusers >/dev/null; then
    systemd-sysusers "$SYSUSERS"
  else
    useradd --system --user-group --home-dir "$STATEDIR/agent" --no-create-home --shell /usr/sbin/nologin nodeward
  fi
  say "created the system user nodeward (the agent and the scan service run as it)"
fi
# Before 0.2 the agent ran as root with its state in $STATEDIR itself: move it to agent/,
# which the agent owns (systemd's StateDirectory= chowns it at start).
if [ "$PACKAGING" = 0 ] && [ -f "$STATEDIR/state.json" ] && [ ! -e "$STATEDIR/agent/state.json" ]; then
  mkdir -p "$STATEDIR/agent"
  mv "$STATEDIR/state.json" "$STATEDIR/agent/state.json"
  say "moved $STATEDIR/state.json to $STATEDIR/agent/"
fi

# ---- configuration: created once, never overwritten -------------------------------------
new_file "$DESTDIR$CONFDIR/config.yaml" 0644 <<'CONFIG'
# nodeward agent configuration (nodeward serve). Every key is optional; the values
# below are the defaults. See README "Install as a service".

# Where the API and /metrics listen. Loopback only by default; to let a remote
# Prometheus scrape, listen on the node's address AND allow the scraper in the unit:
#   systemctl edit nodeward  ->  [Service] IPAddressAllow=10.0.0.0/8
# listen: 127.0.0.1:9850

# When to scan (cron, 5 fields); plus one scan at start.
# schedule: "0 */6 * * *"
# scanOnStart: true

# Only these packs (default: every bundled pack).
# benchmarks: [cis-kubernetes-node, cis-debian-12]

# Accepted exceptions: the check's status is unchanged, the result is marked waived.
# waivers:
#   - check: cis-debian-12/7.1.5
#     reason: "managed by the image pipeline"
#     expires: 2026-12-31

# stateDir: /var/lib/nodeward/agent
# tokenFile: /etc/nodeward/token
CONFIG

# API token for mutating requests (POST): 32 random bytes, hex, readable by root only.
if [ ! -e "$DESTDIR$CONFDIR/token" ]; then
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TMP/token"
  echo >>"$TMP/token"
  new_file "$DESTDIR$CONFDIR/token" 0600 <"$TMP/token"
fi

new_file "$DESTDIR$DEFAULTS" 0644 <<'DEFAULTS'
# Environment for the nodeward units (read by systemd; never overwritten by install.sh).
#
# Extra arguments for the agent, e.g. another port or a config file:
#   NODEWARD_SERVE_ARGS="--listen 127.0.0.1:19850"
#   NODEWARD_CONFIG=/etc/nodeward/config.yaml
NODEWARD_SERVE_ARGS=
#
# What nodeward-remediate.service fixes (it runs only when started, or when
# nodeward-remediate.path is enabled and a request file appears), e.g. "--severity high".
# On a Kubernetes node give the profile the agent scans with ("--profile kubernetes-node"):
# without one, remediation refuses to run where it finds a kubelet.
NODEWARD_REMEDIATE_ARGS=
#
# nodeward-scan.service (the timer mode): scan selection, and node_exporter's textfile
# collector directory (Debian's prometheus-node-exporter uses /var/lib/prometheus/node-exporter).
NODEWARD_SCAN_ARGS=
#NODEWARD_TEXTFILE_DIR=/var/lib/node_exporter/textfile_collector
DEFAULTS

if [ "${#CHANGED[@]}" -eq 0 ]; then say "nodeward $VERSION: files already installed and unchanged"; fi
for c in "${CHANGED[@]}"; do say "installed ${c#"$DESTDIR"}"; done

[ "$PACKAGING" = 1 ] && { say "staged nodeward $VERSION under $DESTDIR (no systemctl in --destdir mode)"; exit 0; }

# ---- systemd ------------------------------------------------------------------------------
if [ "$SYSTEMD" = 1 ] && [ "$UNITS_CHANGED" = 1 ]; then sc daemon-reload; fi

if [ "$MODE" = agent ]; then WANT=nodeward.service; OTHER=nodeward-scan.timer; else WANT=nodeward-scan.timer; OTHER=nodeward.service; fi
if [ "$(sc is-enabled "$OTHER" 2>/dev/null || true)" = enabled ]; then
  say "disabling $OTHER (--mode $MODE)"
  if [ "$SYSTEMD" = 1 ]; then sc disable --now --quiet "$OTHER"; else sc disable --quiet "$OTHER"; fi
fi
if [ "$(sc is-enabled "$WANT" 2>/dev/null || true)" != enabled ]; then
  sc enable --quiet "$WANT"
  say "enabled $WANT"
fi
# The agent's firewall snapshot every 5 minutes: wanted by nodeward.service (it runs only
# with the agent), so enabled in either mode.
SNAPTIMER=nodeward-firewall-snapshot.timer
if [ "$(sc is-enabled "$SNAPTIMER" 2>/dev/null || true)" != enabled ]; then
  sc enable --quiet "$SNAPTIMER"
  say "enabled $SNAPTIMER"
fi

if [ "$START" = 1 ]; then
  if [ "$(sc is-active "$WANT" 2>/dev/null || true)" != active ]; then
    sc start "$WANT"
    say "started $WANT"
  elif [ "${#CHANGED[@]}" -gt 0 ] && [ "$MODE" = agent ]; then
    # New program or unit: the running agent still executes the old one.
    sc restart "$WANT"
    say "restarted $WANT"
  fi
  # An agent that was running before this install has not pulled the timer in.
  if [ "$MODE" = agent ] && [ "$(sc is-active "$SNAPTIMER" 2>/dev/null || true)" != active ]; then
    sc start "$SNAPTIMER"
    say "started $SNAPTIMER"
  fi
  if [ "$MODE" = agent ]; then
    say "nodeward $VERSION is running: systemctl status nodeward; curl -s http://127.0.0.1:9850/metrics"
  else
    say "nodeward $VERSION scans on a timer: systemctl list-timers nodeward-scan.timer"
  fi
else
  say "nodeward $VERSION installed (not started: --no-start)"
fi
