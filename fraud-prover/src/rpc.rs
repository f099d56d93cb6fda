//! The verifier's HTTP server: `/metrics`, `/health`, and a small JSON-RPC API on `/`:
//! `rollup_verifierStatus`, `rollup_disputeCandidates`, `rollup_outputVerdicts` and
//! `rollup_derivationDrops`.

use crate::{error::VerifierError, metrics::VerifierMetrics};
use axum::{Json, Router, extract::State, routing::get};
use serde_json::{Value, json};
use std::net::SocketAddr;
use storage::VerifierStore;
use tracing::error;

/// Most drops `rollup_derivationDrops` returns.
const MAX_DROPS: u64 = 1000;

#[derive(Clone, Debug)]
struct Context {
    store: VerifierStore,
    metrics: VerifierMetrics,
}

/// Serves the verifier's API on `listen`; returns the bound address.
pub async fn serve(store: VerifierStore, metrics: VerifierMetrics, listen: SocketAddr) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let address = listener.local_addr()?;
    let app = Router::new()
        .route("/metrics", get(|State(ctx): State<Context>| std::future::ready(ctx.metrics.render())))
        .route("/health", get(|| std::future::ready("ok")))
        .route("/", axum::routing::post(handle))
        .with_state(Context { store, metrics });
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            error!(error = %err, "verifier API stopped");
        }
    });
    Ok(address)
}

/// One JSON-RPC 2.0 request (batches are not supported).
async fn handle(State(ctx): State<Context>, Json(request): Json<Value>) -> Json<Value> {
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let method = request.get("method").and_then(Value::as_str).unwrap_or_default();
    let result = match method {
        "rollup_verifierStatus" => status(&ctx).await,
        "rollup_disputeCandidates" => ctx.store.verdicts(true).await.map(|v| json!(v)).map_err(Into::into),
        "rollup_outputVerdicts" => ctx.store.verdicts(false).await.map(|v| json!(v)).map_err(Into::into),
        "rollup_derivationDrops" => ctx.store.drops(MAX_DROPS).await.map(|v| json!(v)).map_err(Into::into),
        _ => {
            let message = format!("the method {method} does not exist/is not available");
            return Json(json!({ "jsonrpc": "2.0", "id": id, "error": { "code": -32601, "message": message } }));
        }
    };
    Json(match result {
        Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
        Err(err) => json!({ "jsonrpc": "2.0", "id": id, "error": { "code": -32603, "message": err.to_string() } }),
    })
}

async fn status(ctx: &Context) -> Result<Value, VerifierError> {
    let metrics = &ctx.metrics;
    let candidates = ctx.store.verdicts(true).await?.len();
    Ok(json!({
        "l1Block": metrics.l1_block.get(),
        "safeHead": metrics.safe_head.get(),
        "finalizedHead": metrics.finalized_head.get(),
        "lastCheckedOutput": metrics.last_checked_output.get(),
        "disputeCandidates": candidates,
    }))
}
