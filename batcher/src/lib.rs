//! The batcher and proposer: posts sealed L2 blocks to L1 and proposes output roots.
//!
//! - [`channel`]: reads unbatched blocks from the chain database, encodes and compresses them
//!   into a channel and cuts it into frames (`rollup_batch`), stored before any is sent.
//! - [`da`]: calldata or blobs, or `auto`: the cheaper at current L1 fees, with hysteresis.
//! - [`txmgr`]: one nonce sequence per key, every signed transaction persisted before it is
//!   broadcast, bounded in-flight transactions, fee bumps, confirmation depth, reorgs.
//! - [`proposer`]: every N L2 blocks, the output root with its bond, once the batches that
//!   cover the range are confirmed on L1.
//! - [`service`]: the loop that drives them, and its metrics.
//!
//! Protocol and operations: `docs/batcher.md`.

pub mod channel;
mod config;
pub mod da;
mod error;
mod l1;
mod metrics;
pub mod proposer;
pub mod service;
mod signer;
pub mod txmgr;

pub use config::{BatcherConfig, FeeLimits};
pub use da::DataAvailability;
pub use error::BatcherError;
pub use metrics::BatcherMetrics;
pub use service::Batcher;
pub use signer::{KeySource, load_signer};
