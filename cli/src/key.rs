//! The key options (`--secret-env`, `--key-file`, `--key-passphrase-env`, `--api-key-env`)
//! and the signer they describe. Secrets never go on the command line: they are read from
//! environment variables or a file, into buffers wiped on drop.

use std::path::PathBuf;

use binance_sign::{Product, Signer};
use clap::Args;
use zeroize::Zeroizing;

use crate::Fail;

pub(crate) const DEFAULT_SECRET_ENV: &str = "BINANCE_API_SECRET";
pub(crate) const DEFAULT_API_KEY_ENV: &str = "BINANCE_API_KEY";

/// The key a request is signed with.
#[derive(Args, Debug)]
pub(crate) struct Key {
    /// Environment variable holding the HMAC secret.
    #[arg(long, default_value = DEFAULT_SECRET_ENV, value_name = "NAME")]
    pub(crate) secret_env: String,
    /// A PKCS#8 PEM private key (Ed25519 or RSA) to use instead of an HMAC secret.
    #[arg(long, value_name = "PEM")]
    pub(crate) key_file: Option<PathBuf>,
    /// Environment variable holding the passphrase of an encrypted --key-file.
    #[arg(long, value_name = "NAME", requires = "key_file")]
    pub(crate) key_passphrase_env: Option<String>,
}

/// The API key (sent in the X-MBX-APIKEY header).
#[derive(Args, Debug)]
pub(crate) struct ApiKey {
    /// Environment variable holding the API key.
    #[arg(long, default_value = DEFAULT_API_KEY_ENV, value_name = "NAME")]
    pub(crate) api_key_env: String,
}

/// The product a request goes to.
#[derive(Args, Debug)]
pub(crate) struct ProductArg {
    /// The product the request goes to (enforces its timestamp and recvWindow rules): spot,
    /// sapi, usdm-futures, coinm-futures, options, portfolio-margin.
    #[arg(long, value_name = "PRODUCT")]
    pub(crate) product: Option<Product>,
}

/// The name of an environment variable for messages: the default names are shown, any other
/// value of a `--*-env` argument is not (it might be a secret pasted in the wrong place).
pub(crate) fn env_name(given: &str, default: &str, flag: &str) -> String {
    if given == default {
        format!("the environment variable {default}")
    } else {
        format!("the environment variable named by {flag}")
    }
}

/// Reads an environment variable into a buffer wiped on drop.
pub(crate) fn secret_var(name: &str) -> Option<Zeroizing<String>> {
    std::env::var(name).ok().map(Zeroizing::new)
}

impl Key {
    fn no_key(&self) -> Fail {
        let var = if self.secret_env == DEFAULT_SECRET_ENV {
            format!(
                "the environment variable {DEFAULT_SECRET_ENV} (or another, named by --secret-env)"
            )
        } else {
            env_name(&self.secret_env, DEFAULT_SECRET_ENV, "--secret-env")
        };
        Fail(format!(
            "no key: set {var} to the HMAC secret, or pass --key-file with a PEM key"
        ))
    }

    /// The signer, with the API key when `api_key` is given (the WebSocket form signs it).
    pub(crate) fn signer(
        &self,
        api_key: Option<&ApiKey>,
        product: Option<Product>,
    ) -> Result<Signer, Fail> {
        self.signer_if_any(api_key, product)?
            .ok_or_else(|| self.no_key())
    }

    /// As [`signer`](Self::signer); `None` when no key is given at all.
    pub(crate) fn signer_if_any(
        &self,
        api_key: Option<&ApiKey>,
        product: Option<Product>,
    ) -> Result<Option<Signer>, Fail> {
        let api_key = match api_key {
            Some(arg) => Some(secret_var(&arg.api_key_env).ok_or_else(|| {
                Fail(format!(
                    "this command signs the API key too: set {}",
                    env_name(&arg.api_key_env, DEFAULT_API_KEY_ENV, "--api-key-env")
                ))
            })?),
            None => None,
        };
        let signer = if let Some(path) = &self.key_file {
            let pem = std::fs::read_to_string(path)
                .map(Zeroizing::new)
                .map_err(|e| Fail(format!("cannot read --key-file {}: {e}", path.display())))?;
            let passphrase = match &self.key_passphrase_env {
                Some(name) => Some(secret_var(name).ok_or_else(|| {
                    Fail(
                        "--key-passphrase-env: the environment variable it names is not set".into(),
                    )
                })?),
                None => None,
            };
            let passphrase = passphrase.as_ref().map(|p| p.as_bytes());
            match &api_key {
                Some(key) => Signer::from_pem(key.as_str(), &pem, passphrase),
                None => Signer::from_pem_without_api_key(&pem, passphrase),
            }
            .map_err(|e| Fail(format!("--key-file {}: {e}", path.display())))?
        } else {
            let Some(secret) = secret_var(&self.secret_env) else {
                return Ok(None);
            };
            let named = |e| {
                Fail(format!(
                    "{} (--secret-env): {e}",
                    env_name(&self.secret_env, DEFAULT_SECRET_ENV, "--secret-env")
                ))
            };
            match &api_key {
                Some(key) => Signer::hmac(key.as_str(), secret.as_str()).map_err(named)?,
                None => Signer::hmac_without_api_key(secret.as_str()).map_err(named)?,
            }
        };
        Ok(Some(match product {
            Some(p) => signer.for_product(p),
            None => signer,
        }))
    }
}
