#!/usr/bin/env bash
# Regenerates the L2 genesis predeploy artifacts from contracts/src with solcjs
# (tools/compile.js: optimizer 200 runs, evmVersion prague, metadata bytecodeHash "none").
#
#   core/src/genesis/predeploys/<Name>.hex       runtime bytecode, lowercase hex, no 0x,
#                                                one line, no trailing newline
#   core/src/genesis/predeploys/<Name>.abi.json  ABI, pretty-printed, trailing newline
#
# Deterministic: running it twice yields identical files, so CI can run it and then
# `git diff --exit-code core/src/genesis/predeploys`. forge test also checks that the .hex
# matches the source (the test_genesisArtifactMatchesSource test of each predeploy's test in
# contracts/test/L2/).
set -euo pipefail

repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$repo"

[ -f node_modules/solc/soljson.js ] || bash tools/install-l1-tools.sh >/dev/null

out_dir="core/src/genesis/predeploys"
mkdir -p "$out_dir"

# name:source (source relative to the repo root)
predeploys=(
  "L2ToL1MessagePasser:contracts/src/L2/L2ToL1MessagePasser.sol"
  "L1Block:contracts/src/L2/L1Block.sol"
  "GasPriceOracle:contracts/src/L2/GasPriceOracle.sol"
  "FeeVault:contracts/src/L2/FeeVault.sol"
)

for entry in "${predeploys[@]}"; do
  name="${entry%%:*}"
  src="${entry#*:}"
  node - "$src" "$name" "$out_dir" <<'EOF'
const fs = require('fs');
const path = require('path');
const { compileContract } = require(path.resolve('tools/compile.js'));
const [src, name, outDir] = process.argv.slice(2);
const artifact = compileContract(src, name, { quiet: true });
const runtime = artifact.deployedBytecode.replace(/^0x/, '').toLowerCase();
if (!/^[0-9a-f]+$/.test(runtime)) throw new Error(`${name}: empty or invalid runtime bytecode`);
// Write via a temp file + rename so a failed run never leaves a truncated artifact.
const write = (file, data) => {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
};
write(path.join(outDir, `${name}.hex`), runtime);
write(path.join(outDir, `${name}.abi.json`), `${JSON.stringify(artifact.abi, null, 2)}\n`);
EOF
done
