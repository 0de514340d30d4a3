//! `binance-sign`: sign, verify and diagnose Binance API requests from the command line.
//!
//! Secrets never go on the command line: the HMAC secret is read from the environment variable
//! named by `--secret-env`, the API key from `--api-key-env`, a PEM key from `--key-file`. The
//! value of a `--*-env` argument is never printed (it might be a secret pasted by mistake), and
//! the secret, PEM text and passphrase live in buffers wiped on drop. Each subcommand takes
//! only the options it uses.
//! Exit codes: 0 success, 1 verification failed or problems found, 2 usage or input error.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use binance_sign::diagnose::{Api, Code, Diagnosis, Input, Pasted};
use binance_sign::ws::WsParams;
use binance_sign::{
    Error, ParamError, Params, ProductError, RecvWindow, ServerTime, TimeError, Timestamp,
    WireError,
};
use clap::{Args, Parser, Subcommand};

mod key;

use key::{ApiKey, Key, ProductArg, secret_var};

#[derive(Parser, Debug)]
#[command(
    name = "binance-sign",
    version,
    about = "Sign, verify and diagnose Binance API requests"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// A request as sent: pasted as a query (alone, `?query`, or a full URL) and a body, or as a
/// whole `curl` command line or raw HTTP request.
#[derive(Args, Debug)]
struct Request {
    /// The query string as sent: alone, with a leading `?`, or as a full URL (surrounding
    /// whitespace and line breaks are trimmed).
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
    Sign(SignArgs),
    /// Verify a signed request: exit 0 and `valid`, or exit 1 and the reason.
    Verify(VerifyArgs),
    /// Explain why Binance rejected a request (-1022, -1021, -1100, -2015, ...).
    Diagnose(DiagnoseArgs),
    /// Check the bytes another encoder produced: do they carry exactly the parameters meant,
    /// and will Binance accept them? Exit 0 ok, 1 findings. The signature is checked when the
    /// secret variable (or --key-file) is set.
    Check(CheckArgs),
    /// Print a signed WebSocket API request.
    Ws(WsArgs),
}

#[derive(Args, Debug)]
struct SignArgs {
    /// Timestamp in milliseconds (default: the system clock).
    #[arg(long, conflicts_with = "timestamp_us", value_name = "MS")]
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
    #[command(flatten)]
    key: Key,
    #[command(flatten)]
    product: ProductArg,
    /// An ARRAY parameter value, sent as a repeated key (`--repeat asset=BTC --repeat
    /// asset=USDT` sends `asset=BTC&asset=USDT`, as POST /sapi/v1/asset/dust takes it); repeat
    /// the flag once per value. These go after the KEY=VALUE parameters, in the last part.
    #[arg(long = "repeat", value_name = "KEY=VALUE")]
    repeat: Vec<String>,
    /// Parameters, each split at its first `=`; values are raw text.
    #[arg(value_name = "KEY=VALUE")]
    params: Vec<String>,
}

#[derive(Args, Debug)]
struct VerifyArgs {
    #[command(flatten)]
    request: Request,
    #[command(flatten)]
    key: Key,
    #[command(flatten)]
    product: ProductArg,
}

#[derive(Args, Debug)]
struct DiagnoseArgs {
    #[command(flatten)]
    request: Request,
    /// Binance's server time in milliseconds when the request arrived.
    #[arg(long, value_name = "MS")]
    server_time: Option<u64>,
    /// The error code Binance answered, e.g. -1022.
    #[arg(long, allow_hyphen_values = true, value_name = "N")]
    error_code: Option<i64>,
    /// The request went to the WebSocket API: --query holds its params JSON.
    #[arg(long, conflicts_with = "request")]
    ws: bool,
    /// Print {"valid","findings":[{"code","severity","message","fix","confirmed"}],"stripped"} as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    key: Key,
    /// Environment variable holding the API key that was sent, when the pasted request does
    /// not show it (for the -2014 and -2015 checks).
    #[arg(long, default_value = key::DEFAULT_API_KEY_ENV, value_name = "NAME")]
    api_key_env: String,
    #[command(flatten)]
    product: ProductArg,
}

