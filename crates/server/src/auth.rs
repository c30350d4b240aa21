//! Who is asking: bearer tokens (JWT) checked against one pinned algorithm and key, turned into
//! a [`Principal`] (subject, role, delegation).
//!
//! The algorithm is chosen by configuration, never by the token: a token whose header names any
//! other algorithm (`none` included, which jsonwebtoken cannot even parse) is refused. Lifetimes
//! (`exp`, `nbf`, `iat`) are checked against the server's [`crate::Clock`], not the machine's,
//! so tests control them. `iss` and `aud` must match the configured values exactly.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

pub use penholder_negotiation::Role;

/// The claims of a penholder token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    /// The delegation's code (`HU`, `EU`); absent for an admin or a reviewer acting alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation: Option<String>,
    pub role: String,
    /// Expiry, Unix seconds.
    pub exp: i64,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Not before, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    pub iss: String,
    pub aud: Audience,
}

/// `aud` may be one string or a list (RFC 7519 §4.1.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// The authenticated caller of one request: the application layer's [`Caller`], read from the
/// bearer token.
pub use penholder_negotiation::Caller as Principal;

/// The signing algorithms penholder can be configured with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// HMAC-SHA-256 with a shared secret (the default).
    Hs256,
    /// Ed25519 signatures; the server holds only the public key.
    EdDsa,
    /// RSA PKCS#1 v1.5 with SHA-256; the server holds only the public key.
    Rs256,
}

impl KeyAlgorithm {
    pub fn parse(name: &str) -> Option<KeyAlgorithm> {
        match name.to_ascii_uppercase().as_str() {
            "HS256" => Some(KeyAlgorithm::Hs256),
            "EDDSA" | "ED25519" => Some(KeyAlgorithm::EdDsa),
            "RS256" => Some(KeyAlgorithm::Rs256),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KeyAlgorithm::Hs256 => "HS256",
            KeyAlgorithm::EdDsa => "EdDSA",
            KeyAlgorithm::Rs256 => "RS256",
        }
    }

    fn jwt(self) -> Algorithm {
        match self {
            KeyAlgorithm::Hs256 => Algorithm::HS256,
            KeyAlgorithm::EdDsa => Algorithm::EdDSA,
            KeyAlgorithm::Rs256 => Algorithm::RS256,
        }
    }
}

/// Why a key could not be loaded (a configuration mistake, reported at startup).
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the HS256 secret is {0} bytes long; use at least 32 random bytes")]
    ShortSecret(usize),
    #[error("the {algorithm} key is not a valid PEM key: {reason}")]
    BadPem {
        algorithm: &'static str,
        reason: String,
    },
    #[error("HS256 uses a shared secret, not a key file")]
    SecretExpected,
}

/// Why a token was refused; the text goes to the client in `WWW-Authenticate`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TokenError(pub String);

fn token_error(text: impl Into<String>) -> TokenError {
    TokenError(text.into())
}

/// The issuer and audience every token must carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenScope {
    pub issuer: String,
    pub audience: String,
}

impl Default for TokenScope {
    fn default() -> Self {
        TokenScope {
            issuer: "penholder".into(),
            audience: "penholder".into(),
        }
    }
}

/// How much clock difference between the token's issuer and the server is tolerated.
const LEEWAY_SECONDS: i64 = 60;

/// The audience of a one-time sign-in link for the web front (`penholder token --link`): the
/// API's audience with this suffix, so that the API refuses a link's token as a bearer token
/// (a link is for signing in once, not for calling the API until it expires).
pub const SIGN_IN_AUDIENCE_SUFFIX: &str = "#sign-in";

/// A sign-in link's claims: a token's, and the link's id (`jti`), which is used once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkClaims {
    #[serde(flatten)]
    pub claims: Claims,
    pub jti: String,
}

