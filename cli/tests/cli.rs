//! The `binance-sign` binary: official vectors, verify, diagnose, exit codes, no secret leaks.

use assert_cmd::Command;

const KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
const SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
const H1: &str = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
const H1_PARAMS: [&str; 6] = [
    "symbol=LTCBTC",
    "side=BUY",
    "type=LIMIT",
    "timeInForce=GTC",
    "quantity=1",
    "price=0.1",
];
const H4_PAYLOAD: &str = "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
const H4_NEG: &str = "ca2cdfbf21d2e2958de492c7f2dd1f059dd2ed4d4459d26a5ec7928db50c8d4f";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::cargo_bin("binance-sign").unwrap();
    cmd.env_clear().args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    for secret in [
        SECRET,
        "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9",
        "MC4CAQAwBQYDK2VwBCIE",
    ] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "a secret leaked: {} {}",
            run.stdout,
            run.stderr
        );
    }
    run
}

fn spot(args: &[&str]) -> Run {
    run(
        args,
        &[("BINANCE_API_SECRET", SECRET), ("BINANCE_API_KEY", KEY)],
    )
}

fn sign_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "sign",
        "--timestamp",
        "1499827319559",
        "--recv-window",
        "5000",
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&H1_PARAMS);
    args
}

#[test]
fn sign_official_vectors() {
    let r = spot(&sign_args(&[]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        format!(
            "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature={H1}\n"
        )
    );

    let r = spot(&sign_args(&["--body"]));
    assert_eq!(
        r.stdout.lines().collect::<Vec<_>>(),
        [
            "",
            &format!(
                "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature={H1}"
            )
        ]
    );

    let r = spot(&sign_args(&["--split-at", "4"]));
    assert_eq!(
        r.stdout,
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC\nquantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77\n"
    );

    let r = spot(&sign_args(&["--json"]));
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["signature"], H1);
    assert_eq!(json["body"], "");
    assert_eq!(
        json["payload"],
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
    );

    // H4: the non-ASCII symbol is encoded by the crate.
    let r = spot(&[
        "sign",
        "--timestamp",
        "1499827319559",
        "--recv-window",
        "5000",
        "symbol=１２３４５６",
        "side=BUY",
        "type=LIMIT",
        "timeInForce=GTC",
        "quantity=1",
        "price=0.1",
    ]);
    assert_eq!(
        r.stdout.trim(),
        format!(
            "{H4_PAYLOAD}&signature=e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"
        )
    );

    // F1 with another secret, named by --secret-env.
    let r = run(
        &[
            "sign",
            "--secret-env",
            "FUTURES_SECRET",
            "--body",
            "--timestamp",
            "1591702613943",
            "--recv-window",
            "5000",
            "symbol=BTCUSDT",
            "side=BUY",
            "type=LIMIT",
            "quantity=1",
            "price=9000",
            "timeInForce=GTC",
        ],
        &[(
            "FUTURES_SECRET",
            "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9",
        )],
    );
    assert!(
        r.stdout.ends_with(
            "signature=3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9\n"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn sign_with_the_system_clock_and_a_key_file() {
    let r = spot(&["sign", "symbol=BTCUSDT"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.starts_with("symbol=BTCUSDT&timestamp=17")
            || r.stdout.starts_with("symbol=BTCUSDT&timestamp=1")
    );
    let pem = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/ed25519-binance-docs.pem"
    );
    let r = run(
        &[
            "sign",
            "--key-file",
            pem,
            "--timestamp",
            "1668481559918",
            "symbol=BTCUSDT",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.trim_end().ends_with("%3D%3D"), "{}", r.stdout);
}

#[test]
fn verify_good_and_tampered() {
    let signed = format!(
        "{H4_PAYLOAD}&signature=e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"
    );
    let r = spot(&["verify", "--query", &signed]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "valid\n"));
    let tampered = signed.replace("quantity=1", "quantity=2");
    let r = spot(&["verify", "--query", &tampered]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .starts_with("invalid: the signature does not match"),
        "{}",
        r.stdout
    );
    let r = spot(&[
        "verify",
        "--query",
        "symbol=BTCUSDT&timestamp=1499827319559",
        "--body",
        "signature=zz",
    ]);
    assert_eq!(r.code, 1);
}

#[test]
fn diagnose_json_fixtures() {
    // Signed the raw UTF-8 (H4-neg), sent percent-encoded.
    let q = format!("{H4_PAYLOAD}&signature={H4_NEG}");
    let r = spot(&["diagnose", "--query", &q, "--error-code", "-1022", "--json"]);
    assert_eq!(r.code, 1);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["valid"], false);
    assert_eq!(json["findings"][0]["code"], "signed-decoded-payload");
    assert_eq!(json["findings"][0]["severity"], "error");
    assert!(
        json["findings"][0]["fix"]
            .as_str()
            .unwrap()
            .contains("sign the percent-encoded bytes")
    );

    // Signed with the API key as the secret.
    let with_key = run(
        &sign_args(&["--secret-env", "K"]),
        &[("K", "some-other-secret")],
    )
    .stdout;
    let r = run(
        &["diagnose", "--query", with_key.trim(), "--json"],
        &[
            ("BINANCE_API_SECRET", SECRET),
            ("BINANCE_API_KEY", "some-other-secret"),
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        json["findings"][0]["code"], "api-key-as-secret",
        "{}",
        r.stdout
    );

    // A valid request: exit 0, no findings.
    let valid = spot(&sign_args(&[])).stdout;
    let r = spot(&["diagnose", "--query", valid.trim(), "--json"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stdout.trim(),
        r#"{"valid":true,"findings":[],"stripped":[]}"#
    );

    // Human output, WebSocket, server time.
    let r = spot(&[
        "diagnose",
        "--query",
        valid.trim(),
        "--server-time",
        "1499827329559",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("1. [timestamp-expired]"), "{}", r.stdout);
    let r = spot(&[
        "diagnose",
        "--ws",
        "--query",
        "{\"apiKey\":\"k\",\"timestamp\":1,\"signature\":\"00\"}",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn ws_command_prints_a_signed_request() {
    let r = spot(&[
        "ws",
        "order.place",
        "--timestamp",
        "1645423376532",
        "--recv-window",
        "100",
        "--id",
        "abc",
        "symbol=BTCUSDT",
        "side=SELL",
        "type=LIMIT",
        "timeInForce=GTC",
        "quantity=0.01000000",
        "price=52000.00",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["method"], "order.place");
    assert_eq!(json["id"], "abc");
    assert_eq!(
        json["params"]["signature"],
        "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"
    );
    assert_eq!(json["params"]["apiKey"], KEY);
    let r = run(
        &["ws", "order.place", "symbol=BTCUSDT"],
        &[("BINANCE_API_SECRET", SECRET)],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("BINANCE_API_KEY"));
}

#[test]
fn exit_codes_and_errors() {
    let r = run(&["sign", "symbol=BTCUSDT"], &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("BINANCE_API_SECRET"), "{}", r.stderr);
    let r = run(
        &["sign", "symbol=BTCUSDT"],
        &[("BINANCE_API_SECRET", &format!("{SECRET}\n"))],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("line break"), "{}", r.stderr);
    let r = spot(&["sign", "--timestamp", "12", "a=1"]);
    assert_eq!(r.code, 2);
    let r = spot(&["sign", "noequals"]);
    assert_eq!(r.code, 2);
    let r = spot(&["sign", "timestamp=1"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("set by the signer"));
    let r = spot(&[
        "sign",
        "--product",
        "usdm-futures",
        "--timestamp-us",
        "1700000000000000",
        "a=1",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("microseconds"), "{}", r.stderr);
    let r = spot(&["sign", "--recv-window", "70000", "a=1"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("at most 60000"), "{}", r.stderr);
    let r = spot(&["frobnicate"]);
    assert_eq!(r.code, 2);
    let r = spot(&["diagnose", "--query", "x=1", "--error-code", "-1022"]);
    assert_eq!(r.code, 1, "a negative error code parses: {}", r.stderr);
    let r = spot(&["diagnose", "--ws", "--query", "not json"]);
    assert_eq!(r.code, 2);
}

fn run_stdin(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Run {
    let mut cmd = Command::cargo_bin("binance-sign").unwrap();
    cmd.env_clear().args(args).write_stdin(stdin.to_owned());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
    run
}

#[test]
fn pasted_requests_and_no_api_key() {
    let valid = spot(&sign_args(&[])).stdout;
    let valid = valid.trim();
    let secret_only = [("BINANCE_API_SECRET", SECRET)];
    // A full URL with a trailing newline, from the secret alone.
    let url = format!("https://api.binance.com/api/v3/order?{valid}\n");
    let r = run(&["verify", "--query", &url], &secret_only);
    assert_eq!((r.code, r.stdout.as_str()), (0, "valid\n"), "{}", r.stderr);
    assert!(r.stderr.contains("stripping the URL"), "{}", r.stderr);
    let r = run(
        &["diagnose", "--query", &format!("?{valid}"), "--json"],
        &secret_only,
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["stripped"][0], "the leading `?`");
    // A curl command line from stdin, a raw HTTP request from a file.
    let curl = format!(
        "curl -X GET \\\n  'https://api.binance.com/api/v3/order?{valid}' \\\n  -H 'X-MBX-APIKEY: {KEY}'\n"
    );
    let r = run_stdin(&["diagnose", "--request", "-"], &secret_only, &curl);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let dir = std::env::temp_dir().join(format!("binance-sign-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("request.http");
    std::fs::write(&file, format!("GET /api/v3/order?{valid} HTTP/1.1\r\nHost: api.binance.com\r\nX-MBX-APIKEY: {KEY}\r\n\r\n")).unwrap();
    let r = run(
        &["verify", "--request", file.to_str().unwrap()],
        &secret_only,
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // -2014 describes only a key actually given.
    let r = run(
        &["diagnose", "--query", valid, "--error-code", "-2014"],
        &secret_only,
    );
    assert!(
        r.stdout.contains("[api-key-format]") && !r.stdout.contains("characters"),
        "{}",
        r.stdout
    );
    std::fs::write(
        &file,
        format!("GET /api/v3/order?{valid} HTTP/1.1\nX-MBX-APIKEY: not-a-key\n\n"),
    )
    .unwrap();
    let r = run(
        &[
            "diagnose",
            "--request",
            file.to_str().unwrap(),
            "--error-code",
            "-2014",
        ],
        &secret_only,
    );
    assert!(r.stdout.contains("has 9 characters"), "{}", r.stdout);
    std::fs::remove_dir_all(&dir).unwrap();
    let r = run(&["verify"], &secret_only);
    assert_eq!(r.code, 2);
}

#[test]
fn env_arguments_are_never_echoed() {
    // The secret pasted where the variable's name goes.
    for flag in ["--secret-env", "--api-key-env", "--key-passphrase-env"] {
        let mut args = vec!["ws", "order.test", "a=1", flag, SECRET];
        if flag == "--key-passphrase-env" {
            args.extend([
                "--key-file",
                concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../tests/data/ed25519-encrypted.pem"
                ),
            ]);
        }
        let r = run(
            &args,
            &[("BINANCE_API_KEY", KEY), ("BINANCE_API_SECRET", SECRET)],
        );
        assert_eq!(r.code, 2, "{flag}: {}", r.stderr);
        assert!(
            r.stderr.contains(flag) || r.stderr.contains("BINANCE_API_SECRET"),
            "{flag}: {}",
            r.stderr
        );
    }
}

fn hmac_hex(secret: &str, payload: &str) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(payload.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[test]
fn verify_refuses_bytes_that_are_not_safe_to_send() {
    let secret_only = [("BINANCE_API_SECRET", SECRET)];
    for payload in [
        "symbol=%ZZ&timestamp=1499827319559",
        "note=a b&timestamp=1499827319559",
    ] {
        let q = format!("{payload}&signature={}", hmac_hex(SECRET, payload));
        let r = run(&["verify", "--query", &q], &secret_only);
        assert_eq!(r.code, 1, "{payload}: {}", r.stdout);
        assert!(
            r.stdout.starts_with("invalid: the signature matches, but"),
            "{}",
            r.stdout
        );
    }
    // A curl POST with -d, from a file; --ws with --request is a usage error.
    let body = "symbol=BTCUSDT&timestamp=1499827319559";
    let curl = format!(
        "curl -X POST https://api.binance.com/api/v3/order -d '{body}&signature={}'\n",
        hmac_hex(SECRET, body)
    );
    let r = run_stdin(&["verify", "--request", "-"], &secret_only, &curl);
    assert_eq!((r.code, r.stdout.as_str()), (0, "valid\n"), "{}", r.stderr);
    let r = run(&["diagnose", "--ws", "--request", "-"], &secret_only);
    assert_eq!(r.code, 2);
}

#[test]
fn check_one_request_and_json_lines() {
    let r = run(
        &[
            "check",
            "--expect",
            "symbol=BTCUSDT",
            "--expect-decimal",
            "quantity=0.00001",
            "--query",
            "symbol=BTCUSDT&quantity=1e-05",
        ],
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("[number-format] (error) quantity:"),
        "{}",
        r.stdout
    );
    let r = run(
        &[
            "check",
            "--expect",
            "symbol=BTCUSDT",
            "--query",
            "symbol=BTCUSDT",
            "--json",
        ],
        &[],
    );
    assert_eq!(
        (r.code, r.stdout.trim()),
        (0, r#"{"ok":true,"findings":[]}"#)
    );
    let r = run(&["check", "--expect", "noequals", "--query", "a=1"], &[]);
    assert_eq!(r.code, 2);
    // With the secret set, the signature is checked.
    let payload = "symbol=BTCUSDT&timestamp=1499827319559";
    let signed = format!("{payload}&signature={}", hmac_hex(SECRET, payload));
    let env = [("BINANCE_API_SECRET", SECRET)];
    let r = run(
        &["check", "--expect", "symbol=BTCUSDT", "--query", &signed],
        &env,
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = run(
        &["check", "--expect", "symbol=BTCUSDT", "--query", payload],
        &env,
    );
    assert!(r.stdout.contains("[signature-missing]"), "{}", r.stdout);
}

/// JSON lines: in order, one verdict per line, bad lines answered and skipped past.
#[test]
fn check_json_lines_in_order() {
    let mut input = String::new();
    for i in 0..20 {
        if i == 7 {
            input.push_str("{not json\n");
        } else {
            input.push_str(&format!(
                "{{\"expect\":[[\"n\",\"{i}\",\"decimal\"]],\"query\":\"n={}\"}}\n",
                if i % 3 == 0 {
                    format!("{i}.0")
                } else {
                    format!("{i}e0")
                }
            ));
        }
    }
    let r = run_stdin(&["check", "--jsonl"], &[], &input);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let verdicts: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(verdicts.len(), 20);
    for (i, v) in verdicts.iter().enumerate() {
        let expected = if i == 7 {
            "bad-input"
        } else if i % 3 == 0 {
            ""
        } else {
            "number-format"
        };
        assert_eq!(v["ok"], expected.is_empty(), "line {i}: {v}");
        if !expected.is_empty() {
            assert_eq!(v["findings"][0]["code"], expected, "line {i}: {v}");
        }
    }
}

#[test]
fn each_subcommand_shows_only_its_own_options() {
    let cases: [(&str, &[&str], &[&str]); 5] = [
        (
            "sign",
            &[
                "--secret-env",
                "--key-file",
                "--product",
                "--timestamp",
                "--split-at",
            ],
            &["--api-key-env", "--expect", "--server-time"],
        ),
        (
            "verify",
            &["--secret-env", "--key-file", "--request", "--product"],
            &["--api-key-env", "--timestamp", "--expect"],
        ),
        (
            "diagnose",
            &["--secret-env", "--api-key-env", "--server-time", "--ws"],
            &["--timestamp", "--expect", "--split-at"],
        ),
        (
            "check",
            &[
                "--secret-env",
                "--key-file",
                "--expect",
                "--jsonl",
                "--product",
            ],
            &["--api-key-env", "--timestamp"],
        ),
        (
            "ws",
            &["--secret-env", "--api-key-env", "--product", "--timestamp"],
            &["--expect", "--split-at", "--server-time"],
        ),
    ];
    for (command, shown, hidden) in cases {
        let help = run(&[command, "--help"], &[]).stdout;
        for flag in shown {
            assert!(
                help.contains(flag),
                "{command} --help lacks {flag}:\n{help}"
            );
        }
        for flag in hidden {
            assert!(
                !help.contains(flag),
                "{command} --help shows {flag}:\n{help}"
            );
        }
    }
}

#[test]
fn refusals_name_the_flag_that_fixes_them() {
    let env = [("BINANCE_API_SECRET", SECRET), ("BINANCE_API_KEY", KEY)];
    for (args, flag) in [
        (&["sign", "timestamp=1"][..], "--timestamp"),
        (&["sign", "recvWindow=5000"][..], "--recv-window"),
        (&["sign", "--split-at", "3", "a=1"][..], "--split-at"),
        (&["sign", "--timestamp", "12", "a=1"][..], "--timestamp"),
        (&["ws", "order.test", "apiKey=x"][..], "--api-key-env"),
        (
            &["check", "--expect", "noequals", "--query", "a=1"][..],
            "--expect",
        ),
        (&["verify"][..], "--query"),
        (
            &[
                "sign",
                "--product",
                "usdm-futures",
                "--timestamp-us",
                "1700000000000000",
                "a=1",
            ][..],
            "--product",
        ),
        (
            &["diagnose", "--server-time", "1", "--query", "a=1"][..],
            "--server-time",
        ),
        (&["diagnose", "--ws", "--query", "notjson"][..], "--query"),
        (
            &["sign", "--key-file", "/nonexistent.pem", "a=1"][..],
            "--key-file",
        ),
        (&["check", "--expect", "a=1"][..], "--query"),
        (&["sign", "a=1", "a=2"][..], "twice"),
    ] {
        let r = run(args, &env);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(flag), "{args:?}: {}", r.stderr);
    }
    let r = run(&["sign", "a=1"], &[]);
    assert!(
        r.stderr.contains("--secret-env") && r.stderr.contains("--key-file"),
        "{}",
        r.stderr
    );
}

/// The commands read requests the same way: `check --query` takes a leading `?` and a URL as
/// `verify` and `diagnose` do; a curl command or HTTP request line pasted into `--query` is
/// pointed to `--request -`; `sign --repeat` sends ARRAY parameters as repeated keys.
#[test]
fn commands_read_requests_alike() {
    let r = run(
        &[
            "check",
            "--query",
            "?symbol=BTCUSDT",
            "--expect",
            "symbol=BTCUSDT",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("leading `?`") && r.stdout.contains("ok"),
        "{}",
        r.stdout
    );
    let r = run(
        &[
            "check",
            "--query",
            "https://api.binance.com/api/v3/ticker/price?symbol=BTCUSDT",
            "--expect",
            "symbol=BTCUSDT",
            "--json",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    assert!(r.stdout.contains(r#""ok":true"#), "{}", r.stdout);
    for (paste, kind) in [
        (
            "curl 'https://api.binance.com/api/v3/order?symbol=BTCUSDT'",
            "curl",
        ),
        ("GET /api/v3/order?symbol=BTCUSDT HTTP/1.1", "HTTP request"),
    ] {
        for command in ["diagnose", "verify", "check"] {
            let r = spot(
                &[command, "--query", paste, "--expect", "symbol=BTCUSDT"]
                    [..if command == "check" { 5 } else { 3 }],
            );
            assert_eq!(r.code, 2, "{command}: {} {}", r.stdout, r.stderr);
            assert!(r.stderr.contains(kind), "{command}: {}", r.stderr);
            if command != "check" {
                assert!(r.stderr.contains("--request -"), "{command}: {}", r.stderr);
            }
        }
    }
}

/// ARRAY parameters: --repeat, in the body with --body, after the other parameters.
#[test]
fn sign_repeats_array_parameters() {
    let r = spot(&[
        "sign",
        "--timestamp",
        "1700000000000",
        "--body",
        "--repeat",
        "asset=BTC",
        "--repeat",
        "asset=USDT",
        "accountType=SPOT",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let body = r.stdout.lines().nth(1).unwrap();
    assert!(
        body.starts_with(
            "accountType=SPOT&asset=BTC&asset=USDT&timestamp=1700000000000&signature="
        ),
        "{body}"
    );
    let sig = body.rsplit('=').next().unwrap();
    assert_eq!(
        sig,
        hmac_hex(
            SECRET,
            "accountType=SPOT&asset=BTC&asset=USDT&timestamp=1700000000000"
        )
    );
    assert!(
        spot(&["sign", "--help"])
            .stdout
            .contains("--repeat <KEY=VALUE>")
    );
    // A key given twice as KEY=VALUE: the fix is the CLI's flag, not a library call.
    let r = spot(&[
        "sign",
        "--timestamp",
        "1700000000000",
        "asset=BTC",
        "asset=USDT",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--repeat asset=VALUE") && !r.stderr.contains("push_repeated"),
        "{}",
        r.stderr
    );
}
