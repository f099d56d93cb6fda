#!/usr/bin/env bash
# Regenerates the L1 contract artifacts that the Rust bindings (`sol!` in protocol/l1/src) are
# built from, out of a fresh `forge build` of contracts/:
#
#   protocol/l1/src/artifacts/<Name>.json   {"abi": [...], "bytecode": "0x..."}  (creation code)
#
# Deterministic (bytecode_hash = "none"), so CI runs it and then
# `git diff --exit-code protocol/l1/src/artifacts`.
set -euo pipefail

repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$repo"
[ -x .tools-bin/forge ] || bash tools/install-l1-tools.sh >/dev/null

(cd contracts && ../.tools-bin/forge build --quiet)

out_dir="protocol/l1/src/artifacts"
mkdir -p "$out_dir"
for name in BatchInbox OutputOracle Portal SystemConfig CallSteps CopySteps CreateSteps EVMStepper KeccakSteps LogSteps PrecompileSteps SelfDestructSteps TransactionSteps WorldTries; do
  node - "contracts/out/$name.sol/$name.json" "$out_dir/$name.json" <<'JS'
const fs = require('fs');
const [input, output] = process.argv.slice(2);
const forge = JSON.parse(fs.readFileSync(input, 'utf8'));
const artifact = { abi: forge.abi, bytecode: forge.bytecode.object };
if (!/^0x[0-9a-f]+$/.test(artifact.bytecode)) throw new Error(`${input}: no creation bytecode`);
fs.writeFileSync(`${output}.tmp`, JSON.stringify(artifact, null, 2) + '\n');
fs.renameSync(`${output}.tmp`, output);
JS
done
