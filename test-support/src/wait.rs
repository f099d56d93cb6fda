//! Waiting for a chain to reach a state.

use std::{
    future::Future,
    time::{Duration, Instant},
};

/// Polls `check` every 500 ms until it returns a value and returns that; panics naming `what`
/// after `timeout`.
pub async fn wait_for<T, F: Future<Output = Option<T>>>(
    timeout: Duration,
    what: &str,
    mut check: impl FnMut() -> F,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
