//! `rollup stepper block --l2-rpc-url URL --block N [--step K]`: a real L2 block traced from
//! what a node serves, checked before anything of it is trusted: the block and its 256
//! ancestors hash-linked to its header; the parent's state proven against the parent's state
//! root (`proven.rs`); the block re-executed on it sealing to the block's hash (so its
//! transactions, receipts, gas, bloom and state root are the header's). Then every step of its
//! transactions (or the one at position K) goes through the on-chain stepper, and the output
//! root is compared with the node's.

use super::proven::{Keys, Proven};
use alloy::{
    consensus::{Header, TxEnvelope, transaction::SignerRecoverable},
    eips::{
        BlockNumberOrTag,
        eip2935::{HISTORY_SERVE_WINDOW, HISTORY_STORAGE_ADDRESS},
    },
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::Block,
};
use alloy_primitives::{B256, U256};
use anyhow::{Context as _, anyhow, ensure};
use rollup_core::{
    BlockAttributes, L1Origin, L2Transaction, MESSAGE_PASSER_ADDRESS, WorldState,
    deposit::{DEPOSIT_TX_TYPE, TxDeposit},
    fees::{BASE_FEE_VAULT, L1_FEE_VAULT, L1BlockValues},
    seal_block,
};
use serde_json::{Value, json};
use std::{collections::BTreeMap, panic::AssertUnwindSafe};
use stepper::{BlockError, BlockInput, OnChainStepper, Positions, SLOT_STEPS, check_block, logs_hash, step_at};

/// Blocks whose hashes BLOCKHASH reads.
const BLOCK_HASH_WINDOW: u64 = 256;

pub(super) async fn run(url: &str, number: u64, step: Option<u64>) -> anyhow::Result<()> {
    ensure!(number > 0, "block 0 is the genesis: it has no transactions to step; give a later block");
    let url = url.parse().with_context(|| format!("the L2 RPC URL {url:?}"))?;
    let rpc = ProviderBuilder::new().connect_http(url).erased();
    let block = L2Block::fetch(&rpc, number).await?;
    let slots = block.deposits.len() as u64 + block.txs.len() as u64;
    if let Some(position) = step {
        let slot = position / SLOT_STEPS;
        ensure!(
            slot > 0 && slot <= slots,
            "position {position} is in slot {slot}; block {number}'s transactions are slots 1 to {slots} (the block \
             start and end slots are not stepped yet)"
        );
    }
    let (pre, trie, replayed) = Proven::find(&rpc, &block, block.first_keys(&rpc).await?).await?;
    let (state_root, message_passer_root) = untangled(|| {
        let mut world = WorldState::partial(&pre, trie.clone());
        let state_root = world.apply(&replayed.diff);
        Ok::<_, std::convert::Infallible>((state_root, world.storage_root(MESSAGE_PASSER_ADDRESS)))
    })?;
    let (deposits, txs) = (block.deposits.clone(), block.txs.clone());
    let sealed = seal_block(&block.attrs, deposits, txs, &replayed.outcomes, state_root, message_passer_root);
    ensure!(
        sealed.hash == block.hash,
        "block {number} re-executed on its proven parent state seals to {}, not to the node's {}",
        sealed.hash,
        block.hash
    );
    println!(
        "block {number} {}: {} deposits, {} transactions; reads {} accounts and {} non-zero slots, proven at block \
         {}; re-executed, it seals to the node's hash",
        block.hash,
        block.deposits.len(),
        block.txs.len(),
        pre.accounts.len(),
        pre.accounts.values().map(|account| account.storage.len()).sum::<usize>(),
        number - 1,
    );

    let input = BlockInput {
        pre,
        trie: Some(trie),
        block_hashes: block.ancestors.iter().map(|(number, hash)| (*number, *hash)).collect(),
        chain_id: block.chain_id,
        attrs: block.attrs.clone(),
        deposits: block.deposits.clone(),
        txs: block.txs.clone(),
    };
    let (passed, failed, max_gas, mismatches) = match step {
        Some(position) => check_position(&input, position)?,
        None => check_all(input, &replayed.outcomes, state_root)?,
    };
    let claimed = output_root(&rpc, number).await?;
    let ours = sealed.output().root();
    println!("output root {ours} (the node's rollup_outputAtBlock: {claimed})");
    let mismatches: Vec<String> = mismatches
        .into_iter()
        .chain((ours != claimed).then(|| format!("output root {ours} differs from the node's {claimed}")))
        .collect();
    for mismatch in &mismatches {
        println!("MISMATCH {mismatch}");
    }
    println!("max_step_gas={max_gas}");
    println!("{passed} passed, {failed} failed");
    ensure!(failed == 0 && mismatches.is_empty(), "block {number} does not step as the chain has it");
    Ok(())
}

