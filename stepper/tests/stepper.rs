//! The Solidity stepper against the tracer, step by step: for state tests, the tracer's
//! commitment sequence on revm, and `EVMStepper` (deployed
//! from its creation code, as on L1, and run in revm) applied to each step's witness must
//! return the next commitment. Tracing stops at the first instruction the stepper does not
//! execute yet; the steps before it are checked.

use alloy::signers::{SignerSync, local::PrivateKeySigner};
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use proptest::prelude::*;
use rollup_core::{
    ChainConfig, FeeVaultConfig, Genesis, L1Origin,
    fees::{
        BASE_FEE_VAULT, DEPOSITOR_ACCOUNT, GAS_PRICE_ORACLE_ADDRESS, L1_BLOCK_ADDRESS, L1_FEE_VAULT, L1Attributes,
        L1BlockValues, SEQUENCER_FEE_VAULT, SystemConfig,
    },
};
use std::{
    collections::{BTreeMap, HashMap},
    ops::ControlFlow,
    path::{Path, PathBuf},
    sync::LazyLock,
};
use stepper::{
    Access, AccessListEntry, Authorization, AuthorizationEntry, Checked, Env, ExpectedPost, Fees, Indexes,
    OnChainStepper, PreAccount, Rules, Skip, StateTest, StateTestFile, TestUnit, TransactionTemplate, Witness, check,
    stepCall, trace,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/state-tests")
}

/// The folders checked: single frames, calls into code and into precompiles, creations and
/// SELFDESTRUCT.
const FOLDERS: &[&str] = &[
    "VMTests/vmArithmeticTest",
    "VMTests/vmBitwiseLogicOperation",
    "VMTests/vmIOandFlowOperations",
    "VMTests/vmLogTest",
    "VMTests/vmTests",
    "stStackTests",
    "stMemoryTest",
    "stSStoreTest",
    "stShift",
    "stLogTests",
    "stRefundTest",
    "stSelfBalance",
    "stEIP2930",
    "stCodeCopyTest",
    "stSLoadTest",
    "stChainId",
    "Cancun/stEIP1153-transientStorage",
    "Cancun/stEIP5656-MCOPY",
    "Shanghai/stEIP3855-push0",
    "stCallCodes",
    "stCallCreateCallCodeTest",
    "stCreate2",
    "stCreateTest",
    "stInitCodeTest",
    "stReturnDataTest",
    "stRevertTest",
    "stStaticCall",
    "stStaticFlagEnabled",
    "stSystemOperationsTest",
    "stZeroCallsRevert",
    "stPreCompiledContracts",
];

/// Files left to `rollup stepper state-tests` (on demand): loops of thousands of calls or of
/// instructions, minutes each.
const HEAVY: &[&str] = &["loopMul", "1024", "50000", "Bomb", "RECURSIVE", "LoopCalls", "Recursive"];

/// Checked steps: every step outside `Run` and the first and last of every transaction; the
/// first `FULL_STEPS` of each transaction of each folder's first file; the first two of each
/// opcode; and a seeded sample of the rest (`STEPPER_ALL=1` checks every step instead, as
/// `rollup stepper state-tests` does).
const FULL_FILES: usize = 1;
const FULL_STEPS: u64 = 200;
/// Out of 256: the share of the other steps checked.
const SAMPLE: u8 = 2;

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

#[derive(Default)]
struct Tally {
    steps: u64,
    max_gas: u64,
    total_gas: u64,
    max_size: usize,
    passed: u32,
    skipped: BTreeMap<Skip, u32>,
    failures: Vec<String>,
}

impl Tally {
    fn add(&mut self, name: &str, checked: Checked) {
        self.steps += checked.checked;
        self.max_gas = self.max_gas.max(checked.max_gas);
        self.total_gas += checked.total_gas;
        self.max_size = self.max_size.max(checked.max_calldata);
        match (checked.failure, checked.skip) {
            (Some(failure), _) => self.failures.push(format!("{name}: {failure}")),
            (None, Some(skip)) => *self.skipped.entry(skip).or_default() += 1,
            (None, None) => self.passed += 1,
        }
    }
}

