//! The state pruner (`--state-history <blocks>`): keeps the state of the last `blocks` blocks
//! and drops older state (storage's `prune_state`), never past the L2 block of the latest
//! output finalized on L1. Outputs after that one can still be challenged, and a dispute
//! re-executes from the output before the disputed one; withdrawals prove against them. So the
//! state from that block on stays, whatever `blocks` says.

use super::{Chain, HeadReader as _, L1Follow};
use alloy::providers::ProviderBuilder;
use alloy_primitives::U256;
use rollup_l1::OutputOracle;
use std::{
    sync::{Arc, atomic::Ordering},
    time::{Duration, Instant},
};
use tokio::sync::watch;
use tracing::{info, warn};

/// How often the pruner checks whether the floor can move.
const CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// How long the pruner waits for L1 to say which output is finalized.
const L1_TIMEOUT: Duration = Duration::from_secs(10);

/// Prunes `chain`'s state to `keep` blocks behind the head until `shutdown`. Each pruning walks
/// the floor's whole state, so the floor moves in steps of an eighth of `keep`.
pub(crate) async fn prune_state(chain: Arc<Chain>, keep: u64, mut shutdown: watch::Receiver<bool>) {
    let step = (keep / 8).max(1);
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tokio::time::sleep(CHECK_INTERVAL) => {}
        }
        let mut floor = chain.head_number().await.saturating_sub(keep);
        let due = chain.state_floor().saturating_add(step);
        if floor < due {
            continue;
        }
        if let Some(follow) = &chain.config.l1 {
            match tokio::time::timeout(L1_TIMEOUT, finalized_output_block(follow)).await {
                Ok(Ok(protected)) => floor = floor.min(protected),
                Ok(Err(err)) => {
                    warn!(%err, "cannot read the latest finalized output from L1; not pruning state");
                    continue;
                }
                Err(_) => {
                    warn!("L1 did not answer within {L1_TIMEOUT:?}; not pruning state");
                    continue;
                }
            }
            if floor < due {
                continue;
            }
        }
        // Readers check the floor before they read: publish it before anything goes.
        chain.state_floor.store(floor, Ordering::Release);
        chain.metrics.state_floor.set(floor as i64);
        let started = Instant::now();
        // Stopping midway is safe: each piece of a pruning deletes only what no kept state needs.
        let pruned = tokio::select! {
            _ = shutdown.changed() => return,
            pruned = chain.store.prune_state(floor) => pruned,
        };
        match pruned {
            Ok(stats) => {
                chain.metrics.state_pruned.inc_by(stats.history_rows + stats.trie_nodes);
                info!(
                    floor,
                    history_rows = stats.history_rows,
                    trie_nodes = stats.trie_nodes,
                    reachable_nodes = stats.reachable_nodes,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "pruned state"
                );
            }
            Err(err) => warn!(%err, floor, "state pruning failed; retrying"),
        }
    }
}

/// The L2 block of the latest output finalized on L1 (0 while none is).
async fn finalized_output_block(follow: &L1Follow) -> Result<u64, String> {
    let url = follow.rpc_url.parse().map_err(|err| format!("L1 URL: {err}"))?;
    let provider = ProviderBuilder::new().connect_http(url);
    let oracle = OutputOracle::new(follow.output_oracle, &provider);
    let call = |err: alloy::contract::Error| format!("OutputOracle: {err}");
    let finalized = oracle.finalizedCount().call().await.map_err(call)?;
    if finalized.is_zero() {
        return Ok(0);
    }
    Ok(oracle.getOutput(finalized - U256::ONE).call().await.map_err(call)?.l2BlockNumber)
}
