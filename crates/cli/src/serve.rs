//! `penholder serve`: the HTTP API on a SQLite database, until SIGTERM or Ctrl-C.
//!
//! Every setting can come from the environment (shown in `--help`). The bound address is
//! printed on standard output as soon as the socket listens (`--addr 127.0.0.1:0` picks a free
//! port; tests read the line); logs go to standard error, one line per request.
//!
//! Before serving, a SQLite database is checked (`PRAGMA quick_check`, for at most
//! `--check-budget` seconds): a damaged file is refused, with what to do, rather than served
//! as healthy. A file penholder cannot write is refused when opened.

use anyhow::{Context, bail};
use clap::Args;
use penholder_server::seal::AuditKey;
use penholder_server::{
    AppState, ConnectionLimits, EventsConfig, KeyAlgorithm, Minter, ServerConfig, SystemClock,
    TokenScope, Verifier,
};
use penholder_store::{BackendKind, Store, StoreError, StoreOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The signing key and the token scope, shared by `serve` (to verify) and `token` (to sign).
#[derive(Debug, Args)]
pub struct KeyArgs {
    /// The HS256 shared secret (at least 32 bytes).
    #[arg(long, env = "PENHOLDER_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// A file holding the HS256 shared secret (trailing newline ignored).
    #[arg(long, env = "PENHOLDER_JWT_SECRET_FILE", value_name = "FILE")]
    pub jwt_secret_file: Option<PathBuf>,
    /// The one accepted token algorithm: HS256 (secret), EdDSA or RS256 (key files).
    #[arg(long, env = "PENHOLDER_JWT_ALGORITHM", default_value = "HS256")]
    pub jwt_algorithm: String,
    /// The PEM public key that verifies EdDSA or RS256 tokens (serve).
    #[arg(long, env = "PENHOLDER_JWT_PUBLIC_KEY", value_name = "FILE")]
    pub jwt_public_key: Option<PathBuf>,
    /// The PEM private key that signs EdDSA or RS256 tokens (token).
    #[arg(long, env = "PENHOLDER_JWT_PRIVATE_KEY", value_name = "FILE")]
    pub jwt_private_key: Option<PathBuf>,
    /// The issuer (`iss`) every token carries.
    #[arg(long, env = "PENHOLDER_JWT_ISSUER", default_value = "penholder")]
    pub jwt_issuer: String,
    /// The audience (`aud`) every token carries.
    #[arg(long, env = "PENHOLDER_JWT_AUDIENCE", default_value = "penholder")]
    pub jwt_audience: String,
}

impl KeyArgs {
    pub fn algorithm(&self) -> anyhow::Result<KeyAlgorithm> {
        KeyAlgorithm::parse(&self.jwt_algorithm).with_context(|| {
            format!(
                "unknown JWT algorithm {:?}; use HS256, EdDSA or RS256",
                self.jwt_algorithm
            )
        })
    }

    pub fn scope(&self) -> TokenScope {
        TokenScope {
            issuer: self.jwt_issuer.clone(),
            audience: self.jwt_audience.clone(),
        }
    }

    /// The HS256 secret, from `--jwt-secret` or `--jwt-secret-file`.
    pub fn secret(&self) -> anyhow::Result<Vec<u8>> {
        match (&self.jwt_secret, &self.jwt_secret_file) {
            (Some(_), Some(_)) => {
                bail!("give the secret either directly or in a file, not both")
            }
            (Some(secret), None) => Ok(secret.as_bytes().to_vec()),
            (None, Some(file)) => {
                let text = std::fs::read(file)
                    .with_context(|| format!("cannot read the secret file {}", file.display()))?;
                let end = text
                    .iter()
                    .rposition(|b| !b.is_ascii_whitespace())
                    .map_or(0, |i| i + 1);
                Ok(text[..end].to_vec())
            }
            (None, None) => bail!(
                "no HS256 secret: set PENHOLDER_JWT_SECRET (or --jwt-secret / --jwt-secret-file), or configure --jwt-algorithm EdDSA|RS256 with key files"
            ),
        }
    }

    pub fn verifier(&self) -> anyhow::Result<Verifier> {
        let algorithm = self.algorithm()?;
        let scope = self.scope();
        Ok(match algorithm {
            KeyAlgorithm::Hs256 => Verifier::hs256(&self.secret()?, &scope)?,
            _ => {
                let file = self.jwt_public_key.as_ref().with_context(|| {
                    format!(
                        "{} needs a public key: set PENHOLDER_JWT_PUBLIC_KEY or --jwt-public-key",
                        algorithm.as_str()
                    )
                })?;
                let pem = std::fs::read(file)
                    .with_context(|| format!("cannot read the public key {}", file.display()))?;
                Verifier::public_key(algorithm, &pem, &scope)?
            }
        })
    }

    pub fn minter(&self) -> anyhow::Result<Minter> {
        let algorithm = self.algorithm()?;
        let scope = self.scope();
        Ok(match algorithm {
            KeyAlgorithm::Hs256 => Minter::hs256(&self.secret()?, scope)?,
            _ => {
                let file = self.jwt_private_key.as_ref().with_context(|| {
                    format!(
                        "{} needs a private key to sign: set PENHOLDER_JWT_PRIVATE_KEY or --jwt-private-key",
                        algorithm.as_str()
                    )
                })?;
                let pem = std::fs::read(file)
                    .with_context(|| format!("cannot read the private key {}", file.display()))?;
                Minter::private_key(algorithm, &pem, scope)?
            }
        })
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The database: a SQLite file (created if missing), or a PostgreSQL URL
    /// (`postgres://user:password@host:port/name`), which several servers may share.
    #[arg(long, env = "PENHOLDER_DB", value_name = "FILE|URL")]
    pub db: String,
    /// Where to listen; port 0 picks a free port (the bound address is printed).
    #[arg(long, env = "PENHOLDER_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// The largest request body accepted, in bytes.
    #[arg(long, env = "PENHOLDER_BODY_LIMIT", default_value_t = 2 * 1024 * 1024)]
    pub body_limit: usize,
    /// Seconds a client may take to send a request body once its headers arrived (408 after).
    #[arg(long, env = "PENHOLDER_BODY_TIMEOUT", default_value_t = 30.0, value_parser = seconds)]
    pub body_timeout: f64,
    /// Seconds a client may take to send a request's headers; also how long an idle
    /// keep-alive connection is kept.
    #[arg(long, env = "PENHOLDER_HEADER_TIMEOUT", default_value_t = 10.0, value_parser = seconds)]
    pub header_timeout: f64,
    /// Connections served at once (one more gets 503 with Retry-After); lowered to fit the
    /// process's file-descriptor limit.
    #[arg(long, env = "PENHOLDER_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// The largest request head (request line and headers), in bytes (431 beyond).
    #[arg(long, env = "PENHOLDER_MAX_HEADER_BYTES", default_value_t = 64 * 1024)]
    pub max_header_bytes: usize,
    /// Seconds requests in flight may take to finish after SIGTERM before the server stops.
    #[arg(long, env = "PENHOLDER_SHUTDOWN_GRACE", default_value_t = 10.0, value_parser = seconds)]
    pub shutdown_grace: f64,
    /// Log filter (tracing's env-filter syntax: info, debug, penholder_server=debug…).
    #[arg(long, env = "PENHOLDER_LOG", default_value = "info")]
    pub log: String,
    /// Log lines as JSON objects instead of text.
    #[arg(long, env = "PENHOLDER_LOG_JSON")]
    pub log_json: bool,
    /// At most this many seconds for the database's check at start (`PRAGMA quick_check`,
    /// SQLite only; 1.5 GB take about 2 s from the page cache, minutes from a cold slow disk).
    /// A check cut short is said in the log; 0 skips it.
    #[arg(
        long,
        env = "PENHOLDER_CHECK_BUDGET",
        default_value_t = 5.0,
        value_name = "SECONDS"
    )]
    pub check_budget: f64,
    /// An Ed25519 private key (PKCS#8 PEM, `openssl genpkey -algorithm ed25519`) that signs
    /// the audit head every published version carries; without it the head is unsigned.
    #[arg(long, env = "PENHOLDER_AUDIT_KEY", value_name = "FILE")]
    pub audit_key: Option<PathBuf>,
    /// Seconds between two looks at the event outbox (event streams), at the clock's events
    /// (a round opening or closing at its time, a deadline 24 hours ahead) and at webhook
    /// deliveries due.
    #[arg(long, env = "PENHOLDER_EVENTS_POLL", default_value_t = 0.5, value_parser = seconds)]
    pub events_poll: f64,
    /// Seconds before a failed webhook delivery is tried again; doubled after each failure…
    #[arg(long, env = "PENHOLDER_WEBHOOK_RETRY", default_value_t = 10.0, value_parser = seconds)]
    pub webhook_retry: f64,
    /// …up to this many seconds.
    #[arg(long, env = "PENHOLDER_WEBHOOK_RETRY_CAP", default_value_t = 3600.0, value_parser = seconds)]
    pub webhook_retry_cap: f64,
    /// Attempts of one webhook delivery before it is given up.
    #[arg(long, env = "PENHOLDER_WEBHOOK_ATTEMPTS", default_value_t = 8)]
    pub webhook_attempts: u32,
    /// Days a finished webhook delivery (delivered, or given up) stays in its subscription's
    /// log before it is pruned with its attempts (events themselves are kept).
    #[arg(long, env = "PENHOLDER_WEBHOOK_RETENTION_DAYS", default_value_t = 30.0)]
    pub webhook_retention_days: f64,
    /// Let webhooks reach loopback, private and link-local addresses (refused by default:
    /// a subscription must not be a way into the server's own network).
    #[arg(long, env = "PENHOLDER_WEBHOOK_PRIVATE_TARGETS")]
    pub webhook_private_targets: bool,
    #[command(flatten)]
    pub keys: KeyArgs,
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(&args.log)
        .with_context(|| format!("invalid log filter {:?}", args.log))?;
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(LogSink::default())
        // Its report of a failed write is an `eprintln!`, which panics when standard error
        // fails too (a full disk): in a request's logging layer that cost the request.
        .log_internal_errors(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if args.log_json {
        subscriber.json().init();
    } else {
        subscriber.init();
    }
    let verifier = args.keys.verifier()?;
    let audit_key = args.audit_key.as_deref().map(read_audit_key).transpose()?;
    let shown = redacted(&args.db);
    let store = Store::open_url_or_path(&args.db, StoreOptions::default()).map_err(|e| {
        let advice = match e {
            StoreError::Corrupt { .. } => RESTORE,
            _ => "",
        };
        anyhow::anyhow!("cannot open the database {shown}: {e}{advice}")
    })?;
    check_at_start(&store, &shown, args.check_budget)?;
    let state = AppState::new(
        store.clone(),
        verifier,
        Arc::new(SystemClock),
        ServerConfig {
            body_limit: args.body_limit,
            audit_key: audit_key.map(Arc::new),
            body_timeout: Duration::from_secs_f64(args.body_timeout),
            connections: ConnectionLimits {
                header_timeout: Duration::from_secs_f64(args.header_timeout),
                max_connections: args.max_connections,
                max_header_bytes: args.max_header_bytes,
                shutdown_grace: Duration::from_secs_f64(args.shutdown_grace),
            },
            events: EventsConfig {
                poll: Duration::from_secs_f64(args.events_poll),
                retry_base: Duration::from_secs_f64(args.webhook_retry),
                retry_cap: Duration::from_secs_f64(args.webhook_retry_cap),
                max_attempts: args.webhook_attempts.max(1),
                delivery_retention: Duration::try_from_secs_f64(
                    args.webhook_retention_days * 86_400.0,
                )
                .map_err(|_| {
                    anyhow::anyhow!(
                        "--webhook-retention-days: a number of days, 0 or more (30 by default)"
                    )
                })?,
                private_targets: args.webhook_private_targets,
                ..EventsConfig::default()
            },
        },
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let address = listener.local_addr()?;
        // The first line of standard output: tests and scripts read the port from it.
        let mut out = std::io::stdout().lock();
        writeln!(out, "penholder listening on http://{address}")?;
        out.flush()?;
        drop(out);
        tracing::info!(%address, db = %shown, "serving");
        penholder_server::serve(listener, state, shutdown_signal()).await?;
        anyhow::Ok(())
    })?;
    drop(runtime);
    // The last handle: the store finishes what is queued and closes its connections.
    drop(store);
    tracing::info!("stopped; the store is closed");
    Ok(())
}

