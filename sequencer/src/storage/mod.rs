//! Durable storage of the chain in SQLite (embedded default) or PostgreSQL, through one sqlx
//! `Any` pool and one set of migrations that run unchanged on both.

mod blocks;
mod codec;
mod logs;
mod pending;
mod sql;
mod state;

pub use blocks::StoredTx;
pub use logs::{LogQuery, StoredLog};

use rollup_core::Genesis;
use sqlx::{AnyPool, Executor, any::AnyPoolOptions};
use std::time::Duration;

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed or is unreachable.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying the migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Stored data does not decode: the database is damaged or from another version.
    #[error("corrupt data in the database: {0}")]
    Corrupt(String),
}

/// Result alias of the storage layer.
pub(crate) type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Handle to the chain database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    postgres: bool,
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc`, `sqlite::memory:` or
    /// `postgres://user@host/db`) and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let options = AnyPoolOptions::new()
            // One connection keeps an in-memory SQLite database alive and shared.
            .max_connections(if memory { 1 } else { 8 })
            .min_connections(if memory { 1 } else { 0 })
            .idle_timeout(if memory { None } else { Some(Duration::from_secs(600)) })
            .max_lifetime(if memory { None } else { Some(Duration::from_secs(1800)) })
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    if conn.backend_name() == "SQLite" {
                        // WAL with synchronous=NORMAL: a committed transaction survives a
                        // process crash (kill -9); readers never block the writer.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                    }
                    Ok(())
                })
            });
        let pool = options.connect(url).await?;
        sqlx::migrate!("../migrations").run(&pool).await?;
        Ok(Self { pool, postgres: url.starts_with("postgres") })
    }

    /// Whether the database is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.postgres
    }

    /// The genesis this database was initialised with, if any.
    pub async fn genesis(&self) -> Result<Option<Genesis>> {
        let row: Option<(Vec<u8>,)> =
            sqlx::query_as("SELECT value FROM chain_meta WHERE key = 'genesis'").fetch_optional(&self.pool).await?;
        row.map(|(json,)| serde_json::from_slice(&json).map_err(|err| StoreError::Corrupt(format!("genesis: {err}"))))
            .transpose()
    }
}
