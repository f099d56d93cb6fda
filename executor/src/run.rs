//! One parallel run over a block: worker threads, then the in-order assembly of the result.

use crate::{
    handler::LazyRewardHandler,
    mv_memory::{Location, MvMemory, Value},
    scheduler::{Scheduler, Task},
    view::{Blocked, Finished, TxView},
};
use alloy_primitives::{Address, B256, U256};
use parking_lot::Mutex;
use revm::{
    Context, ExecuteEvm, MainBuilder, MainContext,
    bytecode::Bytecode,
    context::{
        BlockEnv, CfgEnv, ContextSetters, TxEnv,
        result::{EVMError, ExecutionResult, InvalidTransaction},
    },
    context_interface::{ContextTr as _, Transaction as _},
    handler::{EthFrame, Handler, MainnetContext, MainnetEvm},
    interpreter::interpreter::EthInterpreter,
    state::{Account, EvmState},
};
use rollup_core::{
    AccountInfo, BlockAttributes, ExecutionError, ExecutionOutput, L2Transaction, StateOverlay, StateReader, TxOutcome,
    evm_env, tx_env,
};
use std::{
    collections::HashMap,
    sync::atomic::{AtomicUsize, Ordering},
};

/// The validated output of one transaction's latest incarnation.
#[derive(Debug)]
struct TxResult {
    /// revm's result and post-state, or why the transaction cannot execute at this position.
    outcome: Result<(ExecutionResult, EvmState), ExecutionError>,
    /// Whether the transaction read the fee recipient (whose balance is applied lazily).
    read_beneficiary: bool,
    /// The recipient whose balance change was recorded as a credit (a plain transfer): its
    /// account in `outcome` holds the credit, not the final balance.
    credited: Option<Address>,
}

/// Everything the worker threads share.
struct Shared<'a> {
    base: &'a dyn StateReader,
    cfg: CfgEnv,
    block: BlockEnv,
    envs: Vec<TxEnv>,
    /// Per transaction, the recipient it may credit lazily.
    lazy_recipients: Vec<Option<Address>>,
    mv: MvMemory,
    scheduler: Scheduler,
    codes: Mutex<HashMap<B256, Bytecode>>,
    results: Vec<Mutex<Option<TxResult>>>,
    /// EVM runs so far (first executions, re-executions and runs cut short by a dependency).
    executions: AtomicUsize,
}

/// Runs the block on `threads` threads. `Ok(None)` means the block needs sequential execution
/// (a transaction read the fee recipient).
pub(crate) fn execute_parallel(
    threads: usize,
    base: &dyn StateReader,
    chain_id: u64,
    attrs: &BlockAttributes,
    txs: &[L2Transaction],
    executions: &mut usize,
) -> Result<Option<ExecutionOutput>, ExecutionError> {
    let (cfg, block) = evm_env(chain_id, attrs);
    let envs: Vec<TxEnv> = txs.iter().map(tx_env).collect();
    let shared = Shared {
        base,
        lazy_recipients: envs.iter().map(|env| lazy_recipient(env, block.beneficiary)).collect(),
        cfg,
        block,
        envs,
        mv: MvMemory::new(txs.len()),
        scheduler: Scheduler::new(txs.len()),
        codes: Mutex::new(HashMap::new()),
        results: (0..txs.len()).map(|_| Mutex::new(None)).collect(),
        executions: AtomicUsize::new(0),
    };
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| work(&shared));
        }
    });
    *executions = shared.executions.load(Ordering::Relaxed);
    assemble(shared, attrs)
}

/// One worker thread: takes tasks until the block is done, reusing one EVM for all its
/// executions (building an EVM costs more than running a simple transaction).
fn work(shared: &Shared<'_>) {
    let view = TxView::new(&shared.mv, shared.base, &shared.codes, shared.block.beneficiary);
    let mut evm =
        Context::mainnet().with_cfg(shared.cfg.clone()).with_block(shared.block.clone()).with_db(view).build_mainnet();
    let mut task = None;
    loop {
        task = match task {
            Some(Task::Execute(tx, incarnation)) => execute(shared, &mut evm, tx, incarnation),
            Some(Task::Validate(tx, incarnation)) => validate(shared, tx, incarnation),
            None => match shared.scheduler.next_task() {
                Some(task) => Some(task),
                None => return,
            },
        };
    }
}

type RunError = EVMError<Blocked, InvalidTransaction>;

/// The EVM of a worker thread.
type WorkerEvm<'a> = MainnetEvm<MainnetContext<TxView<'a>>>;