#[test]
fn stepper_agrees_with_the_tracer() {
    let mut chain = OnChainStepper::new();
    let mut tally = Tally::default();
    let mut seen: HashMap<u8, u32> = HashMap::new();
    let all = std::env::var("STEPPER_ALL").is_ok_and(|value| value == "1");
    for folder in FOLDERS {
        for (position, path) in json_files(&fixtures().join(folder)).into_iter().enumerate() {
            let stem = path.file_stem().unwrap().to_string_lossy();
            if HEAVY.iter().any(|heavy| stem.contains(heavy)) {
                continue;
            }
            let file = StateTestFile::read(&path).unwrap();
            for unit in file.units("Cancun") {
                let name = format!("{folder}/{} [{}]", unit.name, unit.index);
                if unit.test.unreachable_account().is_some() {
                    // Storage without code or nonce (EIP-7610): no chain holds it.
                    continue;
                }
                let checked = check(&unit, Rules::default(), &mut chain, |step| {
                    let opcode = step.opcode.unwrap_or_default();
                    let sampled = keccak256(format!("{name}/{}", step.index))[0] < SAMPLE;
                    let first_of_kind = seen.get(&opcode).copied().unwrap_or_default() < 2;
                    let full = position < FULL_FILES && step.index < FULL_STEPS;
                    let chosen = all || full || sampled || first_of_kind;
                    if chosen {
                        *seen.entry(opcode).or_default() += 1;
                    }
                    chosen
                })
                .unwrap();
                tally.add(&name, checked);
            }
        }
    }
    println!(
        "steps={} max_step_gas={} mean_step_gas={} max_witness_bytes={}",
        tally.steps,
        tally.max_gas,
        tally.total_gas / tally.steps.max(1),
        tally.max_size
    );
    println!("{} passed, skipped by where tracing stopped: {:?}", tally.passed, tally.skipped);
    assert!(tally.steps > 10_000, "only {} steps checked", tally.steps);
    assert!(tally.passed > 200, "only {} transactions passed", tally.passed);
    // Everything these folders reach is built: only invalid transactions have no steps.
    assert!(tally.skipped.keys().all(|skip| *skip == Skip::Invalid), "skipped: {:?}", tally.skipped);
    let failures = &tally.failures;
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures[..failures.len().min(20)].join("\n"));
}

/// Deterministic random numbers for the mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 += 1;
        u64::from_be_bytes(keccak256(self.0.to_be_bytes())[..8].try_into().unwrap())
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn word(&mut self) -> B256 {
        keccak256(self.next().to_be_bytes())
    }
    fn flip(&mut self, bytes: &mut [u8]) {
        if !bytes.is_empty() {
            let at = self.below(bytes.len());
            bytes[at] ^= 1 << self.below(8);
        }
    }
}

