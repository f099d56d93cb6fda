//! The benchmark's stream: blocks of signed transactions from thousands of accounts, cut into
//! channels.
//!
//! It reuses what `test_utils` builds its executor workloads from (the [`TOKEN`] address, the
//! constant-product pools and their `swap` call, the storage contract's init code, the compiled
//! fixtures as deployment payloads, alloy's local signer) but not its `Builder`: 32 senders,
//! one fee setting and 64 recipients would make the stream far more repetitive, so far more
//! compressible, than a chain's.

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy},
    eips::eip2718::Encodable2718,
    network::TxSignerSync,
    signers::local::PrivateKeySigner,
};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, hex, keccak256};
use rollup_batch::{Batch, BatchBlock};
use rollup_core::{
    L1Origin,
    test_utils::{STORE_INIT_PREFIX, STORE_RUNTIME, TOKEN},
};
use test_support::compile;

/// Per-block bytes counted as raw input besides the transactions: parent hash, L1 origin
/// number and hash, timestamp (32 + 8 + 32 + 8).
const BLOCK_HEADER_BYTES: u64 = 80;
/// Seed of the workload generator.
pub(crate) const SEED: u64 = 0x0b47_c4c0_3e55_10e5;

/// Accounts that send transactions (plus [`BOTS`] busy ones), with their own signing keys.
const USERS: usize = 8_192;
/// Arbitrage and market-making accounts: few, busy, high nonces, mostly swapping.
const BOTS: usize = 64;
/// Addresses that only receive (deposit addresses, new wallets).
const PASSIVE: usize = 200_000;
/// ERC-20 tokens (the first is the test fixture's [`TOKEN`]).
const TOKENS: usize = 200;
/// Exchange hot wallets: popular transfer recipients.
const EXCHANGES: usize = 16;
/// Other contracts called with their own functions (NFTs, games, airdrops, bridges…).
const DAPPS: usize = 300;
/// The constant-product pools of `test_utils` (at `0x7171…`, `0x7272…`, …).
const POOLS: u8 = 8;

/// How much of the stream a run generates: whether it is a smoke run (`cargo test --benches`
/// passes no `--bench`), the stream's raw bytes and a channel's, from `BATCH_BENCH_MB` and
/// `BATCH_BENCH_CHANNEL_KB` or the given defaults (a smoke run's: 0.2 MB, 100 kB).
pub(crate) struct Settings {
    pub(crate) smoke: bool,
    pub(crate) stream_bytes: u64,
    pub(crate) channel_bytes: u64,
}

impl Settings {
    pub(crate) fn from_env(stream_mb: f64, channel_kb: u64) -> Self {
        let smoke = !std::env::args().any(|arg| arg == "--bench");
        let (stream_mb, channel_kb) = if smoke { (0.2, 100) } else { (stream_mb, channel_kb) };
        let stream_bytes = (env("BATCH_BENCH_MB", stream_mb) * 1e6) as u64;
        let channel_bytes = env("BATCH_BENCH_CHANNEL_KB", channel_kb) * 1_000;
        Self { smoke, stream_bytes, channel_bytes }
    }
}

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().map_or(default, |value| value.parse().unwrap_or_else(|_| panic!("{name}: a number")))
}

/// A run of blocks compressed together, the same for every candidate.
pub(crate) struct Channel {
    pub(crate) batch: Batch,
    /// Parent hash of each block (the OP encoding carries them all).
    pub(crate) parents: Vec<B256>,
    /// Raw input: EIP-2718 bytes of the transactions and [`BLOCK_HEADER_BYTES`] per block.
    pub(crate) raw: u64,
    pub(crate) txs: u64,
}

#[derive(Default)]
pub(crate) struct Totals {
    pub(crate) blocks: u64,
    pub(crate) txs: u64,
    pub(crate) raw: u64,
}