/// Steps passed and failed, the costliest step's gas and what else disagreed.
type Verdict = (u64, u64, u64, Vec<String>);

/// Every step of every transaction through the stepper; each transaction's gas, status and
/// logs and the state root the block ends with must be what re-execution found.
fn check_all(input: BlockInput, outcomes: &[rollup_core::TxOutcome], state_root: B256) -> anyhow::Result<Verdict> {
    let mut chain = OnChainStepper::new();
    let mut checked = untangled(|| check_block(input, &mut chain, Positions::All))?;
    let (mut passed, mut failed, mut max_gas, mut mismatches) = (0, 0, 0, Vec::new());
    for (slot, outcome) in checked.slots.iter().zip(outcomes) {
        let (tx, steps, executed) = (slot.slot - 1, &slot.checked, &slot.executed);
        passed += steps.checked - u64::from(steps.failure.is_some());
        failed += u64::from(steps.failure.is_some());
        max_gas = max_gas.max(steps.max_gas);
        let status = if executed.success { "success" } else { "failure" };
        let verdict = match (&steps.failure, steps.skip) {
            (Some(failure), _) => format!("FAIL {failure}"),
            (None, Some(skip)) => {
                let reason = executed.invalid.clone().unwrap_or_else(|| format!("{skip:?}"));
                mismatches.push(format!("transaction {tx} was not traced to its end: {reason}"));
                format!("SKIP after {} steps: {reason}", steps.checked)
            }
            (None, None) => format!("{} steps checked, max {} gas", steps.checked, steps.max_gas),
        };
        println!(
            "slot {} transaction {tx}: {} steps, {status}, {} gas: {verdict}",
            slot.slot, steps.steps, executed.gas_used
        );
        let expected = (outcome.gas_used, outcome.success, logs_hash(&outcome.logs));
        if (executed.gas_used, executed.success, executed.logs_hash) != expected {
            mismatches.push(format!(
                "transaction {tx}: traced gas {}, {status}, logs {}; re-executed gas {}, success {}, logs {}",
                executed.gas_used, executed.logs_hash, expected.0, expected.1, expected.2
            ));
        }
    }
    let traced = checked.state_root();
    if traced != state_root {
        mismatches.push(format!("the traced block ends with state root {traced}; re-executed, {state_root}"));
    }
    Ok((passed, failed, max_gas, mismatches))
}

/// The one step at `position` through the stepper.
fn check_position(input: &BlockInput, position: u64) -> anyhow::Result<Verdict> {
    let step = match untangled(|| step_at(input, position)) {
        Ok(step) => step,
        Err(error) if matches!(error.downcast_ref(), Some(BlockError::Skipped { .. })) => {
            println!("position {position}: SKIP {error:#}");
            return Ok((0, 0, 0, vec![format!("position {position} was not stepped: {error:#}")]));
        }
        Err(error) => return Err(error),
    };
    let call = OnChainStepper::new().step(step.witness.machine.commitment(), &step.witness);
    let phase = step.witness.machine.phase;
    let (slot, index) = (position / SLOT_STEPS, step.index);
    let agrees = matches!(&call.post, Ok(post) if *post == step.post.commitment());
    let verdict = if agrees { "passed".to_string() } else { format!("FAIL: {:?}", call.post) };
    println!(
        "position {position}: slot {slot} step {index} ({phase:?} {:02x?}), {} gas: {verdict}",
        step.opcode, call.gas_used
    );
    Ok((u64::from(agrees), u64::from(!agrees), call.gas_used, Vec::new()))
}

