//! Child processes in their own process group, so that one signal reaches everything they
//! start (as Ctrl-C in a terminal does) and nothing outlives the test that started them.

use std::{
    io::Read,
    os::unix::process::CommandExt,
    process::{Child, Command, ExitStatus, Output, Stdio},
    thread::{self, JoinHandle},
    time::{Duration, Instant},
};

/// A child process leading its own process group; the whole group is killed (SIGKILL) when
/// this is dropped.
#[derive(Debug)]
pub struct GroupChild {
    child: Child,
    exited: Option<ExitStatus>,
}

impl GroupChild {
    /// Spawns `command` as the leader of a new process group.
    pub fn spawn(command: &mut Command) -> std::io::Result<Self> {
        let child = command.process_group(0).spawn()?;
        Ok(Self { child, exited: None })
    }

    /// The process, e.g. to take its output pipes.
    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Sends `signal` (a name such as `INT` or `KILL`) to every process of the group.
    pub fn signal_group(&self, signal: &str) {
        // A group that is already gone is not an error here.
        let _ = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg("--")
            .arg(format!("-{}", self.child.id()))
            .stderr(Stdio::null())
            .status();
    }

    /// The leader's exit status, if it has exited.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        if self.exited.is_none() {
            self.exited = self.child.try_wait().expect("polling a child process");
        }
        self.exited
    }

    /// Waits up to `timeout` for the leader to exit.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for GroupChild {
    fn drop(&mut self) {
        self.signal_group("KILL");
        let _ = self.child.wait();
    }
}

/// Runs `command` to completion in its own process group with its output captured. Panics
/// if it cannot start or runs longer than `timeout` (its group is killed either way).
pub fn run_bounded(command: &mut Command, timeout: Duration) -> Output {
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut process = GroupChild::spawn(command).unwrap_or_else(|err| panic!("cannot start {command:?}: {err}"));
    let stdout = read_to_end(process.child_mut().stdout.take());
    let stderr = read_to_end(process.child_mut().stderr.take());
    let status = process.wait_timeout(timeout);
    // Kill helpers the leader left behind, so that they close the pipes too.
    drop(process);
    let (stdout, stderr) = (stdout.join().expect("stdout reader"), stderr.join().expect("stderr reader"));
    let Some(status) = status else {
        panic!("{command:?} did not finish within {timeout:?}; stderr:\n{}", String::from_utf8_lossy(&stderr));
    };
    Output { status, stdout, stderr }
}

/// Reads a pipe to its end on a thread of its own.
fn read_to_end(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}