impl Totals {
    pub(crate) fn of(channels: &[Channel]) -> Self {
        let mut totals = Self::default();
        for channel in channels {
            totals.blocks += channel.batch.blocks.len() as u64;
            totals.txs += channel.txs;
            totals.raw += channel.raw;
        }
        totals
    }
}

/// SplitMix64: small, fast and deterministic, so every run sees the same stream.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `low..=high`.
    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low + 1)
    }

    fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An index below `n` skewed towards 0 (popular accounts, tokens): `n·u^power`.
    fn skewed(&mut self, n: usize, power: f64) -> usize {
        ((n as f64 * self.unit().powf(power)) as usize).min(n - 1)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    fn word(&mut self) -> B256 {
        let mut word = B256::ZERO;
        for chunk in word.0.chunks_mut(8) {
            chunk.copy_from_slice(&self.next().to_be_bytes());
        }
        word
    }

    /// Uniform below `10^digits` (`digits` ≤ 38).
    fn digits(&mut self, digits: u32) -> u128 {
        ((u128::from(self.next()) << 64) | u128::from(self.next())) % 10u128.pow(digits)
    }
}

/// An address derived from a label and an index.
fn derived(label: &str, index: usize) -> Address {
    Address::from_slice(&keccak256([label.as_bytes(), &index.to_be_bytes()].concat())[12..])
}

/// A token or ether amount with `decimals` decimals: mostly what people type (1–3 significant
/// digits), a third at full precision (a whole balance, a quoted output).
fn amount(rng: &mut Rng, decimals: u32) -> U256 {
    if rng.percent(35) {
        let digits = decimals + rng.range(0, 5) as u32 - 1;
        U256::from(rng.digits(digits))
    } else {
        U256::from(rng.range(1, 999)) * U256::from(10u128.pow(decimals + rng.range(0, 4) as u32 - 4))
    }
}

/// ABI helpers: 4-byte selectors and 32-byte words.
fn selector(signature: &str) -> [u8; 4] {
    keccak256(signature)[..4].try_into().expect("4 bytes")
}

fn call(signature: &str, words: &[B256]) -> Vec<u8> {
    let mut input = selector(signature).to_vec();
    for word in words {
        input.extend_from_slice(word.as_slice());
    }
    input
}

fn uint(value: U256) -> B256 {
    B256::from(value.to_be_bytes::<32>())
}

fn small(value: u64) -> B256 {
    uint(U256::from(value))
}

fn address(address: Address) -> B256 {
    address.into_word()
}

/// What a transaction does; the generator's mix, per mille.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Transfer,
    Erc20,
    Approve,
    Swap,
    DappCall,
    Deploy,
}

const MIX: [(Kind, u64, &str); 6] = [
    (Kind::Transfer, 340, "ETH transfers"),
    (Kind::Erc20, 320, "ERC-20 transfers"),
    (Kind::Approve, 40, "ERC-20 approvals"),
    (Kind::Swap, 210, "swaps (V2/V3 routers, test pools)"),
    (Kind::DappCall, 85, "other contract calls"),
    (Kind::Deploy, 5, "contract deployments"),
];

/// How many transactions and bytes of each kind were generated.
#[derive(Default)]
pub(crate) struct Mix {
    counts: [u64; MIX.len()],
    bytes: [u64; MIX.len()],
    legacy: u64,
}

impl Mix {
    pub(crate) fn print(&self) {
        let (count, bytes): (u64, u64) = (self.counts.iter().sum(), self.bytes.iter().sum());
        println!("transaction mix (whole generated stream, training slice included):");
        for (index, (_, _, name)) in MIX.iter().enumerate() {
            println!(
                "  {name:36} {:5.1}% of txs, {:5.1}% of bytes, {:6.1} bytes/tx",
                100.0 * self.counts[index] as f64 / count as f64,
                100.0 * self.bytes[index] as f64 / bytes as f64,
                self.bytes[index] as f64 / self.counts[index].max(1) as f64,
            );
        }
        println!(
            "  legacy (EIP-155) transactions: {:.1}%, the rest EIP-1559",
            100.0 * self.legacy as f64 / count as f64
        );
    }
}