/// What to do with a damaged database, said wherever one is refused.
const RESTORE: &str = ". penholder will not serve a damaged database: stop here, keep the \
    file for investigation, and restore the latest backup (made with `penholder backup`) in \
    its place; `penholder audit verify --db FILE` checks a copy in full";

/// Refuses a database whose pages are damaged, after a check bounded by `budget_seconds`.
fn check_at_start(store: &Store, shown: &str, budget_seconds: f64) -> anyhow::Result<()> {
    if budget_seconds <= 0.0 || store.backend() != BackendKind::Sqlite {
        return Ok(());
    }
    let budget = std::time::Duration::from_secs_f64(budget_seconds);
    let check = store
        .quick_check(budget)
        .wait()
        .map_err(|e| anyhow::anyhow!("cannot check the database {shown}: {e}"))?;
    if !check.problems.is_empty() {
        let shown_problems: Vec<&str> = check.problems.iter().take(5).map(String::as_str).collect();
        bail!(
            "the database {shown} is damaged ({} problem(s) found by SQLite's quick_check: {}){RESTORE}",
            check.problems.len(),
            shown_problems.join("; ")
        );
    }
    let elapsed_ms = check.elapsed.as_millis() as u64;
    if check.complete {
        tracing::info!(elapsed_ms, "the database's pages are sound (quick_check)");
    } else {
        tracing::warn!(
            elapsed_ms,
            "the database's check at start was cut short by its budget (--check-budget); \
             what it read was sound; `penholder audit verify` checks the whole database"
        );
    }
    Ok(())
}

