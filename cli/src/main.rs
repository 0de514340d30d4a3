//! `binance-sign`: sign, verify and diagnose Binance API requests from the command line.
//!
//! Secrets never go on the command line: the HMAC secret is read from the environment variable
//! named by `--secret-env`, the API key from `--api-key-env`, a PEM key from `--key-file`.
//! Exit codes: 0 success, 1 verification failed or problems found, 2 usage or input error.

use std::path::PathBuf;
use std::process::ExitCode;

use binance_sign::diagnose::{Api, Input};
use binance_sign::ws::WsParams;
use binance_sign::{Error, Params, Product, RecvWindow, ServerTime, Signer, Timestamp};
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "binance-sign",
    version,
    about = "Sign, verify and diagnose Binance API requests"
)]
struct Cli {
    /// Environment variable holding the HMAC secret.
    #[arg(
        long,
        global = true,
        default_value = "BINANCE_API_SECRET",
        value_name = "NAME"
    )]
    secret_env: String,
    /// Environment variable holding the API key.
    #[arg(
        long,
        global = true,
        default_value = "BINANCE_API_KEY",
        value_name = "NAME"
    )]
    api_key_env: String,
    /// A PKCS#8 PEM private key (Ed25519 or RSA) to use instead of an HMAC secret.
    #[arg(long, global = true, value_name = "PEM")]
    key_file: Option<PathBuf>,
    /// Environment variable holding the passphrase of an encrypted --key-file.
    #[arg(long, global = true, value_name = "NAME")]
    key_passphrase_env: Option<String>,
    /// The product the request goes to (enforces its timestamp and recvWindow rules): spot,
    /// sapi, usdm-futures, coinm-futures, options, portfolio-margin.
    #[arg(long, global = true, value_name = "PRODUCT")]
    product: Option<Product>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Sign KEY=VALUE parameters; print the wire string(s), signature last.
    Sign {
        /// Timestamp in milliseconds (default: the system clock).
        #[arg(long, conflicts_with = "timestamp_us")]
        timestamp: Option<u64>,
        /// Timestamp in microseconds (spot only).
        #[arg(long, value_name = "US")]
        timestamp_us: Option<u64>,
        /// recvWindow in milliseconds (up to three decimals on spot).
        #[arg(long, value_name = "MS")]
        recv_window: Option<RecvWindow>,
        /// Put everything in the body (POST, PUT) instead of the query.
        #[arg(long)]
        body: bool,
        /// Put the first N parameters in the query and the rest in the body.
        #[arg(long, value_name = "N", conflicts_with = "body")]
        split_at: Option<usize>,
        /// Print {"query","body","signature","payload"} as JSON.
        #[arg(long)]
        json: bool,
        /// Parameters, each split at its first `=`; values are raw text.
        #[arg(value_name = "KEY=VALUE")]
        params: Vec<String>,
    },
    /// Verify a signed request: exit 0 and `valid`, or exit 1 and the reason.
    Verify {
        /// The query string as sent (without `?`).
        #[arg(long, default_value = "")]
        query: String,
        /// The form body as sent.
        #[arg(long, default_value = "")]
        body: String,
    },
    /// Explain why Binance rejected a request (-1022, -1021, -1100, -2015, ...).
    Diagnose {
        /// The query string as sent; with --ws, the WebSocket params JSON object.
        #[arg(long, default_value = "")]
        query: String,
        /// The form body as sent.
        #[arg(long, default_value = "")]
        body: String,
        /// Binance's server time in milliseconds when the request arrived.
        #[arg(long, value_name = "MS")]
        server_time: Option<u64>,
        /// The error code Binance answered, e.g. -1022.
        #[arg(long, allow_hyphen_values = true, value_name = "N")]
        error_code: Option<i64>,
        /// The request went to the WebSocket API.
        #[arg(long)]
        ws: bool,
        /// Print {"valid","findings":[{"code","message","fix"}]} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a signed WebSocket API request.
    Ws {
        /// The method, e.g. order.place.
        method: String,
        /// Timestamp in milliseconds (default: the system clock).
        #[arg(long)]
        timestamp: Option<u64>,
        /// recvWindow in milliseconds.
        #[arg(long, value_name = "MS")]
        recv_window: Option<RecvWindow>,
        /// The request id.
        #[arg(long, default_value = "1")]
        id: String,
        /// Parameters, each split at its first `=`; values are JSON strings.
        #[arg(value_name = "KEY=VALUE")]
        params: Vec<String>,
    },
}

