//! One parallel run over a block: the threads (the calling thread among them) execute and
//! validate transactions, then build the change set from the multi-version memory's final
//! writes, shard by shard; the calling thread then puts the pieces together and checks the
//! block in order.

use crate::{
    change_set::{self, ChangesPiece},
    mv_memory::{Location, MvMemory, SlotWrite, Value},
    scheduler::{Scheduler, Task},
    threads::{on_every_thread, stopping_others_on_panic},
    view::{Blocked, Finished, TxView},
};
use alloy_primitives::{Address, U256, map::B256Map};
use parking_lot::Mutex;
use revm::{
    Context, ExecuteEvm, MainBuilder, MainContext,
    bytecode::Bytecode,
    context::{
        BlockEnv, CfgEnv, ContextSetters, TxEnv,
        result::{EVMError, InvalidTransaction},
    },
    context_interface::{ContextTr as _, Transaction as _},
    handler::{EthFrame, Handler, MainnetContext, MainnetEvm},
    interpreter::interpreter::EthInterpreter,
    state::{Account, EvmState},
};
use rollup_core::{
    AccountInfo, BlockAttributes, ExecutionError, ExecutionOutput, FeeHandler, L2Transaction, StateDiff, StateReader,
    TxOutcome, VaultCredits, evm_env,
    fees::{BASE_FEE_VAULT, L1_FEE_VAULT, L1Attributes, transaction_l1_cost},
    tx_env,
};
use std::sync::{
    Barrier, OnceLock,
    atomic::{AtomicUsize, Ordering},
};

/// The validated output of one transaction's latest incarnation.
#[derive(Debug)]
pub(crate) struct TxResult {
    /// The receipt's contents, or why the transaction cannot execute at this position.
    pub(crate) outcome: Result<TxOutcome, ExecutionError>,
    /// Whether the transaction read a fee vault (whose balance is applied lazily).
    pub(crate) read_vault: bool,
    /// The gas limit, checked in order against what the block has left.
    pub(crate) gas_limit: u64,
    /// The fee recipient's tip per unit of gas.
    pub(crate) tip: u128,
    /// The L1 data fee, for the L1 fee vault.
    pub(crate) l1_fee: U256,
}

/// Everything the worker threads share.
struct Shared<'a> {
    base: &'a dyn StateReader,
    cfg: CfgEnv,
    block: BlockEnv,
    txs: &'a [L2Transaction],
    /// Each transaction's L1 data fee, computed by its first execution.
    l1_fees: Vec<OnceLock<U256>>,
    l1: L1Attributes,
    mv: MvMemory,
    scheduler: Scheduler,
    codes: Mutex<B256Map<Bytecode>>,
    results: Vec<Mutex<Option<TxResult>>>,
    /// The next storage shard to turn into slot writes.
    next_storage_shard: AtomicUsize,
    /// The next chunk of per-transaction records to free.
    next_record_chunk: AtomicUsize,
    /// Per account shard, the final slot writes of its accounts, gathered from the storage
    /// shards.
    slot_writes: Vec<Mutex<Vec<Vec<SlotWrite>>>>,
    /// Holds threads until every storage shard is gathered.
    gathered: Barrier,
}

/// Runs the block on every thread of `pool`. `Ok(None)` means the block needs sequential
/// execution (a transaction read a fee vault).
pub(crate) fn execute_parallel(
    pool: &rayon::ThreadPool,
    base: &dyn StateReader,
    chain_id: u64,
    attrs: &BlockAttributes,
    txs: &[L2Transaction],
    executions: &mut usize,
) -> Result<Option<ExecutionOutput>, ExecutionError> {
    let threads = pool.current_num_threads();
    let (cfg, block) = evm_env(chain_id, attrs);
    let shared = Shared {
        base,
        cfg,
        block,
        txs,
        l1_fees: (0..txs.len()).map(|_| OnceLock::new()).collect(),
        l1: attrs.l1,
        mv: MvMemory::new(txs.len()),
        scheduler: Scheduler::new(txs.len()),
        codes: Mutex::new(B256Map::default()),
        results: (0..txs.len()).map(|_| Mutex::new(None)).collect(),
        next_storage_shard: AtomicUsize::new(0),
        next_record_chunk: AtomicUsize::new(0),
        slot_writes: (0..MvMemory::SHARDS).map(|_| Mutex::new(Vec::new())).collect(),
        gathered: Barrier::new(threads),
    };
    let (changes, runs): (Vec<ChangesPiece>, Vec<usize>) =
        on_every_thread(pool, |worker| work(&shared, worker, threads)).into_iter().unzip();
    *executions += runs.into_iter().sum::<usize>();
    assemble(shared, attrs, changes)
}

