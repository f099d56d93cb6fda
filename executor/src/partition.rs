//! Partitioned execution, the fast path for blocks whose senders do not interact.
//!
//! The transactions are split by sender into one group per thread (a sender's nonce chain stays
//! in one group), and each thread executes its group in block order on its own
//! [`StateOverlay`] over the base state, as the sequential executor does but without the
//! fee-recipient reward. What each transaction accessed is taken from revm's post-transaction
//! state (every account and slot it loaded, and which of them it changed). If no group changed
//! anything another group accessed, every transaction saw exactly what it sees in block order,
//! so the groups' changes put together, with the rewards credited once, are the sequential
//! result. Otherwise the attempt is dropped and the block runs on Block-STM.
//!
//! Balance credits of plain value transfers to accounts without code commute: an account only
//! credited, in any number of groups, is not a conflict, and its credits add up.

use crate::{
    handler::LazyRewardHandler,
    mv_memory::{KeyHasher, Location},
    on_every_thread,
    run::{Assembly, RunError, TxResult, lazy_recipient, tip},
};
use alloy_primitives::{Address, KECCAK256_EMPTY, map::IndexEntry};
use revm::{
    Context, ExecuteEvm, MainBuilder, MainContext,
    context::{BlockEnv, CfgEnv, ContextSetters},
    context_interface::ContextTr as _,
    handler::{EthFrame, Handler},
    interpreter::interpreter::EthInterpreter,
    state::{Account, EvmState},
};
use rollup_core::{
    AccountDiff, AccountInfo, BlockAttributes, ExecutionError, ExecutionOutput, L2Transaction, StateDiff, StateOverlay,
    StateReader, TxOutcome, evm_env, tx_env,
};
use std::{
    collections::HashMap,
    convert::Infallible,
    hash::BuildHasher,
    sync::atomic::{AtomicBool, AtomicUsize, Ordering},
};

/// How a group used a location (bit flags).
type Access = u8;
/// Loaded it (an account also when only its storage was used).
const READ: Access = 1;
/// Changed it.
const WRITE: Access = 2;
/// Credited a balance by a plain value transfer, without reading it.
const CREDIT: Access = 4;

/// Whether two groups' uses of one location rule out running them apart.
fn conflicts(a: Access, b: Access) -> bool {
    (a & WRITE != 0 && b != 0)
        || (b & WRITE != 0 && a != 0)
        || (a & CREDIT != 0 && b & READ != 0)
        || (b & CREDIT != 0 && a & READ != 0)
}

/// One group's run: its transactions' results with their block positions, its changes and
/// what it accessed.
struct GroupRun {
    results: Vec<(usize, TxResult)>,
    changes: StateDiff,
    accesses: HashMap<Location, Access, KeyHasher>,
}

/// Executes the block in sender groups, one per thread of `pool`, returning the result with
/// the number of EVM runs. `None` means the attempt cannot stand (the groups interacted, a
/// transaction read the fee recipient or was invalid) and the block needs Block-STM.
pub(crate) fn execute_partitioned(
    pool: &rayon::ThreadPool,
    base: &dyn StateReader,
    chain_id: u64,
    attrs: &BlockAttributes,
    txs: &[L2Transaction],
) -> (Option<Result<ExecutionOutput, ExecutionError>>, usize) {
    let groups = pool.current_num_threads();
    let (cfg, block) = evm_env(chain_id, attrs);
    let attempt = Attempt {
        base,
        cfg,
        block,
        txs,
        group_of: txs.iter().map(|tx| (KeyHasher::default().hash_one(tx.signer()) >> 32) as usize % groups).collect(),
        abandoned: AtomicBool::new(false),
        runs: AtomicUsize::new(0),
    };
    let runs = on_every_thread(pool, |group| attempt.run_group(group));
    let result = runs.into_iter().collect::<Option<Vec<GroupRun>>>().and_then(|runs| attempt.finish(attrs, runs));
    (result, attempt.runs.into_inner())
}

/// What the threads of one partitioned attempt share.
struct Attempt<'a> {
    base: &'a dyn StateReader,
    cfg: CfgEnv,
    block: BlockEnv,
    txs: &'a [L2Transaction],
    /// The group of each transaction (that of its sender).
    group_of: Vec<usize>,
    /// Set by the first group that gives up, so that the others stop.
    abandoned: AtomicBool,
    /// EVM runs on all threads.
    runs: AtomicUsize,
}