/// An input or usage problem: exit 2, message on stderr.
struct Fail(String);

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(Fail(message)) => {
            eprintln!("binance-sign: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Fail> {
    let needs_api_key = matches!(cli.command, Command::Ws { .. });
    let signer = signer(&cli, needs_api_key)?;
    let product = cli.product;
    match cli.command {
        Command::Sign {
            timestamp,
            timestamp_us,
            recv_window,
            body,
            split_at,
            json,
            params,
        } => {
            let (ts, rw) = (timestamp_arg(timestamp, timestamp_us)?, recv_window);
            let pairs = key_values(&params)?;
            let req = match split_at {
                Some(n) => {
                    let n = n.min(pairs.len());
                    let query = Params::try_from_pairs(pairs[..n].iter().cloned())?;
                    let body = Params::try_from_pairs(pairs[n..].iter().cloned())?;
                    signer.sign_split(&query, &body, ts, rw)?
                }
                None => {
                    let all = Params::try_from_pairs(pairs)?;
                    if body {
                        signer.sign_body(&all, ts, rw)?
                    } else {
                        signer.sign_query(&all, ts, rw)?
                    }
                }
            };
            if json {
                let out = serde_json::json!({
                    "query": req.query(),
                    "body": req.body(),
                    "signature": req.signature(),
                    "payload": req.payload(),
                });
                println!("{out}");
            } else if body || split_at.is_some() {
                println!("{}", req.query());
                println!("{}", req.body());
            } else {
                println!("{}", req.query());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify { query, body } => match signer.verify(&query, &body) {
            Ok(()) => {
                println!("valid");
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                println!("invalid: {e}");
                Ok(ExitCode::from(1))
            }
        },
        Command::Diagnose {
            query,
            body,
            server_time,
            error_code,
            ws,
            json,
        } => {
            let input = Input {
                query: &query,
                body: &body,
                api: if ws { Api::WebSocket } else { Api::Rest },
                server_time: server_time.map(ServerTime::from_millis).transpose()?,
                error_code,
                product,
            };
            let diagnosis = signer.diagnose(&input)?;
            if json {
                println!("{}", serde_json::to_string(&diagnosis).unwrap_or_default());
            } else {
                println!("{}", diagnosis.summary());
                for (i, f) in diagnosis.findings.iter().enumerate() {
                    let certainty = if f.confirmed {
                        " (confirmed by the signature)"
                    } else {
                        ""
                    };
                    println!("{}. [{}]{certainty} {}", i + 1, f.code, f.message);
                    println!("   fix: {}", f.fix);
                }
            }
            let ok = diagnosis.valid && diagnosis.findings.is_empty();
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Ws {
            method,
            timestamp,
            recv_window,
            id,
            params,
        } => {
            let (ts, rw) = (timestamp_arg(timestamp, None)?, recv_window);
            let mut ws_params = WsParams::new();
            for (k, v) in key_values(&params)? {
                ws_params.insert(k, v)?;
            }
            let signed = signer.sign_ws(&ws_params, ts, rw)?;
            println!("{}", signed.to_request(id, &method));
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn signer(cli: &Cli, needs_api_key: bool) -> Result<Signer, Fail> {
    let api_key = match std::env::var(&cli.api_key_env) {
        Ok(key) => key,
        Err(_) if !needs_api_key => "unset-api-key".to_owned(),
        Err(_) => {
            return Err(Fail(format!(
                "this command signs the API key too: set the environment variable {}",
                cli.api_key_env
            )));
        }
    };
    let signer = if let Some(path) = &cli.key_file {
        let pem = std::fs::read_to_string(path)
            .map_err(|e| Fail(format!("cannot read --key-file {}: {e}", path.display())))?;
        let passphrase = match &cli.key_passphrase_env {
            Some(name) => Some(std::env::var(name).map_err(|_| {
                Fail(format!(
                    "--key-passphrase-env: the environment variable {name} is not set"
                ))
            })?),
            None => None,
        };
        Signer::from_pem(&api_key, &pem, passphrase.as_deref().map(str::as_bytes))?
    } else {
        let secret = std::env::var(&cli.secret_env).map_err(|_| {
            Fail(format!(
                "no key: set the environment variable {} to the HMAC secret, or pass --key-file",
                cli.secret_env
            ))
        })?;
        Signer::hmac(&api_key, &secret)?
    };
    Ok(match cli.product {
        Some(p) => signer.for_product(p),
        None => signer,
    })
}

fn timestamp_arg(millis: Option<u64>, micros: Option<u64>) -> Result<Timestamp, Fail> {
    Ok(match (millis, micros) {
        (Some(ms), _) => Timestamp::from_millis(ms)?,
        (None, Some(us)) => Timestamp::from_micros(us)?,
        (None, None) => Timestamp::now_millis()?,
    })
}

fn key_values(args: &[String]) -> Result<Vec<(String, String)>, Fail> {
    args.iter()
        .map(|arg| {
            arg.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| Fail(format!("parameter `{arg}` is not KEY=VALUE")))
        })
        .collect()
}
