#!/usr/bin/env bash
# Installs the pinned L1 tools from npm (package.json / package-lock.json at the repo root)
# and exposes them at <repo>/.tools-bin/{anvil,cast,forge,solc}.
#
#   anvil, cast, forge  -> node_modules/@foundry-rs/<tool>-linux-amd64/bin/<tool>
#   solc                -> tools/solc (native-solc-compatible shim over solcjs)
#
# Idempotent and safe to run concurrently (an flock serialises installs). Runs `npm ci`
# only when node_modules is missing or package-lock.json is newer than the installed tree.
# Prints a single line on success; on failure prints the npm log and exits non-zero.
# Nothing is downloaded at run time except the npm packages themselves.
set -euo pipefail

repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$repo"

die() {
  echo "install-l1-tools: $*" >&2
  exit 1
}

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64 | Linux/amd64) ;;
  *) die "the pinned Foundry packages are linux-amd64 only (this is $(uname -s)/$(uname -m))" ;;
esac
command -v node >/dev/null 2>&1 || die "node is not installed (need Node.js >= 20)"
command -v npm >/dev/null 2>&1 || die "npm is not installed"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "Node.js >= 20 required (found $(node --version))"

bin_dir="$repo/.tools-bin"
mkdir -p "$bin_dir"

# Serialise concurrent runs (e.g. parallel tests that all call this script).
exec 9>"$bin_dir/.install.lock"
flock 9

foundry_tools=(anvil cast forge)
tool_path() { echo "node_modules/@foundry-rs/$1-linux-amd64/bin/$1"; }

need_install=0
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ]; then
  need_install=1
elif [ package-lock.json -nt node_modules/.package-lock.json ]; then
  need_install=1
elif [ ! -f node_modules/solc/soljson.js ]; then
  need_install=1
else
  for t in "${foundry_tools[@]}"; do
    [ -f "$(tool_path "$t")" ] || need_install=1
  done
fi

if [ "$need_install" -eq 1 ]; then
  log="$(mktemp)"
  if ! npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    die "npm ci failed"
  fi
  rm -f "$log"
  # Make sure the installed tree is strictly newer than the lockfile so the freshness
  # check above does not reinstall on the next run.
  touch node_modules/.package-lock.json
fi

for t in "${foundry_tools[@]}"; do
  p="$(tool_path "$t")"
  [ -f "$p" ] || die "$p is missing after npm ci"
  [ -x "$p" ] || chmod +x "$p"
  ln -sfn "../$p" "$bin_dir/$t"
done
[ -x tools/solc ] || chmod +x tools/solc
[ -x tools/solc-shim.js ] || chmod +x tools/solc-shim.js
ln -sfn ../tools/solc "$bin_dir/solc"

# Verify every tool runs and report the versions.
foundry_version() {
  "$bin_dir/$1" --version 2>/dev/null | sed -n 's/^.*Version: *\([^ ]*\).*$/\1/p' | head -n1
}
anvil_v="$(foundry_version anvil)" || true
cast_v="$(foundry_version cast)" || true
forge_v="$(foundry_version forge)" || true
solc_v="$("$bin_dir/solc" --version 2>/dev/null | sed -n 's/^Version: *\([0-9.]*\).*$/\1/p')" || true
[ -n "$anvil_v" ] || die "$bin_dir/anvil does not run"
[ -n "$cast_v" ] || die "$bin_dir/cast does not run"
[ -n "$forge_v" ] || die "$bin_dir/forge does not run"
[ -n "$solc_v" ] || die "$bin_dir/solc does not run"

echo "l1 tools ready: anvil $anvil_v, cast $cast_v, forge $forge_v, solc $solc_v"
