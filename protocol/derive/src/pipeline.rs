//! The derivation pipeline: L1 blocks in, L2 blocks out. It keeps the channel bank, batches
//! waiting for earlier blocks, the L1 blocks that can still be origins, and which L2 block was
//! safe after each L1 block (for the finalized head).

use super::{ChannelBank, DropReason, Dropped, L1BlockData, L1BlockRef, ReadyBatch};
use alloy::consensus::{Header, transaction::SignerRecoverable};
use alloy_primitives::B256;
use rollup_core::{
    BlockAttributes, ChainConfig, FEE_RECIPIENT, Genesis, L1Origin, L2Transaction,
    deposit::TxDeposit,
    fees::{L1Attributes, SystemConfig},
};
use std::collections::{BTreeMap, VecDeque};

/// L1 blocks a channel may take to complete (as OP's channel timeout, in L1 blocks).
pub const CHANNEL_TIMEOUT: u64 = 300;

/// Batches that may wait for earlier blocks at once; more are dropped.
pub const MAX_WAITING_BATCHES: usize = 64;

/// How many L1 blocks of safe-head history are kept (the finalized head is looked up in it).
const SAFE_HISTORY: usize = 4096;

/// The tip of the derived chain, as derivation needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct L2Head {
    /// Block hash.
    pub hash: B256,
    /// Block header.
    pub header: Header,
}

impl L2Head {
    /// Block number.
    pub fn number(&self) -> u64 {
        self.header.number
    }

    /// The block's L1 origin: number in the extra data, hash in `mixHash` (see
    /// [`rollup_core::l1_origin_extra_data`]).
    pub fn l1_origin(&self) -> L1Origin {
        let number = <[u8; 8]>::try_from(self.header.extra_data.as_ref()).map(u64::from_be_bytes).unwrap_or_default();
        L1Origin { number, hash: self.header.mix_hash }
    }
}

/// One L2 block derived from L1: its attributes, the deposits derivation inserted from its L1
/// origin, and the batch's transactions with recovered senders.
#[derive(Clone, Debug)]
pub struct DerivedBlock {
    /// Block attributes.
    pub attributes: BlockAttributes,
    /// Deposits (the first transactions of the block).
    pub deposits: Vec<TxDeposit>,
    /// The batch's transactions.
    pub transactions: Vec<L2Transaction>,
}

/// Where derived blocks go: an executing chain in the verifier, or the sequencer checking its
/// own blocks. Blocks arrive in order, each on top of [`L2Chain::head`].
pub trait L2Chain {
    /// A failure of the chain itself (storage, EVM internals), not of the block.
    type Error: std::error::Error + Send + Sync + 'static;

    /// The latest derived block.
    fn head(&self) -> &L2Head;

    /// Applies the next block. `Ok(Err(rule))` means the block is invalid (for example a
    /// transaction fails its nonce or balance check) and was not applied.
    fn apply(&mut self, block: DerivedBlock) -> impl Future<Output = Result<Result<(), String>, Self::Error>> + Send;

