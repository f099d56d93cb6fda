//! A sequencer started in-process on a free port, on SQLite or on a throwaway PostgreSQL.

use crate::{
    node::{L1Follow, NodeConfig},
    pool::PoolConfig,
    rpc::RpcConfig,
    server::{Sequencer, SequencerHandle},
};
use rollup_core::{ChainConfig, Genesis, L1Origin, WorldState};
use rollup_l1::Deployment;
use std::{sync::Arc, time::Duration};
use test_support::{Backend, PostgresServer};

/// A running test sequencer with the database it owns.
#[derive(Debug)]
pub struct TestNode {
    handle: Option<SequencerHandle>,
    /// How the node follows L1, if it does (kept for restarts).
    l1: Option<(L1Follow, Genesis)>,
    /// The node's configuration, less L1 following (kept for restarts).
    config: (NodeConfig, RpcConfig),
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
        Self::start_configured(backend, |node, _| node.pool = pool).await
    }

    /// Starts a sequencer with [`Self::config`] and the default RPC limits, as `configure`
    /// changes them.
    pub async fn start_configured(backend: Backend, configure: impl FnOnce(&mut NodeConfig, &mut RpcConfig)) -> Self {
        let dir = tempfile::Builder::new().prefix("rollup-test-").tempdir().expect("temp dir");
        let (database_url, postgres) = match backend {
            Backend::Sqlite => (format!("sqlite://{}?mode=rwc", dir.path().join("l2.db").display()), None),
            Backend::Postgres => {
                let server = tokio::task::spawn_blocking(PostgresServer::start).await.expect("postgres start");
                (server.url(), Some(server))
            }
        };
        let mut config = (Self::config(&database_url, PoolConfig::default()), RpcConfig::default());
        configure(&mut config.0, &mut config.1);
        let handle = Self::launch(config.clone()).await;
        Self { handle: Some(handle), l1: None, config, database_url, _dir: dir, _postgres: postgres }
    }

    /// Starts a SQLite sequencer that follows the L1 at `l1_url` where `deployment` is
    /// deployed: its genesis origin is the deployment's start block, it polls L1 every 100 ms
    /// and takes L1 blocks as origins without waiting for confirmations. With `skip_deposits`
    /// it misbehaves by leaving deposits out.
    pub async fn start_following(l1_url: &str, deployment: &Deployment, skip_deposits: bool) -> Self {
        let dir = tempfile::Builder::new().prefix("rollup-test-").tempdir().expect("temp dir");
        let database_url = format!("sqlite://{}?mode=rwc", dir.path().join("l2.db").display());
        let follow = L1Follow {
            rpc_url: l1_url.to_owned(),
            portal: deployment.portal,
            batch_inbox: deployment.batch_inbox,
            system_config: deployment.system_config,
            output_oracle: deployment.output_oracle,
            confirmations: 0,
            poll_interval: Duration::from_millis(100),
            skip_deposits,
        };
        let l1 = Some((follow, deployment.dev_genesis(ChainConfig::default())));
        let config = (Self::config(&database_url, PoolConfig::default()), RpcConfig::default());
        let handle = Self::launch(Self::following(config.clone(), &l1)).await;
        Self { handle: Some(handle), l1, config, database_url, _dir: dir, _postgres: None }
    }

    /// Configuration of test nodes: dev genesis, on-demand blocks, and the parallel executor
    /// even for the smallest blocks (so every RPC test also exercises it).
    pub fn config(database_url: &str, pool: PoolConfig) -> NodeConfig {
        NodeConfig {
            database_url: database_url.to_owned(),
            genesis: Genesis::dev(ChainConfig::default(), 0, L1Origin::default()),
            block_time: Duration::ZERO,
            pool,
            executor: Arc::new(executor::ParallelExecutor::default().with_min_transactions(0)),
            l1: None,
            state_history: None,
        }
    }

    /// `config`, following L1 from `genesis` when `l1` is given.
    fn following(mut config: (NodeConfig, RpcConfig), l1: &Option<(L1Follow, Genesis)>) -> (NodeConfig, RpcConfig) {
        if let Some((follow, genesis)) = l1 {
            config.0.genesis = genesis.clone();
            config.0.l1 = Some(follow.clone());
        }
        config
    }

    async fn launch((node, rpc): (NodeConfig, RpcConfig)) -> SequencerHandle {
        Sequencer::start(node, rpc, "127.0.0.1:0".parse().expect("address")).await.expect("sequencer starts")
    }

    /// The running sequencer.
    pub fn handle(&self) -> &SequencerHandle {
        self.handle.as_ref().expect("node is running")
    }

    /// Stops the sequencer and starts it again on the same database.
    pub async fn restart(&mut self) {
        let old = self.handle.take().expect("node is running");
        old.stop().await;
        self.handle = Some(Self::launch(Self::following(self.config.clone(), &self.l1)).await);
    }

    /// Changes the sequencer's state behind its back, as a corrupted sequencer would (the
    /// blocks it seals afterwards build on the changed state).
    pub async fn tamper_state(&self, tamper: impl FnOnce(&mut WorldState)) {
        tamper(&mut self.handle().chain.write_state().await.world);
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