/// One mutation of the witness: every field can be changed, proofs corrupted or cut short.
fn mutate(witness: &mut Witness, rng: &mut Rng) -> &'static str {
    let frame = &mut witness.frame;
    let world = &mut witness.world;
    match rng.below(17) {
        0 if !witness.stack.is_empty() => {
            let at = rng.below(witness.stack.len());
            witness.stack[at] ^= U256::from(1) << rng.below(256);
            "a stack item"
        }
        1 => {
            witness.stackBelow = rng.word();
            "the stack beneath"
        }
        2 if !witness.code.is_empty() => {
            let at = rng.below(witness.code.len());
            rng.flip(&mut witness.code[at].0);
            "a code word"
        }
        3 if !witness.words.is_empty() => {
            let at = rng.below(witness.words.len());
            rng.flip(&mut witness.words[at].0);
            "a data word"
        }
        4 if !witness.wordProofs.is_empty() => {
            let at = rng.below(witness.wordProofs.len());
            let level = rng.below(witness.wordProofs[at].len());
            rng.flip(&mut witness.wordProofs[at][level].0);
            "a data word's proof"
        }
        5 if !witness.codeProofs.is_empty() => {
            let at = rng.below(witness.codeProofs.len());
            let level = rng.below(witness.codeProofs[at].len());
            rng.flip(&mut witness.codeProofs[at][level].0);
            "a code word's proof"
        }
        6 if !witness.tries.is_empty() => {
            let proof = rng.below(witness.tries.len());
            let nodes = &mut witness.tries[proof];
            if nodes.is_empty() {
                nodes.push(Bytes::from(rng.word().to_vec()));
            } else {
                let node = rng.below(nodes.len());
                let mut bytes = nodes[node].to_vec();
                rng.flip(&mut bytes);
                nodes[node] = bytes.into();
            }
            "a trie proof"
        }
        7 if !witness.tries.is_empty() => {
            let proof = rng.below(witness.tries.len());
            witness.tries[proof].pop();
            "a trie proof cut short"
        }
        8 => {
            let mut sibling = witness.sibling.to_vec();
            if sibling.is_empty() {
                sibling = rng.word().to_vec();
            } else {
                rng.flip(&mut sibling);
            }
            witness.sibling = sibling.into();
            "the deletion sibling"
        }
        9 => {
            match rng.below(6) {
                0 => world.stateRoot = rng.word(),
                1 => world.txStartRoot = rng.word(),
                2 => world.transientRoot = rng.word(),
                3 => world.warmSlots = rng.word(),
                4 => world.refund += U256::from(1),
                _ => world.warmAccounts = rng.word(),
            }
            "a world field"
        }
        10 => {
            let context = &mut witness.context;
            match rng.below(5) {
                0 => context.number += U256::from(1),
                1 => context.timestamp += U256::from(1),
                2 => context.blockHashes = rng.word(),
                3 => context.lists.blobHashes = rng.word(),
                _ => context.gasPrice += U256::from(1),
            }
            "a context field"
        }
        11 => {
            match rng.below(11) {
                0 => frame.pc += U256::from(1),
                1 => frame.gas += U256::from(1),
                2 => frame.stackLength += U256::from(1),
                3 => frame.memoryLength += U256::from(32),
                4 => frame.memoryRoot = rng.word(),
                5 => frame.isStatic = !frame.isStatic,
                6 => frame.codeLength += U256::from(1),
                7 => frame.depth += U256::from(1),
                8 if rng.below(2) == 0 => frame.isCreate = !frame.isCreate,
                8 => frame.returnDataOffset += U256::from(1),
                9 => frame.codeHash = rng.word(),
                _ => frame.checkpoint = rng.word(),
            }
            "a frame field"
        }
        14 => {
            let mut data = witness.data.to_vec();
            if data.is_empty() {
                data.push(1);
            } else {
                rng.flip(&mut data);
            }
            witness.data = data.into();
            "the calldata or code"
        }
        16 => {
            match rng.below(6) {
                0 if !witness.sourceWords.is_empty() => {
                    let at = rng.below(witness.sourceWords.len());
                    rng.flip(&mut witness.sourceWords[at].0);
                }
                1 if !witness.sourceProofs.is_empty() => {
                    let at = rng.below(witness.sourceProofs.len());
                    let level = rng.below(witness.sourceProofs[at].len());
                    rng.flip(&mut witness.sourceProofs[at][level].0);
                }
                2 => {
                    let lane = rng.below(7);
                    rng.flip(&mut witness.sponge[lane].0);
                }
                3 => witness.micro.kind = witness.micro.kind.wrapping_add(1),
                4 => witness.outcome.status = (witness.outcome.status + 1) % 3,
                _ => match rng.below(5) {
                    0 => witness.context.origin = Address::repeat_byte(0x77),
                    1 => witness.context.to = Address::repeat_byte(0x77),
                    2 => witness.context.coinbase = Address::repeat_byte(0x77),
                    3 => witness.context.data.root = rng.word(),
                    _ => witness.context.data.tokens += U256::from(1),
                },
            }
            "a source word, the sponge, the micro-step, the outcome or the context's parties"
        }
        15 => {
            match rng.below(12) {
                0 => witness.outcome.gasLeft += U256::from(1),
                1 => witness.micro.a += U256::from(1),
                2 => witness.outcome.returnDataOffset += U256::from(1),
                3 => witness.outcome.returnDataLength += U256::from(1),
                4 => witness.call.returnSize += U256::from(1),
                5 => witness.call.kind ^= 1,
                6 => witness.call.below = rng.word(),
                8 => witness.call.account = Address::repeat_byte(0x77),
                7 => frame.calldataOffset += U256::from(1),
                10 => match witness.authorizations.pop() {
                    Some(_) => {}
                    None => witness.authorizations.push(Authorization {
                        chainId: U256::ZERO,
                        account: OTHER,
                        nonce: 0,
                        yParity: 0,
                        r: U256::from(1),
                        s: U256::from(1),
                    }),
                },
                11 => match witness.authorizations.first_mut() {
                    Some(authorization) => authorization.nonce ^= 1,
                    None => witness.accessList.clear(),
                },
                _ => match witness.accessList.first_mut() {
                    Some(access) => access.keys.push(rng.word()),
                    None => witness.accessList.push(Access { account: Address::ZERO, keys: Vec::new() }),
                },
            }
            "the outcome, micro-step, call link, a window, the access or authorization list"
        }
        12 => {
            // A consistent but different machine: the claimed pre-state no longer matches.
            witness.machine.world = rng.word();
            "the machine"
        }
        _ => {
            match rng.below(3) {
                0 => _ = witness.stack.pop(),
                1 => _ = witness.words.pop(),
                _ => _ = witness.code.pop(),
            }
            "an item left out"
        }
    }
}

/// Instructions the random programs draw from: every one the stepper executes but STOP and
/// INVALID (which end programs), and, rarely, an undefined opcode.
const DRAWN: &[u8] = &[
    0x01, 0x02, 0x20, 0x31, 0x3b, 0x3f, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13,
    0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x30, 0x32, 0x33, 0x34, 0x35, 0x36, 0x38, 0x3a,
    0x3d, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56,
    0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5f, 0x80, 0x84, 0x8f, 0x90, 0x93, 0x9f,
];
/// Undefined opcodes of the L2's fork (some defined by later forks): they halt.
const UNDEFINED: &[u8] = &[0x0c, 0x21, 0x4b, 0xe6, 0xef];

/// A stack operand: edge values, small numbers (offsets, slots, indexes) and random words.
fn operand(rng: &mut Rng) -> U256 {
    match rng.below(13) {
        // The accounts of the test: the contract, the sender, the coinbase, the delegator.
        12 => U256::from_be_slice(
            [Address::repeat_byte(0x10), SENDER, Address::repeat_byte(0xc0), DELEGATOR][rng.below(4)].as_slice(),
        ),
        0 => U256::ZERO,
        1 | 2 => U256::from(rng.below(4)),
        3..=7 => U256::from(rng.below(200)),
        8 => U256::MAX,
        9 => U256::from(1) << 255,
        10 => U256::from(1) << rng.below(256),
        _ => rng.word().into(),
    }
}

