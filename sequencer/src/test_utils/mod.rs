//! A sequencer started in-process on a free port, for this crate's and other crates' tests.

mod node;

pub use node::TestNode;