/// Standard error for the log, never failing its caller: a line that cannot be written (a full
/// disk, a closed pipe) is dropped and counted, and the count is said in the first line that
/// can be written again. Logging must never take a request down with it.
#[derive(Clone, Default)]
struct LogSink {
    lost: Arc<AtomicU64>,
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogSink {
    type Writer = LogSink;

    fn make_writer(&'a self) -> LogSink {
        self.clone()
    }
}

impl Write for LogSink {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        let mut err = std::io::stderr().lock();
        let lost = self.lost.load(Ordering::Relaxed);
        if lost > 0
            && writeln!(
                err,
                "[penholder] {lost} log line(s) lost: standard error could not be written"
            )
            .is_ok()
        {
            self.lost.fetch_sub(lost, Ordering::Relaxed);
        }
        if err.write_all(line).is_err() {
            self.lost.fetch_add(1, Ordering::Relaxed);
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = std::io::stderr().flush();
        Ok(())
    }
}

/// Reads the Ed25519 key that signs published audit heads.
pub fn read_audit_key(file: &std::path::Path) -> anyhow::Result<AuditKey> {
    let pem = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the audit key {}", file.display()))?;
    AuditKey::from_pem(&pem).with_context(|| format!("the audit key {}", file.display()))
}

/// A duration in seconds on the command line: positive, at most a day.
fn seconds(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if value.is_finite() && value > 0.0 && value <= 86_400.0 {
        Ok(value)
    } else {
        Err(format!(
            "{text} s is out of range: give more than 0 and at most 86400"
        ))
    }
}

/// The database as it may be logged: a URL's password replaced by `***`.
pub fn redacted(db: &str) -> String {
    let Some((scheme, rest)) = db.split_once("://") else {
        return db.to_string();
    };
    match rest.rsplit_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
            None => db.to_string(),
        },
        None => db.to_string(),
    }
}

/// Resolves at the first SIGTERM or SIGINT.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn a_database_url_is_logged_without_its_password() {
        assert_eq!(
            redacted("postgres://penholder:s3cret@db.internal:5432/penholder"),
            "postgres://penholder:***@db.internal:5432/penholder"
        );
        assert_eq!(
            redacted("postgres://postgres@127.0.0.1:5/x"),
            "postgres://postgres@127.0.0.1:5/x"
        );
        assert_eq!(redacted("data/penholder.db"), "data/penholder.db");
    }
}