/// Appends a PUSH of `value` in the shortest form or a longer one.
fn push(code: &mut Vec<u8>, value: U256, rng: &mut Rng) {
    let bytes = value.to_be_bytes::<32>();
    let minimal = 32 - bytes.iter().take_while(|byte| **byte == 0).count();
    if minimal == 0 && rng.below(2) == 0 {
        code.push(0x5f);
        return;
    }
    let size = (minimal + rng.below(3)).clamp(1, 32);
    code.push(0x5f + size as u8);
    code.extend_from_slice(&bytes[32 - size..]);
}

/// A random program: enough stack for DUP16/SWAP16, then instructions with random operands,
/// valid and invalid jumps, ending in STOP, RETURN, REVERT, INVALID, SELFDESTRUCT or the
/// code's end.
fn program(rng: &mut Rng) -> Vec<u8> {
    let mut code = Vec::new();
    for _ in 0..17 {
        push(&mut code, operand(rng), rng);
    }
    for _ in 0..rng.below(40) + 10 {
        match rng.below(16) {
            0 => {
                // A valid forward jump over nothing: PUSH2 target, JUMP or JUMPI, JUMPDEST.
                let target = code.len() + 4 + usize::from(rng.below(2) == 0);
                let conditional = target == code.len() + 5;
                if conditional {
                    push(&mut code, operand(rng), rng);
                }
                let target = code.len() + 4;
                code.extend_from_slice(&[
                    0x61,
                    (target >> 8) as u8,
                    target as u8,
                    if conditional { 0x57 } else { 0x56 },
                ]);
                code.push(0x5b);
            }
            1 => {
                // KECCAK256 of sizes around the sponge's block and the micro-step's chunk.
                let size = [0, 1, 135, 136, 137, 1087, 1088, 1089, 2500][rng.below(9)];
                push(&mut code, U256::from(size), rng);
                push(&mut code, U256::from(rng.below(100)), rng);
                code.push(0x20);
            }
            2 => {
                // A copy into memory of sizes around a word and the micro-step's chunk.
                let size = [0, 1, 31, 33, 1023, 1024, 1025, 2100][rng.below(8)];
                push(&mut code, U256::from(size), rng);
                push(&mut code, operand(rng), rng);
                push(&mut code, U256::from(rng.below(300)), rng);
                let op = [0x37, 0x39, 0x3c, 0x3e, 0x5e][rng.below(5)];
                if op == 0x3c {
                    push(&mut code, operand(rng), rng);
                }
                code.push(op);
            }
            4 | 5 => {
                // A call of each kind into another contract, the running one, an account
                // without code or none, with input and output areas around a word and the
                // copy's chunk, value and gas from none to all.
                let op = [0xf1, 0xf2, 0xf4, 0xfa][rng.below(4)];
                let precompile = rng.below(3) == 0;
                push(&mut code, U256::from([0, 1, 32, 33, 1100][rng.below(5)]), rng);
                push(&mut code, U256::from(rng.below(200)), rng);
                // A precompile's input: mostly the sizes its rules name, of memory that is
                // mostly zeros (points at infinity, valid for the curve precompiles).
                let sizes: &[usize] = if precompile { &PRECOMPILE_INPUTS } else { &[0, 1, 31, 64, 1100] };
                push(&mut code, U256::from(sizes[rng.below(sizes.len())]), rng);
                push(&mut code, U256::from(rng.below(200)), rng);
                if op == 0xf1 || op == 0xf2 {
                    push(&mut code, U256::from([0, 0, 1, rng.below(2000)][rng.below(4)]), rng);
                }
                let targets = [OTHER, OTHER, Address::repeat_byte(0x10), SENDER, Address::repeat_byte(0x30), DELEGATOR];
                let target = if precompile { random_precompile(rng) } else { targets[rng.below(targets.len())] };
                push(&mut code, U256::from_be_slice(target.as_slice()), rng);
                push(&mut code, [U256::ZERO, U256::from(700), U256::from(30_000), U256::MAX][rng.below(4)], rng);
                code.push(op);
            }
            6 => {
                // A creation: init code written to memory first (one that deposits a byte, one
                // whose code starts with 0xEF, one that reverts, two that destroy the new
                // account, zeros: an empty contract), then CREATE or CREATE2 over it, or over
                // sizes around the hash's chunk.
                let inits = [INIT_DEPOSITS, INIT_EF, INIT_REVERTS, INIT_DESTROYS, INIT_BURNS, [0; 32]];
                let init = inits[rng.below(inits.len())];
                push(&mut code, U256::from_be_bytes(init), rng);
                push(&mut code, U256::from(rng.below(3) * 32), rng);
                code.push(0x52);
                let op = [0xf0, 0xf5][rng.below(2)];
                if op == 0xf5 {
                    push(&mut code, operand(rng), rng);
                }
                push(&mut code, U256::from([0, 10, 32, 64, 1089, 2200][rng.below(6)]), rng);
                push(&mut code, U256::from(rng.below(3) * 32), rng);
                push(&mut code, U256::from([0, 0, 1, rng.below(2000)][rng.below(4)]), rng);
                code.push(op);
            }
            3 => {
                // A log of data sizes around one byte and the micro-step's chunk.
                let topics = rng.below(5);
                for _ in 0..topics {
                    push(&mut code, operand(rng), rng);
                }
                let size = [0, 1, 2, 55, 56, 900, 1088, 2300][rng.below(8)];
                push(&mut code, U256::from(size), rng);
                push(&mut code, U256::from(rng.below(200)), rng);
                code.push(0xa0 + topics as u8);
            }
            _ => {
                for _ in 0..3 {
                    push(&mut code, operand(rng), rng);
                }
                let op = if rng.below(40) == 0 {
                    UNDEFINED[rng.below(UNDEFINED.len())]
                } else {
                    DRAWN[rng.below(DRAWN.len())]
                };
                code.push(op);
            }
        }
    }
    match rng.below(6) {
        0 => {}
        1 => code.push(0xfe),
        5 => {
            // SELFDESTRUCT to an account of the test, a new one or itself.
            push(&mut code, operand(rng), rng);
            code.push(0xff);
        }
        end => {
            push(&mut code, U256::from(rng.below(64)), rng);
            push(&mut code, U256::from(rng.below(64)), rng);
            code.push([0x00, 0xf3, 0xfd][end - 2]);
        }
    }
    code
}

