//! A `redis-server` of the test's own: 127.0.0.1, a free port, no persistence, stopped when
//! dropped. Shared by `tests/fleet.rs` and `benches/fleet.rs`.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A `redis-server` of our own. Its absence is a failure, not a skip: `.ci/run` installs it.
pub struct Redis {
    port: u16,
    child: Option<Child>,
}

impl Redis {
    pub fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = Redis { port, child: None };
        redis.restart();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// (Re)starts the server, empty: no persistence.
    pub fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| missing(&e));
        self.child = Some(child);
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("redis-server did not start on port {}", self.port);
    }

    /// Freezes (`SIGSTOP`) or thaws (`SIGCONT`) the server: a Redis that accepts connections
    /// and never answers.
    pub fn freeze(&self, frozen: bool) {
        let child = self.child.as_ref().expect("redis-server is running");
        let signal = if frozen { "-STOP" } else { "-CONT" };
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {signal} redis-server");
    }

    /// Stops and starts the server again: empty.
    pub fn restart_empty(&mut self) {
        self.stop();
        self.restart();
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The one message for a machine without `redis-server`: printed once, then each fleet test
/// fails pointing to it.
fn missing(error: &std::io::Error) -> ! {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Straight to the terminal, not through the test harness's capture: shown once, first.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "\n*** The fleet governor tests need a real redis-server, and starting one failed: {error}.\n*** Install it with `sudo apt-get install redis-server` (what `bash .ci/run` does), then run the tests again.\n"
        );
    });
    panic!("redis-server is not installed: `sudo apt-get install redis-server` (see above)");
}
