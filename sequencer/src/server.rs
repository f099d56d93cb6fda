//! The sequencer process: one HTTP port serving JSON-RPC (HTTP and WebSocket), `/health` and
//! `/metrics`, plus the block producer.

use crate::{
    node::{BlockProducer, Chain, HeadReader as _, NodeConfig, OpenError, prune_state, track_safe_head, watch_l1},
    rpc,
    rpc::RpcConfig,
};
use alloy::transports::http::reqwest::Url;
use axum::{Router, extract::State, http::StatusCode, response::IntoResponse, routing::get};
use jsonrpsee::server::{BatchRequestConfig, Server, ServerConfig, middleware::rpc::RpcServiceBuilder, stop_channel};
use std::{net::SocketAddr, sync::Arc};
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};
use tower::Service;
use tracing::{error, info};

/// Why the sequencer could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The chain could not be opened.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// The L1 RPC URL is not a URL.
    #[error("invalid L1 RPC URL {url}: {reason}")]
    L1Url {
        /// The URL given.
        url: String,
        /// Why it does not parse.
        reason: String,
    },
    /// The listen address is unavailable.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// Address.
        addr: SocketAddr,
        /// Cause.
        source: std::io::Error,
    },
}

/// Starts sequencers.
#[derive(Debug)]
pub struct Sequencer;

/// A running sequencer.
#[derive(Debug)]
pub struct SequencerHandle {
    /// Address the HTTP server listens on.
    pub addr: SocketAddr,
    /// The chain, for in-process access (tests, other services in the same process).
    pub chain: Arc<Chain>,
    /// The block producer.
    pub producer: BlockProducer,
    shutdown: watch::Sender<bool>,
    producer_task: JoinHandle<Result<(), storage::StoreError>>,
    server_task: JoinHandle<()>,
    /// Background tasks: following L1, pruning state.
    tasks: Vec<JoinHandle<()>>,
}

impl Sequencer {
    /// Opens the chain and starts the block producer and the HTTP server on `listen`.
    pub async fn start(
        node: NodeConfig,
        rpc_config: RpcConfig,
        listen: SocketAddr,
    ) -> Result<SequencerHandle, StartError> {
        let l1_url = match &node.l1 {
            Some(follow) => Some(
                Url::parse(&follow.rpc_url)
                    .map_err(|err| StartError::L1Url { url: follow.rpc_url.clone(), reason: err.to_string() })?,
            ),
            None => None,
        };
        let chain = Chain::open(node).await?;
        let producer = BlockProducer::new(chain.clone());
        let listener = TcpListener::bind(listen).await.map_err(|source| StartError::Listen { addr: listen, source })?;
        let addr = listener.local_addr().map_err(|source| StartError::Listen { addr: listen, source })?;
        let (shutdown, shutdown_rx) = watch::channel(false);

        let router = router(chain.clone(), producer.clone(), rpc_config);
        let mut server_shutdown = shutdown_rx.clone();
        let server_task = tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
                let _ = server_shutdown.changed().await;
            });
            if let Err(err) = serve.await {
                error!(%err, "HTTP server failed");
            }
        });
        let mut tasks = match chain.config().l1.clone().zip(l1_url) {
            Some((follow, url)) => vec![
                tokio::spawn(watch_l1(chain.clone(), follow.clone(), url.clone(), shutdown_rx.clone())),
                tokio::spawn(track_safe_head(chain.clone(), follow, url, shutdown_rx.clone())),
            ],
            None => Vec::new(),
        };
        if let Some(keep) = chain.config().state_history {
            tasks.push(tokio::spawn(prune_state(chain.clone(), keep, shutdown_rx.clone())));
        }
        let producer_task = tokio::spawn(producer.clone().run(shutdown_rx));
        info!(%addr, chain_id = chain.chain_id(), "sequencer listening");
        Ok(SequencerHandle { addr, chain, producer, shutdown, producer_task, server_task, tasks })
    }
}

impl SequencerHandle {
    /// HTTP JSON-RPC URL.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// WebSocket JSON-RPC URL.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// Stops serving, producing and following L1; returns once all have stopped.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.producer_task.await;
        for task in self.tasks {
            let _ = task.await;
        }
        self.server_task.abort();
        let _ = self.server_task.await;
    }

    /// Waits until the producer stops by itself and returns why.
    pub async fn wait(&mut self) -> Result<(), ProducerStopped> {
        Ok((&mut self.producer_task).await??)
    }
}

/// Why block production stopped by itself (the node must restart from the database).
#[derive(Debug, thiserror::Error)]
pub enum ProducerStopped {
    /// A block could not be committed.
    #[error("committing a block failed: {0}")]
    Store(#[from] storage::StoreError),
    /// The producer panicked.
    #[error("the block producer panicked: {0}")]
    Panicked(#[from] tokio::task::JoinError),
}

/// The axum router: `/health`, `/metrics`, the status page, and JSON-RPC on every other path.
fn router(chain: Arc<Chain>, producer: BlockProducer, config: RpcConfig) -> Router {
    let methods = rpc::module(chain.clone(), producer, config.clone());
    let (stop_handle, server_handle) = stop_channel();
    // The jsonrpsee server stops with the process; keep its handle alive.
    std::mem::forget(server_handle);
    let server_config = ServerConfig::builder()
        .max_request_body_size(config.max_request_bytes)
        .max_response_body_size(config.max_response_bytes)
        .max_connections(config.max_connections)
        .set_batch_request_config(BatchRequestConfig::Limit(config.max_batch_len))
        .build();
    let builder = Server::builder()
        .set_config(server_config)
        .set_rpc_middleware(RpcServiceBuilder::new().layer(rpc::MetricsLayer(chain.metrics().rpc_seconds.clone())))
        .to_service_builder();
    let rpc_service = tower::service_fn(move |request: axum::extract::Request| {
        let mut service = builder.clone().build(methods.clone(), stop_handle.clone());
        async move {
            match service.call(request).await {
                Ok(response) => Ok::<_, std::convert::Infallible>(response.map(axum::body::Body::new)),
                Err(err) => Ok((StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response()),
            }
        }
    });
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/status", get(crate::status::page))
        .route("/status.json", get(crate::status::json))
        .fallback_service(rpc_service)
        .with_state(chain)
}

async fn health(State(chain): State<Arc<Chain>>) -> impl IntoResponse {
    let head = chain.read_state().await.head.header.number;
    (StatusCode::OK, axum::Json(serde_json::json!({ "status": "ok", "head": head })))
}

async fn metrics(State(chain): State<Arc<Chain>>) -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], chain.metrics().render())
}