/// Init code (left-aligned in a word) that deposits the one-byte contract `0x01`.
const INIT_DEPOSITS: [u8; 32] = left_aligned(&[0x60, 0x01, 0x60, 0x00, 0x53, 0x60, 0x01, 0x60, 0x00, 0xf3]);
/// Init code returning one byte 0xEF: the deposit fails (EIP-3541).
const INIT_EF: [u8; 32] = left_aligned(&[0x60, 0xef, 0x60, 0x00, 0x53, 0x60, 0x01, 0x60, 0x00, 0xf3]);
/// Init code that reverts with one byte of data.
const INIT_REVERTS: [u8; 32] = left_aligned(&[0x60, 0x01, 0x60, 0x00, 0xfd]);
/// Init code that destroys the new account, its value going to the creator (EIP-6780: it was
/// created in the transaction).
const INIT_DESTROYS: [u8; 32] = left_aligned(&[0x33, 0xff]);
/// Init code that destroys the new account naming itself: its value is burnt.
const INIT_BURNS: [u8; 32] = left_aligned(&[0x30, 0xff]);

const fn left_aligned(code: &[u8]) -> [u8; 32] {
    let mut word = [0u8; 32];
    let mut i = 0;
    while i < code.len() {
        word[i] = code[i];
        i += 1;
    }
    word
}

/// Input sizes of the precompiles' rules: fixed sizes, pairs of the pairings and MSMs, around a
/// chunk of the input's hashing, and wrong ones.
const PRECOMPILE_INPUTS: [usize; 16] = [0, 1, 64, 96, 128, 160, 192, 213, 256, 288, 320, 384, 512, 576, 1100, 2300];

/// A precompile of the L2's fork: 0x01–0x11 or P256VERIFY (0x100).
fn random_precompile(rng: &mut Rng) -> Address {
    let n = rng.below(18);
    Address::from_word(B256::from(U256::from(if n == 17 { 0x100 } else { n + 1 })))
}

/// An account of the random tests that delegates its code (EIP-7702).
const DELEGATOR: Address = Address::repeat_byte(0x40);

/// Another contract of the random tests, never warm before it is touched.
const OTHER: Address = Address::repeat_byte(0x20);

/// The random tests' sender.
const SENDER: Address = alloy_primitives::address!("a94f5374fce5edbc8e2a8697c15331677e6ebf0b");

/// Random fee rules: Ethereum's, or the L2's with random L1 fee parameters (zero included).
fn random_fees(rng: &mut Rng) -> Fees {
    if rng.below(2) == 0 {
        return Fees::Ethereum;
    }
    let mut pick = |values: &[u64]| {
        let value = values[rng.below(values.len())];
        if value == u64::MAX { rng.next() % 1_000_000_000_000 } else { value }
    };
    let (base_fee, blob_base_fee) = (pick(&[0, 1, 7, u64::MAX]), pick(&[0, 1, u64::MAX]));
    let (base_fee_scalar, blob_base_fee_scalar) = (pick(&[0, 1, 7_600, 2_000_000]), pick(&[0, 862_000, 4_000_000]));
    Fees::L2(L1Attributes {
        timestamp: 0,
        base_fee: base_fee.into(),
        blob_base_fee: blob_base_fee.into(),
        system: SystemConfig {
            batcher: Address::ZERO,
            base_fee_scalar: base_fee_scalar as u32,
            blob_base_fee_scalar: blob_base_fee_scalar as u32,
        },
    })
}