/// One worker thread: takes tasks until the block is done, reusing one EVM for all its
/// executions (building an EVM costs more than running a simple transaction), then builds
/// the changes of the shards it claims. Returns them with the number of EVM runs it made.
fn work(shared: &Shared<'_>, worker: usize, threads: usize) -> (ChangesPiece, usize) {
    let view = TxView::new(&shared.mv, shared.base, &shared.codes, vaults(&shared.block));
    let mut evm =
        Context::mainnet().with_cfg(shared.cfg.clone()).with_block(shared.block.clone()).with_db(view).build_mainnet();
    // After a worker panicked, the others skip the change set of the unfinished block (whose
    // memory may hold estimates).
    stopping_others_on_panic(&shared.gathered, || shared.scheduler.halt(), || run_tasks(shared, &mut evm));
    if shared.scheduler.halted() {
        shared.gathered.wait();
        return (ChangesPiece::default(), evm.ctx.db().runs());
    }
    (build_changes(shared, worker, threads), evm.ctx.db().runs())
}

/// Takes tasks until every transaction has a validated incarnation.
fn run_tasks(shared: &Shared<'_>, evm: &mut WorkerEvm<'_>) {
    let mut task = None;
    loop {
        task = match task {
            Some(Task::Execute(tx, incarnation)) => execute(shared, evm, tx, incarnation),
            Some(Task::Validate(tx, incarnation)) => validate(shared, tx, incarnation),
            None => match shared.scheduler.next_task() {
                Some(task) => Some(task),
                None => break,
            },
        };
    }
}

/// A worker's share of the change set, once every transaction is validated: first the final
/// slot writes of the storage shards it claims, handed to the account shards they belong to;
/// then, once all are handed over, the changes of its run of account shards. Each shard's
/// memory is freed by the thread that read it.
fn build_changes(shared: &Shared<'_>, worker: usize, threads: usize) -> ChangesPiece {
    let mut by_account_shard: Vec<Vec<SlotWrite>> = (0..MvMemory::SHARDS).map(|_| Vec::new()).collect();
    while let Some(shard) = claim(&shared.next_storage_shard, MvMemory::SHARDS) {
        for write in shared.mv.take_slot_writes(shard) {
            by_account_shard[MvMemory::account_shard(&write.address)].push(write);
        }
    }
    for (shard, writes) in by_account_shard.into_iter().enumerate().filter(|(_, writes)| !writes.is_empty()) {
        shared.slot_writes[shard].lock().push(writes);
    }
    shared.gathered.wait();

    // Each thread takes a run of account shards.
    let mut changes = ChangesPiece::default();
    for shard in worker * MvMemory::SHARDS / threads..(worker + 1) * MvMemory::SHARDS / threads {
        let mut slots: Vec<SlotWrite> = std::mem::take(&mut *shared.slot_writes[shard].lock()).concat();
        slots.sort_unstable_by_key(|write| (write.address, write.slot));
        let mut accounts = shared.mv.take_accounts(shard);
        for group in slots.chunk_by(|a, b| a.address == b.address) {
            let address = group[0].address;
            let versions = accounts.remove(&address);
            changes.add_account(address, versions.as_deref(), group, shared.base, &shared.codes);
        }
        for (address, versions) in accounts {
            changes.add_account(address, Some(&versions), &[], shared.base, &shared.codes);
        }
    }
    // The per-transaction records go too, while the other threads still work.
    while let Some(chunk) = claim(&shared.next_record_chunk, shared.txs.len().div_ceil(RECORD_CHUNK)) {
        shared.mv.clear_records(chunk * RECORD_CHUNK..shared.txs.len().min((chunk + 1) * RECORD_CHUNK));
    }
    changes
}

/// Transactions whose records a worker frees at a time.
const RECORD_CHUNK: usize = 256;

/// Claims the next of the `count` pieces of work counted by `next`.
pub(crate) fn claim(next: &AtomicUsize, count: usize) -> Option<usize> {
    Some(next.fetch_add(1, Ordering::Relaxed)).filter(|piece| *piece < count)
}

/// What a run of the EVM over database errors `E` can fail with.
pub(crate) type RunError<E = Blocked> = EVMError<E, InvalidTransaction>;

