//! A throw-away PostgreSQL server for tests: `initdb` and `pg_ctl start` in a fresh temporary
//! directory, listening on a free port of 127.0.0.1 only (trust authentication, `fsync=on`, the
//! socket in that directory too), stopped with `pg_ctl stop -m fast` when dropped.
//!
//! ```no_run
//! let server = penholder_testpg::TestPostgres::start().expect("postgres");
//! let url = server.url(); // a new, empty database each call
//! # let _ = url;
//! ```
//!
//! The binaries are found through `PG_BIN`, then `pg_config --bindir`, then
//! `/usr/lib/postgresql/*/bin` (newest first). `initdb` refuses to run as root: as root, the
//! directory is handed to the `postgres` user and every PostgreSQL command runs through
//! `runuser -u postgres --`.
//!
//! [`TestPostgres::shared`] gives every test process of one `cargo test` / `cargo nextest run`
//! the same server (each test then takes a fresh database with [`TestPostgres::url`]).
//!
//! A server kept in a `static` is never dropped; a small watchdog shell started with it stops
//! it (`-m immediate`) and removes its directory once the test process is gone, so no test
//! binary leaves a server behind.
//!
//! The admin client runs on a thread of its own, so the harness may be used from inside a
//! tokio test (the blocking `postgres` client panics on a runtime's thread).

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// What went wrong starting or driving the server.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

fn error(message: impl Into<String>) -> Error {
    Error(message.into())
}

/// A client error with the server's own words and SQLSTATE (`postgres::Error` alone says only
/// "db error").
fn describe(e: postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// Whether an admin statement's failure passes by itself: the template in use by another
/// CREATE DATABASE, or too many connections for a moment.
fn passing(described: &str) -> bool {
    described.ends_with("(SQLSTATE 55006)") || described.ends_with("(SQLSTATE 53300)")
}

/// Set to `1` to let tests that need PostgreSQL skip (loudly) where it is not installed.
pub const SKIP_ENV: &str = "PENHOLDER_SKIP_POSTGRES";

/// Whether PostgreSQL tests may be skipped (`PENHOLDER_SKIP_POSTGRES=1`).
pub fn skip_allowed() -> bool {
    std::env::var(SKIP_ENV).is_ok_and(|v| v == "1")
}

/// One running PostgreSQL server in a temporary directory.
pub struct TestPostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres_user: bool,
    watchdog: Option<std::process::Child>,
    /// One of [`TestPostgres::shared`]'s: it outlives this process, its watchdog stops it.
    shared: bool,
}

static DATABASES: AtomicU32 = AtomicU32::new(0);

impl TestPostgres {
    /// Creates and starts a new server. Errors if PostgreSQL is not installed (the message
    /// says how to install it) or if it does not come up within 30 s.
    pub fn start() -> Result<TestPostgres> {
        let dir = tempfile::Builder::new()
            .prefix("penholder-testpg-")
            .tempdir()
            .map_err(|e| error(format!("cannot create a temporary directory: {e}")))?
            .keep();
        TestPostgres::create(dir, std::process::id(), None)
    }

