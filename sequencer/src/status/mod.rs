//! The status page: `GET /status` is a plain HTML page that refreshes itself every second from
//! `GET /status.json`: L1 head and finalized block, the L2 unsafe/safe/finalized heads, recent
//! batches (from the batcher's tables), outputs on L1 with their challenge-window countdown,
//! the verifier's findings (from its tables) and the throughput of the last blocks.

use crate::node::{BlockReader as _, Chain, HeadReader as _, L1Follow, ReadError};
use alloy::{
    eips::BlockNumberOrTag,
    providers::{Provider, ProviderBuilder},
};
use alloy_primitives::U256;
use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use rollup_l1::OutputOracle;
use serde_json::{Value, json};
use std::sync::Arc;

/// Blocks in the throughput chart.
const CHART_BLOCKS: u64 = 60;
/// Rows in the batch, output and verdict tables.
const ROWS: u64 = 10;

/// `GET /status`.
pub(crate) async fn page() -> Html<&'static str> {
    Html(include_str!("page.html"))
}

/// `GET /status.json`.
pub(crate) async fn json(State(chain): State<Arc<Chain>>) -> Response {
    match collect(&chain).await {
        Ok(status) => Json(status).into_response(),
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
    }
}

async fn collect(chain: &Chain) -> Result<Value, ReadError> {
    let head = chain.head_number().await;
    let throughput = chain.block_activity(head.saturating_sub(CHART_BLOCKS - 1)).await?;
    let batches = chain.store().batcher().posted_batches(ROWS).await?;
    let (verdicts, candidates) = chain.store().verifier().recent_verdicts(ROWS).await?;
    let mut l1 = match &chain.config().l1 {
        Some(follow) => l1_status(follow).await.unwrap_or_else(|err| json!({ "error": err })),
        None => json!({ "error": "the sequencer does not follow an L1" }),
    };
    let outputs = l1.as_object_mut().and_then(|l1| l1.remove("outputs")).unwrap_or_else(|| json!([]));
    Ok(json!({
        "l1": l1,
        "l2": {
            "chainId": chain.chain_id(),
            "unsafe": head,
            "safe": chain.safe_head(),
            "finalized": chain.finalized_head(),
        },
        "batches": batches,
        "outputs": outputs,
        "verifier": { "disputeCandidates": candidates, "verdicts": verdicts },
        "throughput": throughput,
    }))
}

/// L1's head and finalized block, and the latest outputs with their challenge windows.
async fn l1_status(follow: &L1Follow) -> Result<Value, String> {
    let url = follow.rpc_url.parse().map_err(|err| format!("L1 URL: {err}"))?;
    let provider = ProviderBuilder::new().connect_http(url);
    let rpc = |err: alloy::transports::TransportError| format!("L1 RPC: {err}");
    let head = provider.get_block_by_number(BlockNumberOrTag::Latest).await.map_err(rpc)?.ok_or("no L1 head")?;
    let finalized = provider.get_block_by_number(BlockNumberOrTag::Finalized).await.map_err(rpc)?;
    let oracle = OutputOracle::new(follow.output_oracle, &provider);
    let call = |err: alloy::contract::Error| format!("OutputOracle: {err}");
    let count: u64 = oracle.nextOutputIndex().call().await.map_err(call)?.saturating_to();
    let finalized_count: u64 = oracle.finalizedCount().call().await.map_err(call)?.saturating_to();
    let window: u64 = oracle.challengeWindow().call().await.map_err(call)?.saturating_to();
    let mut outputs = Vec::new();
    for index in (count.saturating_sub(ROWS)..count).rev() {
        let output = oracle.getOutput(U256::from(index)).call().await.map_err(call)?;
        let finalizes_at = output.timestamp + window;
        outputs.push(json!({
            "index": index,
            "l2Block": output.l2BlockNumber,
            "outputRoot": output.outputRoot,
            "proposedAt": output.timestamp,
            "finalizesAt": finalizes_at,
            "secondsLeft": finalizes_at.saturating_sub(head.header.timestamp),
            "finalized": index < finalized_count,
        }));
    }
    Ok(json!({
        "head": head.header.number,
        "timestamp": head.header.timestamp,
        "finalized": finalized.map(|block| block.header.number),
        "outputs": outputs,
    }))
}
