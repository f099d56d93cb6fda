//! Derivation: rebuilding the L2 chain from L1 alone.
//!
//! L1 blocks are read in order ([`L1Reader`]): their deposits, and the frames the batcher
//! posted to the inbox. Frames gather in the [`ChannelBank`] until a channel is complete; the
//! channel decompresses into a [`rollup_batch::Batch`]. A batch applies when it starts right
//! after the derived head and names that head as its parent; each of its blocks must follow
//! the sequencing rules (L1 origin repeats or advances by one, is canonical and not after the
//! L1 block carrying the batch; timestamps do not go back and stay within the sequencer drift
//! of the origin). Derivation itself puts the deposits of an L1 block first in the first L2
//! block with that origin, so no batch can leave a deposit out. Whatever breaks a rule is
//! dropped and recorded as [`Dropped`] with its [`DropReason`]; nothing on L1 can stop
//! derivation. The rules are spelled out in `docs/derivation.md`.
//!
//! Derived blocks go to an [`L2Chain`]: [`ExecutingChain`] runs them through the STF (the
//! verifier); the sequencer checks them against the blocks it sealed (its safe head).

mod channels;
mod driver;
mod drops;
mod executing;
mod l1;
mod pipeline;

pub use channels::{ChannelBank, ReadyBatch};
pub use driver::{DeriveError, Deriver, StepReport};
pub use drops::{DropReason, Dropped};
pub use executing::{ExecutingChain, ExecutionFailure};
pub use l1::{L1BlockData, L1BlockRef, L1ReadError, L1Reader, PostedData};
pub use pipeline::{CHANNEL_TIMEOUT, Derivation, DerivationConfig, DerivedBlock, L2Chain, L2Head, MAX_WAITING_BATCHES};
