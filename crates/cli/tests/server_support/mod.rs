//! Support for the tests that run the real `penholder` binary: start `penholder serve` on
//! 127.0.0.1:0 with a temporary database, read the bound address from its first line of
//! output, speak HTTP to it with a small blocking client, mint tokens with `penholder token`,
//! and stop it gently (SIGTERM) or not at all (SIGKILL).
//!
//! The database is a [`TestDb`]: a SQLite file in a temporary folder, or a fresh database of
//! the PostgreSQL server this test run shares (`penholder_testpg::TestPostgres::shared`, started
//! once by the first test that needs it, stopped by its watchdog when the test runner exits).
//! [`both_backends!`] writes one test body as two tests, `name::sqlite` and `name::postgres`.

#![allow(dead_code)] // reason: each test binary uses a different part of the support
#![allow(unused_macros, unused_imports)] // reason: not every test binary runs on both backends

use serde_json::Value;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const SECRET: &str = "integration-test-secret-0123456789abcdef";

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_penholder")
}

/// The two storage backends of `penholder serve --db`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `--db FILE`.
    Sqlite,
    /// `--db postgres://…`.
    Postgres,
}

/// One test's database, on one backend, with a temporary folder for the test's other files
/// (backups, exports), removed with it.
pub struct TestDb {
    backend: Backend,
    /// What `--db` takes: the SQLite file's path, or the PostgreSQL database's URL.
    arg: String,
    scratch: tempfile::TempDir,
}

impl TestDb {
    /// A new SQLite file in a temporary folder of its own.
    pub fn sqlite() -> TestDb {
        let scratch = tempfile::tempdir().expect("a temporary folder");
        let arg = scratch
            .path()
            .join("penholder.sqlite")
            .to_str()
            .expect("a UTF-8 temporary path")
            .to_string();
        TestDb {
            backend: Backend::Sqlite,
            arg,
            scratch,
        }
    }

    /// A new, empty database (CREATE DATABASE) on the PostgreSQL server of this test run.
    /// `None` only where PostgreSQL cannot start and `PENHOLDER_SKIP_POSTGRES=1` allows
    /// skipping (said loudly); without that permission, a missing PostgreSQL fails the test.
    pub fn postgres() -> Option<TestDb> {
        let server = postgres_server()?;
        Some(TestDb {
            backend: Backend::Postgres,
            arg: server.url(),
            scratch: tempfile::tempdir().expect("a temporary folder"),
        })
    }

    /// A new database on `backend` (`None`: a PostgreSQL test skipped, see [`TestDb::postgres`]).
    pub fn new(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => Some(TestDb::sqlite()),
            Backend::Postgres => TestDb::postgres(),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The `--db` argument: a file path or a `postgres://` URL.
    pub fn arg(&self) -> &str {
        &self.arg
    }

    /// A folder for the test's other files.
    pub fn scratch(&self) -> &Path {
        self.scratch.path()
    }

    /// Opens the store directly, as `penholder serve` does (no server may hold a SQLite file's
    /// writer meanwhile; on PostgreSQL several may).
    pub fn open_store(&self) -> penholder_store::Store {
        penholder_store::Store::open_url_or_path(
            &self.arg,
            penholder_store::StoreOptions::default(),
        )
        .unwrap_or_else(|e| panic!("open the store at {}: {e}", self.arg))
    }

    /// `penholder audit verify --db …` (SQLite: also `PRAGMA integrity_check` and
    /// `foreign_key_check`); panics with its output, and `when`, on failure.
    #[track_caller]
    pub fn verify_audit(&self, when: &str) {
        let (ok, out, err) = run(&["audit", "verify", "--db", &self.arg]);
        assert!(
            ok,
            "audit verify failed {when} ({:?}):\n{out}{err}",
            self.backend
        );
    }
}

impl AsRef<OsStr> for TestDb {
    fn as_ref(&self) -> &OsStr {
        OsStr::new(&self.arg)
    }
}

/// The PostgreSQL server shared by this test run (see `TestPostgres::shared`); `None` only when
/// it cannot start and `PENHOLDER_SKIP_POSTGRES=1` allows skipping.
pub fn postgres_server() -> Option<&'static penholder_testpg::TestPostgres> {
    match penholder_testpg::TestPostgres::shared() {
        Ok(server) => Some(server),
        Err(e) if penholder_testpg::skip_allowed() => {
            eprintln!("!!! SKIPPED a PostgreSQL test (PENHOLDER_SKIP_POSTGRES=1): {e}");
            None
        }
        Err(e) => {
            panic!("PostgreSQL tests need a server (PENHOLDER_SKIP_POSTGRES=1 lets them skip): {e}")
        }
    }
}

/// Each test body once, run as two tests: `name::sqlite` and `name::postgres`, each on a new
/// database of its own. The body is an ordinary function taking `&TestDb` (a module and a
/// function may share a name), so rustfmt formats it and a test moves to both backends by
/// changing two lines.
///
/// ```ignore
/// both_backends!(a_round_survives, another_one);
///
/// fn a_round_survives(db: &TestDb) {
///     let server = Server::start(db);
///     …
/// }
/// ```
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(&$crate::server_support::TestDb::sqlite());
            }

            #[test]
            fn postgres() {
                if let Some(db) = $crate::server_support::TestDb::postgres() {
                    super::$name(&db);
                }
            }
        }
    )+};
}
pub(crate) use both_backends;

/// A running `penholder serve`.
pub struct Server {
    child: Option<Child>,
    pub base: String,
    /// The `--db` argument: a SQLite file or a PostgreSQL URL.
    pub db: String,
    env: Vec<(String, String)>,
    /// Where its standard error (the log) goes; inherited when `None`.
    log: Option<PathBuf>,
}

