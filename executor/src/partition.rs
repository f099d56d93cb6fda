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
    accesses::{Access, AccessLog, Accesses, CREDIT, READ, WRITE, interacted},
    hashing::{FingerprintMap, fingerprint},
    mv_memory::Location,
    run::{InOrder, RunError, TxResult, claim, lazy_recipient, original_info, tip, vaults},
    stats::ExecutionStats,
    threads::{on_every_thread, stopping_others_on_panic},
};
use alloy_primitives::{Address, KECCAK256_EMPTY, map::IndexEntry};
use parking_lot::Mutex;
use revm::{
    Context, ExecuteEvm, MainBuilder, MainContext,
    context::{BlockEnv, CfgEnv, ContextSetters},
    context_interface::ContextTr as _,
    handler::{EthFrame, Handler},
    interpreter::interpreter::EthInterpreter,
    state::{Account, EvmState},
};
use rollup_core::{
    AccountDiff, AccountInfo, BlockAttributes, ExecutionError, ExecutionOutput, FeeHandler, L2Transaction, StateDiff,
    StateOverlay, StateReader, TxOutcome, VaultCredits, evm_env, fees::transaction_l1_cost, tx_env,
};
use std::{
    convert::Infallible,
    sync::{
        Barrier, OnceLock,
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    },
};

/// One group's run: its transactions' results with their block positions, its changes and
/// what it accessed.
struct GroupRun {
    results: Vec<(usize, TxResult)>,
    changes: StateDiff,
    accesses: Accesses,
}

/// Executes the block in sender groups, one per thread of `pool`, and counts the EVM runs and
/// groups taken over in `stats`. `None` means the attempt cannot stand (the groups
/// interacted, a transaction read a fee vault or was invalid) and the block needs
/// Block-STM. `senders` (each transaction's sender's fingerprint) assigns the transactions to
/// groups and keeps sender chains whole.
pub(crate) fn execute_partitioned(
    pool: &rayon::ThreadPool,
    base: &dyn StateReader,
    chain_id: u64,
    attrs: &BlockAttributes,
    txs: &[L2Transaction],
    senders: &[u64],
    stats: &mut ExecutionStats,
) -> Option<Result<ExecutionOutput, ExecutionError>> {
    let threads = pool.current_num_threads();
    let mut members: Vec<Vec<usize>> = (0..threads).map(|_| Vec::with_capacity(txs.len() / threads + 1)).collect();
    for (index, fingerprint) in senders.iter().enumerate() {
        members[group_of(*fingerprint, threads)].push(index);
    }
    let (cfg, block) = evm_env(chain_id, attrs);
    let attempt = Attempt {
        base,
        attrs,
        cfg,
        block,
        txs,
        groups: members.into_iter().map(Group::new).collect(),
        senders,
        abandoned: AtomicBool::new(false),
        runs: AtomicUsize::new(0),
        done: (0..threads).map(|_| Mutex::new(Vec::new())).collect(),
        all_done: Barrier::new(threads),
        next_tail_task: AtomicUsize::new(0),
        merged: Mutex::new(None),
        checked: Mutex::new(None),
    };
    on_every_thread(pool, |thread| attempt.work(thread));
    stats.executions += attempt.runs.load(Ordering::Relaxed);
    if attempt.abandoned.load(Ordering::Relaxed) {
        return None;
    }
    stats.taken_over = attempt.done.iter().map(|runs| runs.lock().len()).sum::<usize>() - threads;
    let (diff, checked) = (attempt.merged.into_inner()?, attempt.checked.into_inner()?);
    Some(checked.map(|checked| checked.into_output(base, &attempt.block, diff)))
}

/// The group of a sender's transactions, by the sender's fingerprint, when the block runs on
/// `threads` threads.
fn group_of(sender_fingerprint: u64, threads: usize) -> usize {
    (sender_fingerprint >> 32) as usize % threads
}

/// Fewest members left in a group for a thread that is done to take some over.
const MIN_STEAL: usize = 32;

/// The transactions of one sender group, and how far the group got through them.
struct Group {
    /// Block positions of the group's transactions, in block order.
    members: Vec<usize>,
    /// The next member to run (low half) and the end of the members left to the group (high
    /// half): a thread done with its own group may move the end down and run the members past
    /// it as a group of its own.
    cursor: AtomicU64,
    /// For each member, the index in `members` of its sender's first member: worked out by the
    /// first thread that takes members over, not before the block (a group nobody takes from
    /// never needs it).
    sender_starts: OnceLock<Vec<usize>>,
}

