//! Running one job per worker thread, and keeping the threads that meet at a barrier from
//! waiting forever for one that panicked.

use parking_lot::Mutex;
use std::{
    panic::{self, AssertUnwindSafe},
    sync::Barrier,
};

/// Runs `job` once for every thread of `pool`, with indices `0..threads`, and returns the
/// results in index order. The calling thread runs index 0 itself and the pool the others:
/// on a virtual machine a sleeping thread can take milliseconds to wake, so the caller
/// working instead of sleeping leaves one fewer to wake. Each index runs on its own thread
/// (a job blocked on a barrier holds its thread), so jobs may wait for each other, as long
/// as they make no rayon calls on the pool themselves: a pool thread waiting in one could
/// pick up another index's job and run it on top of its own.
pub(crate) fn on_every_thread<T: Send>(pool: &rayon::ThreadPool, job: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let results: Vec<Mutex<Option<T>>> = (0..pool.current_num_threads()).map(|_| Mutex::new(None)).collect();
    pool.in_place_scope(|scope| {
        for (index, result) in results.iter().enumerate().skip(1) {
            let job = &job;
            scope.spawn(move |_| *result.lock() = Some(job(index)));
        }
        *results[0].lock() = Some(job(0));
    });
    results.into_iter().map(|result| result.into_inner().expect("every index ran")).collect()
}

/// Runs `work` on one of the threads that go on to wait at `barrier`. If it panics, the thread
/// first calls `stop` (so that the others stop working and skip what depends on its work), then
/// still reaches the barrier, so that they do not wait for it forever, and then passes the
/// panic on.
pub(crate) fn stopping_others_on_panic<T>(barrier: &Barrier, stop: impl FnOnce(), work: impl FnOnce() -> T) -> T {
    panic::catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|panicked| {
        stop();
        barrier.wait();
        panic::resume_unwind(panicked)
    })
}
