//! A real `redis-server` for the tests: on 127.0.0.1, on a free port, with its own temporary
//! directory, stopped (and its directory removed) when dropped. Never any other address.
//!
//! Without `redis-server` on PATH the tests that need one are skipped with a message, unless
//! `RESTSIGN_REQUIRE_REDIS` is set (as `scripts/test-all` and CI do): then they fail.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    pub dir: PathBuf,
    config: Vec<String>,
}

/// Is `redis-server` there? Fails the test when it is required and missing.
pub fn available() -> bool {
    let found = Command::new("redis-server").arg("--version").stdout(Stdio::null()).status().is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("RESTSIGN_REQUIRE_REDIS").is_none(),
            "redis-server is required (RESTSIGN_REQUIRE_REDIS) but not on PATH: run scripts/install-deps"
        );
        eprintln!("redis-server not found: skipping (set RESTSIGN_REQUIRE_REDIS=1 to make this a failure)");
    }
    found
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl RedisServer {
    /// Starts a server with `extra` configuration (`["appendonly", "yes"]`, `["requirepass", "x"]`).
    pub fn start(name: &str, extra: &[&str]) -> RedisServer {
        let dir = std::env::temp_dir().join(format!("restsign-redis-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut server =
            RedisServer { child: None, port: free_port(), dir, config: extra.iter().map(|s| s.to_string()).collect() };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let mut cmd = Command::new("redis-server");
        cmd.args(["--bind", "127.0.0.1", "--port", &self.port.to_string(), "--save", ""]);
        cmd.arg("--dir").arg(&self.dir).arg("--unixsocket").arg(self.socket()).args(["--unixsocketperm", "700"]);
        cmd.arg("--logfile").arg(self.dir.join("redis.log"));
        let mut pairs = self.config.chunks(2);
        for pair in &mut pairs {
            cmd.arg(format!("--{}", pair[0])).args(&pair[1..]);
        }
        let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("redis-server");
        self.child = Some(child);
        let until = Instant::now() + Duration::from_secs(10);
        while !self.answers_ping() {
            assert!(Instant::now() < until, "redis-server did not start: {}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server answers `PING` (with `-NOAUTH` when it wants a password: it is up all the same).
    fn answers_ping(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else { return false };
        stream.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
        let mut reply = [0u8; 16];
        stream.write_all(b"PING\r\n").is_ok()
            && stream
                .read(&mut reply)
                .is_ok_and(|n| reply[..n].starts_with(b"+PONG") || reply[..n].starts_with(b"-NOAUTH"))
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.join("redis.sock")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("redis.log")).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// SIGKILL, and wait for it to be gone.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Starts it again on the same port and directory (an append-only file there is replayed).
    pub fn restart(&mut self) {
        self.kill9();
        self.spawn();
    }

    /// Runs one command through `redis-cli` (not restsign's client) and returns its output.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "--no-auth-warning"])
            .args(args)
            .output()
            .expect("redis-cli");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SAFETY: kill(2) on our own child's pid.
            unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            let until = Instant::now() + Duration::from_secs(5);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