/// The EVM of a worker thread.
type WorkerEvm<'a> = MainnetEvm<MainnetContext<TxView<'a>>>;

fn execute(shared: &Shared<'_>, evm: &mut WorkerEvm<'_>, tx: usize, incarnation: usize) -> Option<Task> {
    loop {
        let env = tx_env(&shared.txs[tx]);
        let (gas_limit, tip) = (env.gas_limit, tip(&env, &shared.block));
        let l1_fee = *shared.l1_fees[tx].get_or_init(|| transaction_l1_cost(shared.txs[tx].inner(), &shared.l1).fee);
        evm.ctx.db_mut().start(tx, lazy_recipient(&env, &shared.block));
        evm.ctx.set_tx(env);
        let result = FeeHandler::<_, RunError, EthFrame<EthInterpreter>>::new(l1_fee, VaultCredits::Deferred).run(evm);
        let state = evm.finalize();
        let Finished { reads, read_vault, credited } = evm.ctx.db_mut().finish();
        let outcome = match result {
            Err(EVMError::Database(Blocked(blocking))) => {
                if shared.scheduler.add_dependency(tx, blocking) {
                    return None;
                }
                continue;
            }
            Err(EVMError::Transaction(invalid)) => {
                Err(ExecutionError::InvalidTransaction { index: tx, reason: invalid.to_string() })
            }
            Err(err) => Err(ExecutionError::Internal(err.to_string())),
            Ok(result) => Ok(TxOutcome::from(result)),
        };
        let writes = match &outcome {
            Ok(_) => write_set(&state, &shared.codes, credited),
            Err(_) => Vec::new(),
        };
        let wrote_new = shared.mv.record(tx, incarnation, reads, writes);
        *shared.results[tx].lock() = Some(TxResult { outcome, read_vault, gas_limit, tip, l1_fee });
        return shared.scheduler.finish_execution(tx, incarnation, wrote_new);
    }
}

fn validate(shared: &Shared<'_>, tx: usize, incarnation: usize) -> Option<Task> {
    let aborted = !shared.mv.validate(tx, shared.base) && shared.scheduler.try_validation_abort(tx, incarnation);
    if aborted {
        shared.mv.convert_writes_to_estimates(tx);
    }
    shared.scheduler.finish_validation(tx, aborted)
}

/// The fee recipient's tip per unit of gas.
pub(crate) fn tip(env: &TxEnv, block: &BlockEnv) -> u128 {
    env.effective_gas_price(u128::from(block.basefee)).saturating_sub(u128::from(block.basefee))
}

/// The nonce, balance and code hash `account` had before the transaction. An account loaded
/// as not existing had the empty ones, and revm's [`Account::original_info`] is not asked for
/// them: its clone holds revm's default empty code, one value for the whole process whose
/// reference count every thread would update (7% of a block of transfers in sender groups).
pub(crate) fn original_info(account: &Account) -> AccountInfo {
    if account.is_loaded_as_not_existing() {
        return AccountInfo::default();
    }
    AccountInfo::from(&account.original_info())
}

/// The fee vaults of `block`, credited lazily: the fee recipient, the base fee vault and the
/// L1 fee vault.
pub(crate) fn vaults(block: &BlockEnv) -> [Address; 3] {
    [block.beneficiary, BASE_FEE_VAULT, L1_FEE_VAULT]
}

/// The recipient transaction `env` may credit lazily: the target of a value transfer that is
/// not the sender, a fee vault, or subject to an EIP-7702 authorization. Whether the credit is
/// lazy is decided when the account is read (it must have no code).
pub(crate) fn lazy_recipient(env: &TxEnv, block: &BlockEnv) -> Option<Address> {
    let to = env.kind.to().copied()?;
    let plain =
        !env.value.is_zero() && to != env.caller && !vaults(block).contains(&to) && env.authorization_list.is_empty();
    plain.then_some(to)
}