impl Group {
    fn new(members: Vec<usize>) -> Self {
        let cursor = AtomicU64::new(Self::pack(0, members.len()));
        Self { members, cursor, sender_starts: OnceLock::new() }
    }

    /// A cursor value from the next member and the end of the members left.
    fn pack(next: usize, end: usize) -> u64 {
        (end as u64) << 32 | next as u64
    }

    /// The next member and the end of the members left, from a cursor value.
    fn unpack(cursor: u64) -> (usize, usize) {
        (cursor as u32 as usize, (cursor >> 32) as usize)
    }

    /// Claims the next member for the group's own thread: its block position, if any is left.
    fn claim(&self) -> Option<usize> {
        let (next, end) = Self::unpack(self.cursor.fetch_add(1, Ordering::AcqRel));
        (next < end).then(|| self.members[next])
    }

    /// Members not claimed yet.
    fn remaining(&self) -> usize {
        let (next, end) = Self::unpack(self.cursor.load(Ordering::Acquire));
        end.saturating_sub(next)
    }

    /// Takes about the second half of the members left, for a thread done with its own group:
    /// those from a split point on, chosen so that none of their senders has a member before
    /// it (a sender's transactions stay in one group, in order). `None` if fewer than
    /// [`MIN_STEAL`] are left or there is no such split point in the second half. `senders`
    /// holds each block position's sender's fingerprint.
    fn steal(&self, senders: &[u64]) -> Option<&[usize]> {
        'attempt: loop {
            let (next, end) = Self::unpack(self.cursor.load(Ordering::Acquire));
            if end.saturating_sub(next) < MIN_STEAL {
                return None;
            }
            let split = self.split_point(next + (end - next) / 2, end, self.sender_starts(senders))?;
            // The split stays valid while the end stays where it was and the owner has not
            // reached it; the owner moving on meanwhile does not matter.
            let mut cursor = self.cursor.load(Ordering::Acquire);
            loop {
                let (next, current_end) = Self::unpack(cursor);
                if current_end != end || next >= split {
                    continue 'attempt;
                }
                match self.cursor.compare_exchange(cursor, Self::pack(next, split), Ordering::AcqRel, Ordering::Acquire)
                {
                    Ok(_) => return Some(&self.members[split..end]),
                    Err(actual) => cursor = actual,
                }
            }
        }
    }

    /// The first position from `from` on whose members up to `end` all have senders whose
    /// first member is at or after that position (`sender_starts` has each member's).
    fn split_point(&self, from: usize, end: usize, sender_starts: &[usize]) -> Option<usize> {
        let mut earliest = usize::MAX;
        let mut split = None;
        for position in (from..end).rev() {
            earliest = earliest.min(sender_starts[position]);
            if earliest >= position {
                split = Some(position);
            }
        }
        split
    }

    /// For each member, the index of its sender's first member, from `senders` (each block
    /// position's sender's fingerprint).
    fn sender_starts(&self, senders: &[u64]) -> &[usize] {
        self.sender_starts.get_or_init(|| {
            let mut starts: FingerprintMap<usize> =
                FingerprintMap::with_capacity_and_hasher(self.members.len(), Default::default());
            let senders = self.members.iter().map(|member| senders[*member]);
            senders.enumerate().map(|(position, sender)| *starts.entry(sender).or_insert(position)).collect()
        })
    }
}

/// What the threads of one partitioned attempt share.
struct Attempt<'a> {
    base: &'a dyn StateReader,
    attrs: &'a BlockAttributes,
    cfg: CfgEnv,
    block: BlockEnv,
    txs: &'a [L2Transaction],
    /// One group per thread (the transactions of the senders whose hash falls on it).
    groups: Vec<Group>,
    /// Each transaction's sender's fingerprint.
    senders: &'a [u64],
    /// Set by the first group that gives up, so that the others stop.
    abandoned: AtomicBool,
    /// EVM runs on all threads.
    runs: AtomicUsize,
    /// Each thread's runs, its own group's first.
    done: Vec<Mutex<Vec<GroupRun>>>,
    /// Holds the threads until every group has run.
    all_done: Barrier,
    /// The next of the two tasks left once every group has run, which the threads share:
    /// merging the groups' changes, and checking that the groups did not interact and the
    /// results in block order.
    next_tail_task: AtomicUsize,
    /// The groups' changes put together; `None` if they cannot be.
    merged: Mutex<Option<StateDiff>>,
    /// The results checked in block order; `None` if the groups interacted.
    checked: Mutex<Option<Result<InOrder, ExecutionError>>>,
}

