//! Building the chain: a steady trickle of workload transactions, a few per block, with a
//! measurement of the database at every checkpoint.

use super::{
    ArchiveArgs,
    size::{Sizer, Sizes},
};
use crate::{
    rpc::{Rpc, send_raw_body},
    workload::{Account, Fees, Target, Workload, fresh_recipient, workload_call},
};
use alloy::primitives::Address;
use anyhow::{Context as _, bail};
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

/// How long the pool may take to drain at a checkpoint.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(120);
/// The build fails if the head does not move for this long.
const STALL_TIMEOUT: Duration = Duration::from_secs(60);
/// Rejected sends tolerated per segment before the build gives up.
const MAX_ERRORS: usize = 100;

/// The blocks between two checkpoints, all built by one workload.
#[derive(Debug)]
pub(crate) struct Segment {
    /// The workload.
    pub(crate) workload: Workload,
    /// Head before the segment.
    pub(crate) from: u64,
    /// Head after it.
    pub(crate) to: u64,
    /// Transactions accepted (all included: the pool drains before the measurement).
    pub(crate) txs: u64,
    /// Rejected sends (the sender's nonce is re-read and sending goes on).
    pub(crate) errors: Vec<String>,
    /// From the first send until the pool was drained.
    pub(crate) time: Duration,
    /// The database after the segment.
    pub(crate) sizes: Sizes,
}

/// The chain built.
#[derive(Debug)]
pub(crate) struct Built {
    /// Head after the setup (funding, token deployment), before the workloads.
    pub(crate) setup_head: u64,
    /// Head at the end.
    pub(crate) head: u64,
    /// The database at `setup_head`.
    pub(crate) start: Sizes,
    /// The segments, in order.
    pub(crate) segments: Vec<Segment>,
}

/// Builds the chain up to `args.blocks` (a few blocks more: sending stops at the checkpoint
/// and the pool drains).
pub(crate) async fn build(target: &mut Target, sizer: &Sizer, args: &ArchiveArgs) -> anyhow::Result<Built> {
    target.wait_idle(DRAIN_TIMEOUT).await?;
    let setup_head = target.rpc.block_number().await?;
    let start = sizer.measure()?;
    let mut head = setup_head;
    let mut segments: Vec<Segment> = Vec::new();
    while head < args.blocks {
        let workload = args.workloads[segments.len() % args.workloads.len()];
        let end = ((head / args.checkpoint + 1) * args.checkpoint).min(args.blocks);
        target.sync_nonces().await?;
        let gas_limit = target.gas_limit(workload).await?;
        let fees = Fees::suggested(&target.rpc).await?;
        let started = Instant::now();
        let (txs, errors) = drive(target, Drive { workload, fees, gas_limit, end, concurrency: args.concurrency })
            .await
            .with_context(|| format!("building blocks {head}..{end} with {}", workload.name()))?;
        target.wait_idle(DRAIN_TIMEOUT).await?;
        let to = target.rpc.block_number().await?;
        let time = started.elapsed();
        let sizes = sizer.measure()?;
        eprintln!(
            "blocks {head}..={to} ({}): {txs} txs in {:.0} s, {:.0} blocks/s; database {:.1} MiB",
            workload.name(),
            time.as_secs_f64(),
            (to - head) as f64 / time.as_secs_f64(),
            sizes.file as f64 / (1 << 20) as f64,
        );
        segments.push(Segment { workload, from: head, to, txs, errors, time, sizes });
        head = to;
    }
    Ok(Built { setup_head, head, start, segments })
}

/// What one segment sends.
#[derive(Debug, Clone, Copy)]
struct Drive {
    /// The kind of transaction.
    workload: Workload,
    /// Fee caps.
    fees: Fees,
    /// Gas limit of each transaction.
    gas_limit: u64,
    /// Stop sending once the head reaches this block.
    end: u64,
    /// Send workers (one request in flight each).
    concurrency: usize,
}