/// A function of a dapp: selector and argument kinds.
#[derive(Clone)]
struct Function {
    selector: [u8; 4],
    /// 0 address, 1 small number, 2 amount, 3 random word (id, hash), 4 bool.
    args: Vec<u8>,
    /// Ends with a dynamic `bytes` argument (proofs, signatures, payloads).
    dynamic: bool,
}

/// Generates the stream: thousands of accounts with their own keys and nonces, tokens, routers,
/// pools and dapps, blocks of 100–300 signed transactions one second apart, a new L1 origin
/// every 12 blocks.
pub(crate) struct Workload {
    chain_id: u64,
    keys: Vec<PrivateKeySigner>,
    addresses: Vec<Address>,
    nonces: Vec<u64>,
    exchanges: Vec<Address>,
    tokens: Vec<Address>,
    v2_router: Address,
    v3_router: Address,
    dapps: Vec<(Address, Vec<Function>)>,
    init_codes: Vec<Bytes>,
    pub(crate) mix: Mix,
    block_number: u64,
    timestamp: u64,
    origin: L1Origin,
    parent: B256,
    base_fee: u128,
}

impl Workload {
    pub(crate) fn new(chain_id: u64) -> Self {
        let mut rng = Rng(SEED ^ 0xacc0);
        let keys: Vec<_> = (0..USERS + BOTS)
            .map(|index| {
                let secret = keccak256([b"batch-compression sender".as_slice(), &index.to_be_bytes()].concat());
                PrivateKeySigner::from_bytes(&secret).expect("a hash is a valid key")
            })
            .collect();
        let addresses = keys.iter().map(PrivateKeySigner::address).collect();
        let nonces = (0..USERS + BOTS)
            .map(|index| match (index >= USERS, rng.below(10)) {
                (true, _) => rng.range(100_000, 3_000_000),
                (false, 0..5) => rng.below(20),
                (false, 5..9) => rng.range(20, 2_000),
                (false, _) => rng.range(2_000, 50_000),
            })
            .collect();
        let tokens = std::iter::once(TOKEN).chain((1..TOKENS).map(|index| derived("token", index))).collect();
        let dapps = (0..DAPPS)
            .map(|index| {
                let functions = (0..rng.range(1, 4))
                    .map(|function| Function {
                        selector: selector(&format!("dapp{index}_{function}()")),
                        args: (0..rng.range(0, 6)).map(|_| rng.below(5) as u8).collect(),
                        dynamic: rng.percent(25),
                    })
                    .collect();
                (derived("dapp", index), functions)
            })
            .collect();
        let erc20 = compile("contracts/test/fixtures/TestERC20.sol", "TestERC20").bytecode;
        let pool = compile("contracts/test/fixtures/ConstantProductPool.sol", "ConstantProductPool");
        let passer = compile("contracts/src/L2/L2ToL1MessagePasser.sol", "L2ToL1MessagePasser");
        let store = hex::decode(format!("{STORE_INIT_PREFIX}{STORE_RUNTIME}")).expect("hex").into();
        Self {
            chain_id,
            keys,
            addresses,
            nonces,
            exchanges: (0..EXCHANGES).map(|index| derived("exchange", index)).collect(),
            tokens,
            v2_router: derived("router", 2),
            v3_router: derived("router", 3),
            dapps,
            init_codes: vec![erc20, pool.bytecode, passer.bytecode, store],
            mix: Mix::default(),
            block_number: 1,
            timestamp: 1_767_225_600,
            origin: L1Origin { number: 21_000_000, hash: B256::repeat_byte(0x11) },
            parent: B256::repeat_byte(0x22),
            base_fee: 1_000_000,
        }
    }

