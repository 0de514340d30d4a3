//! Replays every fuzz target's body over its seed corpus (`tests/data/fuzz/<target>/`), so CI
//! exercises the targets without a fuzzer. Committed inputs are named `seed-*` (written from
//! the shared vectors) or `regress-*` (inputs that once found a bug).
#![cfg(all(
    feature = "ed25519",
    feature = "rsa",
    feature = "arbitrary",
    feature = "http"
))]

#[path = "fuzz_bodies/mod.rs"]
#[allow(missing_docs, unreachable_pub)]
mod bodies;

fn replay(target: &str, body: fn(&[u8])) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fuzz")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        // Committed inputs only: hand-written seeds and regressions. (A local fuzzing run adds
        // hash-named files here; they are not part of the repository.)
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if !(name.starts_with("seed-") || name.starts_with("regress-")) {
            continue;
        }
        body(&std::fs::read(&path).unwrap());
        count += 1;
    }
    assert!(count > 0, "no seeds in {}", dir.display());
}

#[test]
fn params_roundtrip() {
    replay("params_roundtrip", bodies::params_roundtrip);
}

#[test]
fn parse_signed() {
    replay("parse_signed", bodies::parse_signed);
}

#[test]
fn encoders() {
    replay("encoders", bodies::encoders);
}

#[test]
fn rules() {
    replay("rules", bodies::rules);
}

#[test]
fn pem_keys() {
    replay("pem_keys", bodies::pem_keys);
}

#[test]
fn limits() {
    replay("limits", bodies::limits);
}

#[test]
fn time_sync() {
    replay("time_sync", bodies::time_sync);
}

#[test]
fn store_values() {
    replay("store_values", bodies::store_values);
}

#[test]
fn engine_responses() {
    replay("engine_responses", bodies::engine_responses);
}