    /// The server shared by every test process of one `cargo test` or `cargo nextest run`
    /// (nextest runs each test in a process of its own: a server each would cost a second or
    /// two per test). The first process to ask starts it, under a file lock; the others find
    /// its port; it stops when the test runner exits. Run by anything else than cargo or
    /// nextest, this process gets a server of its own (as [`TestPostgres::start`]). Never stop
    /// or restart a shared server: other tests are using it; fault tests `start` their own.
    pub fn shared() -> Result<&'static TestPostgres> {
        static SHARED: OnceLock<std::result::Result<TestPostgres, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| start_shared().map_err(|e| e.0))
            .as_ref()
            .map_err(|e| Error(e.clone()))
    }

    /// Creates a server in `dir` (empty or absent), watched by a shell that stops it and
    /// removes `dir` (and `also_remove`) once process `watch` is gone.
    fn create(dir: PathBuf, watch: u32, also_remove: Option<PathBuf>) -> Result<TestPostgres> {
        let bin = find_bin_dir()?;
        let as_postgres_user = running_as_root();
        let mut server = TestPostgres {
            bin,
            dir,
            port: 0,
            as_postgres_user,
            watchdog: None,
            shared: false,
        };
        if as_postgres_user {
            run(Command::new("chown")
                .arg("postgres:postgres")
                .arg(&server.dir))?;
        }
        let data = server.data_dir();
        let mut initdb = server.pg_command("initdb");
        run(initdb
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"])
            // Only initdb's own syncing of the template files; the server runs with fsync=on.
            .arg("--no-sync"))?;
        server.start_watchdog(watch, also_remove.as_deref())?;
        // A free port can be taken by someone else between probing and binding: try a few.
        let mut last = None;
        for _ in 0..5 {
            server.port = free_port()?;
            match server.start_again() {
                Ok(()) => return Ok(server),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| error("PostgreSQL did not start")))
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn pg_command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres_user {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    fn pg_ctl(&self, action: &str, extra: &[&str]) -> Result<()> {
        let mut command = self.pg_command("pg_ctl");
        command
            .arg("-D")
            .arg(self.data_dir())
            .args(["-w", "-t", "30"])
            .args(extra)
            .arg(action);
        run(&mut command)
    }

    fn server_options(&self) -> String {
        // PENHOLDER_TESTPG_OPTIONS adds server options (`-c name=value …`), e.g. for a benchmark.
        let extra = std::env::var("PENHOLDER_TESTPG_OPTIONS").unwrap_or_default();
        format!(
            "-k {} -c listen_addresses=127.0.0.1 -p {} -c fsync=on -c synchronous_commit=on \
             -c max_connections=300 -c shared_buffers=32MB {extra}",
            self.dir.display(),
            self.port
        )
    }

    /// Starts the server again after [`TestPostgres::stop`] (same directory, same port).
    pub fn start_again(&self) -> Result<()> {
        let log = self.dir.join("server.log");
        let options = self.server_options();
        self.pg_ctl(
            "start",
            &["-l", &log.display().to_string(), "-o", options.as_str()],
        )?;
        self.wait_ready()
    }

    /// Stops the server (`pg_ctl stop -m fast`): clients are disconnected.
    pub fn stop(&self) -> Result<()> {
        self.pg_ctl("stop", &["-m", "fast"])
    }

    /// Restarts like a crash would (`pg_ctl restart -m immediate`): no shutdown checkpoint,
    /// clients cut off, crash recovery at the next start.
    pub fn restart_immediate(&self) -> Result<()> {
        let options = self.server_options();
        let log = self.dir.join("server.log");
        self.pg_ctl(
            "restart",
            &[
                "-m",
                "immediate",
                "-l",
                &log.display().to_string(),
                "-o",
                options.as_str(),
            ],
        )?;
        self.wait_ready()
    }

    /// Polls (bounded, 30 s) until the server accepts a connection.
    fn wait_ready(&self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match self.admin(|client| client.simple_query("SELECT 1").map(|_| ())) {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() > deadline => {
                    return Err(error(format!("PostgreSQL did not come up: {e}")));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// The port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's directory (data, log, socket).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The URL of database `name` (which need not exist).
    pub fn url_of(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates the database `name` and returns its URL.
    pub fn fresh_database(&self, name: &str) -> Result<String> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(error(format!(
                "database name {name:?}: use letters, digits and _"
            )));
        }
        let statement = format!("CREATE DATABASE \"{name}\"");
        // Tests running side by side create their databases at once: PostgreSQL refuses a
        // CREATE DATABASE while another one copies the same template (55006) and a connection
        // beyond max_connections (53300). Both pass; anything else is said at once.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let statement = statement.clone();
            match self.admin(move |client| client.batch_execute(&statement)) {
                Ok(()) => return Ok(self.url_of(name)),
                Err(e) if passing(&e) && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(error(format!("cannot create database {name}: {e}"))),
            }
        }
    }

    /// A new, empty database; its URL. Panics if it cannot be created (for tests).
    pub fn url(&self) -> String {
        // Named by this process and the moment: the shared server outlives many test
        // processes, and process ids come round again within one run (pid_max is 32,768 on
        // these machines: a CI run's builds, browsers and servers go through it), so an id
        // alone met a database of an earlier process ("t5539_0 already exists").
        let n = DATABASES.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let name = format!("t{}_{nanos:x}_{n}", std::process::id());
        self.fresh_database(&name).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Runs `f` with a client of the `postgres` database, on a thread of its own.
    fn admin<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> std::result::Result<T, postgres::Error>
        + Send
        + 'static,
    ) -> std::result::Result<T, String> {
        let url = self.url_of("postgres");
        std::thread::spawn(move || {
            let mut client = postgres::Client::connect(&url, postgres::NoTls).map_err(describe)?;
            f(&mut client).map_err(describe)
        })
        .join()
        .map_err(|_| "the admin thread panicked".to_string())?
    }

    /// Stops the server and removes its directory once process `watch` is gone (this one, or
    /// the test runner for a shared server), even if this value is never dropped (a `static`).
    fn start_watchdog(&mut self, watch: u32, also_remove: Option<&Path>) -> Result<()> {
        let pg_ctl = self.bin.join("pg_ctl");
        let stop = if self.as_postgres_user {
            format!(
                "runuser -u postgres -- '{}' -D '{}' stop -m immediate",
                pg_ctl.display(),
                self.data_dir().display()
            )
        } else {
            format!(
                "'{}' -D '{}' stop -m immediate",
                pg_ctl.display(),
                self.data_dir().display()
            )
        };
        let also = also_remove
            .map(|p| format!(" '{}'", p.display()))
            .unwrap_or_default();
        let script = format!(
            "while kill -0 {watch} 2>/dev/null; do sleep 0.5; done; {stop} >/dev/null 2>&1; \
             rm -rf '{dir}'{also}",
            dir = self.dir.display()
        );
        let child = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| error(format!("cannot start the watchdog: {e}")))?;
        self.watchdog = Some(child);
        Ok(())
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        if self.shared {
            return;
        }
        let _ = self.pg_ctl("stop", &["-m", "fast"]);
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
    }
}

/// The test runner this process was started by (cargo or cargo-nextest), if any.
fn test_runner() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let parent: u32 = status
        .lines()
        .find_map(|line| line.strip_prefix("PPid:"))?
        .trim()
        .parse()
        .ok()?;
    let name = std::fs::read_to_string(format!("/proc/{parent}/comm")).ok()?;
    matches!(name.trim(), "cargo" | "cargo-nextest").then_some(parent)
}

