#!/usr/bin/env node
// SPDX-License-Identifier: MIT OR Apache-2.0
//
// solc-shim: a native-solc-compatible command line over solcjs (the `solc` npm package).
//
// Forge (foundry-compilers) cannot download a native solc offline, but it accepts any local
// executable that behaves like native solc for the two things it uses:
//
//   solc --version
//       solc, the solidity compiler commandline interface
//       Version: 0.8.37+commit.<hash>.Linux.g++
//
//   solc [--base-path DIR] [--include-path DIR]... [--allow-paths A,B] --standard-json [FILE]
//       Standard JSON input on stdin (or from FILE), standard JSON output on stdout.
//
// Imports that are not part of the input are resolved by an import callback reading from
// disk like native solc's file reader: the source unit name is looked up relative to the
// base path (the current directory when no base path is given), then relative to each
// include path in order. Absolute names are read as they are. A file is only read when it
// lies inside the base path, an include path or an --allow-paths entry, exactly like native
// solc ("File outside of allowed directories.").
//
// Unknown flags are ignored (flags that native solc defines as taking a value have that
// value skipped too), so callers that pass extra native options keep working.
//
// The solc version string is taken from solcjs (`solc.version()`); only the platform suffix
// is rewritten from `.Emscripten.clang` to `.Linux.g++` so that tools which parse native
// solc's banner accept it. The bytecode produced is identical to native solc's.

'use strict';

const fs = require('fs');
const path = require('path');

const USAGE = `solc, the solidity compiler commandline interface (solcjs shim)

Usage: solc --version
       solc [--base-path DIR] [--include-path DIR]... [--allow-paths P1,P2,...]
            [--pretty-json] [--json-indent N] --standard-json [input.json]

Only --version and --standard-json are supported; input is read from stdin when no
input file is given. Unknown options are ignored.
`;

// Native solc options that take a separate value argument. When one of them is given in the
// `--flag value` form and the shim does not use it, its value is skipped as well.
const VALUE_FLAGS = new Set([
  '--base-path',
  '--include-path',
  '--allow-paths',
  '--json-indent',
  '--evm-version',
  '--eof-version',
  '--optimize-runs',
  '--optimize-yul',
  '--yul-optimizations',
  '-o',
  '--output-dir',
  '--libraries',
  '--metadata-hash',
  '--revert-strings',
  '--debug-info',
  '--stop-after',
  '--combined-json',
  '--machine',
  '--yul-dialect',
  '--model-checker-contracts',
  '--model-checker-div-mod-no-slacks',
  '--model-checker-engine',
  '--model-checker-ext-calls',
  '--model-checker-invariants',
  '--model-checker-show-proved-safe',
  '--model-checker-show-unproved',
  '--model-checker-show-unsupported',
  '--model-checker-solvers',
  '--model-checker-targets',
  '--model-checker-timeout',
  '--model-checker-bmc-loop-iterations',
  '--error-recovery-limit',
]);

function parseArgs(argv) {
  const opts = {
    version: false,
    help: false,
    license: false,
    standardJson: false,
    basePath: null,
    includePaths: [],
    allowPaths: [],
    prettyJson: false,
    jsonIndent: null,
    positional: [],
    ignored: [],
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value = null;
    let hasInlineValue = false;
    if (arg.startsWith('--') && arg.includes('=')) {
      const eq = arg.indexOf('=');
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
      hasInlineValue = true;
    }
    const takeValue = () => {
      if (hasInlineValue) return value;
      if (i + 1 >= argv.length) {
        fail(`Option ${arg} requires a value.`);
      }
      i += 1;
      return argv[i];
    };
    switch (arg) {
      case '--version':
        opts.version = true;
        break;
      case '--help':
      case '-h':
        opts.help = true;
        break;
      case '--license':
        opts.license = true;
        break;
      case '--standard-json':
        opts.standardJson = true;
        break;
      case '--base-path':
        opts.basePath = takeValue();
        break;
      case '--include-path':
        opts.includePaths.push(takeValue());
        break;
      case '--allow-paths':
        for (const p of takeValue().split(',')) {
          if (p !== '') opts.allowPaths.push(p);
        }
        break;
      case '--pretty-json':
        opts.prettyJson = true;
        break;
      case '--json-indent':
        opts.jsonIndent = parseInt(takeValue(), 10);
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') {
          opts.ignored.push(arg);
          if (VALUE_FLAGS.has(arg) && !hasInlineValue && i + 1 < argv.length) {
            i += 1;
          }
        } else {
          opts.positional.push(arg);
        }
    }
  }
  return opts;
}

