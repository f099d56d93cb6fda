//! A sequencer started in-process on a free port, on SQLite or on a throwaway PostgreSQL.

use super::PostgresServer;
use crate::{NodeConfig, PoolConfig, RpcConfig, Sequencer, SequencerHandle};
use rollup_core::{ChainConfig, Genesis, L1Origin};
use std::{sync::Arc, time::Duration};

/// Storage backend of a test node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary folder.
    Sqlite,
    /// A PostgreSQL server started for the test.
    Postgres,
}

/// A running test sequencer with the database it owns.
#[derive(Debug)]
pub struct TestNode {
    handle: Option<SequencerHandle>,
    /// Database URL (to reopen it after a restart).
    pub database_url: String,
    _dir: tempfile::TempDir,
    _postgres: Option<PostgresServer>,
}

impl TestNode {
    /// Starts a dev-genesis sequencer that seals blocks on demand.
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, PoolConfig::default()).await
    }

    /// Starts a sequencer with the given pool limits.
    pub async fn start_with(backend: Backend, pool: PoolConfig) -> Self {
        let dir = tempfile::Builder::new().prefix("rollup-test-").tempdir().expect("temp dir");
        let (database_url, postgres) = match backend {
            Backend::Sqlite => (format!("sqlite://{}?mode=rwc", dir.path().join("l2.db").display()), None),
            Backend::Postgres => {
                let server = tokio::task::spawn_blocking(PostgresServer::start).await.expect("postgres start");
                (server.url(), Some(server))
            }
        };
        let handle = Self::launch(&database_url, pool).await;
        Self { handle: Some(handle), database_url, _dir: dir, _postgres: postgres }
    }

    /// Configuration of test nodes: dev genesis, on-demand blocks, and the parallel executor
    /// even for the smallest blocks (so every RPC test also exercises it).
    pub fn config(database_url: &str, pool: PoolConfig) -> NodeConfig {
        NodeConfig {
            database_url: database_url.to_owned(),
            genesis: Genesis::dev(ChainConfig::default(), 0, L1Origin::default()),
            block_time: Duration::ZERO,
            fee_recipient: alloy_primitives::address!("0x4200000000000000000000000000000000000011"),
            pool,
            executor: Arc::new(executor::ParallelExecutor::default().with_min_transactions(0)),
        }
    }

    async fn launch(database_url: &str, pool: PoolConfig) -> SequencerHandle {
        let config = Self::config(database_url, pool);
        Sequencer::start(config, RpcConfig::default(), "127.0.0.1:0".parse().expect("address"))
            .await
            .expect("sequencer starts")
    }

    /// The running sequencer.
    pub fn handle(&self) -> &SequencerHandle {
        self.handle.as_ref().expect("node is running")
    }

    /// Stops the sequencer and starts it again on the same database.
    pub async fn restart(&mut self) {
        let old = self.handle.take().expect("node is running");
        let pool = old.chain.config.pool.clone();
        old.stop().await;
        self.handle = Some(Self::launch(&self.database_url, pool).await);
    }

    /// HTTP URL of the JSON-RPC server.
    pub fn url(&self) -> String {
        self.handle().http_url()
    }

    /// WebSocket URL of the JSON-RPC server.
    pub fn ws_url(&self) -> String {
        self.handle().ws_url()
    }
}
