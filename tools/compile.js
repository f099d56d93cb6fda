#!/usr/bin/env node
// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Compiles one Solidity contract with solcjs (the pinned npm "solc", through the same import
// resolution as tools/solc-shim.js) and prints its artifact as JSON on stdout:
//
//   node tools/compile.js <file.sol> <ContractName>
//   => {"abi":[...],"bytecode":"0x...","deployedBytecode":"0x..."}
//
// Settings are the project's canonical ones, identical to contracts/foundry.toml so that
// the bytecode matches forge's artifacts and the genesis predeploys:
//   optimizer enabled, 200 runs; evmVersion prague; viaIR off;
//   metadata.bytecodeHash "none" (the CBOR trailer then holds only the solc version, so the
//   bytecode does not depend on file paths, comments or the checkout location).
//
// Imports are resolved from disk: the base path is the nearest ancestor directory of the
// file holding a foundry.toml (so `contracts/` for this repo; source unit names are then
// e.g. "src/L2/L2ToL1MessagePasser.sol", as in forge), or the file's own directory.
// Extra --include-path DIR options add import roots (like solc's).
//
// Compiler errors go to stderr and the exit code is 1; warnings go to stderr too.
// Usable as a module: require('./compile.js').compileContract(file, name).

'use strict';

const fs = require('fs');
const path = require('path');
const { loadSolc, makeImportCallback } = require('./solc-shim.js');

const SETTINGS = Object.freeze({
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'prague',
  viaIR: false,
  metadata: { bytecodeHash: 'none' },
});

function findBasePath(file) {
  let dir = path.dirname(file);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'foundry.toml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.dirname(file);
    dir = parent;
  }
}

function toUnitName(file, basePath) {
  return path.relative(basePath, file).split(path.sep).join('/');
}

class CompileError extends Error {}

/// Compiles `contractName` from `file` and returns { abi, bytecode, deployedBytecode }.
function compileContract(file, contractName, options = {}) {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new CompileError(`no such file: ${file}`);
  const basePath = options.basePath ? path.resolve(options.basePath) : findBasePath(abs);
  const includePaths = (options.includePaths || []).map((p) => path.resolve(p));
  const unitName = toUnitName(abs, basePath);

  const input = {
    language: 'Solidity',
    sources: { [unitName]: { content: fs.readFileSync(abs, 'utf8') } },
    settings: {
      ...SETTINGS,
      outputSelection: {
        [unitName]: { [contractName]: ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
      },
    },
  };

  const solc = loadSolc();
  const importCallback = makeImportCallback({ basePath, includePaths, allowPaths: [] });
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: importCallback }));

  const diagnostics = output.errors || [];
  const errors = diagnostics.filter((e) => e.severity === 'error');
  for (const d of diagnostics) {
    if (d.severity !== 'error' && !options.quiet) process.stderr.write(d.formattedMessage || `${d.message}\n`);
  }
  if (errors.length > 0) {
    throw new CompileError(errors.map((e) => e.formattedMessage || e.message).join('\n'));
  }

  const contract = output.contracts && output.contracts[unitName] && output.contracts[unitName][contractName];
  if (!contract) {
    const available = Object.keys((output.contracts && output.contracts[unitName]) || {});
    throw new CompileError(
      `contract ${contractName} not found in ${unitName}` +
        (available.length ? ` (available: ${available.join(', ')})` : ''),
    );
  }
  const bytecode = contract.evm.bytecode.object;
  const deployedBytecode = contract.evm.deployedBytecode.object;
  if (/__\$[0-9a-fA-F]{34}\$__/.test(bytecode)) {
    throw new CompileError(`${contractName} needs library linking, which compile.js does not do`);
  }
  return { abi: contract.abi, bytecode: `0x${bytecode}`, deployedBytecode: `0x${deployedBytecode}` };
}

function main() {
  const args = process.argv.slice(2);
  const positional = [];
  const options = { includePaths: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--include-path') options.includePaths.push(args[++i]);
    else if (a === '--base-path') options.basePath = args[++i];
    else if (a === '--quiet' || a === '-q') options.quiet = true;
    else if (a === '--help' || a === '-h') positional.length = 99;
    else positional.push(a);
  }
  if (positional.length !== 2) {
    process.stderr.write(
      'usage: node tools/compile.js [--quiet] [--base-path DIR] [--include-path DIR]... <file.sol> <ContractName>\n',
    );
    process.exitCode = 2;
    return;
  }
  try {
    const artifact = compileContract(positional[0], positional[1], options);
    process.stdout.write(`${JSON.stringify(artifact)}\n`);
  } catch (e) {
    process.stderr.write(`compile.js: ${e instanceof CompileError ? e.message : e.stack}\n`);
    process.exitCode = 1;
  }
}

module.exports = { compileContract, SETTINGS };

if (require.main === module) {
  main();
}