impl Attempt<'_> {
    /// One thread's work: its share of the groups, then, once every group has run, whichever
    /// of the two tasks left it claims first (both if the other threads are slow to wake).
    fn work(&self, thread: usize) {
        let abandon = || self.abandoned.store(true, Ordering::Relaxed);
        if let Some(runs) = stopping_others_on_panic(&self.all_done, abandon, || self.run_groups(thread)) {
            *self.done[thread].lock() = runs;
        }
        self.all_done.wait();
        if self.abandoned.load(Ordering::Relaxed) {
            return;
        }
        while let Some(task) = claim(&self.next_tail_task, 2) {
            if task == 0 { self.merge_changes() } else { self.check_results() }
        }
    }

    /// A thread's share of the groups: its own group, then members taken over from groups
    /// still running, each as a group of its own. `None` if a group gave up.
    fn run_groups(&self, thread: usize) -> Option<Vec<GroupRun>> {
        let group = &self.groups[thread];
        // The other groups' changes are merged into the first group's, which gets room for
        // them all (and the vaults' rewards) from the start.
        let room = if thread == 0 { 2 * self.txs.len() + 3 } else { 2 * group.members.len() };
        let mut runs = vec![self.run(std::iter::from_fn(|| group.claim()), group.members.len(), room)?];
        while let Some(stolen) =
            self.groups.iter().max_by_key(|group| group.remaining()).and_then(|group| group.steal(self.senders))
        {
            runs.push(self.run(stolen.iter().copied(), stolen.len(), 2 * stolen.len())?);
        }
        Some(runs)
    }

    /// Puts the groups' changes together (see [`merge`]).
    fn merge_changes(&self) {
        let mut changes = Vec::new();
        for runs in &self.done {
            changes.extend(runs.lock().iter_mut().map(|run| std::mem::take(&mut run.changes)));
        }
        *self.merged.lock() = merge(self.base, changes);
    }

    /// Checks that the groups did not interact, then the results in block order.
    fn check_results(&self) {
        let (mut results, mut accesses) = (Vec::new(), Vec::new());
        for runs in &self.done {
            for run in runs.lock().iter_mut() {
                results.push(std::mem::take(&mut run.results).into_iter());
                accesses.push(std::mem::take(&mut run.accesses));
            }
        }
        if interacted(&accesses.iter().collect::<Vec<_>>()) {
            return;
        }
        let results = InBlockOrder { runs: results, next: 0, len: self.txs.len() };
        *self.checked.lock() = Some(InOrder::check(self.attrs, results));
    }

    /// Executes the transactions at `members` (about `count` of them) in block order on a
    /// private overlay with room for `room` accounts; `None` if one read a fee vault or
    /// was invalid, or another group gave up.
    fn run(&self, members: impl Iterator<Item = usize>, count: usize, room: usize) -> Option<GroupRun> {
        let mut runs = 0;
        let run = self.run_counting(members, count, room, &mut runs);
        self.runs.fetch_add(runs, Ordering::Relaxed);
        if run.is_none() {
            self.abandoned.store(true, Ordering::Relaxed);
        }
        run
    }

    fn run_counting(
        &self,
        members: impl Iterator<Item = usize>,
        count: usize,
        room: usize,
        runs: &mut usize,
    ) -> Option<GroupRun> {
        let Self { base, block, txs, .. } = self;
        let overlay = StateOverlay::with_capacity(*base, room).with_private_code();
        let mut evm =
            Context::mainnet().with_cfg(self.cfg.clone()).with_block(block.clone()).with_db(overlay).build_mainnet();
        let mut results = Vec::with_capacity(count);
        let mut accesses = AccessLog::with_capacity(4 * count);
        for index in members {
            if self.abandoned.load(Ordering::Relaxed) {
                return None;
            }
            let env = tx_env(&txs[index]);
            let (gas_limit, tip, credited) = (env.gas_limit, tip(&env, block), lazy_recipient(&env, block));
            let l1_fee = transaction_l1_cost(txs[index].inner(), &self.attrs.l1).fee;
            evm.ctx.set_tx(env);
            *runs += 1;
            let mut handler =
                FeeHandler::<_, RunError<Infallible>, EthFrame<EthInterpreter>>::new(l1_fee, VaultCredits::Deferred);
            let result = handler.run(&mut evm).ok()?;
            let state = evm.finalize();
            record(&state, vaults(block), credited, &mut accesses)?;
            evm.ctx.db_mut().commit(state);
            let outcome = Ok(TxOutcome::from(result));
            results.push((index, TxResult { outcome, read_vault: false, gas_limit, tip, l1_fee }));
        }
        let changes = std::mem::replace(evm.ctx.db_mut(), StateOverlay::new(*base)).into_diff();
        Some(GroupRun { results, changes, accesses: accesses.into_accesses() })
    }
}

