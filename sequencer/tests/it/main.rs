//! Integration tests of the sequencer over real HTTP and WebSocket connections, each run on
//! SQLite and on a PostgreSQL server started for the test.

mod archive;
mod clients;
mod common;
mod deposits;
mod durability;
mod optimism;
mod peer_traces;
mod proofs;
mod pruning;
mod real_clients_archive;
mod rejections;
mod rpc;
mod txpool_filters;

/// Generates one `#[tokio::test]` per storage backend for each listed scenario
/// `async fn name(backend: Backend)`.
#[macro_export]
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(test_support::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(test_support::Backend::Postgres).await
                }
            )*
        }
    };
}
