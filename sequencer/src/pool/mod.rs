//! The transaction pool: per-sender nonce queues, fee-bump replacement, bounded size with
//! eviction, and block selection by effective tip then arrival.

mod error;
mod validate;

pub use error::PoolError;
pub use validate::decode_transaction;

use alloy::consensus::Transaction as _;
use alloy_primitives::{Address, B256, Bytes, U256};
use rollup_core::{
    L2Transaction, StateReader,
    fees::{L1Attributes, L1BlockValues, flz_compressed_len, l1_cost_of_compressed, signing_payload},
};
use std::{
    cmp::Reverse,
    collections::{BTreeMap, BinaryHeap, HashMap},
    sync::Arc,
};
use tokio::sync::broadcast;

/// How many newly executable transactions a listener (`newPendingTransactions`, pending
/// transaction filters) may fall behind by before it misses the oldest.
pub(crate) const ANNOUNCEMENT_CAPACITY: usize = 16_384;

/// Limits of the pool.
#[derive(Clone, Debug)]
pub struct PoolConfig {
    /// Most transactions held in total.
    pub max_transactions: usize,
    /// Most transactions held per sender.
    pub max_per_sender: usize,
    /// Fee increase, in percent, that a replacement must pay over the transaction it replaces.
    pub price_bump_percent: u64,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self { max_transactions: 50_000, max_per_sender: 1_024, price_bump_percent: 10 }
    }
}

/// A transaction held by the pool.
#[derive(Clone, Debug)]
pub struct PooledTx {
    /// The transaction with its sender.
    pub tx: L2Transaction,
    /// Its hash.
    pub hash: B256,
    /// Its EIP-2718 encoding as received.
    pub raw: Bytes,
    /// Arrival sequence number (ties in fee are broken by arrival).
    pub arrival: u64,
    /// FastLZ length of its unsigned encoding, which its L1 data fee depends on.
    pub l1_size: usize,
}

impl PooledTx {
    /// A pooled transaction: `tx`, its `hash` and encoding `raw`, arrived `arrival`-th.
    pub fn new(tx: L2Transaction, hash: B256, raw: Bytes, arrival: u64) -> Self {
        let l1_size = flz_compressed_len(&signing_payload(tx.inner()));
        Self { tx, hash, raw, arrival, l1_size }
    }

    /// The signer.
    pub fn sender(&self) -> Address {
        self.tx.signer()
    }

    /// The transaction's nonce.
    pub fn nonce(&self) -> u64 {
        self.tx.inner().nonce()
    }

    /// What the sender must hold to send it under `l1`: gas at the fee cap, value and the L1
    /// data fee.
    fn upfront_cost(&self, l1: &L1Attributes) -> U256 {
        let inner = self.tx.inner();
        let l1_fee = l1_cost_of_compressed(self.l1_size, l1).fee;
        U256::from(inner.gas_limit()) * U256::from(inner.max_fee_per_gas()) + inner.value() + l1_fee
    }

    /// Effective tip per gas at `base_fee`, or `None` if the fee cap is below it.
    fn effective_tip(&self, base_fee: u64) -> Option<u128> {
        self.tx.inner().effective_tip_per_gas(base_fee)
    }
}

/// What adding a transaction did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Added {
    /// Transactions that left the pool to make room (replaced or evicted).
    pub removed: Vec<B256>,
}

/// One sender's pooled transactions in nonce order, split as geth's `txpool_content` does.
#[derive(Clone, Debug, Default)]
pub struct SenderTxs {
    /// Executable now: consecutive nonces from the sender's state nonce.
    pub pending: Vec<Arc<PooledTx>>,
    /// Held back: after a nonce gap (or, transiently, below the state nonce).
    pub queued: Vec<Arc<PooledTx>>,
}

/// The pool itself. Not thread-safe: the node wraps it in a lock.
#[derive(Debug)]
pub struct Mempool {
    config: PoolConfig,
    by_hash: HashMap<B256, Arc<PooledTx>>,
    by_sender: HashMap<Address, BTreeMap<u64, Arc<PooledTx>>>,
    /// Transactions that became executable, for pending-transaction listeners.
    announcements: broadcast::Sender<Arc<PooledTx>>,
}

impl Default for Mempool {
    fn default() -> Self {
        Self::new(PoolConfig::default())
    }
}

