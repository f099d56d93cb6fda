//! The chain's tables: blocks, transactions, receipts, logs, state history and outputs.

mod activity;
mod blocks;
mod logs;
mod state;

pub use activity::BlockActivity;
pub use blocks::StoredTx;
pub use logs::{LogQuery, StoredLog};