/// A state test running `code` with random storage, calldata, value and gas, and the rules it
/// runs under. Under the L2's fees, each fee vault is absent, empty (the credit touches it: a
/// zero one deletes it) or a contract, and the coinbase is sometimes the sequencer's fee vault.
/// A quarter are deposits, from the rich sender, a contract or an absent account, minting
/// nothing, a wei or an ether, some of which revm refuses to run (a value above the balance,
/// too little gas, more gas than the block has).
fn random_test(rng: &mut Rng) -> (StateTest, Rules) {
    let fees = random_fees(rng);
    let sender = SENDER;
    let contract = Address::repeat_byte(0x10);
    let mut storage = BTreeMap::new();
    for slot in 0..3u64 {
        if rng.below(3) != 0 {
            storage.insert(U256::from(slot), operand(rng));
        }
    }
    let account =
        |balance: U256, code: Vec<u8>, storage| PreAccount { balance, code: code.into(), nonce: U256::ZERO, storage };
    // Sometimes the recipient is an empty account: the transfer touches it and EIP-161 deletes it.
    let recipient = if rng.below(10) == 0 {
        account(U256::ZERO, Vec::new(), BTreeMap::new())
    } else {
        account(U256::from(rng.below(1000)), program(rng), storage)
    };
    let other = account(U256::from(rng.below(1000)), program(rng), BTreeMap::new());
    // Its delegate: the other contract, the first, a precompile, an account that does not
    // exist, or itself (whose code, a delegation, halts).
    let delegate = [OTHER, contract, random_precompile(rng), Address::repeat_byte(0x50), DELEGATOR][rng.below(5)];
    let delegator = PreAccount {
        balance: U256::from(rng.below(1000)),
        code: [&[0xef, 0x01, 0x00][..], delegate.as_slice()].concat().into(),
        nonce: U256::from(1),
        storage: BTreeMap::new(),
    };
    let mut pre: BTreeMap<Address, PreAccount> = [
        (sender, account(U256::from(10u128.pow(20)), Vec::new(), BTreeMap::new())),
        (contract, recipient),
        // Another contract, cold, whose balance and code BALANCE and EXTCODE* read.
        (OTHER, other),
        (DELEGATOR, delegator),
    ]
    .into();
    let l2 = fees != Fees::Ethereum;
    if l2 {
        for vault in [BASE_FEE_VAULT, L1_FEE_VAULT, SEQUENCER_FEE_VAULT] {
            match rng.below(3) {
                0 => {}
                1 => drop(pre.insert(vault, account(U256::ZERO, Vec::new(), BTreeMap::new()))),
                _ => drop(pre.insert(vault, account(U256::from(rng.below(1000)), vec![0x00], BTreeMap::new()))),
            }
        }
    }
    let creates = rng.below(8) == 0;
    // Sometimes a transaction to a precompile, with an input of the sizes its rules name.
    let to_precompile = !creates && rng.below(12) == 0;
    let data: Vec<u8> = if creates {
        program(rng)
    } else if to_precompile {
        let size = PRECOMPILE_INPUTS[rng.below(PRECOMPILE_INPUTS.len())];
        (0..size).map(|_| if rng.below(4) == 0 { rng.next() as u8 } else { 0 }).collect()
    } else {
        (0..rng.below(70)).map(|_| rng.next() as u8).collect()
    };
    let recipient_address = if to_precompile {
        random_precompile(rng)
    } else if rng.below(10) == 0 {
        DELEGATOR
    } else {
        contract
    };
    let warm = AccessListEntry { address: contract, storage_keys: vec![B256::with_last_byte(1)] };
    let mut test = StateTest {
        env: Env {
            current_base_fee: U256::from(10),
            current_coinbase: if l2 && rng.below(2) == 0 { SEQUENCER_FEE_VAULT } else { Address::repeat_byte(0xc0) },
            current_difficulty: U256::ZERO,
            current_excess_blob_gas: U256::ZERO,
            current_gas_limit: U256::from(30_000_000),
            current_number: U256::from(rng.below(600) + 1),
            current_random: rng.word(),
            current_timestamp: U256::from(1000),
        },
        pre,
        transaction: TransactionTemplate {
            access_lists: (rng.below(2) == 0).then(|| vec![Some(vec![warm])]),
            ..legacy(
                sender,
                // Sometimes a contract-creating transaction, its init code a random program.
                (!creates).then_some(recipient_address),
                data.into(),
                // A creation's intrinsic gas alone is above 53,000, a precompile's input's
                // floor up to 61,250.
                {
                    let large = usize::from(creates || to_precompile);
                    [60_000, 200_000, 1_000_000][large + rng.below(3 - large)]
                },
                (rng.below(2) * rng.below(3)) as u64,
                // Above the base fee, so the coinbase is paid.
                10 + rng.below(3) as u128,
            )
        },
        post: BTreeMap::new(),
    };
    let deposit = (rng.below(4) == 0).then(|| [0, 1, 10u128.pow(18)][rng.below(3)]);
    if deposit.is_some() {
        test.transaction.sender = [SENDER, OTHER, Address::repeat_byte(0xde)][rng.below(3)];
        match rng.below(6) {
            0 => test.transaction.value = vec![U256::from(10u128.pow(21))],
            1 => test.transaction.gas_limit = vec![U256::from(20_000)],
            2 => test.env.current_gas_limit = U256::from(50_000),
            _ => {}
        }
    } else if test.transaction.to.is_some() && rng.below(5) == 0 {
        set_code(&mut test, rng);
    }
    (test, Rules { fees, deposit })
}

/// The order of secp256k1's group.
const SECP256K1N: U256 =
    alloy_primitives::uint!(0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141_U256);