/// The locations a transaction changed, with their new values; the change to `credited` (an
/// account served as empty) is its credit, and an account touched without a change to its
/// nonce, balance, code or storage gets a touch.
fn write_set(state: &EvmState, codes: &Mutex<B256Map<Bytecode>>, credited: Option<Address>) -> Vec<(Location, Value)> {
    let mut writes = Vec::with_capacity(state.len() + 4);
    for (address, account) in state.iter().filter(|(_, account)| account.is_touched()) {
        let address = *address;
        if Some(address) == credited {
            writes.push((Location::Credit(address), Value::Credit(account.info.balance)));
            continue;
        }
        if account.is_selfdestructed() {
            writes.push((Location::Account(address), Value::Account(None)));
            writes.push((Location::StorageReset(address), Value::Reset));
            continue;
        }
        let info = AccountInfo::from(&account.info);
        let original = original_info(account);
        let changed = info != original;
        let slots_before = writes.len();
        for (slot, value) in account.changed_storage_slots() {
            writes.push((Location::Storage(address, *slot), Value::Storage(value.present_value())));
        }
        if changed || account.is_created() {
            let value = if info.is_empty() { None } else { Some(info) };
            writes.push((Location::Account(address), Value::Account(value)));
        } else if writes.len() == slots_before {
            writes.push((Location::Touch(address), Value::Touch));
        }
        // New code comes from a deployment or from an EIP-7702 delegation (which changes an
        // existing account's code hash without creating it).
        if (info.code_hash != original.code_hash || account.is_created())
            && let Some(code) = account.info.code.as_ref().filter(|code| !code.is_empty())
        {
            codes.lock().entry(info.code_hash).or_insert_with(|| code.clone());
        }
        if account.is_created() {
            writes.push((Location::StorageReset(address), Value::Reset));
        }
    }
    writes
}

/// Puts the changes the threads built together, then checks the block in order.
fn assemble(
    shared: Shared<'_>,
    attrs: &BlockAttributes,
    changes: Vec<ChangesPiece>,
) -> Result<Option<ExecutionOutput>, ExecutionError> {
    let Shared { base, block, mut results, .. } = shared;
    let read_vault = |result: &mut Mutex<Option<TxResult>>| {
        result.get_mut().as_ref().expect("every transaction executed").read_vault
    };
    if results.iter_mut().any(read_vault) {
        return Ok(None);
    }
    let mut diff = StateDiff::default();
    diff.accounts.reserve(changes.iter().map(|piece| piece.accounts.len()).sum());
    for piece in changes {
        diff.accounts.extend(piece.accounts);
        diff.codes.extend(piece.codes);
    }
    let results = results.into_iter().map(|result| result.into_inner().expect("every transaction executed"));
    Ok(Some(InOrder::check(attrs, results)?.into_output(base, &block, diff)))
}

/// A block's results checked in block order: the receipts' contents, and what the fee vaults
/// receive.
pub(crate) struct InOrder {
    outcomes: Vec<TxOutcome>,
    /// Tips, base fees and L1 fees, for the vaults in the order of [`vaults`].
    rewards: [U256; 3],
}

impl InOrder {
    /// Checks the block's gas and the transactions' validity in block order from `results`
    /// (in block order, none of which read a fee vault), and sums the vaults' rewards.
    pub(crate) fn check(
        attrs: &BlockAttributes,
        results: impl ExactSizeIterator<Item = TxResult>,
    ) -> Result<Self, ExecutionError> {
        let mut outcomes = Vec::with_capacity(results.len());
        let mut block_gas_used = 0u64;
        let mut rewards = [U256::ZERO; 3];
        for (index, result) in results.enumerate() {
            if block_gas_used + result.gas_limit > attrs.gas_limit {
                return Err(ExecutionError::block_gas_exceeded(
                    index,
                    result.gas_limit,
                    attrs.gas_limit - block_gas_used,
                ));
            }
            let outcome = result.outcome?;
            block_gas_used += outcome.gas_used;
            let gas = U256::from(outcome.gas_used);
            rewards[0] += U256::from(result.tip) * gas;
            rewards[1] += U256::from(attrs.base_fee) * gas;
            rewards[2] += result.l1_fee;
            outcomes.push(outcome);
        }
        Ok(Self { outcomes, rewards })
    }

    /// The block's output: the outcomes, and `diff` (the changes of all transactions, over
    /// `base`) with the rewards credited to the vaults of `block`.
    pub(crate) fn into_output(self, base: &dyn StateReader, block: &BlockEnv, mut diff: StateDiff) -> ExecutionOutput {
        // No transaction read a vault, so none wrote one either (a write loads the account
        // first): crediting the sums once gives the state that crediting after every
        // transaction gives.
        for (vault, reward) in vaults(block).into_iter().zip(self.rewards) {
            debug_assert!(!diff.accounts.contains_key(&vault));
            if let Some(change) = change_set::reward(base, vault, reward) {
                diff.accounts.insert(vault, change);
            }
        }
        ExecutionOutput { outcomes: self.outcomes, diff }
    }
}