    /// Goes back to the genesis block (after an L1 reorganisation derivation starts over).
    fn reset(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// Static inputs of derivation.
#[derive(Clone, Debug)]
pub struct DerivationConfig {
    /// L2 chain parameters.
    pub chain: ChainConfig,
    /// The genesis block's L1 origin; derivation reads L1 from the block after it.
    pub genesis_origin: L1Origin,
    /// The genesis's L1 attributes: its origin's timestamp and fees, and the L1 fee
    /// configuration at genesis (changed afterwards by the L1 `SystemConfig`).
    pub genesis_l1: L1Attributes,
}

impl DerivationConfig {
    /// The configuration of the chain with this genesis.
    pub fn new(genesis: &Genesis) -> Self {
        Self { chain: genesis.config.clone(), genesis_origin: genesis.l1_origin, genesis_l1: genesis.l1 }
    }
}

/// An L1 block that can still be the origin of a future L2 block.
#[derive(Clone, Debug)]
struct OriginCandidate {
    block: L1BlockRef,
    deposits: Vec<TxDeposit>,
    /// The fee configuration in force for L2 blocks with this origin: the one before it, with
    /// the block's own changes made.
    system: SystemConfig,
}

/// The derivation state machine.
#[derive(Debug)]
pub struct Derivation {
    config: DerivationConfig,
    origins: BTreeMap<u64, OriginCandidate>,
    bank: ChannelBank,
    waiting: Vec<ReadyBatch>,
    /// After each L1 block: (L1 number, L1 timestamp, L2 safe number, L2 safe hash).
    safe_history: VecDeque<(u64, u64, u64, B256)>,
    /// Why derivation stopped applying batches: the target chain refused a block derivation
    /// built itself (the sequencer's sealed chain parted from the derived one).
    halted: Option<String>,
    last_l1: L1BlockRef,
    /// The fee configuration as of `last_l1`.
    system: SystemConfig,
    drops: Vec<Dropped>,
    forced: Vec<u64>,
}

impl Derivation {
    /// Starts derivation right after the genesis origin `genesis_l1` (which must be the block
    /// the genesis names).
    pub fn new(config: DerivationConfig, genesis_l1: L1BlockRef) -> Self {
        let mut origins = BTreeMap::new();
        let system = config.genesis_l1.system;
        origins.insert(genesis_l1.number, OriginCandidate { block: genesis_l1, deposits: Vec::new(), system });
        Self {
            config,
            origins,
            bank: ChannelBank::default(),
            waiting: Vec::new(),
            safe_history: VecDeque::new(),
            halted: None,
            last_l1: genesis_l1,
            system,
            drops: Vec::new(),
            forced: Vec::new(),
        }
    }

    /// The last L1 block processed.
    pub fn last_l1(&self) -> L1BlockRef {
        self.last_l1
    }

    /// Whether `block` is the next block of the L1 chain processed so far.
    pub fn extends(&self, block: &L1BlockRef) -> bool {
        block.number == self.last_l1.number + 1 && block.parent_hash == self.last_l1.hash
    }

    /// Drops recorded since the last call.
    pub fn take_drops(&mut self) -> Vec<Dropped> {
        std::mem::take(&mut self.drops)
    }

    /// Blocks derivation built itself because the sequencing window ran out, since the last
    /// call.
    pub fn take_forced(&mut self) -> Vec<u64> {
        std::mem::take(&mut self.forced)
    }

    /// The L2 block (number, hash) that was safe once L1 block `l1_number` was processed, if
    /// that is still in the history.
    pub fn safe_head_at(&self, l1_number: u64) -> Option<(u64, B256)> {
        self.safe_history.iter().rev().find(|(l1, ..)| *l1 <= l1_number).map(|(_, _, number, hash)| (*number, *hash))
    }

    /// The L2 block number that was safe once every L1 block with a timestamp up to
    /// `timestamp` was processed, if derivation is past that time (and it is in the history).
    pub fn safe_number_at_time(&self, timestamp: u64) -> Option<u64> {
        if self.last_l1.timestamp <= timestamp {
            return None;
        }
        self.safe_history.iter().rev().find(|(_, time, ..)| *time <= timestamp).map(|(_, _, number, _)| *number)
    }

    /// Why derivation stopped applying batches, if it did.
    pub fn halted(&self) -> Option<&str> {
        self.halted.as_deref()
    }

    /// Processes the next L1 block (the caller checked [`Self::extends`]): stores its
    /// deposits, feeds its batch data to the channel bank and applies every batch that is now
    /// next in line.
    pub async fn process<C: L2Chain>(&mut self, data: L1BlockData, chain: &mut C) -> Result<(), C::Error> {
        let l1 = data.block;
        self.system = data.config_updates.iter().fold(self.system, |config, update| update.apply(config));
        let candidate = OriginCandidate { block: l1, deposits: data.deposits, system: self.system };
        self.origins.insert(l1.number, candidate);
        for posted in &data.posted {
            if let Some(ready) = self.bank.add(l1.number, posted, self.config.chain.chain_id, &mut self.drops) {
                self.waiting.push(ready);
            }
        }
        self.bank.expire(l1.number, CHANNEL_TIMEOUT, &mut self.drops);
        if self.halted.is_none() {
            self.apply_waiting(chain).await?;
            self.force_blocks(l1.number, chain).await?;
        }
        self.last_l1 = l1;

        let head = chain.head();
        self.safe_history.push_back((l1.number, l1.timestamp, head.number(), head.hash));
        if self.safe_history.len() > SAFE_HISTORY {
            self.safe_history.pop_front();
        }
        let oldest_origin = head.l1_origin().number;
        self.origins.retain(|number, _| *number >= oldest_origin);
        Ok(())
    }

    /// Applies waiting batches while one of them continues the chain.
    async fn apply_waiting<C: L2Chain>(&mut self, chain: &mut C) -> Result<(), C::Error> {
        loop {
            let head = chain.head().number();
            let mut next = None;
            let mut index = 0;
            while index < self.waiting.len() {
                let ready = &self.waiting[index];
                let (first, last) = (ready.batch.first_block, ready.batch.last_block());
                let stale = if last <= head {
                    Some(DropReason::AlreadyDerived { first, last })
                } else if first <= head {
                    Some(DropReason::Overlapping { first, last, head })
                } else {
                    None
                };
                if let Some(reason) = stale {
                    let ready = self.waiting.remove(index);
                    self.drops.push(Dropped { l1_block: ready.l1_block, l1_tx: ready.l1_tx, reason });
                } else if first == head + 1 && next.is_none() {
                    next = Some(self.waiting.remove(index));
                } else {
                    index += 1;
                }
            }
            let Some(ready) = next else { break };
            self.apply_batch(ready, chain).await?;
        }
        while self.waiting.len() > MAX_WAITING_BATCHES {
            let ready = self.waiting.pop().expect("over the limit");
            let reason = DropReason::TooFarAhead { first: ready.batch.first_block, head: chain.head().number() };
            self.drops.push(Dropped { l1_block: ready.l1_block, l1_tx: ready.l1_tx, reason });
        }
        Ok(())
    }

    /// While L1 block `l1_number` is more than the sequencing window ahead of the head's
    /// origin, builds the next block without the sequencer: the next origin, its deposits, no
    /// other transactions, the earliest timestamp the rules allow. A sequencer that stops
    /// posting cannot hold deposits back for longer than the window.
    async fn force_blocks<C: L2Chain>(&mut self, l1_number: u64, chain: &mut C) -> Result<(), C::Error> {
        let window = self.config.chain.sequencing_window;
        loop {
            let parent = chain.head();
            let parent_origin = parent.l1_origin();
            if l1_number <= parent_origin.number + window {
                return Ok(());
            }
            let Some(next) = self.origins.get(&(parent_origin.number + 1)) else { return Ok(()) };
            let number = parent.number() + 1;
            let block = rollup_batch::BatchBlock {
                timestamp: parent.header.timestamp.max(next.block.timestamp),
                l1_origin: L1Origin { number: next.block.number, hash: next.block.hash },
                transactions: Vec::new(),
            };
            let derived = self.derive_block(parent, block, l1_number).expect("a forced block follows every rule");
            if let Err(rule) = chain.apply(derived).await? {
                // An executing chain never refuses a deposit-only block; the sequencer's sealed
                // chain does when it holds a different block here. Later batches build on that
                // other block, so nothing derived from here on could be trusted: halt.
                tracing::error!(number, %rule, "the chain refused a block derivation built itself; derivation halts");
                self.halted = Some(format!("block {number}: {rule}"));
                return Ok(());
            }
            self.forced.push(number);
        }
    }

    /// Applies a batch that starts right after the head, block by block; the first invalid
    /// block drops itself and the rest of the batch.
    async fn apply_batch<C: L2Chain>(&mut self, ready: ReadyBatch, chain: &mut C) -> Result<(), C::Error> {
        let ReadyBatch { batch, l1_block, l1_tx } = ready;
        let head = chain.head();
        if batch.parent_hash != head.hash {
            let reason = DropReason::ParentMismatch {
                first: batch.first_block,
                parent: head.number(),
                claimed: batch.parent_hash,
                derived: head.hash,
            };
            self.drops.push(Dropped { l1_block, l1_tx, reason });
            return Ok(());
        }
        for block in batch.blocks {
            let number = chain.head().number() + 1;
            let result = match self.derive_block(chain.head(), block, l1_block) {
                Ok(derived) => chain.apply(derived).await?,
                Err(rule) => Err(rule),
            };
            if let Err(rule) = result {
                self.drops.push(Dropped { l1_block, l1_tx, reason: DropReason::InvalidBlock { block: number, rule } });
                break;
            }
        }
        Ok(())
    }

    /// Checks one batch block against the sequencing rules and builds its attributes.
    fn derive_block(
        &self,
        parent: &L2Head,
        block: rollup_batch::BatchBlock,
        l1_block: u64,
    ) -> Result<DerivedBlock, String> {
        let parent_origin = parent.l1_origin();
        let origin = block.l1_origin;
        if origin.number != parent_origin.number && origin.number != parent_origin.number + 1 {
            return Err(format!(
                "L1 origin {} neither repeats nor follows the parent's origin {}",
                origin.number, parent_origin.number
            ));
        }
        if origin.number > l1_block {
            return Err(format!("L1 origin {} is after L1 block {l1_block} that carried the batch", origin.number));
        }
        let candidate =
            self.origins.get(&origin.number).ok_or_else(|| format!("L1 origin {} is unknown", origin.number))?;
        if candidate.block.hash != origin.hash {
            return Err(format!(
                "L1 origin {} has hash {}, but the canonical L1 block is {}",
                origin.number, origin.hash, candidate.block.hash
            ));
        }
        let timestamp = block.timestamp;
        let parent_time = parent.header.timestamp;
        if timestamp < parent_time {
            return Err(format!("timestamp {timestamp} is before its parent's {parent_time}"));
        }
        let origin_time = candidate.block.timestamp;
        if timestamp < origin_time {
            return Err(format!("timestamp {timestamp} is before its L1 origin's {origin_time}"));
        }
        let drift = self.config.chain.max_sequencer_drift;
        if timestamp > origin_time + drift && !block.transactions.is_empty() {
            return Err(format!(
                "timestamp {timestamp} is more than the sequencer drift ({drift} s) after its L1 origin's \
                 {origin_time}, and the block has transactions"
            ));
        }
        let transactions = block
            .transactions
            .into_iter()
            .enumerate()
            .map(|(index, tx)| {
                let signer = tx
                    .recover_signer()
                    .map_err(|err| format!("transaction {index} has an invalid signature: {err}"))?;
                Ok(alloy::consensus::transaction::Recovered::new_unchecked(tx, signer))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let deposits = if origin.number > parent_origin.number { candidate.deposits.clone() } else { Vec::new() };
        let chain = &self.config.chain;
        let attributes = BlockAttributes {
            number: parent.number() + 1,
            parent_hash: parent.hash,
            timestamp,
            l1_origin: origin,
            l1: L1Attributes {
                timestamp: candidate.block.timestamp,
                base_fee: candidate.block.base_fee,
                blob_base_fee: chain
                    .l1_blob_schedule
                    .blob_base_fee(candidate.block.timestamp, candidate.block.excess_blob_gas),
                system: candidate.system,
            },
            fee_recipient: FEE_RECIPIENT,
            base_fee: chain.next_base_fee(
                parent.header.gas_used,
                parent.header.gas_limit,
                parent.header.base_fee_per_gas.unwrap_or_default(),
            ),
            gas_limit: chain.block_gas_limit,
        };
        Ok(DerivedBlock { attributes, deposits, transactions })
    }
}
