//! `rollup devnet` run as a user runs it: from the repository root with its own data folder
//! and ports, ready once it prints `Devnet ready`, stopped with Ctrl-C (SIGINT to its process
//! group).

use crate::process::GroupChild;
use crate::{repo_root, rollup_binary, tool};
use std::{
    io::{BufRead, BufReader, Read},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::{Arc, Mutex},
    thread::{self, JoinHandle},
    time::{Duration, Instant},
};

/// How long a devnet may take to print `Devnet ready` (it deploys the L1 contracts first).
const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a devnet may take to exit after SIGINT.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// Lines of the devnet's output shown when something fails.
const TAIL_LINES: usize = 60;

/// How to start a devnet: its data folder, its ports and the rollup's timing. Starting twice
/// with the same configuration resumes the same chains.
#[derive(Clone, Debug)]
pub struct DevnetConfig {
    /// Data folder (`--data-dir`): L1 state, deployment file, L2 database.
    pub data_dir: PathBuf,
    /// Port of the devnet's Anvil (`--l1-port`).
    pub l1_port: u16,
    /// Port of the sequencer's JSON-RPC, WebSocket and status page (`--listen`).
    pub l2_port: u16,
    /// Port of the verifier's API (`--verifier-listen`).
    pub verifier_port: u16,
    /// Port of the batcher's metrics (`--batcher-metrics`).
    pub batcher_port: u16,
    /// L2 blocks between two output proposals (`--proposal-interval`).
    pub proposal_interval: u64,
    /// Seconds an output can be challenged before it finalizes (`--challenge-window`).
    pub challenge_window: u64,
}

impl DevnetConfig {
    /// A devnet keeping its data in `data_dir`, on four free local ports, proposing an output
    /// every 10 L2 blocks with a 30-second challenge window.
    pub fn new(data_dir: &Path) -> Self {
        // Hold all the listeners until each has its port, so that the ports differ.
        let listeners: Vec<TcpListener> =
            (0..4).map(|_| TcpListener::bind("127.0.0.1:0").expect("bind a free local port")).collect();
        let ports: Vec<u16> = listeners.iter().map(|l| l.local_addr().expect("local address").port()).collect();
        Self {
            data_dir: data_dir.to_path_buf(),
            l1_port: ports[0],
            l2_port: ports[1],
            verifier_port: ports[2],
            batcher_port: ports[3],
            proposal_interval: 10,
            challenge_window: 30,
        }
    }

    /// The deployment file the devnet writes (addresses of the L1 contracts).
    pub fn deployment_file(&self) -> PathBuf {
        self.data_dir.join("deployment.json")
    }
}

/// A running devnet with the URLs it printed. Dropping it stops it: SIGINT to its process
/// group, then SIGKILL to whatever is left.
#[derive(Debug)]
pub struct Devnet {
    process: GroupChild,
    output: Arc<Mutex<Vec<String>>>,
    readers: Vec<JoinHandle<()>>,
    /// The L1's JSON-RPC URL (the `L1 RPC:` line).
    pub l1_rpc: String,
    /// The L2's JSON-RPC URL (the `L2 RPC:` line).
    pub l2_rpc: String,
    /// The status page's URL (the `Status page:` line).
    pub status_page: String,
    /// The verifier API's URL (the `Verifier API:` line).
    pub verifier_api: String,
    /// The batcher's metrics URL (the `Batcher:` line).
    pub batcher_metrics: String,
}

