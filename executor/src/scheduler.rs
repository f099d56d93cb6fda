//! The collaborative scheduler of Block-STM (Gelashvili et al., 2022): worker threads take
//! execution and validation tasks in transaction order, lowest first, until every transaction
//! has a validated incarnation.

use crossbeam_utils::CachePadded;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};

/// Work for a thread: execute or validate incarnation `.1` of transaction `.0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Task {
    Execute(usize, usize),
    Validate(usize, usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    ReadyToExecute,
    Executing,
    Executed,
    Aborting,
}

/// Shared scheduling state of one block. The counters, updated by every thread all the time,
/// sit on their own cache lines.
#[derive(Debug)]
pub(crate) struct Scheduler {
    count: usize,
    execution_idx: CachePadded<AtomicUsize>,
    validation_idx: CachePadded<AtomicUsize>,
    decrease_cnt: CachePadded<AtomicUsize>,
    num_active_tasks: CachePadded<AtomicUsize>,
    done: CachePadded<AtomicBool>,
    /// Set when a worker panicked.
    halted: AtomicBool,
    /// Incarnation and status of each transaction.
    status: Vec<Mutex<(usize, Status)>>,
    /// Transactions waiting for each transaction to finish executing.
    dependencies: Vec<Mutex<Vec<usize>>>,
}

impl Scheduler {
    pub(crate) fn new(count: usize) -> Self {
        Self {
            count,
            execution_idx: CachePadded::default(),
            validation_idx: CachePadded::default(),
            decrease_cnt: CachePadded::default(),
            num_active_tasks: CachePadded::default(),
            done: CachePadded::default(),
            halted: AtomicBool::new(false),
            status: (0..count).map(|_| Mutex::new((0, Status::ReadyToExecute))).collect(),
            dependencies: (0..count).map(|_| Mutex::new(Vec::new())).collect(),
        }
    }

    pub(crate) fn done(&self) -> bool {
        self.done.load(SeqCst)
    }

    /// Stops every thread's task loop before the block is done (a worker panicked).
    pub(crate) fn halt(&self) {
        self.halted.store(true, SeqCst);
        self.done.store(true, SeqCst);
    }

    /// Whether the task loops stopped because a worker panicked, not because the block is done.
    pub(crate) fn halted(&self) -> bool {
        self.halted.load(SeqCst)
    }

    fn decrease_execution_idx(&self, target: usize) {
        self.execution_idx.fetch_min(target, SeqCst);
        self.decrease_cnt.fetch_add(1, SeqCst);
    }

    fn decrease_validation_idx(&self, target: usize) {
        self.validation_idx.fetch_min(target, SeqCst);
        self.decrease_cnt.fetch_add(1, SeqCst);
    }

    fn check_done(&self) {
        let observed = self.decrease_cnt.load(SeqCst);
        let low = self.execution_idx.load(SeqCst).min(self.validation_idx.load(SeqCst));
        if low >= self.count && self.num_active_tasks.load(SeqCst) == 0 && observed == self.decrease_cnt.load(SeqCst) {
            self.done.store(true, SeqCst);
        }
    }

    fn try_incarnate(&self, tx: usize) -> Option<(usize, usize)> {
        if tx < self.count {
            let mut status = self.status[tx].lock();
            if status.1 == Status::ReadyToExecute {
                status.1 = Status::Executing;
                return Some((tx, status.0));
            }
        }
        self.num_active_tasks.fetch_sub(1, SeqCst);
        None
    }

    fn next_version_to_execute(&self) -> Option<(usize, usize)> {
        if self.execution_idx.load(SeqCst) >= self.count {
            self.check_done();
            return None;
        }
        self.num_active_tasks.fetch_add(1, SeqCst);
        self.try_incarnate(self.execution_idx.fetch_add(1, SeqCst))
    }

    fn next_version_to_validate(&self) -> Option<(usize, usize)> {
        if self.validation_idx.load(SeqCst) >= self.count {
            self.check_done();
            return None;
        }
        self.num_active_tasks.fetch_add(1, SeqCst);
        let tx = self.validation_idx.fetch_add(1, SeqCst);
        if tx < self.count {
            let (incarnation, status) = *self.status[tx].lock();
            if status == Status::Executed {
                return Some((tx, incarnation));
            }
        }
        self.num_active_tasks.fetch_sub(1, SeqCst);
        None
    }

    /// The next task, or `None` once the block is done.
    pub(crate) fn next_task(&self) -> Option<Task> {
        while !self.done() {
            if self.validation_idx.load(SeqCst) < self.execution_idx.load(SeqCst) {
                if let Some((tx, incarnation)) = self.next_version_to_validate() {
                    return Some(Task::Validate(tx, incarnation));
                }
            } else if let Some((tx, incarnation)) = self.next_version_to_execute() {
                return Some(Task::Execute(tx, incarnation));
            }
            std::hint::spin_loop();
        }
        None
    }

    /// Parks `tx` until `blocking` has executed. Returns false if `blocking` already has, in
    /// which case the caller re-executes `tx` at once.
    pub(crate) fn add_dependency(&self, tx: usize, blocking: usize) -> bool {
        let mut waiting = self.dependencies[blocking].lock();
        if self.status[blocking].lock().1 == Status::Executed {
            return false;
        }
        self.status[tx].lock().1 = Status::Aborting;
        waiting.push(tx);
        drop(waiting);
        self.num_active_tasks.fetch_sub(1, SeqCst);
        true
    }

    fn set_ready(&self, tx: usize) {
        let mut status = self.status[tx].lock();
        *status = (status.0 + 1, Status::ReadyToExecute);
    }

    /// Marks an incarnation executed and says what to do next.
    pub(crate) fn finish_execution(&self, tx: usize, incarnation: usize, wrote_new_location: bool) -> Option<Task> {
        self.status[tx].lock().1 = Status::Executed;
        let waiting = std::mem::take(&mut *self.dependencies[tx].lock());
        if let Some(lowest) = waiting.iter().copied().min() {
            for dependent in waiting {
                self.set_ready(dependent);
            }
            self.decrease_execution_idx(lowest);
        }
        if self.validation_idx.load(SeqCst) > tx {
            if wrote_new_location {
                self.decrease_validation_idx(tx);
            } else {
                return Some(Task::Validate(tx, incarnation));
            }
        }
        self.num_active_tasks.fetch_sub(1, SeqCst);
        None
    }

    /// Claims the abort of a failed validation; only one validator of an incarnation wins.
    pub(crate) fn try_validation_abort(&self, tx: usize, incarnation: usize) -> bool {
        let mut status = self.status[tx].lock();
        if *status == (incarnation, Status::Executed) {
            status.1 = Status::Aborting;
            return true;
        }
        false
    }

    /// Finishes a validation and says what to do next.
    pub(crate) fn finish_validation(&self, tx: usize, aborted: bool) -> Option<Task> {
        if aborted {
            self.set_ready(tx);
            self.decrease_validation_idx(tx + 1);
            if self.execution_idx.load(SeqCst) > tx {
                if let Some((tx, incarnation)) = self.try_incarnate(tx) {
                    return Some(Task::Execute(tx, incarnation));
                }
                return None;
            }
        }
        self.num_active_tasks.fetch_sub(1, SeqCst);
        None
    }
}
