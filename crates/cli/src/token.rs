//! `penholder token`: mints a bearer token with the configured key, for a role, a delegation
//! and a subject, valid for `--ttl`; with `--link`, a one-time sign-in link to the web front
//! instead (usable once within `--ttl`; the session it opens lasts a working day).

use crate::serve::KeyArgs;
use anyhow::Context;
use clap::Args;
use penholder_server::Role;
use penholder_server::auth::parse_duration;

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// admin, chair, secretariat, delegate, observer or reviewer.
    #[arg(long)]
    pub role: String,
    /// The delegation's code (required for delegates and observers).
    #[arg(long)]
    pub delegation: Option<String>,
    /// Who the token is for (a person or a system).
    #[arg(long)]
    pub sub: String,
    /// How long the token is valid: 90s, 30m, 8h, 2d.
    #[arg(long, default_value = "8h")]
    pub ttl: String,
    /// Print a one-time sign-in link to the web front at this address (the server's public
    /// URL, e.g. http://127.0.0.1:8080) instead of a bearer token.
    #[arg(long, value_name = "URL")]
    pub link: Option<String>,
    #[command(flatten)]
    pub keys: KeyArgs,
}

pub fn run(args: TokenArgs) -> anyhow::Result<()> {
    let role = Role::parse(&args.role).with_context(|| {
        format!(
            "unknown role {:?}; use admin, chair, secretariat, delegate, observer or reviewer",
            args.role
        )
    })?;
    if role.needs_delegation() && args.delegation.is_none() {
        anyhow::bail!("a {role} token needs --delegation");
    }
    if let Some(code) = &args.delegation
        && !penholder_server::wire::valid_code(code)
    {
        anyhow::bail!("{code:?} is not a delegation code (letters, digits, '-', '_')");
    }
    let ttl = parse_duration(&args.ttl).with_context(|| {
        format!(
            "{:?} is not a duration such as 90s, 30m, 8h or 2d",
            args.ttl
        )
    })?;
    let minter = args.keys.minter()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("the system clock is before 1970")?
        .as_secs() as i64;
    if let Some(base) = &args.link {
        let link = sign_in_link(base, &minter, &args, role, now, ttl)?;
        println!("{link}");
        return Ok(());
    }
    let token = minter.mint(&args.sub, role, args.delegation.as_deref(), now, ttl)?;
    println!("{token}");
    Ok(())
}

/// A one-time sign-in link: the web front's link page with a token of the links' audience.
/// The link's id only has to be unique (the signature makes it unforgeable): the clock in
/// nanoseconds, this process and a hash of the subject.
fn sign_in_link(
    base: &str,
    minter: &penholder_server::Minter,
    args: &TokenArgs,
    role: Role,
    now: i64,
    ttl: i64,
) -> anyhow::Result<String> {
    use sha2::Digest;
    let base = base.trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        anyhow::bail!(
            "--link takes the server's URL, such as http://127.0.0.1:8080 (got {base:?})"
        );
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("the system clock is before 1970")?
        .as_nanos();
    let seed = format!("{nanos}/{}/{}", std::process::id(), args.sub);
    let id = hex::encode(&sha2::Sha256::digest(seed.as_bytes())[..16]);
    let token = minter.mint_link(&args.sub, role, args.delegation.as_deref(), now, ttl, &id)?;
    Ok(format!("{base}/sign-in/link?token={token}"))
}