    /// Channels of consecutive blocks, each cut once its raw size reaches `channel_bytes`,
    /// until `total` raw bytes.
    pub(crate) fn channels(&mut self, rng: &mut Rng, total: u64, channel_bytes: u64) -> Vec<Channel> {
        let mut channels = Vec::new();
        let mut generated = 0;
        while generated < total {
            let batch = Batch { first_block: self.block_number, parent_hash: self.parent, blocks: Vec::new() };
            let mut channel = Channel { batch, parents: Vec::new(), raw: 0, txs: 0 };
            while channel.raw < channel_bytes && generated + channel.raw < total {
                channel.parents.push(self.parent);
                let block = self.block(rng);
                channel.raw += BLOCK_HEADER_BYTES;
                channel.raw += block.transactions.iter().map(|tx| tx.encode_2718_len() as u64).sum::<u64>();
                channel.txs += block.transactions.len() as u64;
                channel.batch.blocks.push(block);
            }
            generated += channel.raw;
            channels.push(channel);
        }
        channels
    }

    fn block(&mut self, rng: &mut Rng) -> BatchBlock {
        if self.block_number.is_multiple_of(12) {
            self.origin = L1Origin { number: self.origin.number + 1, hash: rng.word() };
        }
        // The base fee drifts by up to ±5% a block.
        self.base_fee = (self.base_fee * rng.range(950, 1_050) as u128 / 1_000).clamp(50_000, 1_000_000_000);
        let transactions = (0..rng.range(100, 300)).map(|_| self.transaction(rng)).collect();
        let block = BatchBlock { timestamp: self.timestamp, l1_origin: self.origin, transactions };
        self.block_number += 1;
        self.timestamp += 1;
        self.parent = rng.word();
        block
    }

    fn transaction(&mut self, rng: &mut Rng) -> TxEnvelope {
        let mut roll = rng.below(1_000);
        let (position, &(kind, _, _)) = MIX
            .iter()
            .enumerate()
            .find(|(_, (_, weight, _))| {
                let hit = roll < *weight;
                roll = roll.saturating_sub(*weight);
                hit
            })
            .expect("the weights sum to 1000");
        let from = if rng.percent(if kind == Kind::Swap { 40 } else { 3 }) {
            USERS + rng.below(BOTS as u64) as usize
        } else {
            rng.skewed(USERS, 2.0)
        };
        let (to, value, input, gas_limit) = match kind {
            Kind::Transfer => {
                let gas = if rng.percent(90) { 21_000 } else { rng.range(21_000, 30_000) };
                (TxKind::Call(self.recipient(rng)), amount(rng, 18), Vec::new(), gas)
            }
            Kind::Erc20 => {
                let token = rng.skewed(TOKENS, 2.5);
                let words = [address(self.recipient(rng)), uint(amount(rng, decimals(token)))];
                let input = call("transfer(address,uint256)", &words);
                (TxKind::Call(self.tokens[token]), U256::ZERO, input, gas_limit(rng, 34_000, 80_000))
            }
            Kind::Approve => {
                let token = rng.skewed(TOKENS, 2.5);
                let spender = if rng.percent(50) { self.v2_router } else { self.v3_router };
                let allowance = if rng.percent(70) { U256::MAX } else { amount(rng, decimals(token)) };
                let input = call("approve(address,uint256)", &[address(spender), uint(allowance)]);
                (TxKind::Call(self.tokens[token]), U256::ZERO, input, gas_limit(rng, 29_000, 60_000))
            }
            Kind::Swap => self.swap(rng, from),
            Kind::DappCall => self.dapp_call(rng),
            Kind::Deploy => {
                let code = rng.below(self.init_codes.len() as u64) as usize;
                let mut input = self.init_codes[code].to_vec();
                if code == 0 {
                    input.extend_from_slice(&erc20_constructor(rng));
                }
                (TxKind::Create, U256::ZERO, input, gas_limit(rng, 300_000, 3_500_000))
            }
        };
        let tx = self.sign(rng, from, to, value, input, gas_limit);
        self.mix.counts[position] += 1;
        self.mix.bytes[position] += tx.encode_2718_len() as u64;
        tx
    }