/// The key of the state tests' sender ([`SENDER`]).
const SENDER_KEY: B256 = alloy_primitives::b256!("45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8");

/// Makes `test` a set-code transaction (EIP-7702) with one to three authorizations: signed by
/// the sender (whose nonce is one more by then) or by a development key whose account is
/// absent, funded, a contract (which cannot delegate) or already delegating; delegating to
/// another contract, the first, a precompile or nobody (address 0, clearing the code); for
/// this chain, any chain or another; some with a wrong nonce, a high `s` or a parity of 2.
fn set_code(test: &mut StateTest, rng: &mut Rng) {
    let tx = &mut test.transaction;
    tx.max_fee_per_gas = tx.gas_price.take();
    tx.max_priority_fee_per_gas = Some(U256::from(rng.below(3)));
    tx.gas_limit = vec![U256::from([200_000, 1_000_000][rng.below(2)])];
    let mut list = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let (signer, nonce) = if rng.below(3) == 0 {
            (PrivateKeySigner::from_bytes(&SENDER_KEY).unwrap(), 1)
        } else {
            let signer = rollup_core::dev_signers()[rng.below(2)].clone();
            let balance = U256::from(rng.below(1000));
            let account = |code: &[u8], nonce: u64| PreAccount {
                balance,
                code: code.to_vec().into(),
                nonce: U256::from(nonce),
                storage: BTreeMap::new(),
            };
            let delegation = [&[0xef, 0x01, 0x00][..], OTHER.as_slice()].concat();
            match rng.below(4) {
                0 => {}
                1 => drop(test.pre.insert(signer.address(), account(&[], 3))),
                2 => drop(test.pre.insert(signer.address(), account(&[0x00], 0))),
                _ => drop(test.pre.insert(signer.address(), account(&delegation, 1))),
            }
            let nonce = test.pre.get(&signer.address()).map_or(0, |account| account.nonce.to::<u64>());
            (signer, nonce)
        };
        let chain_id = U256::from([1, 0, 7][rng.below(3)]);
        let nonce = if rng.below(6) == 0 { nonce + 1 } else { nonce };
        let address = [OTHER, Address::repeat_byte(0x10), random_precompile(rng), Address::ZERO][rng.below(4)];
        let authorization = alloy::eips::eip7702::Authorization { chain_id, address, nonce };
        let signature = signer.sign_hash_sync(&authorization.signature_hash()).unwrap();
        let (mut v, mut s) = (U256::from(signature.v()), signature.s());
        match rng.below(8) {
            // The same signature with the high `s`: valid for the curve, refused by EIP-2.
            0 => (v, s) = (U256::from(!signature.v()), SECP256K1N - s),
            1 => v = U256::from(2),
            _ => {}
        }
        list.push(AuthorizationEntry { chain_id, address, nonce: U256::from(nonce), v, r: signature.r(), s });
    }
    test.transaction.authorization_list = Some(list);
}

/// The L2's own transactions on its development genesis, the predeploys' real code: block 1's
/// L1 attributes deposit (L1Block's setter), a user transaction asking the GasPriceOracle for an
/// L1 data fee (FastLZ in the EVM) under the L2's fees, which pays the vault predeploys, and a
/// deposit minting to a new account. Every step but a sample of `Run` steps is stepped.
#[test]
fn the_l2s_system_deposit_fee_oracle_and_deposits_step_alike() {
    alloy::sol! { function getL1Fee(bytes data) external view returns (uint256); }
    let l1 =
        L1Attributes { timestamp: 990, base_fee: 7_000_000_000, blob_base_fee: 3, system: SystemConfig::default() };
    let origin = L1Origin { number: 5, hash: B256::repeat_byte(0x11) };
    let config = ChainConfig::default();
    let genesis = Genesis::dev_with_fees(config.clone(), 1_000, origin, l1, FeeVaultConfig::dev());
    let (world, _) = genesis.build();
    let system = L1BlockValues::next(&world, origin, l1).deposit();
    let pre: BTreeMap<Address, PreAccount> = genesis
        .alloc
        .iter()
        .map(|(address, account)| {
            let code = account.code.clone().unwrap_or_default();
            let nonce = U256::from(account.nonce);
            (*address, PreAccount { balance: account.balance, code, nonce, storage: account.storage.clone() })
        })
        .collect();
    let env = Env {
        current_base_fee: U256::from(config.initial_base_fee),
        current_coinbase: SEQUENCER_FEE_VAULT,
        current_difficulty: U256::ZERO,
        current_excess_blob_gas: U256::ZERO,
        current_gas_limit: U256::from(config.block_gas_limit),
        current_number: U256::from(1),
        current_random: origin.hash,
        current_timestamp: U256::from(1_002),
    };
    let payload: Vec<u8> = (0..48u8).map(|i| if i % 3 == 0 { i } else { 0 }).collect();
    let oracle_call = getL1FeeCall { data: payload.into() }.abi_encode();
    let user = rollup_core::dev_signers()[0].address();
    /// A transaction of the test: what it mints if a deposit, and the least steps it has.
    struct Case {
        sender: Address,
        to: Address,
        data: Bytes,
        gas: u64,
        value: u64,
        deposit: Option<u128>,
        least: u64,
    }
    let cases = [
        Case {
            sender: DEPOSITOR_ACCOUNT,
            to: L1_BLOCK_ADDRESS,
            data: system.input.clone(),
            gas: system.gas_limit,
            value: 0,
            deposit: Some(system.mint),
            least: 80,
        },
        Case {
            sender: user,
            to: GAS_PRICE_ORACLE_ADDRESS,
            data: oracle_call.into(),
            gas: 2_000_000,
            value: 0,
            deposit: None,
            least: 1_000,
        },
        Case {
            sender: Address::repeat_byte(0xd0),
            to: Address::repeat_byte(0xd1),
            data: Bytes::new(),
            gas: 100_000,
            value: 1_000,
            deposit: Some(10u128.pow(18)),
            least: 3,
        },
    ];
    for Case { sender, to, data, gas, value, deposit, least } in cases {
        let test = StateTest {
            env: env.clone(),
            pre: pre.clone(),
            transaction: legacy(sender, Some(to), data, gas, value, u128::from(config.initial_base_fee) + 1),
            post: BTreeMap::new(),
        };
        let rules = Rules { fees: Fees::L2(l1), deposit };
        let mut chain = OnChainStepper::new();
        let checked = check(&unit_of(&test), rules, &mut chain, |step| step.index % 17 == 0).unwrap();
        assert_eq!(checked.failure, None, "{to}");
        assert_eq!(checked.skip, None, "{to}");
        assert!(checked.steps >= least, "{to}: {} steps", checked.steps);
    }
}