/// Runs the tracer, turning its panic on a trie node the proofs left out into an error.
fn untangled<T, E: std::error::Error + Send + Sync + 'static>(run: impl FnOnce() -> Result<T, E>) -> anyhow::Result<T> {
    match std::panic::catch_unwind(AssertUnwindSafe(run)) {
        Ok(result) => result.context("tracing the block"),
        Err(panic) => {
            let message = match (panic.downcast_ref::<String>(), panic.downcast_ref::<&str>()) {
                (Some(message), _) => message.clone(),
                (None, Some(message)) => (*message).to_owned(),
                (None, None) => "no message".to_owned(),
            };
            Err(anyhow!("tracing the block panicked: {message}"))
        }
    }
}

/// What a block holds, as the node serves it, hash-linked to its header.
pub(super) struct L2Block {
    pub(super) number: u64,
    pub(super) hash: B256,
    pub(super) parent_state_root: B256,
    pub(super) chain_id: u64,
    pub(super) attrs: BlockAttributes,
    pub(super) deposits: Vec<TxDeposit>,
    pub(super) txs: Vec<L2Transaction>,
    /// The hashes of the (up to 256) blocks before it, by number.
    pub(super) ancestors: BTreeMap<u64, B256>,
}

impl L2Block {
    /// Block `number` with its transactions (senders recovered from their signatures) and the
    /// headers of its ancestors, each checked to hash to its parent's link.
    async fn fetch(rpc: &DynProvider, number: u64) -> anyhow::Result<Self> {
        let block: Option<Block<Value>> = rpc
            .raw_request("eth_getBlockByNumber".into(), (BlockNumberOrTag::Number(number), true))
            .await
            .with_context(|| format!("eth_getBlockByNumber {number}"))?;
        let block = block.with_context(|| format!("the node has no block {number}"))?;
        let header = &block.header;
        ensure!(
            header.number == number && header.inner.hash_slow() == header.hash,
            "the node's block {number} does not hash to its own hash {}",
            header.hash
        );
        let (ancestors, parent) = ancestors(rpc, number, header.parent_hash).await?;
        let mut deposits: Vec<TxDeposit> = Vec::new();
        let mut txs = Vec::new();
        for (index, tx) in block.transactions.into_transactions().enumerate() {
            let kind = tx.get("type").and_then(Value::as_str).unwrap_or_default();
            if u8::from_str_radix(kind.trim_start_matches("0x"), 16).ok() == Some(DEPOSIT_TX_TYPE) {
                ensure!(txs.is_empty(), "block {number}'s deposit {index} follows a user transaction");
                deposits.push(serde_json::from_value(tx).with_context(|| format!("decoding deposit {index}"))?);
            } else {
                let tx: alloy::rpc::types::Transaction<TxEnvelope> =
                    serde_json::from_value(tx).with_context(|| format!("decoding transaction {index}"))?;
                let recovered = tx
                    .inner
                    .into_inner()
                    .try_into_recovered()
                    .map_err(|err| anyhow!("recovering the sender of transaction {index}: {err}"))?;
                txs.push(recovered);
            }
        }
        let first = deposits.first().with_context(|| format!("block {number} has no L1 attributes deposit"))?;
        let values = L1BlockValues::from_calldata(&first.input)
            .with_context(|| format!("block {number}'s first deposit is not an L1 attributes deposit"))?;
        let attrs = BlockAttributes {
            number,
            parent_hash: header.parent_hash,
            timestamp: header.timestamp,
            l1_origin: L1Origin { number: values.origin.number, hash: values.origin.hash },
            l1: values.l1,
            fee_recipient: header.beneficiary,
            base_fee: header.base_fee_per_gas.unwrap_or_default(),
            gas_limit: header.gas_limit,
        };
        let chain_id = rpc.get_chain_id().await.context("eth_chainId")?;
        let signed_for = txs.iter().filter_map(|tx| alloy::consensus::Transaction::chain_id(tx.inner()));
        ensure!(
            signed_for.into_iter().all(|id| id == chain_id),
            "block {number} holds transactions signed for another chain than the node's {chain_id}"
        );
        Ok(Self {
            number,
            hash: header.hash,
            parent_state_root: parent.state_root,
            chain_id,
            attrs,
            deposits,
            txs,
            ancestors,
        })
    }