impl Mempool {
    /// An empty pool.
    pub fn new(config: PoolConfig) -> Self {
        Self {
            config,
            by_hash: HashMap::new(),
            by_sender: HashMap::new(),
            announcements: broadcast::channel(ANNOUNCEMENT_CAPACITY).0,
        }
    }

    /// Number of transactions held.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// A held transaction by hash.
    pub fn get(&self, hash: &B256) -> Option<Arc<PooledTx>> {
        self.by_hash.get(hash).cloned()
    }

    /// Validates `tx` against `state` (the latest state) and the next block's `base_fee`, then
    /// adds it. The sender must afford the L1 data fee at `state`'s L1 attributes too. A nonce
    /// gap is accepted and held back until the gap fills.
    pub fn add(&mut self, tx: PooledTx, state: &dyn StateReader, base_fee: u64) -> Result<Added, PoolError> {
        let sender = tx.sender();
        let account = state.account(sender).unwrap_or_default();
        let nonce = tx.nonce();
        if nonce < account.nonce {
            return Err(PoolError::NonceTooLow { next: account.nonce, got: nonce });
        }
        let fee_cap = tx.tx.inner().max_fee_per_gas();
        if fee_cap < u128::from(base_fee) {
            return Err(PoolError::FeeCapBelowBaseFee { fee_cap, base_fee });
        }
        let cost = tx.upfront_cost(&L1BlockValues::read(state).l1);
        if cost > account.balance {
            return Err(PoolError::InsufficientFunds { have: account.balance, want: cost });
        }
        let mut added = Added::default();
        let queue = self.by_sender.get(&sender);
        let queued = queue.map_or(0, BTreeMap::len);
        if let Some(existing) = queue.and_then(|queue| queue.get(&nonce)) {
            if !self.is_sufficient_bump(existing, &tx) {
                return Err(PoolError::ReplacementUnderpriced { bump_percent: self.config.price_bump_percent });
            }
            added.removed.push(existing.hash);
        } else if queued >= self.config.max_per_sender {
            return Err(PoolError::SenderLimit(queued));
        } else if self.by_hash.len() >= self.config.max_transactions {
            let victim = self.eviction_candidate(base_fee).filter(|victim| {
                victim.effective_tip(base_fee) < tx.effective_tip(base_fee) && victim.sender() != sender
            });
            match victim {
                Some(victim) => added.removed.push(victim.hash),
                None => return Err(PoolError::PoolFull),
            }
        }
        for hash in &added.removed {
            self.remove(hash);
        }
        let tx = Arc::new(tx);
        self.by_hash.insert(tx.hash, tx.clone());
        self.by_sender.entry(sender).or_default().insert(nonce, tx);
        Ok(added)
    }

    /// Whether `new` pays at least the configured bump over `old` in both fee cap and tip.
    fn is_sufficient_bump(&self, old: &PooledTx, new: &PooledTx) -> bool {
        let bump = |value: u128| value * u128::from(100 + self.config.price_bump_percent) / 100;
        let (old, new) = (old.tx.inner(), new.tx.inner());
        new.max_fee_per_gas() >= bump(old.max_fee_per_gas())
            && new.max_priority_fee_per_gas().unwrap_or(new.max_fee_per_gas())
                >= bump(old.max_priority_fee_per_gas().unwrap_or(old.max_fee_per_gas()))
    }

    /// The cheapest transaction that is the last of its sender's queue (so evicting it leaves
    /// no nonce gap), latest arrival first among equals.
    fn eviction_candidate(&self, base_fee: u64) -> Option<Arc<PooledTx>> {
        self.by_sender
            .values()
            .filter_map(|queue| queue.values().next_back())
            .min_by_key(|tx| (tx.effective_tip(base_fee).unwrap_or(0), Reverse(tx.arrival)))
            .cloned()
    }

    /// Removes a transaction; returns whether it was held.
    pub fn remove(&mut self, hash: &B256) -> bool {
        let Some(tx) = self.by_hash.remove(hash) else { return false };
        if let Some(queue) = self.by_sender.get_mut(&tx.sender()) {
            queue.remove(&tx.nonce());
            if queue.is_empty() {
                self.by_sender.remove(&tx.sender());
            }
        }
        true
    }