/// The groups' results in block order. Each group's are in block order, so the next
/// transaction's is at the front of one of them.
struct InBlockOrder {
    runs: Vec<std::vec::IntoIter<(usize, TxResult)>>,
    /// The block position of the next result.
    next: usize,
    /// Transactions in the block.
    len: usize,
}

impl Iterator for InBlockOrder {
    type Item = TxResult;

    fn next(&mut self) -> Option<TxResult> {
        if self.next == self.len {
            return None;
        }
        let position = self.next;
        self.next += 1;
        // Looking at the front in place: a result is moved once, out of its group's vector.
        let run = self.runs.iter_mut().find(|run| run.as_slice().first().is_some_and(|(index, _)| *index == position));
        Some(run.and_then(Iterator::next).expect("every transaction ran in a group").1)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len - self.next, Some(self.len - self.next))
    }
}

impl ExactSizeIterator for InBlockOrder {}

/// Adds what one transaction accessed to its group's record; `None` if it loaded a fee vault
/// (whose rewards are applied once, after the block).
fn record(state: &EvmState, vaults: [Address; 3], credited: Option<Address>, accesses: &mut AccessLog) -> Option<()> {
    for (address, account) in state {
        if vaults.contains(address) {
            return None;
        }
        accesses.push(fingerprint(Location::Account(*address)), account_access(account, credited == Some(*address)));
        for (slot, value) in &account.storage {
            let access = if value.is_changed() { READ | WRITE } else { READ };
            accesses.push(fingerprint(Location::Storage(*address, *slot)), access);
        }
    }
    Some(())
}

