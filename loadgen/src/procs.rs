//! Child processes under test: Anvil and the sequencer, started on free loopback ports and
//! killed when their guard is dropped (normal exit, error or panic).

use crate::rpc::Rpc;
use anyhow::{Context as _, bail};
use std::{
    fs::File,
    io::{Read as _, Seek as _, SeekFrom},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A running child process; dropping it kills the process and reaps it.
#[derive(Debug)]
pub(crate) struct Proc {
    /// Short name for messages ("sequencer", "anvil").
    name: &'static str,
    /// The process itself.
    child: Child,
    /// File receiving the process's stdout and stderr.
    log: PathBuf,
    /// JSON-RPC endpoint of the process.
    pub(crate) url: String,
    /// Client used to see that the process answers.
    rpc: Rpc,
}

impl Proc {
    /// Starts `cmd` with its output sent to `log`, then waits until it answers
    /// `eth_chainId` on `port` (at most `timeout`).
    async fn start(
        name: &'static str,
        mut cmd: Command,
        port: u16,
        log: PathBuf,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let out = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        cmd.stdin(Stdio::null()).stdout(out.try_clone()?).stderr(out);
        let child = cmd.spawn().with_context(|| format!("starting {name} ({:?})", cmd.get_program()))?;
        let url = format!("http://127.0.0.1:{port}");
        let rpc = Rpc::new(&url, 1)?;
        let mut proc = Self { name, child, log, url, rpc };
        proc.wait_ready(timeout).await?;
        Ok(proc)
    }

    /// Polls `eth_chainId` until it succeeds, the process exits, or `timeout` passes.
    async fn wait_ready(&mut self, timeout: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("{} exited early ({status}):\n{}", self.name, self.log_tail());
            }
            if self.rpc.chain_id().await.is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("{} did not answer within {timeout:?}:\n{}", self.name, self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Fails if the process has exited (it should run until dropped).
    pub(crate) fn ensure_running(&mut self) -> anyhow::Result<()> {
        match self.child.try_wait()? {
            Some(status) => bail!("{} exited ({status}):\n{}", self.name, self.log_tail()),
            None => Ok(()),
        }
    }

    /// The last few KiB of the process's output, for error messages.
    pub(crate) fn log_tail(&self) -> String {
        const TAIL: u64 = 4096;
        let mut text = String::new();
        if let Ok(mut file) = File::open(&self.log) {
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            let _ = file.seek(SeekFrom::Start(len.saturating_sub(TAIL)));
            let _ = file.read_to_string(&mut text);
        }
        format!("--- last lines of {} ---\n{text}", self.log.display())
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port that was free a moment ago.
fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts Anvil (Osaka, chain id 31337, the standard dev accounts). It mines a block every
/// `block_time` seconds, or on every transaction (automine) when `block_time` is zero;
/// `extra` arguments are appended.
pub(crate) async fn start_anvil(bin: &Path, dir: &Path, block_time: f64, extra: &[String]) -> anyhow::Result<Proc> {
    let port = free_port()?;
    let mut cmd = Command::new(bin);
    cmd.args(["--port", &port.to_string()]).args(["--hardfork", "osaka", "--chain-id", "31337", "--silent"]);
    if block_time > 0.0 {
        cmd.args(["--block-time", &block_time.to_string()]);
    }
    cmd.args(extra);
    Proc::start("anvil", cmd, port, dir.join("anvil.log"), Duration::from_secs(30)).await
}

/// Starts `rollup sequencer` on a fresh SQLite database in `dir`, sealing a block as soon as
/// transactions are pending.
pub(crate) async fn start_sequencer(bin: &Path, dir: &Path) -> anyhow::Result<Proc> {
    start_sequencer_with(bin, dir, &["--block-time-ms".to_owned(), "0".to_owned()]).await
}

/// The SQLite database file of a sequencer started in `dir`.
pub(crate) fn sequencer_db(dir: &Path) -> PathBuf {
    dir.join("l2.db")
}

/// Starts `rollup sequencer` on a fresh SQLite database in `dir` ([`sequencer_db`]) with
/// `extra` arguments.
pub(crate) async fn start_sequencer_with(bin: &Path, dir: &Path, extra: &[String]) -> anyhow::Result<Proc> {
    if !bin.exists() {
        bail!("{} not found: run `cargo build --release -p rollup` first or pass --rollup-bin", bin.display());
    }
    let port = free_port()?;
    let db = format!("sqlite://{}?mode=rwc", sequencer_db(dir).display());
    let mut cmd = Command::new(bin);
    cmd.arg("sequencer").args(["--database-url", &db]).args(["--listen", &format!("127.0.0.1:{port}")]).args(extra);
    Proc::start("sequencer", cmd, port, dir.join("sequencer.log"), Duration::from_secs(60)).await
}

/// The folder a run works in: `work_dir` if given (created if missing), else a fresh temporary
/// folder named `prefix…`, removed when the returned guard drops.
pub(crate) fn work_dir(
    work_dir: &Option<PathBuf>,
    prefix: &str,
) -> anyhow::Result<(PathBuf, Option<tempfile::TempDir>)> {
    match work_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            Ok((dir.clone(), None))
        }
        None => {
            let temp = tempfile::Builder::new().prefix(prefix).tempdir()?;
            Ok((temp.path().to_owned(), Some(temp)))
        }
    }
}
