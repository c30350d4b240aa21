//! `penholder token`: mints a bearer token with the configured key, for a role, a delegation
//! and a subject, valid for `--ttl`.

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
    let token = minter.mint(&args.sub, role, args.delegation.as_deref(), now, ttl)?;
    println!("{token}");
    Ok(())
}