fn execute(shared: &Shared<'_>, evm: &mut WorkerEvm<'_>, tx: usize, incarnation: usize) -> Option<Task> {
    loop {
        shared.executions.fetch_add(1, Ordering::Relaxed);
        evm.ctx.db_mut().start(tx, shared.lazy_recipients[tx]);
        evm.ctx.set_tx(shared.envs[tx].clone());
        let result = LazyRewardHandler::<_, RunError, EthFrame<EthInterpreter>>::default().run(evm);
        let state = evm.finalize();
        let Finished { reads, read_beneficiary, credited } = evm.ctx.db_mut().finish();
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
            Ok(result) => Ok((result, state)),
        };
        let writes = match &outcome {
            Ok((_, state)) => write_set(state, &shared.codes, credited),
            Err(_) => Vec::new(),
        };
        let wrote_new = shared.mv.record(tx, incarnation, reads, writes);
        *shared.results[tx].lock() = Some(TxResult { outcome, read_beneficiary, credited });
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

/// The recipient transaction `env` may credit lazily: the target of a value transfer that is
/// not the sender, the fee recipient, or subject to an EIP-7702 authorization. Whether the
/// credit is lazy is decided when the account is read (it must have no code).
fn lazy_recipient(env: &TxEnv, beneficiary: Address) -> Option<Address> {
    let to = env.kind.to().copied()?;
    let plain = !env.value.is_zero() && to != env.caller && to != beneficiary && env.authorization_list.is_empty();
    plain.then_some(to)
}

/// The locations a transaction changed, with their new values; the change to `credited` (an
/// account served as empty) is its credit.
fn write_set(
    state: &EvmState,
    codes: &Mutex<HashMap<B256, Bytecode>>,
    credited: Option<Address>,
) -> Vec<(Location, Value)> {
    let mut writes = Vec::new();
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
        let info =
            AccountInfo { nonce: account.info.nonce, balance: account.info.balance, code_hash: account.info.code_hash };
        let original = account.original_info();
        let changed =
            (info.nonce, info.balance, info.code_hash) != (original.nonce, original.balance, original.code_hash);
        if changed || account.is_created() {
            let value = if info.is_empty() { None } else { Some(info) };
            writes.push((Location::Account(address), Value::Account(value)));
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
        for (slot, value) in account.changed_storage_slots() {
            writes.push((Location::Storage(address, *slot), Value::Storage(value.present_value())));
        }
    }
    writes
}

/// Commits every transaction's validated output in block order into one overlay, then the fee
/// recipient's rewards.
fn assemble(shared: Shared<'_>, attrs: &BlockAttributes) -> Result<Option<ExecutionOutput>, ExecutionError> {
    let Shared { base, block, envs, results, .. } = shared;
    let results: Vec<TxResult> =
        results.into_iter().map(|result| result.into_inner().expect("every transaction executed")).collect();
    if results.iter().any(|result| result.read_beneficiary) {
        return Ok(None);
    }
    let mut overlay = StateOverlay::new(base);
    let mut outcomes = Vec::with_capacity(results.len());
    let mut block_gas_used = 0u64;
    let mut rewards = U256::ZERO;
    for (index, (result, env)) in results.into_iter().zip(&envs).enumerate() {
        if block_gas_used + env.gas_limit > attrs.gas_limit {
            return Err(ExecutionError::InvalidTransaction {
                index,
                reason: format!(
                    "gas limit {} exceeds the {} gas left in the block",
                    env.gas_limit,
                    attrs.gas_limit - block_gas_used
                ),
            });
        }
        let TxResult { outcome, credited, .. } = result;
        let (result, mut state) = outcome?;
        if let Some(address) = credited
            && let Some(account) = state.get_mut(&address)
        {
            // The account was served as empty: its balance is the credit.
            let current = StateReader::account(&overlay, address).unwrap_or_default();
            account.info.balance += current.balance;
            account.info.nonce = current.nonce;
            account.info.code_hash = current.code_hash;
        }
        let outcome = TxOutcome::from(result);
        block_gas_used += outcome.gas_used;
        overlay.commit(state);
        let tip = env.effective_gas_price(u128::from(block.basefee)).saturating_sub(u128::from(block.basefee));
        rewards += U256::from(tip) * U256::from(outcome.gas_used);
        outcomes.push(outcome);
    }
    // No transaction read the fee recipient, so none wrote it either (a write loads the
    // account first): crediting the sum once gives the state that crediting after every
    // transaction gives.
    reward(&mut overlay, block.beneficiary, rewards);
    Ok(Some(ExecutionOutput { outcomes, diff: overlay.into_diff() }))
}

/// Credits the fee recipient as revm's reward step does: the account is touched even when the
/// reward is zero.
fn reward(overlay: &mut StateOverlay<'_, dyn StateReader + '_>, beneficiary: Address, amount: U256) {
    let info = StateReader::account(overlay, beneficiary).unwrap_or_default();
    let mut account = Account::default().with_info(revm::state::AccountInfo {
        balance: info.balance + amount,
        nonce: info.nonce,
        code_hash: info.code_hash,
        account_id: None,
        code: None,
    });
    account.mark_touch();
    overlay.commit(EvmState::from_iter([(beneficiary, account)]));
}