    /// Drops every transaction whose nonce is below its sender's nonce in `state` (included
    /// or made obsolete by a block). Returns their hashes.
    pub fn prune(&mut self, state: &dyn StateReader) -> Vec<B256> {
        let mut stale = Vec::new();
        for (sender, queue) in &self.by_sender {
            let next = state.account(*sender).map(|a| a.nonce).unwrap_or_default();
            stale.extend(queue.range(..next).map(|(_, tx)| tx.hash));
        }
        for hash in &stale {
            self.remove(hash);
        }
        stale
    }

    /// The nonce the sender's next transaction should use: past its executable pool queue.
    pub fn pending_nonce(&self, sender: Address, state_nonce: u64) -> u64 {
        let mut next = state_nonce;
        if let Some(queue) = self.by_sender.get(&sender) {
            while queue.contains_key(&next) {
                next += 1;
            }
        }
        next
    }

    /// Numbers of executable (no nonce gap before them) and queued transactions.
    pub fn counts(&self, state: &dyn StateReader) -> (usize, usize) {
        let executable: usize = self
            .by_sender
            .keys()
            .map(|sender| {
                let nonce = state.account(*sender).map(|a| a.nonce).unwrap_or_default();
                (self.pending_nonce(*sender, nonce) - nonce) as usize
            })
            .sum();
        (executable, self.len() - executable)
    }

    /// The transactions of `sender`, whose nonce in the latest state is `state_nonce`, split
    /// into executable (`pending`) and gapped (`queued`) ones.
    pub fn sender_txs(&self, sender: Address, state_nonce: u64) -> SenderTxs {
        let mut split = SenderTxs::default();
        let Some(queue) = self.by_sender.get(&sender) else { return split };
        let mut next = state_nonce;
        for (nonce, tx) in queue {
            if *nonce == next {
                split.pending.push(tx.clone());
                next += 1;
            } else {
                split.queued.push(tx.clone());
            }
        }
        split
    }

    /// Every sender with transactions in the pool.
    pub fn senders(&self) -> Vec<Address> {
        self.by_sender.keys().copied().collect()
    }

    /// The transactions that became executable when `sender`'s transaction with `nonce` was
    /// added (`state_nonce` is the sender's nonce in the latest state): none if it waits behind
    /// a gap, else it and the queued transactions it joined to the executable run.
    pub fn newly_executable(&self, sender: Address, nonce: u64, state_nonce: u64) -> Vec<Arc<PooledTx>> {
        if self.pending_nonce(sender, state_nonce) <= nonce {
            return Vec::new();
        }
        let Some(queue) = self.by_sender.get(&sender) else { return Vec::new() };
        let mut run = Vec::new();
        let mut next = nonce;
        while let Some(tx) = queue.get(&next) {
            run.push(tx.clone());
            next += 1;
        }
        run
    }

    /// Every transaction announced from now on (see [`Self::announce`]).
    pub fn subscribe_announcements(&self) -> broadcast::Receiver<Arc<PooledTx>> {
        self.announcements.subscribe()
    }

    /// Tells pending-transaction listeners about transactions that became executable.
    pub fn announce(&self, txs: &[Arc<PooledTx>]) {
        for tx in txs {
            // No listener is not an error.
            let _ = self.announcements.send(tx.clone());
        }
    }