    /// A first guess at what the block reads: what the node's `prestateTracer` (geth's) names
    /// (it leaves out accounts that were empty), the senders and recipients, the fee recipient and vaults,
    /// the message passer and the EIP-2935 slot the block start writes. Re-execution finds the
    /// rest.
    async fn first_keys(&self, rpc: &DynProvider) -> anyhow::Result<Keys> {
        let number = self.number;
        let traces: Vec<Value> = rpc
            .raw_request(
                "debug_traceBlockByNumber".into(),
                (BlockNumberOrTag::Number(number), json!({ "tracer": "prestateTracer" })),
            )
            .await
            .with_context(|| format!("debug_traceBlockByNumber {number} with the prestateTracer"))?;
        let mut keys = Keys::new();
        let fixed = [self.attrs.fee_recipient, BASE_FEE_VAULT, L1_FEE_VAULT, MESSAGE_PASSER_ADDRESS];
        let deposits = self.deposits.iter().flat_map(|deposit| [Some(deposit.from), deposit.to.to().copied()]);
        let users = self.txs.iter().flat_map(|tx| {
            use alloy::consensus::Transaction as _;
            [Some(tx.signer()), tx.inner().kind().to().copied()]
        });
        for account in fixed.into_iter().chain(deposits.chain(users).flatten()) {
            keys.entry(account).or_default();
        }
        let history_slot = B256::from(U256::from((number - 1) % HISTORY_SERVE_WINDOW as u64));
        keys.entry(HISTORY_STORAGE_ADDRESS).or_default().insert(history_slot);
        // A transaction revm refuses (a deposit) has an error in place of its trace.
        for result in traces.iter().filter_map(|trace| trace.get("result").and_then(Value::as_object)) {
            for (address, account) in result {
                let address = address.parse().with_context(|| format!("a prestate address {address:?}"))?;
                let slots = keys.entry(address).or_default();
                for slot in account.get("storage").and_then(Value::as_object).into_iter().flat_map(|s| s.keys()) {
                    slots.insert(slot.parse().with_context(|| format!("a prestate slot {slot:?}"))?);
                }
            }
        }
        Ok(keys)
    }
}

/// The hashes of the (up to 256) blocks before block `number`, whose parent hash is
/// `parent_hash`, each header checked to hash to the next one's parent link; and the parent's
/// header.
async fn ancestors(rpc: &DynProvider, number: u64, parent_hash: B256) -> anyhow::Result<(BTreeMap<u64, B256>, Header)> {
    let numbers = number.saturating_sub(BLOCK_HASH_WINDOW)..number;
    let headers = futures::future::try_join_all(numbers.map(|earlier| async move {
        let block = rpc
            .get_block_by_number(BlockNumberOrTag::Number(earlier))
            .await
            .with_context(|| format!("eth_getBlockByNumber {earlier}"))?
            .with_context(|| format!("the node has no block {earlier}"))?;
        anyhow::Ok(block.header.inner)
    }))
    .await?;
    let mut ancestors = BTreeMap::new();
    let mut link = parent_hash;
    for (earlier, header) in (number.saturating_sub(BLOCK_HASH_WINDOW)..number).rev().zip(headers.iter().rev()) {
        let hash = header.hash_slow();
        ensure!(
            hash == link && header.number == earlier,
            "the node's block {earlier} hashes to {hash}, not to its child's parent hash {link}"
        );
        ancestors.insert(header.number, hash);
        link = header.parent_hash;
    }
    let parent = headers.last().cloned().expect("block number > 0 has a parent");
    Ok((ancestors, parent))
}

/// The node's output root of block `number` (`rollup_outputAtBlock`).
async fn output_root(rpc: &DynProvider, number: u64) -> anyhow::Result<B256> {
    let output: Option<Value> = rpc
        .raw_request("rollup_outputAtBlock".into(), (BlockNumberOrTag::Number(number),))
        .await
        .with_context(|| format!("rollup_outputAtBlock {number}"))?;
    let root = output.as_ref().and_then(|output| output.get("outputRoot")).context("the node has no output")?;
    serde_json::from_value(root.clone()).context("decoding the output root")
}