/// Checks tokens: one algorithm, one key, one issuer, one audience.
pub struct Verifier {
    algorithm: KeyAlgorithm,
    key: DecodingKey,
    validation: Validation,
    /// The same checks with the sign-in links' audience.
    link_validation: Validation,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

fn check_secret(secret: &[u8]) -> Result<(), KeyError> {
    if secret.len() < 32 {
        return Err(KeyError::ShortSecret(secret.len()));
    }
    Ok(())
}

fn bad_pem(algorithm: KeyAlgorithm, error: jsonwebtoken::errors::Error) -> KeyError {
    KeyError::BadPem {
        algorithm: algorithm.as_str(),
        reason: error.to_string(),
    }
}

impl Verifier {
    /// HS256 with a shared secret (at least 32 bytes).
    pub fn hs256(secret: &[u8], scope: &TokenScope) -> Result<Verifier, KeyError> {
        check_secret(secret)?;
        Ok(Verifier::new(
            KeyAlgorithm::Hs256,
            DecodingKey::from_secret(secret),
            scope,
        ))
    }

    /// EdDSA or RS256 with a public key in PEM form.
    pub fn public_key(
        algorithm: KeyAlgorithm,
        pem: &[u8],
        scope: &TokenScope,
    ) -> Result<Verifier, KeyError> {
        let key = match algorithm {
            KeyAlgorithm::Hs256 => return Err(KeyError::SecretExpected),
            KeyAlgorithm::EdDsa => DecodingKey::from_ed_pem(pem),
            KeyAlgorithm::Rs256 => DecodingKey::from_rsa_pem(pem),
        }
        .map_err(|e| bad_pem(algorithm, e))?;
        Ok(Verifier::new(algorithm, key, scope))
    }

    fn new(algorithm: KeyAlgorithm, key: DecodingKey, scope: &TokenScope) -> Verifier {
        let mut validation = Validation::new(algorithm.jwt());
        // Lifetimes are checked against the server's clock in `verify`, not the machine's.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_issuer(&[&scope.issuer]);
        validation.set_audience(&[&scope.audience]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        let mut link_validation = validation.clone();
        link_validation.set_audience(&[format!("{}{SIGN_IN_AUDIENCE_SUFFIX}", scope.audience)]);
        Verifier {
            algorithm,
            key,
            validation,
            link_validation,
        }
    }

    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The caller a token names, if its signature, algorithm, issuer, audience, lifetime and
    /// claims all check out at `now_seconds`.
    pub fn verify(&self, token: &str, now_seconds: i64) -> Result<Principal, TokenError> {
        self.verify_until(token, now_seconds)
            .map(|(principal, _)| principal)
    }

    /// [`Verifier::verify`], with the token's expiry (`exp`, Unix seconds): the web front's
    /// session never outlives the token it was opened with.
    pub fn verify_until(
        &self,
        token: &str,
        now_seconds: i64,
    ) -> Result<(Principal, i64), TokenError> {
        refuse_critical_extensions(token)?;
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)
            .map_err(|e| describe(&e, self.algorithm))?;
        let expires = data.claims.exp;
        Ok((
            self.check(data.claims, data.header.alg, now_seconds)?,
            expires,
        ))
    }

    /// A one-time sign-in link's token: checked as a bearer token is, but with the links'
    /// audience; with its expiry (Unix seconds) and its id (`jti`).
    pub fn verify_link(
        &self,
        token: &str,
        now_seconds: i64,
    ) -> Result<(Principal, i64, String), TokenError> {
        refuse_critical_extensions(token)?;
        let data = jsonwebtoken::decode::<LinkClaims>(token, &self.key, &self.link_validation)
            .map_err(|e| describe(&e, self.algorithm))?;
        let LinkClaims { claims, jti } = data.claims;
        let expires = claims.exp;
        Ok((
            self.check(claims, data.header.alg, now_seconds)?,
            expires,
            jti,
        ))
    }