fn start_shared() -> Result<TestPostgres> {
    let Some(runner) = test_runner() else {
        return TestPostgres::start();
    };
    // Without PostgreSQL, leave nothing behind.
    find_bin_dir()?;
    let io = |what: &str, e: std::io::Error| error(format!("{what}: {e}"));
    let dir = std::env::temp_dir().join(format!("penholder-testpg-run-{runner}"));
    let lock_path = dir.with_extension("lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| io("cannot open the shared server's lock", e))?;
    // Held until this function returns: one process of the run starts the server.
    lock.lock()
        .map_err(|e| io("cannot lock the shared server's lock", e))?;
    let port_file = dir.join("port");
    if let Some(port) = std::fs::read_to_string(&port_file)
        .ok()
        .and_then(|text| text.trim().parse().ok())
    {
        let server = TestPostgres {
            bin: find_bin_dir()?,
            dir: dir.clone(),
            port,
            as_postgres_user: running_as_root(),
            watchdog: None,
            shared: true,
        };
        if server
            .admin(|client| client.simple_query("SELECT 1").map(|_| ()))
            .is_ok()
        {
            return Ok(server);
        }
        // A directory left by an earlier run whose runner had the same pid: start afresh.
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).map_err(|e| io("cannot create the shared server's directory", e))?;
    let mut server = match TestPostgres::create(dir.clone(), runner, Some(lock_path.clone())) {
        Ok(server) => server,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
    };
    server.shared = true;
    std::fs::write(&port_file, server.port.to_string())
        .map_err(|e| io("cannot write the shared server's port", e))?;
    Ok(server)
}

fn run(command: &mut Command) -> Result<()> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| error(format!("cannot run {command:?}: {e}")))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(error(format!(
            "{command:?} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )))
    }
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| error(format!("no free port on 127.0.0.1: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| error(e.to_string()))
}

/// Whether this process runs as root (uid 0), read from `/proc/self/status`.
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("Uid:"))
                .and_then(|line| line.split_whitespace().nth(2).map(|uid| uid == "0"))
        })
        .unwrap_or(false)
}

