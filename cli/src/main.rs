//! `binance-sign`: sign, verify and diagnose Binance API requests from the command line.
//!
//! Secrets never go on the command line: the HMAC secret is read from the environment variable
//! named by `--secret-env`, the API key from `--api-key-env`, a PEM key from `--key-file`. The
//! value of a `--*-env` argument is never printed (it might be a secret pasted by mistake), and
//! the secret, PEM text and passphrase live in buffers wiped on drop.
//! Exit codes: 0 success, 1 verification failed or problems found, 2 usage or input error.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use binance_sign::diagnose::{Api, Code, Input, Pasted};
use binance_sign::ws::WsParams;
use binance_sign::{Error, Params, Product, RecvWindow, ServerTime, Signer, Timestamp};
use clap::{Args, Parser, Subcommand};
use zeroize::Zeroizing;

const DEFAULT_SECRET_ENV: &str = "BINANCE_API_SECRET";
const DEFAULT_API_KEY_ENV: &str = "BINANCE_API_KEY";

#[derive(Parser, Debug)]
#[command(
    name = "binance-sign",
    version,
    about = "Sign, verify and diagnose Binance API requests"
)]
struct Cli {
    /// Environment variable holding the HMAC secret.
    #[arg(long, global = true, default_value = DEFAULT_SECRET_ENV, value_name = "NAME", hide_default_value = false)]
    secret_env: String,
    /// Environment variable holding the API key (needed by `ws` only).
    #[arg(long, global = true, default_value = DEFAULT_API_KEY_ENV, value_name = "NAME")]
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

/// A request as sent: pasted as a query (alone, `?query`, or a full URL) and a body, or as a
/// whole `curl` command line or raw HTTP request.
#[derive(Args, Debug)]
struct Request {
    /// The query string as sent: alone, with a leading `?`, or as a full URL (surrounding
    /// whitespace and line breaks are trimmed); with --ws, the WebSocket params JSON.
    #[arg(long, default_value = "")]
    query: String,
    /// The form body as sent.
    #[arg(long, default_value = "")]
    body: String,
    /// A file (`-` for stdin) holding a `curl` command line or a raw HTTP/1.1 request; its
    /// X-MBX-APIKEY header is the API key sent.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["query", "body"])]
    request: Option<PathBuf>,
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
        #[command(flatten)]
        request: Request,
    },
    /// Explain why Binance rejected a request (-1022, -1021, -1100, -2015, ...).
    Diagnose {
        #[command(flatten)]
        request: Request,
        /// Binance's server time in milliseconds when the request arrived.
        #[arg(long, value_name = "MS")]
        server_time: Option<u64>,
        /// The error code Binance answered, e.g. -1022.
        #[arg(long, allow_hyphen_values = true, value_name = "N")]
        error_code: Option<i64>,
        /// The request went to the WebSocket API (--query holds the params JSON).
        #[arg(long, conflicts_with = "request")]
        ws: bool,
        /// Print {"valid","findings":[{"code","severity","message","fix","confirmed"}],"stripped"} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check the bytes another encoder produced: do they carry exactly the parameters meant,
    /// and will Binance accept them? Exit 0 ok, 1 findings. The signature is checked when the
    /// secret variable (or --key-file) is set.
    Check {
        /// An expected parameter, compared as exact text after decoding (repeat the flag; a
        /// repeated key once per value).
        #[arg(long = "expect", value_name = "KEY=VALUE")]
        expect: Vec<String>,
        /// An expected plain decimal, compared numerically (no exponent allowed in what was sent).
        #[arg(long = "expect-decimal", value_name = "KEY=VALUE")]
        expect_decimal: Vec<String>,
        /// An expected JSON value, compared as JSON.
        #[arg(long = "expect-json", value_name = "KEY=VALUE")]
        expect_json: Vec<String>,
        /// The query string as sent (without `?`).
        #[arg(long, default_value = "")]
        query: String,
        /// The form body as sent.
        #[arg(long, default_value = "")]
        body: String,
        /// Print the verdict as JSON: {"ok","findings":[{"code","key","message"}]}.
        #[arg(long)]
        json: bool,
        /// Read one JSON request per line on stdin, answer one verdict per line on stdout, in
        /// order, flushed per line: {"expect":[["k","v"(,"decimal"|"json")]],"query","body"}.
        #[arg(long, conflicts_with_all = ["expect", "expect_decimal", "expect_json", "query", "body", "json"])]
        jsonl: bool,
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
    let optional_key = matches!(cli.command, Command::Check { .. });
    let signer = match signer(&cli, needs_api_key)? {
        Some(signer) => signer,
        None if optional_key => return check(cli.command, None),
        None => return Err(no_key(&cli)),
    };
    let product = cli.product;
    let cli_api_key_env = cli.api_key_env.clone();
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
        Command::Verify { request } => {
            let pasted = pasted(&request)?;
            for stripped in &pasted.stripped {
                eprintln!("note: read as sent after stripping {stripped}");
            }
            match signer.verify(&pasted.query, &pasted.body) {
                Ok(()) => {
                    // The signature matches these bytes; but bytes that are not safe to send
                    // as they are never reach Binance like this.
                    let diagnosis = signer.diagnose(&Input::pasted(&pasted))?;
                    let unsafe_bytes = diagnosis
                        .errors()
                        .find(|f| matches!(f.code, Code::MalformedEscape | Code::ClientReencoded));
                    match unsafe_bytes {
                        Some(f) => {
                            println!("invalid: the signature matches, but {}", f.message);
                            Ok(ExitCode::from(1))
                        }
                        None => {
                            println!("valid");
                            Ok(ExitCode::SUCCESS)
                        }
                    }
                }
                Err(e) => {
                    println!("invalid: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Diagnose {
            request,
            server_time,
            error_code,
            ws,
            json,
        } => {
            let pasted = if ws {
                let mut p = Pasted::default();
                p.query = request.query.trim().to_owned();
                p
            } else {
                pasted(&request)?
            };
            let env_api_key = secret_var(&cli_api_key_env);
            let mut input = Input::pasted(&pasted);
            if input.api_key.is_none() {
                input.api_key = env_api_key.as_ref().map(|k| k.as_str());
            }
            input.api = if ws { Api::WebSocket } else { Api::Rest };
            input.server_time = server_time.map(ServerTime::from_millis).transpose()?;
            input.error_code = error_code;
            input.product = product;
            let diagnosis = signer.diagnose(&input)?;
            if json {
                println!("{}", serde_json::to_string(&diagnosis).unwrap_or_default());
            } else {
                for stripped in &diagnosis.stripped {
                    println!("read as sent after stripping {stripped}");
                }
                println!("{}", diagnosis.summary());
                for (i, f) in diagnosis.findings.iter().enumerate() {
                    let certainty = if f.confirmed {
                        ", confirmed by the signature"
                    } else {
                        ""
                    };
                    println!(
                        "{}. [{}] ({}{certainty}) {}",
                        i + 1,
                        f.code,
                        f.severity,
                        f.message
                    );
                    println!("   fix: {}", f.fix);
                }
            }
            Ok(if diagnosis.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        command @ Command::Check { .. } => check(command, Some(&signer)),
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

/// `check`, with the signature checked when there is a key.
fn check(command: Command, signer: Option<&Signer>) -> Result<ExitCode, Fail> {
    use binance_sign::check::{Expect, Kind, check, serve_jsonl};
    let Command::Check {
        expect,
        expect_decimal,
        expect_json,
        query,
        body,
        json,
        jsonl,
    } = command
    else {
        return Err(Fail("not the check command".into()));
    };
    if jsonl {
        let stdin = std::io::stdin().lock();
        let stdout = std::io::stdout().lock();
        serve_jsonl(stdin, stdout, signer).map_err(|e| Fail(format!("check --jsonl: {e}")))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut expected = Vec::new();
    for (list, kind) in [
        (&expect, Kind::Text),
        (&expect_decimal, Kind::Decimal),
        (&expect_json, Kind::Json),
    ] {
        for (k, v) in key_values(list)? {
            expected.push(Expect::new(k, v, kind));
        }
    }
    let verdict = check(&expected, &query, &body, signer);
    if json {
        println!("{}", serde_json::to_string(&verdict).unwrap_or_default());
    } else if verdict.ok {
        println!("ok");
    } else {
        for f in &verdict.findings {
            match &f.key {
                Some(key) => println!("[{}] {key}: {}", f.code, f.message),
                None => println!("[{}] {}", f.code, f.message),
            }
        }
    }
    Ok(if verdict.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The request given on the command line, as an HTTP client would send it.
fn pasted(request: &Request) -> Result<Pasted, Fail> {
    let Some(path) = &request.request else {
        if request.query.is_empty() && request.body.is_empty() {
            return Err(Fail(
                "give the request: --query (and --body), or --request FILE".into(),
            ));
        }
        return Ok(Pasted::query_and_body(&request.query, &request.body));
    };
    let mut text = String::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text))
    };
    read.map_err(|e| Fail(format!("cannot read --request {}: {e}", path.display())))?;
    Ok(Pasted::parse(&text)?)
}

/// The name of an environment variable for messages: the default names are shown, any other
/// value of a `--*-env` argument is not (it might be a secret pasted in the wrong place).
fn env_name<'a>(given: &'a str, default: &'a str, flag: &'a str) -> String {
    if given == default {
        format!("the environment variable {default}")
    } else {
        format!("the environment variable named by {flag}")
    }
}

/// Reads an environment variable into a buffer wiped on drop.
fn secret_var(name: &str) -> Option<Zeroizing<String>> {
    std::env::var(name).ok().map(Zeroizing::new)
}

fn no_key(cli: &Cli) -> Fail {
    Fail(format!(
        "no key: set {} to the HMAC secret, or pass --key-file",
        env_name(&cli.secret_env, DEFAULT_SECRET_ENV, "--secret-env")
    ))
}

/// The signer the options describe; `None` when no key is given at all.
fn signer(cli: &Cli, needs_api_key: bool) -> Result<Option<Signer>, Fail> {
    // Only the WebSocket form signs the API key; elsewhere it is not needed, and a malformed
    // one (what `-2014` is about) must not stop the doctor.
    let api_key = secret_var(&cli.api_key_env).filter(|_| needs_api_key);
    if needs_api_key && api_key.is_none() {
        return Err(Fail(format!(
            "this command signs the API key too: set {}",
            env_name(&cli.api_key_env, DEFAULT_API_KEY_ENV, "--api-key-env")
        )));
    }
    let signer = if let Some(path) = &cli.key_file {
        let pem = std::fs::read_to_string(path)
            .map(Zeroizing::new)
            .map_err(|e| Fail(format!("cannot read --key-file {}: {e}", path.display())))?;
        let passphrase = match &cli.key_passphrase_env {
            Some(name) => Some(secret_var(name).ok_or_else(|| {
                Fail("--key-passphrase-env: the environment variable it names is not set".into())
            })?),
            None => None,
        };
        let passphrase = passphrase.as_ref().map(|p| p.as_bytes());
        match &api_key {
            Some(key) => Signer::from_pem(key.as_str(), &pem, passphrase)?,
            None => Signer::from_pem_without_api_key(&pem, passphrase)?,
        }
    } else {
        let Some(secret) = secret_var(&cli.secret_env) else {
            return Ok(None);
        };
        match &api_key {
            Some(key) => Signer::hmac(key.as_str(), secret.as_str())?,
            None => Signer::hmac_without_api_key(secret.as_str())?,
        }
    };
    Ok(Some(match cli.product {
        Some(p) => signer.for_product(p),
        None => signer,
    }))
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
