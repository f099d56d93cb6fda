//! The database every service uses: SQLite (embedded default) or PostgreSQL, through one sqlx
//! `Any` pool and one set of migrations (`migrations/`) that run unchanged on both.
//!
//! One [`Store`] handle reaches every table; each service's tables have their own module:
//!
//! - `chain`: blocks, transactions, receipts, logs, state history and outputs (the sequencer
//!   writes them; everyone reads them);
//! - `pending`: acknowledged transactions not yet in a block (the sequencer's pool);
//! - [`batcher`]: channels, frames and the batcher's and proposer's L1 transactions;
//! - [`verifier`]: the verifier's verdicts on outputs and what derivation dropped.
//!
//! ```no_run
//! # async fn run() -> Result<(), storage::StoreError> {
//! let store = storage::Store::connect("sqlite::memory:").await?;
//! assert_eq!(store.head_number().await?, None);
//! let batches = store.batcher().posted_batches(10).await?;
//! # Ok(()) }
//! ```

pub mod batcher;
mod chain;
mod codec;
mod error;
mod pending;
mod sql;
mod store;
pub mod verifier;

pub use batcher::BatcherStore;
pub use chain::{BlockActivity, HistoricalState, LogQuery, PruneStats, StoredLog, StoredTx};
pub use error::{Result, StoreError};
pub use store::Store;
pub use verifier::VerifierStore;