#[derive(Args, Debug)]
struct CheckArgs {
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
    /// The query string as sent: alone, with a leading `?`, or as a full URL (surrounding
    /// whitespace and line breaks are trimmed).
    #[arg(long, default_value = "")]
    query: String,
    /// The form body as sent.
    #[arg(long, default_value = "")]
    body: String,
    /// Print the verdict as JSON: {"ok","findings":[{"code","severity","key","message","count"}]}.
    #[arg(long)]
    json: bool,
    /// Read one JSON request per line on stdin, answer one verdict per line on stdout, in
    /// order, flushed per line: {"expect":[["k","v"(,"decimal"|"json")]],"query","body"(,"product")}.
    #[arg(long, conflicts_with_all = ["expect", "expect_decimal", "expect_json", "query", "body", "json"])]
    jsonl: bool,
    #[command(flatten)]
    key: Key,
    #[command(flatten)]
    product: ProductArg,
}

#[derive(Args, Debug)]
struct WsArgs {
    /// The method, e.g. order.place.
    method: String,
    /// Timestamp in milliseconds (default: the system clock).
    #[arg(long, value_name = "MS")]
    timestamp: Option<u64>,
    /// recvWindow in milliseconds.
    #[arg(long, value_name = "MS")]
    recv_window: Option<RecvWindow>,
    /// The request id.
    #[arg(long, default_value = "1")]
    id: String,
    #[command(flatten)]
    key: Key,
    #[command(flatten)]
    api_key: ApiKey,
    #[command(flatten)]
    product: ProductArg,
    /// Parameters, each split at its first `=`; values are JSON strings.
    #[arg(value_name = "KEY=VALUE")]
    params: Vec<String>,
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
    let result = match cli.command {
        Command::Sign(args) => sign(&args),
        Command::Verify(args) => verify(&args),
        Command::Diagnose(args) => diagnose(&args),
        Command::Check(args) => check(&args),
        Command::Ws(args) => ws(&args),
    };
    match result {
        Ok(code) => code,
        Err(Fail(message)) => {
            eprintln!("binance-sign: {message}");
            ExitCode::from(2)
        }
    }
}

fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// A library refusal of `sign` or `ws`, with the flag that fixes it where one does.
fn flagged(e: impl Into<Error>) -> Fail {
    let e = e.into();
    match &e {
        Error::Product(ProductError::ProductRule { .. }) => Fail(format!(
            "{e} (the rule of --product; pass --timestamp MS, or a whole --recv-window)"
        )),
        Error::Time(TimeError::TimestampOutOfRange { .. }) => Fail(format!("--timestamp: {e}")),
        Error::Time(TimeError::RecvWindowInvalid { .. }) => Fail(format!("--recv-window: {e}")),
        Error::Params(ParamError::DuplicateKey { key }) => Fail(format!(
            "parameter `{key}` is given twice; Binance rejects duplicates (-1101): give it once, or for an ARRAY parameter (such as `asset`) pass each value with --repeat {key}=VALUE"
        )),
        _ => Fail::from(e),
    }
}

/// The `KEY=VALUE` parameters of `sign` or `ws`; a key the signer sets itself is refused with
/// the flag (in `flags`) that sets it instead.
fn params_arg(args: &[String], flags: &[(&str, &str)]) -> Result<Vec<(String, String)>, Fail> {
    let pairs = key_values(args, "parameter")?;
    if let Some((key, fix)) = pairs
        .iter()
        .find_map(|(k, _)| flags.iter().find(|(reserved, _)| reserved == k))
    {
        return Err(Fail(format!(
            "parameter `{key}` is set by the signer: {fix}"
        )));
    }
    Ok(pairs)
}

/// The `--repeat KEY=VALUE` values, each key once with all its values in the order given.
fn push_repeats(params: &mut Params, repeats: &[(String, String)]) -> Result<(), Fail> {
    let mut done: Vec<&str> = Vec::new();
    for (key, _) in repeats {
        if done.contains(&key.as_str()) {
            continue;
        }
        done.push(key);
        let values = repeats
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str());
        params.push_repeated(key, values).map_err(|e| match e {
            ParamError::DuplicateKey { .. } => Fail(format!(
                "--repeat {key}: `{key}` is also given as KEY=VALUE; pass every value of it with --repeat"
            )),
            e => flagged(e),
        })?;
    }
    Ok(())
}