fn has_server_binaries(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"]
        .iter()
        .all(|b| dir.join(b).is_file())
}

/// `PG_BIN`, then `pg_config --bindir`, then the newest `/usr/lib/postgresql/*/bin`.
fn find_bin_dir() -> Result<PathBuf> {
    find_bin_dir_in(
        std::env::var("PG_BIN").ok(),
        "pg_config",
        Path::new("/usr/lib/postgresql"),
    )
}

fn find_bin_dir_in(pg_bin: Option<String>, pg_config: &str, versions: &Path) -> Result<PathBuf> {
    if let Some(dir) = pg_bin {
        let dir = PathBuf::from(dir);
        if has_server_binaries(&dir) {
            return Ok(dir);
        }
        return Err(error(format!(
            "PG_BIN={} has no initdb, pg_ctl and postgres",
            dir.display()
        )));
    }
    if let Ok(output) = Command::new(pg_config).arg("--bindir").output()
        && output.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if has_server_binaries(&dir) {
            return Ok(dir);
        }
    }
    let mut candidates: Vec<(u32, PathBuf)> = std::fs::read_dir(versions)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_server_binaries(dir))
        .collect();
    candidates.sort();
    candidates.pop().map(|(_, dir)| dir).ok_or_else(|| {
        error(
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: install postgresql \
             (apt-get install postgresql), or set PG_BIN to their directory",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_binaries_are_an_error_that_says_how_to_install_them() {
        let empty = tempfile::tempdir().unwrap();
        let error = find_bin_dir_in(None, "no-such-pg_config", empty.path()).unwrap_err();
        assert!(
            error.to_string().contains("apt-get install postgresql"),
            "{error}"
        );
        let error = find_bin_dir_in(
            Some(empty.path().display().to_string()),
            "no-such-pg_config",
            empty.path(),
        )
        .unwrap_err();
        assert!(error.to_string().contains("PG_BIN"), "{error}");
        // A versioned directory with the three binaries is found.
        let bin = empty.path().join("15").join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        for name in ["initdb", "pg_ctl", "postgres"] {
            std::fs::write(bin.join(name), "").unwrap();
        }
        assert_eq!(
            find_bin_dir_in(None, "no-such-pg_config", empty.path()).unwrap(),
            bin
        );
    }

    #[test]
    fn a_server_starts_gives_fresh_databases_restarts_and_stops() {
        let server = match TestPostgres::start() {
            Ok(server) => server,
            Err(e) if skip_allowed() => {
                eprintln!("SKIPPED (PENHOLDER_SKIP_POSTGRES=1): {e}");
                return;
            }
            Err(e) => panic!("{e}"),
        };
        let dir = server.dir().to_path_buf();
        let (a, b) = (server.url(), server.url());
        assert_ne!(a, b);
        assert!(a.starts_with("postgres://postgres@127.0.0.1:"));
        let query = |url: String| {
            std::thread::spawn(move || -> std::result::Result<i32, postgres::Error> {
                let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
                client.batch_execute("CREATE TABLE IF NOT EXISTS x (y INT)")?;
                let fsync: String = client.query_one("SHOW fsync", &[])?.get(0);
                assert_eq!(fsync, "on");
                Ok(client.query_one("SELECT 41 + 1", &[])?.get(0))
            })
            .join()
            .expect("client thread")
        };
        assert_eq!(query(a.clone()).unwrap(), 42);
        server.restart_immediate().unwrap();
        assert_eq!(query(a.clone()).unwrap(), 42, "back after a crash restart");
        server.stop().unwrap();
        assert!(query(a.clone()).is_err(), "stopped");
        server.start_again().unwrap();
        assert_eq!(query(b).unwrap(), 42);
        drop(server);
        assert!(!dir.exists(), "the directory is removed");
    }
}