    fn check(
        &self,
        claims: Claims,
        alg: Algorithm,
        now_seconds: i64,
    ) -> Result<Principal, TokenError> {
        // Saturating: a token may claim any number (exp = i64::MAX is a token that never
        // expires, which the server's own minter never writes but must not crash on).
        let latest = now_seconds.saturating_add(LEEWAY_SECONDS);
        if claims.exp.saturating_add(LEEWAY_SECONDS) <= now_seconds {
            return Err(token_error("the token has expired"));
        }
        if let Some(nbf) = claims.nbf
            && nbf > latest
        {
            return Err(token_error(
                "the token is not valid yet (nbf is in the future)",
            ));
        }
        if claims.iat > latest {
            return Err(token_error("the token was issued in the future (iat)"));
        }
        let role = Role::parse(&claims.role).ok_or_else(|| {
            token_error(format!(
                "unknown role {:?}; expected one of admin, chair, secretariat, delegate, observer, reviewer",
                claims.role
            ))
        })?;
        if claims.sub.trim().is_empty() {
            return Err(token_error("the token's sub claim is empty"));
        }
        let delegation = claims.delegation.filter(|code| !code.is_empty());
        if let Some(code) = &delegation
            && !crate::wire::valid_code(code)
        {
            return Err(token_error(
                "the token's delegation claim is not a delegation code",
            ));
        }
        if role.needs_delegation() && delegation.is_none() {
            return Err(token_error(format!(
                "a {role} token needs a delegation claim"
            )));
        }
        if !alg.eq(&self.algorithm.jwt()) {
            return Err(token_error("the token's algorithm is not accepted"));
        }
        Ok(Principal {
            sub: claims.sub,
            role,
            delegation,
        })
    }
}

fn describe(error: &jsonwebtoken::errors::Error, algorithm: KeyAlgorithm) -> TokenError {
    token_error(match error.kind() {
        ErrorKind::InvalidSignature => "the token's signature does not verify".to_string(),
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => format!(
            "the token's algorithm is not accepted; this server accepts only {}",
            algorithm.as_str()
        ),
        ErrorKind::InvalidIssuer => "the token's issuer (iss) is not accepted".to_string(),
        ErrorKind::InvalidAudience => "the token's audience (aud) is not accepted".to_string(),
        ErrorKind::MissingRequiredClaim(claim) => format!("the token has no {claim} claim"),
        ErrorKind::InvalidClaimFormat(claim) => format!("the token's {claim} claim is malformed"),
        ErrorKind::Json(inner) => format!("the token's claims are not valid: {inner}"),
        ErrorKind::ExpiredSignature => "the token has expired".to_string(),
        ErrorKind::ImmatureSignature => "the token is not valid yet".to_string(),
        // A header naming `none` or an unknown algorithm fails to parse as JSON for jsonwebtoken,
        // and any other shape problem lands here too.
        _ => format!(
            "the token is not a valid JWT signed with {}",
            algorithm.as_str()
        ),
    })
}

/// Signs tokens with the configured key (the `penholder token` command).
pub struct Minter {
    algorithm: KeyAlgorithm,
    key: EncodingKey,
    scope: TokenScope,
}

impl Minter {
    pub fn hs256(secret: &[u8], scope: TokenScope) -> Result<Minter, KeyError> {
        check_secret(secret)?;
        Ok(Minter {
            algorithm: KeyAlgorithm::Hs256,
            key: EncodingKey::from_secret(secret),
            scope,
        })
    }

    /// EdDSA or RS256 with a private key in PEM form (PKCS#8; PKCS#1 also for RSA).
    pub fn private_key(
        algorithm: KeyAlgorithm,
        pem: &[u8],
        scope: TokenScope,
    ) -> Result<Minter, KeyError> {
        let key = match algorithm {
            KeyAlgorithm::Hs256 => return Err(KeyError::SecretExpected),
            KeyAlgorithm::EdDsa => EncodingKey::from_ed_pem(pem),
            KeyAlgorithm::Rs256 => EncodingKey::from_rsa_pem(pem),
        }
        .map_err(|e| bad_pem(algorithm, e))?;
        Ok(Minter {
            algorithm,
            key,
            scope,
        })
    }