impl Attempt<'_> {
    /// Executes group `group`'s transactions in block order on a private overlay; `None` if
    /// one read the fee recipient or was invalid, or another group gave up.
    fn run_group(&self, group: usize) -> Option<GroupRun> {
        let mut runs = 0;
        let run = self.run_group_counting(group, &mut runs);
        self.runs.fetch_add(runs, Ordering::Relaxed);
        if run.is_none() {
            self.abandoned.store(true, Ordering::Relaxed);
        }
        run
    }

    fn run_group_counting(&self, group: usize, runs: &mut usize) -> Option<GroupRun> {
        let Self { base, block, txs, group_of, .. } = self;
        let members = group_of.iter().filter(|of| **of == group).count();
        // The other groups' changes are merged into the first group's, which gets room for
        // them all (and the fee recipient's reward) from the start.
        let room = if group == 0 { 2 * txs.len() + 1 } else { 2 * members };
        let overlay = StateOverlay::with_capacity(*base, room);
        let mut evm =
            Context::mainnet().with_cfg(self.cfg.clone()).with_block(block.clone()).with_db(overlay).build_mainnet();
        let mut results = Vec::with_capacity(members);
        let mut accesses = HashMap::with_capacity_and_hasher(3 * members, KeyHasher::default());
        for (index, tx) in txs.iter().enumerate().filter(|(index, _)| group_of[*index] == group) {
            if self.abandoned.load(Ordering::Relaxed) {
                return None;
            }
            let env = tx_env(tx);
            let (gas_limit, tip, credited) = (env.gas_limit, tip(&env, block), lazy_recipient(&env, block.beneficiary));
            evm.ctx.set_tx(env);
            *runs += 1;
            let result =
                LazyRewardHandler::<_, RunError<Infallible>, EthFrame<EthInterpreter>>::default().run(&mut evm).ok()?;
            let state = evm.finalize();
            record(&state, block.beneficiary, credited, &mut accesses)?;
            evm.ctx.db_mut().commit(state);
            let outcome = Ok(TxOutcome::from(result));
            results.push((index, TxResult { outcome, read_beneficiary: false, gas_limit, tip }));
        }
        let changes = std::mem::replace(evm.ctx.db_mut(), StateOverlay::new(*base)).into_diff();
        Some(GroupRun { results, changes, accesses })
    }

    /// Checks that the groups did not interact and puts their results together.
    fn finish(&self, attrs: &BlockAttributes, runs: Vec<GroupRun>) -> Option<Result<ExecutionOutput, ExecutionError>> {
        if interacted(&runs.iter().map(|run| &run.accesses).collect::<Vec<_>>()) {
            return None;
        }
        let mut results: Vec<Option<TxResult>> = (0..self.txs.len()).map(|_| None).collect();
        let mut changes = Vec::with_capacity(runs.len());
        for run in runs {
            for (index, result) in run.results {
                results[index] = Some(result);
            }
            changes.push(run.changes);
        }
        let diff = merge(self.base, changes)?;
        let results = results.into_iter().map(|result| result.expect("every transaction ran in a group")).collect();
        Some(Assembly { base: self.base, beneficiary: self.block.beneficiary, results }.finish(attrs, diff))
    }
}

/// Adds what one transaction accessed to its group's record; `None` if it loaded the fee
/// recipient (whose rewards are applied once, after the block).
fn record(
    state: &EvmState,
    beneficiary: Address,
    credited: Option<Address>,
    accesses: &mut HashMap<Location, Access, KeyHasher>,
) -> Option<()> {
    for (address, account) in state {
        if *address == beneficiary {
            return None;
        }
        *accesses.entry(Location::Account(*address)).or_default() |=
            account_access(account, credited == Some(*address));
        for (slot, value) in &account.storage {
            let access = if value.is_changed() { READ | WRITE } else { READ };
            *accesses.entry(Location::Storage(*address, *slot)).or_default() |= access;
        }
    }
    Some(())
}

/// How a transaction used an account it loaded; `lazy` if it is the recipient of a plain
/// value transfer.
fn account_access(account: &Account, lazy: bool) -> Access {
    let original = account.original_info();
    let info = &account.info;
    let wiped = account.is_created() || account.is_selfdestructed();
    let emptied = account.is_touched() && info.is_empty();
    if lazy
        && !wiped
        && info.code_hash == KECCAK256_EMPTY
        && info.nonce == original.nonce
        && info.balance > original.balance
    {
        return CREDIT;
    }
    let changed = (info.nonce, info.balance, info.code_hash) != (original.nonce, original.balance, original.code_hash);
    if changed || wiped || emptied { READ | WRITE } else { READ }
}

/// Whether any group used a location in a way that conflicts with another group's use of it:
/// each pair of groups is compared by looking the smaller one's locations up in the larger.
fn interacted(groups: &[&HashMap<Location, Access, KeyHasher>]) -> bool {
    groups.iter().enumerate().any(|(index, first)| {
        groups[index + 1..].iter().any(|second| {
            let (smaller, larger) = if first.len() <= second.len() { (first, second) } else { (second, first) };
            smaller
                .iter()
                .any(|(location, access)| larger.get(location).is_some_and(|other| conflicts(*access, *other)))
        })
    })
}

/// Puts the groups' changes together, into the first group's. Groups that did not interact
/// changed disjoint accounts, except accounts several of them credited (the credits add up)
/// and accounts whose storage several of them wrote, slot by slot, without changing the
/// account (the slots join). `None` if two changes to one account are neither (not expected
/// once the accesses were checked).
fn merge(base: &dyn StateReader, groups: Vec<StateDiff>) -> Option<StateDiff> {
    let mut groups = groups.into_iter();
    let mut merged = groups.next().unwrap_or_default();
    for group in groups {
        merged.codes.extend(group.codes);
        for (address, change) in group.accounts {
            match merged.accounts.entry(address) {
                IndexEntry::Vacant(entry) => {
                    entry.insert(change);
                }
                IndexEntry::Occupied(mut entry) => join(base, address, entry.get_mut(), change)?,
            }
        }
    }
    Some(merged)
}

/// Joins a second group's change to an account into the first's.
fn join(base: &dyn StateReader, address: Address, into: &mut AccountDiff, change: AccountDiff) -> Option<()> {
    let (Some(ours), Some(theirs)) = (into.info, change.info) else { return None };
    if into.storage_reset || change.storage_reset || (ours.nonce, ours.code_hash) != (theirs.nonce, theirs.code_hash) {
        return None;
    }
    let before = base.account(address).map_or(Default::default(), |info| info.balance);
    into.info = Some(AccountInfo { balance: ours.balance + theirs.balance - before, ..ours });
    into.storage.extend(change.storage);
    Some(())
}