function fail(message, code = 1) {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(code);
}

function loadSolc() {
  // Resolved from this file's location (tools/ -> <repo>/node_modules/solc); node resolves
  // symlinks of the entry script, so this also works through .tools-bin/solc.
  try {
    return require('solc');
  } catch (e) {
    fail(
      `cannot load solcjs (npm package "solc"): ${e.message}\n` +
        'Run tools/install-l1-tools.sh from the repository root first.',
    );
  }
  return null;
}

function nativeVersion(solc) {
  // e.g. "0.8.37+commit.f401782d.Emscripten.clang" -> "0.8.37+commit.f401782d.Linux.g++"
  const v = solc.version();
  const m = /^(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?\+commit\.[0-9a-f]+)/.exec(v);
  return m ? `${m[1]}.Linux.g++` : v;
}

function isWithin(child, parent) {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function realpathOr(p) {
  try {
    return fs.realpathSync(p);
  } catch (_) {
    return p;
  }
}

function makeImportCallback(opts) {
  const cwd = process.cwd();
  const base = path.resolve(cwd, opts.basePath === null || opts.basePath === '' ? '.' : opts.basePath);
  const includes = opts.includePaths.map((p) => path.resolve(cwd, p));
  const allowed = [base, ...includes, ...opts.allowPaths.map((p) => path.resolve(cwd, p))];
  const allowedReal = allowed.map(realpathOr);

  const isAllowed = (file) => {
    const real = realpathOr(file);
    return (
      allowed.some((dir) => isWithin(file, dir)) ||
      allowedReal.some((dir) => isWithin(real, dir) || isWithin(file, dir))
    );
  };

  return (sourceUnitName) => {
    // Native solc strips a "file://" URL scheme prefix from source unit names.
    let name = sourceUnitName.startsWith('file://') ? sourceUnitName.slice(7) : sourceUnitName;
    const candidates = [];
    if (path.isAbsolute(name)) {
      candidates.push(path.normalize(name));
    } else {
      candidates.push(path.resolve(base, name));
      for (const inc of includes) candidates.push(path.resolve(inc, name));
    }
    let outside = false;
    for (const file of candidates) {
      let stat;
      try {
        stat = fs.statSync(file);
      } catch (_) {
        continue;
      }
      if (!stat.isFile()) continue;
      if (!isAllowed(file)) {
        outside = true;
        continue;
      }
      try {
        return { contents: fs.readFileSync(file, 'utf8') };
      } catch (e) {
        return { error: `Cannot read file ${file}: ${e.message}` };
      }
    }
    if (outside) return { error: 'File outside of allowed directories.' };
    return { error: 'File not found. Searched the following locations: ' + candidates.map((c) => `"${c}"`).join(', ') + '.' };
  };
}

function readInput(opts) {
  const files = opts.positional;
  if (files.length > 1) {
    fail('Too many input files for --standard-json.');
  }
  try {
    if (files.length === 1 && files[0] !== '-') {
      return fs.readFileSync(files[0], 'utf8');
    }
    return fs.readFileSync(0, 'utf8');
  } catch (e) {
    fail(`cannot read standard JSON input: ${e.message}`);
  }
  return '';
}

function writeOut(text) {
  // Let node drain stdout before exiting (process.exit() could truncate piped output).
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function main() {
  const opts = parseArgs(process.argv.slice(2));

  if (opts.help) {
    writeOut(USAGE);
    return;
  }
  if (opts.version) {
    const solc = loadSolc();
    writeOut(`solc, the solidity compiler commandline interface\nVersion: ${nativeVersion(solc)}\n`);
    return;
  }
  if (opts.license) {
    const solc = loadSolc();
    writeOut(typeof solc.license === 'function' ? solc.license() : 'GPL-3.0');
    return;
  }
  if (!opts.standardJson) {
    process.stderr.write(USAGE);
    fail('this solc shim only supports --version and --standard-json.');
  }

  const input = readInput(opts);
  const solc = loadSolc();
  let output = solc.compile(input, { import: makeImportCallback(opts) });

  if (opts.prettyJson || opts.jsonIndent !== null) {
    const indent = opts.jsonIndent !== null && opts.jsonIndent >= 0 ? opts.jsonIndent : 2;
    try {
      output = JSON.stringify(JSON.parse(output), null, indent);
    } catch (_) {
      // leave the compiler's output as it is
    }
  }
  // Like native solc: standard JSON mode exits 0 and reports compile errors in the output.
  writeOut(output);
}

module.exports = { loadSolc, nativeVersion, makeImportCallback };

if (require.main === module) {
  main();
}