    /// A token for `sub` with `role` (and `delegation`), valid from `now_seconds` for
    /// `ttl_seconds`.
    pub fn mint(
        &self,
        sub: &str,
        role: Role,
        delegation: Option<&str>,
        now_seconds: i64,
        ttl_seconds: i64,
    ) -> Result<String, TokenError> {
        let claims = Claims {
            sub: sub.to_string(),
            delegation: delegation.map(str::to_owned),
            role: role.as_str().to_string(),
            exp: now_seconds.saturating_add(ttl_seconds),
            iat: now_seconds,
            nbf: Some(now_seconds),
            iss: self.scope.issuer.clone(),
            aud: Audience::One(self.scope.audience.clone()),
        };
        self.sign(&claims)
    }

    /// A one-time sign-in link's token for the web front: the claims of [`Minter::mint`] with
    /// the links' audience and the link's id `jti`.
    pub fn mint_link(
        &self,
        sub: &str,
        role: Role,
        delegation: Option<&str>,
        now_seconds: i64,
        ttl_seconds: i64,
        jti: &str,
    ) -> Result<String, TokenError> {
        let claims = LinkClaims {
            claims: Claims {
                sub: sub.to_string(),
                delegation: delegation.map(str::to_owned),
                role: role.as_str().to_string(),
                exp: now_seconds.saturating_add(ttl_seconds),
                iat: now_seconds,
                nbf: Some(now_seconds),
                iss: self.scope.issuer.clone(),
                aud: Audience::One(format!("{}{SIGN_IN_AUDIENCE_SUFFIX}", self.scope.audience)),
            },
            jti: jti.to_string(),
        };
        self.sign(&claims)
    }

    /// Signs any claims (tests use it to make tokens that are wrong in one precise way).
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, TokenError> {
        jsonwebtoken::encode(&Header::new(self.algorithm.jwt()), claims, &self.key)
            .map_err(|e| token_error(format!("cannot sign the token: {e}")))
    }
}

/// A duration such as `8h`, `30m`, `2d`, `90s` or `3600` (seconds), in seconds.
pub fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(split) => text.split_at(split),
        None => (text, "s"),
    };
    let number: i64 = number.parse().ok()?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    number.checked_mul(factor).filter(|seconds| *seconds > 0)
}

