//! Reading PKCS#8 PEM private keys, and telling their kind from the algorithm identifier.

use pkcs8::der::{Decode, pem::decode_vec};
use pkcs8::{EncryptedPrivateKeyInfoRef, ObjectIdentifier, PrivateKeyInfoRef};
use zeroize::Zeroizing;

use crate::error::Error;
use crate::keys::KeyKind;

const ED25519_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const RSA_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// A PKCS#8 private key: its DER bytes (zeroized on drop) and its kind.
pub(crate) struct PrivateKeyDer {
    pub(crate) der: Zeroizing<Vec<u8>>,
    pub(crate) kind: KeyKind,
}

fn invalid(message: impl Into<String>) -> Error {
    Error::InvalidKey(message.into())
}

/// Decodes a PEM private key, decrypting it with `passphrase` when it is encrypted.
pub(crate) fn read(pem: &str, passphrase: Option<&[u8]>) -> Result<PrivateKeyDer, Error> {
    let (label, der) = decode_vec(pem.trim().as_bytes())
        .map_err(|e| invalid(format!("not a PEM document ({e})")))?;
    let der = Zeroizing::new(der);
    let der = match label {
        "PRIVATE KEY" => der,
        "ENCRYPTED PRIVATE KEY" => {
            let Some(passphrase) = passphrase else {
                return Err(invalid(
                    "the PEM is an encrypted PKCS#8 key; give its passphrase",
                ));
            };
            let info = EncryptedPrivateKeyInfoRef::from_der(&der)
                .map_err(|e| invalid(format!("malformed encrypted PKCS#8 ({e})")))?;
            let doc = info.decrypt(passphrase).map_err(|_| {
                invalid("cannot decrypt the PKCS#8 key: wrong passphrase or unsupported cipher")
            })?;
            Zeroizing::new(doc.as_bytes().to_vec())
        }
        "RSA PRIVATE KEY" => {
            return Err(invalid(
                "this is a PKCS#1 RSA key (BEGIN RSA PRIVATE KEY); convert it to PKCS#8 with `openssl pkcs8 -topk8 -nocrypt -in key.pem`",
            ));
        }
        "PUBLIC KEY" => {
            return Err(invalid(
                "this is a public key; signing needs the private key (BEGIN PRIVATE KEY)",
            ));
        }
        other => {
            return Err(invalid(format!(
                "expected a PKCS#8 private key (BEGIN PRIVATE KEY), found BEGIN {other}"
            )));
        }
    };
    let info = PrivateKeyInfoRef::from_der(&der)
        .map_err(|e| invalid(format!("malformed PKCS#8 private key ({e})")))?;
    let kind = match info.algorithm.oid {
        ED25519_OID => KeyKind::Ed25519,
        RSA_OID => KeyKind::Rsa,
        oid => {
            return Err(invalid(format!(
                "unsupported key algorithm {oid}; Binance accepts Ed25519, RSA and HMAC keys"
            )));
        }
    };
    Ok(PrivateKeyDer { der, kind })
}

/// Checks that `key` holds the kind the caller asked for.
pub(crate) fn expect(key: &PrivateKeyDer, wanted: KeyKind, constructor: &str) -> Result<(), Error> {
    if key.kind == wanted {
        Ok(())
    } else {
        Err(invalid(format!(
            "this PEM holds {} key, not {} key; use {constructor}",
            key.kind.article(),
            wanted.article()
        )))
    }
}