/// How a transaction used an account it loaded; `lazy` if it is the recipient of a plain
/// value transfer.
fn account_access(account: &Account, lazy: bool) -> Access {
    let original = original_info(account);
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
    let changed = AccountInfo::from(info) != original;
    if changed || wiped || emptied { READ | WRITE } else { READ }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ParallelExecutor;
    use rollup_core::test_utils::{Builder, Op, TOKEN, TestBlock};
    use std::{
        collections::BTreeSet,
        num::NonZeroUsize,
        time::{Duration, Instant},
    };

    /// The groups' results come out in block order, however the positions interleave.
    #[test]
    fn results_come_out_in_block_order() {
        let result = |gas_used| TxResult {
            outcome: Ok(TxOutcome {
                success: true,
                gas_used,
                logs: Vec::new(),
                contract_address: None,
                deposit_nonce: None,
            }),
            read_vault: false,
            gas_limit: 0,
            tip: 0,
            l1_fee: alloy_primitives::U256::ZERO,
        };
        let group = |positions: &[usize]| {
            positions.iter().map(|&position| (position, result(position as u64))).collect::<Vec<_>>().into_iter()
        };
        let in_order = InBlockOrder { runs: vec![group(&[1, 2, 5]), group(&[0, 6]), group(&[3, 4])], next: 0, len: 7 };
        assert_eq!(in_order.len(), 7);
        let gas: Vec<u64> = in_order.map(|result| result.outcome.expect("ok").gas_used).collect();
        assert_eq!(gas, (0..7).collect::<Vec<_>>());
    }

    /// A split point never cuts a sender's chain: members at block positions 1, 3, .. 11 from
    /// senders A, A, B, B, B, C can be split before members 0, 2 and 5.
    #[test]
    fn split_points_keep_sender_chains_whole() {
        let group = Group::new((0..6).map(|member| 2 * member + 1).collect());
        let mut senders = [0; 12];
        for (member, sender) in group.members.iter().zip([7, 7, 8, 8, 8, 9]) {
            senders[*member] = sender;
        }
        let starts = group.sender_starts(&senders);
        assert_eq!(starts, [0, 0, 2, 2, 2, 5]);
        assert_eq!(group.split_point(3, 6, starts), Some(5));
        assert_eq!(group.split_point(1, 6, starts), Some(2));
        assert_eq!(group.split_point(3, 5, starts), None);
    }

    /// The owner and a thief racing on one group run every member exactly once, the thief
    /// only whole sender chains.
    #[test]
    fn claims_and_steals_share_out_every_member_once() {
        // Chains of mostly 1 to 4 transactions from one sender, one after another.
        let senders: Vec<u64> =
            (0..2_000).map(|position| (position - position % (1 + position / 500)) as u64).collect();
        let first = |member: usize| senders.iter().position(|sender| *sender == senders[member]).expect("its own");
        let mut steals = 0;
        for _ in 0..20 {
            let group = Group::new((0..senders.len()).collect());
            let (owned, stolen) = std::thread::scope(|scope| {
                let thief = scope.spawn(|| {
                    let mut stolen = Vec::new();
                    while let Some(members) = group.steal(&senders) {
                        stolen.push(members.to_vec());
                    }
                    stolen
                });
                // The owner works a little on each member, as it would executing it.
                let owned: Vec<usize> = std::iter::from_fn(|| {
                    let member = group.claim()?;
                    (0..1_000).for_each(|_| std::hint::spin_loop());
                    Some(member)
                })
                .collect();
                (owned, thief.join().expect("the thief ran"))
            });
            steals += stolen.len();
            let mut all: Vec<usize> = owned.iter().chain(stolen.iter().flatten()).copied().collect();
            all.sort_unstable();
            assert_eq!(all, (0..senders.len()).collect::<Vec<_>>());
            for members in &stolen {
                assert!(members.iter().all(|member| first(*member) >= members[0]), "a chain was cut");
            }
        }
        assert!(steals > 0, "the thief never got any members");
    }

    /// Step `step` of a sender whose operations interact with no other sender's: transfers to
    /// a few shared fresh addresses (credits), ERC-20 transfers to its own fresh recipient
    /// (slots of one contract), swaps on its own pool (senders 0 to 7 have one).
    fn independent_op(from: usize, step: usize) -> Op {
        match step % 3 {
            0 => Op::Transfer { from, to: 43 + step % 5, value: 1 },
            1 => Op::Erc20 { from, to: 48 + from, amount: 1 + step as u64 },
            _ if from < 8 => {
                Op::Swap { from, pool: from, amount: 10, zero_for_one: step.is_multiple_of(2), greedy: false }
            }
            _ => Op::Transfer { from, to: 44, value: 2 },
        }
    }

    /// A block whose first group is much longer than the second: the second group's thread
    /// takes over part of the first (transfers, ERC-20 transfers and swaps), and the result
    /// still equals sequential execution.
    #[test]
    fn a_thread_done_early_takes_over_part_of_a_longer_group() {
        let group = |sender: Address| group_of(fingerprint(sender), 2);
        let sender_group = |from| group(Builder::default().tx(&Op::Transfer { from, to: 43, value: 1 }).signer());
        let (long, short): (Vec<usize>, Vec<usize>) = (0..32).partition(|from| sender_group(*from) == 0);
        let ops: Vec<Op> = short
            .iter()
            .take(2)
            .map(|from| Op::Transfer { from: *from, to: 43, value: 1 })
            .chain(long.iter().flat_map(|&from| (0..16).map(move |step| independent_op(from, step))))
            .collect();
        let block = TestBlock::new(&ops);
        assert_eq!(block.txs.iter().map(|tx| group(tx.signer())).collect::<BTreeSet<_>>().len(), 2);
        let expected = block.sequential().expect("valid block");
        let parallel = ParallelExecutor::new(NonZeroUsize::new(2).expect("2 > 0")).with_min_transactions(0);
        // The second thread may wake late on a loaded machine (other tests on both cores), after
        // the first has run all of its group; it takes over in some of the blocks, so the block
        // runs again until it does.
        let (mut taken_over, deadline) = (0, Instant::now() + Duration::from_secs(60));
        while taken_over == 0 && Instant::now() < deadline {
            let (got, stats) = parallel.execute_with_stats(&block.world, block.chain_id, &block.attrs, &block.txs);
            assert_eq!(got.expect("valid block"), expected);
            assert!(stats.partitioned, "{stats:?}");
            taken_over += stats.taken_over;
        }
        assert!(taken_over > 0, "no group was taken over");
    }

    /// A panic in either thread's group reaches the caller: the other thread does not wait
    /// for the panicking one forever.
    #[test]
    fn a_panic_in_a_group_reaches_the_caller() {
        let erc20 = |from| Op::Erc20 { from, to: 48, amount: 1 };
        let sender_group = |from| group_of(fingerprint(Builder::default().tx(&erc20(from)).signer()), 2);
        for panicking in 0..2 {
            let from = (0..32).find(|from| sender_group(*from) == panicking).expect("a sender in each group");
            let transfers = (0..32).map(|sender| Op::Transfer { from: sender, to: 43 + sender % 5, value: 1 });
            let block = TestBlock::new(&transfers.chain([erc20(from)]).collect::<Vec<_>>());
            let parallel = ParallelExecutor::new(NonZeroUsize::new(2).expect("2 > 0")).with_min_transactions(0);
            assert!(block.passes_on_panic(parallel, TOKEN), "group {panicking} panicking");
        }
    }
}