/// Sends `drive.workload` transactions from every sender until the head reaches `drive.end`;
/// returns the accepted count and the errors. The senders are dealt to the workers and given
/// back to `target` (nonces advanced) at the end.
async fn drive(target: &mut Target, drive: Drive) -> anyhow::Result<(u64, Vec<String>)> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut shares: Vec<Vec<(usize, Account)>> = (0..drive.concurrency).map(|_| Vec::new()).collect();
    for (i, account) in std::mem::take(&mut target.senders).into_iter().enumerate() {
        shares[i % drive.concurrency].push((i, account));
    }
    let mut workers = tokio::task::JoinSet::new();
    for share in shares {
        let sender = Sender { rpc: target.rpc.clone(), chain_id: target.chain_id, token: target.token, drive };
        workers.spawn(sender.run(share, stop.clone()));
    }

    let mut last = (target.rpc.block_number().await?, Instant::now());
    let mut progress = Instant::now();
    let watched = loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let head = match target.rpc.block_number().await {
            Ok(head) => head,
            Err(err) => break Err(err),
        };
        if head >= drive.end || stop.load(Ordering::Relaxed) {
            break Ok(());
        }
        if head > last.0 {
            last = (head, Instant::now());
        } else if last.1.elapsed() > STALL_TIMEOUT {
            break Err(anyhow::anyhow!("the head stayed at {head} for {STALL_TIMEOUT:?}"));
        }
        if progress.elapsed() > Duration::from_secs(30) {
            eprintln!("  head {head} of {}", drive.end);
            progress = Instant::now();
        }
    };
    stop.store(true, Ordering::Relaxed);

    let (mut accepted, mut errors, mut failure, mut senders) = (0, Vec::new(), None, Vec::new());
    while let Some(report) = workers.join_next().await {
        let report = report?;
        accepted += report.accepted;
        errors.extend(report.errors);
        senders.extend(report.senders);
        failure = failure.or(report.failure);
    }
    senders.sort_by_key(|(i, _)| *i);
    target.senders = senders.into_iter().map(|(_, account)| account).collect();
    watched?;
    if let Some(failure) = failure {
        bail!("{failure}; first rejected send: {}", errors.first().map_or("none", String::as_str));
    }
    Ok((accepted, errors))
}

/// One send worker's view of the node.
#[derive(Debug)]
struct Sender {
    /// Client.
    rpc: Rpc,
    /// Chain id.
    chain_id: u64,
    /// The ERC-20.
    token: Option<Address>,
    /// What to send.
    drive: Drive,
}

/// What one send worker did.
#[derive(Debug)]
struct SendReport {
    /// Its senders (index in the target's list, account), to give back.
    senders: Vec<(usize, Account)>,
    /// Accepted sends.
    accepted: u64,
    /// Rejected sends.
    errors: Vec<String>,
    /// Why the worker stopped early, if it did.
    failure: Option<String>,
}

impl Sender {
    /// Signs and sends a transaction of each of `senders` in turn, one request in flight,
    /// until `stop`. A rejected send re-reads its sender's nonce; too many stop the build.
    async fn run(self, mut senders: Vec<(usize, Account)>, stop: Arc<AtomicBool>) -> SendReport {
        let (mut accepted, mut errors) = (0, Vec::new());
        let mut next = 0;
        let failure = loop {
            if stop.load(Ordering::Relaxed) {
                break None;
            }
            let count = senders.len();
            let (_, account) = &mut senders[next % count];
            next += 1;
            let d = self.drive;
            let signed = workload_call(d.workload, self.token, fresh_recipient(account))
                .and_then(|(to, value, input)| account.sign(self.chain_id, d.fees, to, value, input, d.gas_limit));
            let raw = match signed {
                Ok((_, raw)) => raw,
                Err(err) => break Some(format!("signing: {err:#}")),
            };
            match self.rpc.send_raw(send_raw_body(next, &raw)).await {
                Ok(()) => accepted += 1,
                Err(err) => {
                    errors.push(err);
                    match self.rpc.nonce(account.address(), "pending").await {
                        Ok(nonce) => account.nonce = nonce,
                        Err(err) => break Some(format!("reading a nonce: {err:#}")),
                    }
                    if errors.len() > MAX_ERRORS {
                        break Some(format!("more than {MAX_ERRORS} rejected sends"));
                    }
                }
            }
        };
        if failure.is_some() {
            stop.store(true, Ordering::Relaxed);
        }
        SendReport { senders, accepted, errors, failure }
    }
}