impl Devnet {
    /// Starts `rollup devnet` with `config` from the repository root and waits until it
    /// prints `Devnet ready`. Panics with the devnet's output if it exits or is not ready in
    /// time.
    pub fn start(config: &DevnetConfig) -> Self {
        let mut command = Command::new(rollup_binary());
        command
            .current_dir(repo_root())
            .arg("devnet")
            .arg("--data-dir")
            .arg(&config.data_dir)
            .args(["--l1-port", &config.l1_port.to_string()])
            .args(["--listen", &format!("127.0.0.1:{}", config.l2_port)])
            .args(["--verifier-listen", &format!("127.0.0.1:{}", config.verifier_port)])
            .args(["--batcher-metrics", &format!("127.0.0.1:{}", config.batcher_port)])
            .args(["--proposal-interval", &config.proposal_interval.to_string()])
            .args(["--challenge-window", &config.challenge_window.to_string()])
            .env("ROLLUP_ANVIL", tool("anvil"))
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut process = GroupChild::spawn(&mut command).expect("start rollup devnet");
        let output = Arc::new(Mutex::new(Vec::new()));
        let readers = vec![
            collect_lines(process.child_mut().stdout.take(), &output),
            collect_lines(process.child_mut().stderr.take(), &output),
        ];
        let mut devnet = Self {
            process,
            output,
            readers,
            l1_rpc: String::new(),
            l2_rpc: String::new(),
            status_page: String::new(),
            verifier_api: String::new(),
            batcher_metrics: String::new(),
        };
        let deadline = Instant::now() + READY_TIMEOUT;
        while !devnet.printed("Devnet ready") {
            if let Some(status) = devnet.process.try_wait() {
                panic!("the devnet exited ({status}) before it was ready:\n{}", devnet.tail());
            }
            assert!(Instant::now() < deadline, "the devnet was not ready within {READY_TIMEOUT:?}:\n{}", devnet.tail());
            thread::sleep(Duration::from_millis(100));
        }
        devnet.l1_rpc = devnet.url_after("L1 RPC:");
        devnet.l2_rpc = devnet.url_after("L2 RPC:");
        devnet.status_page = devnet.url_after("Status page:");
        devnet.verifier_api = devnet.url_after("Verifier API:");
        devnet.batcher_metrics = devnet.url_after("Batcher:");
        devnet
    }

    /// Stops the devnet as Ctrl-C in its terminal does (SIGINT to its process group) and
    /// checks that it exits successfully within 30 seconds.
    pub fn stop(mut self) {
        self.process.signal_group("INT");
        let status = self.process.wait_timeout(STOP_TIMEOUT);
        self.finish_output();
        match status {
            Some(status) => assert!(status.success(), "the devnet exited with {status} on SIGINT:\n{}", self.tail()),
            None => panic!("the devnet did not stop within {STOP_TIMEOUT:?} of SIGINT:\n{}", self.tail()),
        }
    }

    /// Kills what is left of the devnet's process group and reads its output to the end.
    fn finish_output(&mut self) {
        self.process.signal_group("KILL");
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }

    /// Whether the devnet printed a line starting with `prefix`.
    fn printed(&self, prefix: &str) -> bool {
        self.output.lock().expect("output lock").iter().any(|line| line.starts_with(prefix))
    }

    /// The first word after `prefix` on the line starting with it.
    fn url_after(&self, prefix: &str) -> String {
        let lines = self.output.lock().expect("output lock");
        let url = lines
            .iter()
            .find_map(|line| line.strip_prefix(prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_owned);
        drop(lines);
        url.unwrap_or_else(|| panic!("the devnet printed no `{prefix}` line:\n{}", self.tail()))
    }

    /// The last lines the devnet printed.
    fn tail(&self) -> String {
        let lines = self.output.lock().expect("output lock");
        lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n")
    }
}

impl Drop for Devnet {
    fn drop(&mut self) {
        if self.process.try_wait().is_none() {
            self.process.signal_group("INT");
            self.process.wait_timeout(STOP_TIMEOUT);
        }
        self.finish_output();
        if thread::panicking() {
            eprintln!("--- last lines of the devnet's output ---\n{}", self.tail());
        }
    }
}

/// Appends each line read from `pipe` to `lines`, on a thread of its own that ends when the
/// pipe closes.
fn collect_lines(pipe: Option<impl Read + Send + 'static>, lines: &Arc<Mutex<Vec<String>>>) -> JoinHandle<()> {
    let lines = Arc::clone(lines);
    thread::spawn(move || {
        let Some(pipe) = pipe else { return };
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            lines.lock().expect("output lock").push(line);
        }
    })
}
