#!/usr/bin/env bash
# Build a self-contained release tarball: dist/ (compiled fresh), the production
# node_modules only, benchmarks/, systemd/, install.sh, package.json, README.md.
# install.sh installs from the unpacked tarball without fetching anything.
#
#   scripts/release.sh [--out DIR] [--dist DIR]
#     --out DIR    where nodeward-<version>.tar.gz goes (default: ./release)
#     --dist DIR   use this already-built dist/ instead of compiling src/ again
#
# Needs the dev dependencies installed (`npm ci`): it compiles with tsc and copies the
# production subset of node_modules (npm ls --omit=dev). Offline; never touches ./dist.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

OUT=release
DIST=
while [ $# -gt 0 ]; do
  case $1 in
    --out) OUT=${2:?--out needs a directory}; shift 2 ;;
    --dist) DIST=${2:?--dist needs a directory}; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "release.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

VERSION=$(node -p 'require("./package.json").version')
NAME="nodeward-$VERSION"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
STAGE="$WORK/$NAME"
mkdir -p "$STAGE" "$OUT"

if [ -n "$DIST" ]; then
  cp -a "$DIST" "$STAGE/dist"
else
  # Compile straight into the stage: ./dist may be in use (or stale) in a working tree.
  node_modules/.bin/tsc -p tsconfig.build.json --outDir "$STAGE/dist" --declaration false
fi
[ -f "$STAGE/dist/cli/main.js" ] || { echo "release.sh: $STAGE/dist/cli/main.js missing after build" >&2; exit 1; }
chmod 0755 "$STAGE/dist/cli/main.js"

cp -a benchmarks systemd install.sh package.json README.md "$STAGE/"
mkdir -p "$STAGE/bin" && cp -a bin/nodeward.js "$STAGE/bin/"
[ -f package-lock.json ] && cp -a package-lock.json "$STAGE/"

# Production dependencies only, each package directory copied at its own path (nested
# node_modules included, since npm lists those separately when they are production deps).
mkdir -p "$STAGE/node_modules"
npm ls --omit=dev --all --parseable 2>/dev/null | tail -n +2 | sort -u | while IFS= read -r dir; do
  rel=${dir#"$PWD"/}
  case $rel in node_modules/*) ;; *) continue ;; esac
  [ -d "$STAGE/$rel" ] && continue
  mkdir -p "$STAGE/$(dirname "$rel")"
  cp -a "$dir" "$STAGE/$rel"
done
# Sanity: every runtime dependency resolves from the stage.
(cd "$STAGE" && node -e '
  const deps = Object.keys(require("./package.json").dependencies || {});
  const missing = deps.filter((d) => !require("fs").existsSync(`node_modules/${d}/package.json`));
  if (missing.length) { console.error("missing: " + missing.join(", ")); process.exit(1); }
') || { echo "release.sh: a production dependency is missing from the staged node_modules" >&2; exit 1; }
if [ -z "$DIST" ]; then
  # As npm run build: the packs' parse cache and the bundle (see scripts/bundle.mjs).
  node "$STAGE/dist/packs/build-cache.js" "$STAGE/benchmarks"
  node scripts/bundle.mjs "$STAGE/dist"
fi

printf 'nodeward %s\ncommit %s\n' "$VERSION" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" >"$STAGE/RELEASE"

# Reproducible tarball: sorted names, fixed owner and mtime.
EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$EPOCH" \
  -C "$WORK" -czf "$OUT/$NAME.tar.gz" "$NAME"
echo "$OUT/$NAME.tar.gz ($(du -h "$OUT/$NAME.tar.gz" | cut -f1))"
