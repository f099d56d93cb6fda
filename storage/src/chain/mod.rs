//! The chain's tables: blocks, transactions, receipts, logs, state history and outputs.

mod activity;
mod blocks;
mod history;
mod logs;
mod prune;
mod state;
mod trie;

pub use activity::BlockActivity;
pub use blocks::StoredTx;
pub use history::HistoricalState;
pub use logs::{LogQuery, StoredLog};
pub use prune::PruneStats;