impl Server {
    /// Starts a server with the HS256 test secret on `db` (a [`TestDb`], a file, or a URL).
    pub fn start(db: impl AsRef<OsStr>) -> Server {
        Server::start_with(db, &[("PENHOLDER_JWT_SECRET", SECRET)])
    }

    /// Starts a server with these environment variables (and no inherited PENHOLDER_*).
    pub fn start_with(db: impl AsRef<OsStr>, env: &[(&str, &str)]) -> Server {
        Server::start_under(&[], db, env)
    }

    /// Starts a server whose log (standard error) is appended to the file `log`.
    pub fn start_logging_to(db: impl AsRef<OsStr>, env: &[(&str, &str)], log: &Path) -> Server {
        Server::spawn(&[], db, env, Some(log.to_path_buf()))
    }

    /// Starts a server through a launcher that execs it (`prlimit --nofile=…`), so that its
    /// pid is the server's.
    pub fn start_under(launcher: &[&str], db: impl AsRef<OsStr>, env: &[(&str, &str)]) -> Server {
        Server::spawn(launcher, db, env, None)
    }

    fn spawn(
        launcher: &[&str],
        db: impl AsRef<OsStr>,
        env: &[(&str, &str)],
        log: Option<PathBuf>,
    ) -> Server {
        let db = db
            .as_ref()
            .to_str()
            .expect("a UTF-8 database argument")
            .to_string();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut command = match launcher.split_first() {
            None => Command::new(binary()),
            Some((program, args)) => {
                let mut command = Command::new(program);
                command.args(args).arg(binary());
                command
            }
        };
        command
            .args(["serve", "--addr", "127.0.0.1:0", "--db"])
            .arg(&db)
            .env("PENHOLDER_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(match &log {
                Some(path) => std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .unwrap_or_else(|e| panic!("open the log {}: {e}", path.display()))
                    .into(),
                None => Stdio::inherit(),
            });
        for (key, _) in std::env::vars() {
            if key.starts_with("PENHOLDER_") {
                command.env_remove(key);
            }
        }
        for (key, value) in &env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("start penholder serve");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = sender.send(line);
            // Keep draining so the server never blocks on a full pipe.
            let mut rest = String::new();
            while reader.read_line(&mut rest).map(|n| n > 0).unwrap_or(false) {
                rest.clear();
            }
        });
        let line = receiver
            .recv_timeout(Duration::from_secs(30))
            .expect("the server prints its address within 30 s");
        let base = line
            .trim()
            .strip_prefix("penholder listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        Server {
            child: Some(child),
            base,
            db,
            env,
            log,
        }
    }

    /// The same database, a new process, the same settings.
    pub fn restart(&mut self) {
        self.kill();
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        *self = Server::spawn(&[], self.db.clone(), &env, self.log.clone());
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then waits for the exit; returns whether it exited successfully.
    pub fn terminate(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return false;
        };
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(sent, "kill -TERM failed");
        for _ in 0..300 {
            if let Ok(Some(status)) = child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Mints a token with `penholder token` and the test secret.
pub fn token(role: &str, delegation: Option<&str>) -> String {
    let mut command = Command::new(binary());
    command
        .args(["token", "--role", role, "--sub"])
        .arg(format!("{role}-{}", delegation.unwrap_or("none")))
        .env("PENHOLDER_JWT_SECRET", SECRET);
    if let Some(code) = delegation {
        command.args(["--delegation", code]);
    }
    let output = command.output().expect("penholder token");
    assert!(
        output.status.success(),
        "penholder token failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .trim()
        .to_string()
}

/// An answer: status, headers we look at, body bytes.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub www_authenticate: Option<String>,
    /// Every header, names lowercased, in the order received.
    pub headers: Vec<(String, String)>,
}

impl Answer {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    #[track_caller]
    pub fn expect(self, status: u16) -> Answer {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            String::from_utf8_lossy(&self.bytes)
        );
        self
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// One request; `body` is sent as JSON when given.
pub fn request(
    method: &str,
    url: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Answer {
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let agent = agent();
    let response = match body {
        Some(bytes) => {
            if !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            {
                builder = builder.header("content-type", "application/json");
            }
            agent.run(builder.body(bytes.to_vec()).expect("request"))
        }
        None => agent.run(builder.body(()).expect("request")),
    };
    let mut response = response.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (content_type, etag, www_authenticate) = (
        header("content-type"),
        header("etag"),
        header("www-authenticate"),
    );
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let bytes = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_vec()
        .expect("body");
    Answer {
        status: response.status().as_u16(),
        bytes,
        content_type,
        etag,
        www_authenticate,
        headers,
    }
}

pub fn get(server: &Server, path: &str, token: &str) -> Answer {
    request("GET", &server.url(path), Some(token), &[], None)
}

pub fn post(server: &Server, path: &str, token: &str, body: &Value) -> Answer {
    let bytes = serde_json::to_vec(body).expect("json");
    request("POST", &server.url(path), Some(token), &[], Some(&bytes))
}

pub fn put(server: &Server, path: &str, token: &str, body: &Value) -> Answer {
    let bytes = serde_json::to_vec(body).expect("json");
    request("PUT", &server.url(path), Some(token), &[], Some(&bytes))
}

/// RFC 3339 for Unix seconds from now.
pub fn from_now(seconds: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    penholder_server::clock::rfc3339(now + seconds * 1000)
}

pub fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/budapest")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs a penholder subcommand to completion; returns (success, stdout, stderr).
pub fn run(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(binary())
        .args(args)
        .env_remove("PENHOLDER_DB")
        .output()
        .expect("run penholder");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