    /// A transfer recipient: another user, an exchange, or an address that only receives.
    fn recipient(&self, rng: &mut Rng) -> Address {
        match rng.below(100) {
            0..35 => self.addresses[rng.skewed(USERS, 2.0)],
            35..60 => self.exchanges[rng.skewed(EXCHANGES, 2.0)],
            _ => derived("passive", rng.skewed(PASSIVE, 1.5)),
        }
    }

    fn swap(&mut self, rng: &mut Rng, from: usize) -> (TxKind, U256, Vec<u8>, u64) {
        let (token_in, token_out) = (rng.skewed(TOKENS, 3.0), rng.skewed(TOKENS, 3.0));
        let amount_in = amount(rng, decimals(token_in));
        let min_out = if rng.percent(10) { U256::ZERO } else { U256::from(rng.digits(decimals(token_out) + 2)) };
        let deadline =
            self.timestamp + if rng.percent(50) { rng.pick(&[60, 300, 600, 1_200, 1_800]) } else { rng.below(2_000) };
        let gas = gas_limit(rng, 110_000, 400_000);
        let variant = rng.below(100);
        // Swaps from ether start from the wrapped-ether token.
        let mut path = vec![self.tokens[if (35..50).contains(&variant) { 1 } else { token_in }]];
        if rng.percent(30) {
            path.push(self.tokens[1]);
        }
        path.push(self.tokens[token_out]);
        let path_words = std::iter::once(small(path.len() as u64)).chain(path.into_iter().map(address));
        let me = address(self.addresses[from]);
        match variant {
            0..35 => {
                let head = [uint(amount_in), uint(min_out), small(0xa0), me, small(deadline)];
                let words: Vec<_> = head.into_iter().chain(path_words).collect();
                let input = call("swapExactTokensForTokens(uint256,uint256,address[],address,uint256)", &words);
                (TxKind::Call(self.v2_router), U256::ZERO, input, gas)
            }
            35..50 => {
                let head = [uint(min_out), small(0x80), me, small(deadline)];
                let words: Vec<_> = head.into_iter().chain(path_words).collect();
                let input = call("swapExactETHForTokens(uint256,address[],address,uint256)", &words);
                (TxKind::Call(self.v2_router), amount(rng, 18), input, gas)
            }
            50..85 => {
                let fee = rng.pick(&[100u64, 500, 3_000, 10_000]);
                let words = [
                    address(self.tokens[token_in]),
                    address(self.tokens[token_out]),
                    small(fee),
                    me,
                    small(deadline),
                    uint(amount_in),
                    uint(min_out),
                    B256::ZERO,
                ];
                let input =
                    call("exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))", &words);
                (TxKind::Call(self.v3_router), U256::ZERO, input, gas)
            }
            _ => {
                // The constant-product pools of `test_utils`.
                let pool = Address::repeat_byte(0x71 + rng.below(u64::from(POOLS)) as u8);
                let words = [small(rng.range(1, 1_000_000)), small(rng.below(2)), uint(min_out)];
                let input = call("swap(uint256,bool,uint256)", &words);
                (TxKind::Call(pool), U256::ZERO, input, gas_limit(rng, 40_000, 90_000))
            }
        }
    }

    fn dapp_call(&self, rng: &mut Rng) -> (TxKind, U256, Vec<u8>, u64) {
        let (dapp, functions) = &self.dapps[rng.skewed(DAPPS, 2.0)];
        let function = &functions[rng.below(functions.len() as u64) as usize];
        let mut words: Vec<B256> = function
            .args
            .iter()
            .map(|arg| match arg {
                0 => address(self.recipient(rng)),
                1 => small(rng.below(1_000)),
                2 => uint(amount(rng, 18)),
                3 => rng.word(),
                _ => small(rng.below(2)),
            })
            .collect();
        if function.dynamic {
            let len = rng.range(1, 10);
            words.push(small(32 * (words.len() as u64 + 1)));
            words.push(small(32 * len));
            words.extend((0..len).map(|_| rng.word()));
        }
        let mut input = function.selector.to_vec();
        words.iter().for_each(|word| input.extend_from_slice(word.as_slice()));
        let value = if rng.percent(15) { amount(rng, 18) } else { U256::ZERO };
        (TxKind::Call(*dapp), value, input, gas_limit(rng, 30_000, 500_000))
    }

