//! End-to-end tests of the `rollup` binary as an operator runs it.

mod cli;
mod crash;
mod deploy;
mod stepper;
