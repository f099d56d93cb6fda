//! The [`Store`] handle: connecting, migrations, and the pool every table module queries.

use crate::{
    batcher::BatcherStore,
    error::{Result, StoreError},
    verifier::VerifierStore,
};
use rollup_core::Genesis;
use sqlx::{AnyConnection, AnyPool, Connection, Executor, any::AnyPoolOptions};
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

/// Handle to the chain database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: AnyPool,
    _keeper: Option<MemoryKeeper>,
}

/// The connection that keeps an in-memory database alive.
#[derive(Clone)]
struct MemoryKeeper {
    _connection: Arc<tokio::sync::Mutex<AnyConnection>>,
}

impl std::fmt::Debug for MemoryKeeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryKeeper")
    }
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc`, `sqlite::memory:` or
    /// `postgres://user@host/db`) and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let (url, keeper) = if url == "sqlite::memory:" {
            // A named shared-cache database lives as long as one connection to it is open:
            // the keeper holds one for the store's lifetime, so pooled connections may come
            // and go (a cancelled request drops its connection) without losing the data.
            static NEXT: AtomicU64 = AtomicU64::new(0);
            let id = NEXT.fetch_add(1, Ordering::Relaxed);
            let url = format!("sqlite:file:rollup-memory-{}-{id}?mode=memory&cache=shared", std::process::id());
            let keeper = AnyConnection::connect(&url).await?;
            (url, Some(MemoryKeeper { _connection: Arc::new(tokio::sync::Mutex::new(keeper)) }))
        } else {
            (url.to_owned(), None)
        };
        let memory = keeper.is_some();
        let options = AnyPoolOptions::new()
            // Shared-cache SQLite locks whole tables; one pooled connection avoids that.
            .max_connections(if memory { 1 } else { 8 })
            .idle_timeout(Some(Duration::from_secs(600)))
            .max_lifetime(Some(Duration::from_secs(1800)))
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    if conn.backend_name() == "SQLite" {
                        // WAL with synchronous=NORMAL: a committed transaction survives a
                        // process crash (kill -9); readers never block the writer.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        // After a checkpoint the WAL is cut back to 64 MiB (a large write, such
                        // as a state pruning, would otherwise leave it at its largest size).
                        conn.execute("PRAGMA journal_size_limit = 67108864").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                    }
                    Ok(())
                })
            });
        let pool = options.connect(&url).await?;
        sqlx::migrate!("../migrations").run(&pool).await?;
        Ok(Self { pool, _keeper: keeper })
    }

    /// The batcher's and proposer's tables.
    pub fn batcher(&self) -> BatcherStore {
        BatcherStore::new(self.pool.clone())
    }

    /// The verifier's tables.
    pub fn verifier(&self) -> VerifierStore {
        VerifierStore::new(self.pool.clone())
    }

    /// The genesis this database was initialised with, if any.
    pub async fn genesis(&self) -> Result<Option<Genesis>> {
        let row: Option<(Vec<u8>,)> =
            sqlx::query_as("SELECT value FROM chain_meta WHERE key = 'genesis'").fetch_optional(&self.pool).await?;
        row.map(|(json,)| serde_json::from_slice(&json).map_err(StoreError::decode("genesis"))).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollup_core::{ChainConfig, L1Origin};

    #[tokio::test]
    async fn memory_database_survives_closed_connections() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        let genesis = Genesis::dev(ChainConfig::default(), 0, L1Origin::default());
        let (_, block) = genesis.build();
        store.init_genesis(&genesis, &block).await.unwrap();
        for _ in 0..3 {
            let mut connection = store.pool.acquire().await.unwrap();
            connection.close_on_drop();
        }
        assert_eq!(store.head_number().await.unwrap(), Some(0));
        assert_eq!(store.genesis().await.unwrap(), Some(genesis));
        // Two stores in one process do not share data.
        let other = Store::connect("sqlite::memory:").await.unwrap();
        assert_eq!(other.head_number().await.unwrap(), None);
    }
}