    /// Signs with the sender's key at its next nonce: EIP-1559 mostly, 8% legacy (EIP-155).
    fn sign(&mut self, rng: &mut Rng, from: usize, to: TxKind, value: U256, input: Vec<u8>, gas: u64) -> TxEnvelope {
        let nonce = self.nonces[from];
        self.nonces[from] += 1;
        let priority: u128 = match rng.below(10) {
            0..4 => 1_000_000,
            4..6 => rng.pick(&[1_000, 100_000, 2_000_000, 10_000_000]),
            6..8 => u128::from(rng.below(10_000_000)),
            _ => 1_500_000_000,
        };
        let max_fee = match rng.below(4) {
            0 | 1 => 2 * self.base_fee + priority,
            2 => (self.base_fee * 3 / 2 + priority).next_multiple_of(100_000),
            _ => rng.pick(&[100_000_000u128, 1_000_000_000, 2_000_000_000]).max(self.base_fee + priority),
        };
        let key = &self.keys[from];
        let input = Bytes::from(input);
        if rng.percent(8) {
            self.mix.legacy += 1;
            let gas_price = if rng.percent(50) { self.base_fee + priority } else { max_fee };
            let mut tx = TxLegacy { chain_id: Some(self.chain_id), nonce, gas_price, gas_limit: gas, to, value, input };
            let signature = key.sign_transaction_sync(&mut tx).expect("signing cannot fail");
            tx.into_signed(signature).into()
        } else {
            let mut tx = TxEip1559 {
                chain_id: self.chain_id,
                nonce,
                gas_limit: gas,
                max_fee_per_gas: max_fee,
                max_priority_fee_per_gas: priority,
                to,
                value,
                input,
                ..Default::default()
            };
            let signature = key.sign_transaction_sync(&mut tx).expect("signing cannot fail");
            tx.into_signed(signature).into()
        }
    }
}

/// Decimals of token `index`: a few are 6 (stablecoins), the rest 18.
fn decimals(index: usize) -> u32 {
    if index % 7 == 2 { 6 } else { 18 }
}

/// A gas limit as wallets set it: an estimate with a margin (in `low..=high`), a third rounded
/// to thousands.
fn gas_limit(rng: &mut Rng, low: u64, high: u64) -> u64 {
    let gas = rng.range(low, high);
    if rng.percent(33) { gas.next_multiple_of(1_000) } else { gas }
}

/// ABI-encoded `(string name, string symbol, uint256 initialSupply)` for `TestERC20`.
fn erc20_constructor(rng: &mut Rng) -> Vec<u8> {
    let text = |rng: &mut Rng, low: u64, high: u64| -> Vec<u8> {
        let len = rng.range(low, high);
        (0..len).map(|_| b'A' + rng.below(26) as u8).collect()
    };
    let (name, symbol) = (text(rng, 4, 24), text(rng, 3, 5));
    let padded = |bytes: &[u8]| {
        let mut words = small(bytes.len() as u64).to_vec();
        words.extend_from_slice(bytes);
        words.resize(32 + bytes.len().next_multiple_of(32), 0);
        words
    };
    let supply = U256::from(rng.range(1, 1_000_000_000)) * U256::from(10u128.pow(18));
    let name = padded(&name);
    let mut out = [small(0x60), small(0x60 + name.len() as u64), uint(supply)].concat();
    out.extend_from_slice(&name);
    out.extend_from_slice(&padded(&symbol));
    out
}