/// RFC 7515, section 4.1.11: a header that lists extensions as critical (`crit`) must be
/// refused unless each is understood, and penholder understands none. (jsonwebtoken ignores
/// the parameter, so it is read here.)
fn refuse_critical_extensions(token: &str) -> Result<(), TokenError> {
    use base64::Engine as _;
    let header = token.split('.').next().unwrap_or_default();
    // An undecodable header is jsonwebtoken's to refuse, with its own message.
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header) else {
        return Ok(());
    };
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(value) if value.get("crit").is_some() => Err(token_error(
            "the token's header lists critical extensions (crit), which penholder does not understand",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const NOW: i64 = 1_700_000_000;

    fn pair() -> (Minter, Verifier) {
        let scope = TokenScope::default();
        (
            Minter::hs256(SECRET, scope.clone()).expect("secret"),
            Verifier::hs256(SECRET, &scope).expect("secret"),
        )
    }

    #[test]
    fn a_minted_token_verifies() {
        let (minter, verifier) = pair();
        let token = minter
            .mint("anna", Role::Delegate, Some("HU"), NOW, 3600)
            .expect("mint");
        let principal = verifier.verify(&token, NOW + 10).expect("valid");
        assert_eq!(principal.role, Role::Delegate);
        assert_eq!(principal.delegation.as_deref(), Some("HU"));
        let expired = verifier
            .verify(&token, NOW + 3600 + LEEWAY_SECONDS)
            .unwrap_err();
        assert!(expired.0.contains("expired"), "{expired}");
    }

    #[test]
    fn a_sign_in_link_is_not_a_bearer_token_nor_a_token_a_link() {
        let (minter, verifier) = pair();
        let link = minter
            .mint_link("anna", Role::Delegate, Some("HU"), NOW, 600, "link-1")
            .expect("mint");
        let (principal, expires, jti) = verifier.verify_link(&link, NOW + 1).expect("a link");
        assert_eq!(principal.delegation.as_deref(), Some("HU"));
        assert_eq!((expires, jti.as_str()), (NOW + 600, "link-1"));
        let refused = verifier.verify(&link, NOW + 1).unwrap_err();
        assert!(refused.0.contains("audience"), "{refused}");
        let token = minter
            .mint("anna", Role::Delegate, Some("HU"), NOW, 600)
            .expect("mint");
        assert!(verifier.verify_link(&token, NOW + 1).is_err());
        assert_eq!(
            verifier.verify_until(&token, NOW).expect("valid").1,
            NOW + 600
        );
    }

    #[test]
    fn short_secrets_and_unknown_durations_are_refused() {
        assert!(matches!(
            Verifier::hs256(b"short", &TokenScope::default()),
            Err(KeyError::ShortSecret(5))
        ));
        assert_eq!(parse_duration("8h"), Some(28_800));
        assert_eq!(parse_duration("90"), Some(90));
        assert_eq!(parse_duration("2d"), Some(172_800));
        assert_eq!(parse_duration("5y"), None);
        assert_eq!(parse_duration("0s"), None);
        assert_eq!(parse_duration("h"), None);
    }

    #[test]
    fn a_delegate_token_needs_a_delegation() {
        let (minter, verifier) = pair();
        let token = minter
            .mint("x", Role::Delegate, None, NOW, 60)
            .expect("mint");
        assert!(
            verifier
                .verify(&token, NOW)
                .unwrap_err()
                .0
                .contains("delegation")
        );
    }

    fn claims(exp: i64) -> Claims {
        Claims {
            sub: "anna".into(),
            delegation: Some("HU".into()),
            role: "delegate".into(),
            exp,
            iat: NOW,
            nbf: None,
            iss: "penholder".into(),
            aud: Audience::One("penholder".into()),
        }
    }

    #[test]
    fn a_token_that_claims_the_end_of_time_is_read_not_crashed_on() {
        // Issue 12, finding 8: `exp = i64::MAX` overflowed the leeway arithmetic (a panic).
        let (_, verifier) = pair();
        let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
        for exp in [i64::MAX, i64::MAX - 1] {
            let token = jsonwebtoken::encode(
                &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
                &claims(exp),
                &key,
            )
            .expect("encode");
            assert!(verifier.verify(&token, NOW).is_ok());
            assert!(verifier.verify(&token, i64::MAX).is_err());
        }
    }

    #[test]
    fn a_header_with_critical_extensions_is_refused() {
        // Issue 12, finding 8: RFC 7515 says refuse what `crit` lists unless understood.
        use base64::Engine as _;
        let (_, verifier) = pair();
        let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
        let encode = |value: &serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(serde_json::to_vec(value).expect("json"))
        };
        let payload = encode(&serde_json::to_value(claims(NOW + 3600)).expect("claims"));
        for (header, accepted) in [
            (serde_json::json!({"alg": "HS256", "typ": "JWT"}), true),
            (
                serde_json::json!({"alg": "HS256", "typ": "JWT", "crit": ["x-penholder-scope"], "x-penholder-scope": "all"}),
                false,
            ),
        ] {
            let message = format!("{}.{payload}", encode(&header));
            let signature = jsonwebtoken::crypto::sign(
                message.as_bytes(),
                &key,
                jsonwebtoken::Algorithm::HS256,
            )
            .expect("sign");
            let verdict = verifier.verify(&format!("{message}.{signature}"), NOW);
            assert_eq!(verdict.is_ok(), accepted, "{header}: {verdict:?}");
            if !accepted {
                assert!(verdict.unwrap_err().0.contains("crit"));
            }
        }
    }
}