    /// Transactions for the next block: each sender's contiguous run from its state nonce, as
    /// far as its balance in `state` pays for the run's gas at the fee caps, values and L1 data
    /// fees under `l1` (the next block's L1 attributes), interleaved by effective tip (then
    /// arrival), within `gas_limit` in total. What a sender cannot pay yet stays in the pool.
    pub fn best(
        &self,
        state: &dyn StateReader,
        base_fee: u64,
        l1: &L1Attributes,
        gas_limit: u64,
    ) -> Vec<Arc<PooledTx>> {
        let mut heads = BinaryHeap::new();
        let mut cursors: HashMap<Address, (u64, U256)> = HashMap::new();
        for (sender, queue) in &self.by_sender {
            let account = state.account(*sender).unwrap_or_default();
            if let Some(tx) = queue.get(&account.nonce)
                && let Some(tip) = tx.effective_tip(base_fee)
            {
                heads.push((tip, Reverse(tx.arrival), *sender));
                cursors.insert(*sender, (account.nonce, account.balance));
            }
        }
        let mut selected = Vec::new();
        let mut gas_left = gas_limit;
        while let Some((_, _, sender)) = heads.pop() {
            let (nonce, balance) = cursors[&sender];
            let queue = &self.by_sender[&sender];
            let tx = &queue[&nonce];
            let gas = tx.tx.inner().gas_limit();
            if gas > gas_left {
                continue;
            }
            let Some(balance) = balance.checked_sub(tx.upfront_cost(l1)) else { continue };
            gas_left -= gas;
            selected.push(tx.clone());
            if let Some(next) = queue.get(&(nonce + 1))
                && let Some(tip) = next.effective_tip(base_fee)
            {
                heads.push((tip, Reverse(next.arrival), sender));
                cursors.insert(sender, (nonce + 1, balance));
            }
        }
        selected
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::{
        consensus::{SignableTransaction, TxEip1559, TxEnvelope, transaction::Recovered},
        network::TxSignerSync,
        signers::local::PrivateKeySigner,
    };
    use rollup_core::{ChainConfig, FeeVaultConfig, Genesis, GenesisAccount, L1Origin, WorldState};

    /// L1 attributes with a steep L1 base fee: a transfer's L1 fee is far above its L2 gas.
    fn expensive_l1() -> L1Attributes {
        L1Attributes { base_fee: 10u128.pow(15), ..Default::default() }
    }

    fn transfer(key: &PrivateKeySigner) -> PooledTx {
        let mut tx = TxEip1559 {
            chain_id: 42069,
            gas_limit: 21_000,
            max_fee_per_gas: 1_000_000_000,
            max_priority_fee_per_gas: 1,
            to: Address::repeat_byte(7).into(),
            value: U256::from(5),
            ..Default::default()
        };
        let signature = key.sign_transaction_sync(&mut tx).unwrap();
        let tx = TxEnvelope::from(tx.into_signed(signature));
        let hash = *tx.tx_hash();
        PooledTx::new(Recovered::new_unchecked(tx, key.address()), hash, Bytes::new(), 0)
    }

    /// A world whose L1 attributes are [`expensive_l1`] and where `key` holds `balance`.
    fn world(key: &PrivateKeySigner, balance: U256) -> WorldState {
        let mut genesis = Genesis::dev_with_fees(
            ChainConfig::default(),
            0,
            L1Origin::default(),
            expensive_l1(),
            FeeVaultConfig::dev(),
        );
        genesis.alloc.insert(key.address(), GenesisAccount { balance, ..Default::default() });
        genesis.build().0
    }

    /// The pool asks for gas at the fee cap, value and the L1 fee; a sender short of the L1 fee
    /// by one wei is refused, and one with exactly enough is taken.
    #[test]
    fn the_pool_charges_the_l1_fee_up_front() {
        let key = PrivateKeySigner::random();
        let tx = transfer(&key);
        let cost = tx.upfront_cost(&expensive_l1());
        let l1_fee = rollup_core::fees::transaction_l1_cost(tx.tx.inner(), &expensive_l1()).fee;
        assert!(l1_fee > U256::from(21_000u64 * 1_000_000_000), "an L1 fee of {l1_fee}");
        assert_eq!(cost, U256::from(21_000u64 * 1_000_000_000 + 5) + l1_fee);

        let mut pool = Mempool::new(PoolConfig::default());
        let short = world(&key, cost - U256::from(1));
        let err = pool.add(tx.clone(), &short, 1).unwrap_err();
        assert!(matches!(err, PoolError::InsufficientFunds { want, .. } if want == cost), "{err}");
        assert!(err.to_string().contains("+ l1 fee"), "{err}");
        let enough = world(&key, cost);
        pool.add(tx, &enough, 1).expect("affordable");

        // The next block's L1 fee may be higher than the head's: then the transaction waits.
        assert_eq!(pool.best(&enough, 1, &expensive_l1(), 30_000_000).len(), 1);
        let steeper = L1Attributes { base_fee: 2 * 10u128.pow(15), ..Default::default() };
        assert!(pool.best(&enough, 1, &steeper, 30_000_000).is_empty());
        assert_eq!(pool.len(), 1, "it stays in the pool");
    }
}
