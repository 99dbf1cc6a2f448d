//! A Synapse of the test's own, that the test may kill (SIGKILL, as a crash or an OOM
//! killer would) and start again, without disturbing the shared test server the other
//! tests use. Started with `tests/server/synapse.sh` (a plain Synapse, without Tchap's
//! module: these tests are about faults, not rules) on `CHAPPE_FAULTS_PORT` (default
//! 18190) plus an offset per test, so tests of one binary run side by side.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::{path::PathBuf, process::Command, time::Duration};

use super::Server;

pub struct PrivateServer {
    pub name: String,
    pub url: String,
    port: u16,
    secret: String,
}

fn script() -> PathBuf {
    super::repo_file("tests/server/synapse.sh")
}

fn data_dir(name: &str) -> PathBuf {
    let cache = std::env::var_os("CHAPPE_CACHE").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/chappe"),
        PathBuf::from,
    );
    cache.join(format!("synapse-{name}"))
}

/// Runs `synapse.sh ARGS`, failing the test with its output when it fails.
async fn synapse_sh(args: Vec<String>) -> String {
    tokio::task::spawn_blocking(move || {
        let out = Command::new("bash")
            .arg(script())
            .args(&args)
            // A plain server: no SMTP sink, no 8448 listener, no access rules module.
            .env_remove("IDENTITY_SMTP_PORT")
            .env_remove("ID_SERVER")
            .env("TCHAP_ACCESS_RULES", "0")
            .output()
            .expect("bash runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "synapse.sh {args:?} failed:\n{text}");
        text
    })
    .await
    .unwrap()
}

fn answers(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(200),
    )
    .is_ok()
}

impl PrivateServer {
    /// Starts (or reuses) the Synapse `name` on the faults port plus `offset`.
    pub async fn start(name: &str, offset: u16) -> PrivateServer {
        let base: u16 = std::env::var("CHAPPE_FAULTS_PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(18190);
        let port = base + offset;
        synapse_sh(vec!["start".into(), name.into(), port.to_string()]).await;
        let secret = synapse_sh(vec!["secret".into(), name.into()])
            .await
            .trim()
            .to_owned();
        PrivateServer {
            name: name.to_owned(),
            url: format!("http://127.0.0.1:{port}"),
            port,
            secret,
        }
    }

    /// The server, for registering users and acting as "the other client".
    pub fn server(&self) -> Server {
        Server {
            url: self.url.clone(),
            secret: self.secret.clone(),
            http: reqwest::Client::new(),
        }
    }

    /// Where the server keeps its data (a test may cache a seed there).
    pub fn data_dir(&self) -> PathBuf {
        data_dir(&self.name)
    }

    /// Kills the server with SIGKILL: no clean shutdown, connections cut mid-request.
    /// Returns once the port no longer answers.
    pub async fn kill(&self) {
        let pid_file = data_dir(&self.name).join("homeserver.pid");
        let pid = std::fs::read_to_string(&pid_file)
            .unwrap_or_else(|e| panic!("no PID file {}: {e}", pid_file.display()));
        let pid = pid.trim().to_owned();
        let status = Command::new("kill").args(["-9", &pid]).status().unwrap();
        assert!(status.success(), "kill -9 {pid} failed");
        let start = std::time::Instant::now();
        while answers(self.port) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "Synapse survived SIGKILL"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Starts the server again on the same data (after `kill`).
    pub async fn restart(&self) {
        synapse_sh(vec![
            "start".into(),
            self.name.clone(),
            self.port.to_string(),
        ])
        .await;
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .args(["stop", &self.name])
            .status();
    }
}