fn sign(args: &SignArgs) -> Result<ExitCode, Fail> {
    let pairs = params_arg(
        &args.params,
        &[
            ("timestamp", "pass --timestamp MS (or --timestamp-us US)"),
            ("recvWindow", "pass --recv-window MS"),
            ("signature", "it is computed; leave it out"),
        ],
    )?;
    let repeats = params_arg(
        &args.repeat,
        &[
            ("timestamp", "it is set once by --timestamp"),
            ("recvWindow", "it is set once by --recv-window"),
            ("signature", "it is computed; leave it out"),
        ],
    )?;
    let signer = args.key.signer(None, args.product.product)?;
    let (ts, rw) = (
        timestamp_arg(args.timestamp, args.timestamp_us)?,
        args.recv_window,
    );
    let req = match args.split_at {
        Some(n) if n > pairs.len() => {
            return Err(Fail(format!(
                "--split-at {n}: there are only {} parameters",
                pairs.len()
            )));
        }
        Some(n) => {
            let query = Params::try_from_pairs(pairs[..n].iter().cloned()).map_err(flagged)?;
            let mut body = Params::try_from_pairs(pairs[n..].iter().cloned()).map_err(flagged)?;
            push_repeats(&mut body, &repeats)?;
            signer.sign_split(&query, &body, ts, rw).map_err(flagged)?
        }
        None => {
            let mut all = Params::try_from_pairs(pairs).map_err(flagged)?;
            push_repeats(&mut all, &repeats)?;
            if args.body {
                signer.sign_body(&all, ts, rw).map_err(flagged)?
            } else {
                signer.sign_query(&all, ts, rw).map_err(flagged)?
            }
        }
    };
    if args.json {
        let out = serde_json::json!({
            "query": req.query(),
            "body": req.body(),
            "signature": req.signature(),
            "payload": req.payload(),
        });
        println!("{out}");
    } else if args.body || args.split_at.is_some() {
        println!("{}", req.query());
        println!("{}", req.body());
    } else {
        println!("{}", req.query());
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(args: &VerifyArgs) -> Result<ExitCode, Fail> {
    let signer = args.key.signer(None, args.product.product)?;
    let pasted = pasted(&args.request)?;
    for stripped in &pasted.stripped {
        eprintln!("note: read as sent after stripping {stripped}");
    }
    if let Err(e) = signer.verify(&pasted.query, &pasted.body) {
        println!("invalid: {e}");
        return Ok(ExitCode::from(1));
    }
    // The signature matches these bytes; but bytes that are not safe to send as they are
    // never reach Binance like this.
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

fn diagnose(args: &DiagnoseArgs) -> Result<ExitCode, Fail> {
    let signer = args.key.signer(None, args.product.product)?;
    let pasted = if args.ws {
        let mut p = Pasted::default();
        args.request.query.trim().clone_into(&mut p.query);
        p
    } else {
        pasted(&args.request)?
    };
    let env_api_key = secret_var(&args.api_key_env);
    let mut input = Input::pasted(&pasted);
    if input.api_key.is_none() {
        input.api_key = env_api_key.as_ref().map(|k| k.as_str());
    }
    input.api = if args.ws { Api::WebSocket } else { Api::Rest };
    input.server_time = args
        .server_time
        .map(ServerTime::from_millis)
        .transpose()
        .map_err(|e| Fail(format!("--server-time: {e}")))?;
    input.error_code = args.error_code;
    input.product = args.product.product;
    let diagnosis = signer.diagnose(&input).map_err(|e| match e {
        Error::Wire(WireError::MalformedJson(_)) => {
            Fail(format!("--query (the WebSocket params JSON): {e}"))
        }
        e => Fail::from(e),
    })?;
    if args.json {
        println!("{}", serde_json::to_string(&diagnosis).unwrap_or_default());
    } else {
        print_diagnosis(&diagnosis);
    }
    Ok(exit(diagnosis.ok()))
}

fn print_diagnosis(diagnosis: &Diagnosis) {
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

/// `check`, with the signature checked when there is a key.
fn check(args: &CheckArgs) -> Result<ExitCode, Fail> {
    use binance_sign::check::{Expect, Kind, check_for, serve_jsonl};
    let signer = args.key.signer_if_any(None, None)?;
    let signer = signer.as_ref();
    if args.jsonl {
        let stdin = std::io::stdin().lock();
        let stdout = std::io::stdout().lock();
        serve_jsonl(stdin, stdout, signer).map_err(|e| Fail(format!("check --jsonl: {e}")))?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.query.is_empty() && args.body.is_empty() {
        return Err(Fail(
            "give what the encoder produced: --query and/or --body (or --jsonl for many)".into(),
        ));
    }
    not_a_whole_request(
        &args.query,
        "check reads the query and body alone: pass --query with the query string or URL, and --body",
    )?;
    let pasted = Pasted::query_and_body(&args.query, &args.body);
    let mut expected = Vec::new();
    for (list, kind, flag) in [
        (&args.expect, Kind::Text, "--expect"),
        (&args.expect_decimal, Kind::Decimal, "--expect-decimal"),
        (&args.expect_json, Kind::Json, "--expect-json"),
    ] {
        for (k, v) in key_values(list, flag)? {
            expected.push(Expect::new(k, v, kind));
        }
    }
    let verdict = check_for(
        &expected,
        &pasted.query,
        &pasted.body,
        signer,
        args.product.product,
    );
    if args.json {
        println!("{}", serde_json::to_string(&verdict).unwrap_or_default());
        return Ok(exit(verdict.ok));
    }
    for stripped in &pasted.stripped {
        println!("read as sent after stripping {stripped}");
    }
    if verdict.ok && verdict.findings.is_empty() {
        println!("ok");
    } else {
        for f in &verdict.findings {
            match &f.key {
                Some(key) => println!("[{}] ({}) {key}: {}", f.code, f.severity, f.message),
                None => println!("[{}] ({}) {}", f.code, f.severity, f.message),
            }
        }
    }
    Ok(exit(verdict.ok))
}

fn ws(args: &WsArgs) -> Result<ExitCode, Fail> {
    let pairs = params_arg(
        &args.params,
        &[
            ("timestamp", "pass --timestamp MS"),
            ("recvWindow", "pass --recv-window MS"),
            ("apiKey", "set the variable named by --api-key-env"),
            ("signature", "it is computed; leave it out"),
        ],
    )?;
    let signer = args.key.signer(Some(&args.api_key), args.product.product)?;
    let (ts, rw) = (timestamp_arg(args.timestamp, None)?, args.recv_window);
    let mut ws_params = WsParams::new();
    for (k, v) in pairs {
        ws_params.insert(k, v).map_err(flagged)?;
    }
    let signed = signer.sign_ws(&ws_params, ts, rw).map_err(flagged)?;
    println!("{}", signed.to_request(args.id.as_str(), &args.method));
    Ok(ExitCode::SUCCESS)
}

/// Refuses a `--query` that holds a whole pasted request (a curl command line or a raw HTTP
/// request), saying what to do instead.
fn not_a_whole_request(query: &str, instead: &str) -> Result<(), Fail> {
    match Pasted::whole_request(query) {
        Some(kind) => Err(Fail(format!(
            "--query holds {kind}, not a query string: {instead}"
        ))),
        None => Ok(()),
    }
}

/// The request given on the command line, as an HTTP client would send it.
fn pasted(request: &Request) -> Result<Pasted, Fail> {
    let Some(path) = &request.request else {
        if request.query.is_empty() && request.body.is_empty() {
            return Err(Fail(
                "give the request: --query (and --body), or --request FILE".into(),
            ));
        }
        not_a_whole_request(
            &request.query,
            "pass the whole paste with --request - (standard input) or --request FILE",
        )?;
        return Ok(Pasted::query_and_body(&request.query, &request.body));
    };
    let mut text = String::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text))
    };
    read.map_err(|e| Fail(format!("cannot read --request {}: {e}", path.display())))?;
    Pasted::parse(&text).map_err(|e| Fail(format!("--request {}: {e}", path.display())))
}

fn timestamp_arg(millis: Option<u64>, micros: Option<u64>) -> Result<Timestamp, Fail> {
    let named = |flag: &str, e: TimeError| Fail(format!("{flag}: {e}"));
    Ok(match (millis, micros) {
        (Some(ms), _) => Timestamp::from_millis(ms).map_err(|e| named("--timestamp", e))?,
        (None, Some(us)) => Timestamp::from_micros(us).map_err(|e| named("--timestamp-us", e))?,
        (None, None) => Timestamp::now_millis().map_err(Error::from)?,
    })
}

/// `KEY=VALUE` arguments, split at the first `=`; `what` names them in a refusal.
fn key_values(args: &[String], what: &str) -> Result<Vec<(String, String)>, Fail> {
    args.iter()
        .map(|arg| {
            arg.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| Fail(format!("{what} `{arg}` is not KEY=VALUE")))
        })
        .collect()
}