/// A legacy transaction template of nonce 0 without an access list.
fn legacy(sender: Address, to: Option<Address>, data: Bytes, gas: u64, value: u64, price: u128) -> TransactionTemplate {
    TransactionTemplate {
        data: vec![data],
        gas_limit: vec![U256::from(gas)],
        value: vec![U256::from(value)],
        access_lists: None,
        gas_price: Some(U256::from(price)),
        max_fee_per_gas: None,
        max_priority_fee_per_gas: None,
        blob_versioned_hashes: None,
        max_fee_per_blob_gas: None,
        authorization_list: None,
        nonce: U256::ZERO,
        sender,
        to,
    }
}

/// The one transaction of a random test.
fn unit_of(test: &StateTest) -> TestUnit<'_> {
    static EXPECTED: LazyLock<ExpectedPost> = LazyLock::new(|| ExpectedPost {
        hash: B256::ZERO,
        logs: B256::ZERO,
        indexes: Indexes { data: 0, gas: 0, value: 0 },
        expect_exception: None,
    });
    TestUnit { name: "random", index: 0, test, expected: &EXPECTED }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Random programs: the stepper agrees with the tracer at every step. Soundness: at
    /// random steps, a mutated witness or a wrong claimed pre-state makes the stepper revert
    /// or return the honest post-state, never another.
    #[test]
    fn random_programs_step_alike_and_mutations_never_prove_another_post_state(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let (test, rules) = random_test(&mut rng);
        let mut chain = OnChainStepper::new();
        let checked = check(&unit_of(&test), rules, &mut chain, |_| true).unwrap();
        prop_assert_eq!(checked.failure, None);
        // Everything drawn is built: no account delegates its code, no input is that large.
        prop_assert!(checked.skip.is_none(), "tracing stopped: {:?}", checked.skip);
        let contract = Address::repeat_byte(0x10);
        let runs_code = test.transaction.to.is_none()
            || (test.transaction.to == Some(contract) && !test.pre[&contract].code.is_empty());
        // A deposit revm refuses has one step.
        let least = if rules.deposit.is_some() { 0 } else if runs_code { 17 } else { 2 };
        prop_assert!(checked.checked > least, "the program ran: {} steps", checked.checked);
        let mut steps = Vec::new();
        trace(&unit_of(&test), rules, |step| {
            if step.opcode.is_none() || rng.below(8) == 0 {
                steps.push(step);
            }
            ControlFlow::Continue(())
        })
        .unwrap();
        for step in &steps {
            let honest = step.post.commitment();
            let pre = step.witness.machine.commitment();
            let mut wrong_pre = pre;
            rng.flip(&mut wrong_pre.0);
            prop_assert!(chain.step(wrong_pre, &step.witness).post.is_err(), "a wrong pre-state was accepted");
            for _ in 0..6 {
                let mut witness = step.witness.clone();
                let what = mutate(&mut witness, &mut rng);
                let mut data = stepCall { pre, witness }.abi_encode();
                if rng.below(4) == 0 {
                    // Or raw bytes of the encoding anywhere past the selector and pre-state.
                    let at = 36 + rng.below(data.len() - 36);
                    data[at] ^= 1 << rng.below(8);
                }
                if let Ok(post) = chain.call(data).post {
                    prop_assert_eq!(post, honest, "step {:?} {:02x?}: a mutated {} proved another post-state", step.witness.machine.phase, step.opcode, what);
                }
            }
        }
    }
}
