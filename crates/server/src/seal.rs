//! The audit head a published version carries, signed with the server's Ed25519 key.
//!
//! A version's head is the audit entry that published it (its seq and hash): that hash stands
//! for the whole chain up to the publication. Printed outside the database (the version's JSON,
//! its Word footer, its Akoma Ntoso `<meta>`), it lets anyone holding the file check later, with
//! `penholder audit verify --expect-head SEQ:HASH`, that the database still holds that entry —
//! what no check inside the database can show once its tail was cut or its chain rewritten.
//!
//! Signed, it also says which server published it: the signature is Ed25519 (RFC 8032) over
//! `penholder-audit-head-v1\0` ‖ seq (u64 big-endian) ‖ hash (32 bytes), in base64 (standard
//! alphabet, padded). Ed25519 signatures are deterministic, so the same head always carries the
//! same signature and nothing needs storing. The key is a PKCS#8 PEM (`openssl genpkey
//! -algorithm ed25519`), given to `penholder serve --audit-key`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use penholder_core::ContentHash;
use penholder_store::AuditHead;

/// A head as published: its entry, and the signature if the server has a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seal {
    pub seq: u64,
    pub hash: ContentHash,
    /// Base64 of the Ed25519 signature over [`message`].
    pub signature: Option<String>,
}

impl Seal {
    /// The head as data for the renderers.
    pub fn for_render(&self) -> penholder_render::AuditSeal {
        penholder_render::AuditSeal {
            seq: self.seq,
            hash: self.hash.to_hex(),
            signature: self.signature.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("not an Ed25519 private key in PKCS#8 PEM: {0}")]
    PrivateKey(String),
    #[error("not an Ed25519 public key in PEM: {0}")]
    PublicKey(String),
    #[error("the head carries no signature")]
    Unsigned,
    #[error("the signature is not base64 of 64 bytes")]
    Malformed,
    #[error("the signature does not match this head and key")]
    Mismatch,
}

/// What is signed for a head.
pub fn message(seq: u64, hash: &ContentHash) -> Vec<u8> {
    let mut message = Vec::with_capacity(24 + 8 + 32);
    message.extend_from_slice(b"penholder-audit-head-v1\0");
    message.extend_from_slice(&seq.to_be_bytes());
    message.extend_from_slice(&hash.0);
    message
}

/// The server's audit key.
pub struct AuditKey {
    key: SigningKey,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("AuditKey")
            .field("public", &self.public_key_pem())
            .finish()
    }
}

impl AuditKey {
    pub fn from_pem(pem: &str) -> Result<AuditKey, SealError> {
        SigningKey::from_pkcs8_pem(pem)
            .map(|key| AuditKey { key })
            .map_err(|e| SealError::PrivateKey(e.to_string()))
    }

    /// The public half, as PEM (SubjectPublicKeyInfo): what verifiers need.
    pub fn public_key_pem(&self) -> String {
        self.key
            .verifying_key()
            .to_public_key_pem(Default::default())
            .unwrap_or_default()
    }

    pub fn seal(&self, head: AuditHead) -> Seal {
        let signature = self.key.sign(&message(head.seq, &head.hash));
        Seal {
            seq: head.seq,
            hash: head.hash,
            signature: Some(STANDARD.encode(signature.to_bytes())),
        }
    }
}

/// The head as published by a server with `key` (unsigned without one).
pub fn seal(key: Option<&AuditKey>, head: AuditHead) -> Seal {
    match key {
        Some(key) => key.seal(head),
        None => Seal {
            seq: head.seq,
            hash: head.hash,
            signature: None,
        },
    }
}

/// Checks a published head's signature with the server's public key (PEM).
pub fn verify(public_key_pem: &str, seal: &Seal) -> Result<(), SealError> {
    let key = VerifyingKey::from_public_key_pem(public_key_pem)
        .map_err(|e| SealError::PublicKey(e.to_string()))?;
    let encoded = seal.signature.as_deref().ok_or(SealError::Unsigned)?;
    let bytes = STANDARD
        .decode(encoded.trim())
        .map_err(|_| SealError::Malformed)?;
    let signature = Signature::from_slice(&bytes).map_err(|_| SealError::Malformed)?;
    key.verify(&message(seal.seq, &seal.hash), &signature)
        .map_err(|_| SealError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8032's first test key, as PKCS#8 PEM.
    pub(crate) const TEST_KEY: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g
-----END PRIVATE KEY-----
";

    #[test]
    fn a_sealed_head_verifies_with_the_public_key_and_nothing_else() {
        let key = AuditKey::from_pem(TEST_KEY).unwrap();
        let head = AuditHead {
            seq: 42,
            hash: ContentHash::of(b"head"),
        };
        let sealed = key.seal(head);
        let public = key.public_key_pem();
        verify(&public, &sealed).unwrap();
        assert_eq!(key.seal(head), sealed, "deterministic");
        let other = Seal {
            seq: 43,
            ..sealed.clone()
        };
        assert!(matches!(verify(&public, &other), Err(SealError::Mismatch)));
        let unsigned = seal(None, head);
        assert!(matches!(
            verify(&public, &unsigned),
            Err(SealError::Unsigned)
        ));
        assert!(AuditKey::from_pem("not a key").is_err());
        assert!(!format!("{key:?}").contains("MC4CAQAw"));
    }
}
