//! State reads at random old blocks and at `latest`, interleaved so that whatever else runs on
//! the machine slows both alike.

use crate::rpc::Rpc;
use alloy::{
    primitives::{Address, B256, U256, keccak256},
    sol,
    sol_types::SolCall as _,
};
use serde_json::{Value, json};
use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

sol! {
    /// ERC-20 `balanceOf`.
    function balanceOf(address account) returns (uint256);
}

/// Storage slot of `TestERC20`'s `balanceOf` mapping (see the contract's layout notes).
const BALANCES_SLOT: u64 = 1;

/// The state reads measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// `eth_getBalance` of a sender.
    Balance,
    /// `eth_call` of the ERC-20's `balanceOf(sender)`.
    Call,
    /// `eth_getProof` of the ERC-20 account and the sender's balance slot.
    Proof,
}

impl Method {
    /// All of them, in report order.
    pub(crate) const ALL: [Self; 3] = [Self::Balance, Self::Call, Self::Proof];

    /// The RPC method.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Balance => "eth_getBalance",
            Self::Call => "eth_call (balanceOf)",
            Self::Proof => "eth_getProof (account + 1 slot)",
        }
    }
}

/// What to query.
#[derive(Debug)]
pub(crate) struct Plan<'a> {
    /// Oldest block to ask for.
    pub(crate) oldest: u64,
    /// Newest block (the head when the queries start).
    pub(crate) head: u64,
    /// The ERC-20.
    pub(crate) token: Address,
    /// Accounts to ask about (the senders).
    pub(crate) addresses: &'a [Address],
    /// Queries per method and block kind.
    pub(crate) per_kind: usize,
}

/// One query: method, block (`None`: `latest`), account.
#[derive(Debug, Clone, Copy)]
struct Query {
    /// Method.
    method: Method,
    /// Block number, or `latest`.
    block: Option<u64>,
    /// Account.
    address: Address,
}

/// Latencies of one method at one block kind.
#[derive(Debug)]
pub(crate) struct Timings {
    /// Method.
    pub(crate) method: Method,
    /// Old blocks (`true`) or `latest`.
    pub(crate) old: bool,
    /// Round trip of each successful query.
    pub(crate) latencies: Vec<Duration>,
    /// Error messages.
    pub(crate) errors: Vec<String>,
}

/// Runs `plan`'s queries, shuffled, on `workers` concurrent workers.
pub(crate) async fn run(rpc: &Rpc, plan: &Plan<'_>, workers: usize, seed: u64) -> anyhow::Result<Vec<Timings>> {
    anyhow::ensure!(plan.oldest <= plan.head && !plan.addresses.is_empty(), "nothing to query");
    let mut rng = SplitMix(seed);
    let mut queries = Vec::new();
    for method in Method::ALL {
        for old in [true, false] {
            for _ in 0..plan.per_kind {
                let block = old.then(|| plan.oldest + rng.below(plan.head - plan.oldest + 1));
                let address = plan.addresses[rng.below(plan.addresses.len() as u64) as usize];
                queries.push(Query { method, block, address });
            }
        }
    }
    for i in (1..queries.len()).rev() {
        queries.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let queries = Arc::new(queries);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (rpc, queries, next, token) = (rpc.clone(), queries.clone(), next.clone(), plan.token);
        tasks.spawn(async move {
            let mut done = Vec::new();
            loop {
                let Some(query) = queries.get(next.fetch_add(1, Ordering::Relaxed)).copied() else { break done };
                let (method, params) = request(query, token);
                let started = Instant::now();
                let result = rpc.call::<Value>(method, params).await;
                done.push((query, started.elapsed(), result.map(drop).map_err(|e| format!("{e:#}"))));
            }
        });
    }
    let mut timings: Vec<Timings> = Method::ALL
        .into_iter()
        .flat_map(|method| [true, false].map(|old| Timings { method, old, latencies: Vec::new(), errors: Vec::new() }))
        .collect();
    while let Some(done) = tasks.join_next().await {
        for (query, latency, result) in done? {
            let kind = timings.iter_mut().find(|t| t.method == query.method && t.old == query.block.is_some());
            let Some(kind) = kind else { continue };
            match result {
                Ok(()) => kind.latencies.push(latency),
                Err(err) => kind.errors.push(err),
            }
        }
    }
    Ok(timings)
}

/// The JSON-RPC method and parameters of `query`.
fn request(query: Query, token: Address) -> (&'static str, Value) {
    let block = query.block.map_or_else(|| json!("latest"), |n| json!(U256::from(n)));
    match query.method {
        Method::Balance => ("eth_getBalance", json!([query.address, block])),
        Method::Call => {
            let input = balanceOfCall { account: query.address }.abi_encode();
            ("eth_call", json!([{"to": token, "input": alloy::primitives::Bytes::from(input)}, block]))
        }
        Method::Proof => ("eth_getProof", json!([token, [balance_slot(query.address)], block])),
    }
}

/// The storage slot of `account`'s token balance: `keccak256(account . BALANCES_SLOT)`.
fn balance_slot(account: Address) -> B256 {
    let mut preimage = [0u8; 64];
    preimage[12..32].copy_from_slice(account.as_slice());
    preimage[56..].copy_from_slice(&BALANCES_SLOT.to_be_bytes());
    keccak256(preimage)
}

/// A small deterministic generator (SplitMix64), enough to pick blocks and accounts.
#[derive(Debug)]
struct SplitMix(u64);

impl SplitMix {
    /// The next 64 random bits.
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `bound` (> 0), with negligible bias for the bounds used here.
    fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(bound)) >> 64) as u64
    }
}
