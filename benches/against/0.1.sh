#!/usr/bin/env bash
# Measures `Params::try_from_pairs` of the six docs parameters in this checkout and in 0.1
# (commit 338606e, the parent of the 0.2 work), side by side in one criterion run.
#
#   bash benches/against/0.1.sh
#
# It checks 0.1 out of this repository's own history into target/against-0.1 and builds a
# scratch bench crate there that depends on both versions.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
WORK="$ROOT/target/against-0.1"
rm -rf "$WORK"
mkdir -p "$WORK"
git -C "$ROOT" archive 338606e | tar -x -C "$WORK" --one-top-level=v01
# 0.1 was a workspace root; as a dependency it must not be one.
sed -i '/^\[workspace\]/,/^$/d' "$WORK/v01/Cargo.toml"
mkdir -p "$WORK/bench/benches" "$WORK/bench/src"
cat > "$WORK/bench/Cargo.toml" <<TOML
[package]
name = "against-0-1"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
now = { package = "binance-sign", path = "$ROOT", default-features = false }
v01 = { package = "binance-sign", path = "$WORK/v01", default-features = false }
criterion = "0.5"

[[bench]]
name = "params"
harness = false
TOML
echo "" > "$WORK/bench/src/lib.rs"
cat > "$WORK/bench/benches/params.rs" <<'RS'
use std::hint::black_box;
use criterion::{criterion_group, criterion_main, Criterion};
const PAIRS: [(&str, &str); 6] = [
    ("symbol", "LTCBTC"), ("side", "BUY"), ("type", "LIMIT"),
    ("timeInForce", "GTC"), ("quantity", "1"), ("price", "0.1"),
];
fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("try_from_pairs");
    for round in 0..3 {
        group.bench_function(format!("0.1/{round}"), |b| {
            b.iter(|| black_box(v01::Params::try_from_pairs(black_box(PAIRS)).unwrap()))
        });
        group.bench_function(format!("now/{round}"), |b| {
            b.iter(|| black_box(now::Params::try_from_pairs(black_box(PAIRS)).unwrap()))
        });
    }
    group.finish();
}
criterion_group!(benches, bench);
criterion_main!(benches);
RS
cd "$WORK/bench"
CARGO_TARGET_DIR="$ROOT/target/against-0.1-target" cargo bench --bench params -- --warm-up-time 1 --measurement-time 3 2>&1 | grep -E "^try_from_pairs|time:"
