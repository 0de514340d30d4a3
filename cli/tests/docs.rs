//! The command transcripts of the guides (`docs/*.md`): each `sh` block followed by a `text`
//! block (with at most a line of prose between) is run as written, with the built
//! `binance-sign` standing in for `cargo run -q -p binance-sign-cli --`, and must print exactly
//! that text.

use std::path::Path;
use std::process::Command;

/// `(sh, text)` pairs of a Markdown document.
fn transcripts(markdown: &str) -> Vec<(String, String)> {
    let mut blocks: Vec<(String, String, usize)> = Vec::new(); // (lang, body, prose lines before)
    let mut lines = markdown.lines();
    let mut prose = 0;
    while let Some(line) = lines.next() {
        if let Some(lang) = line.strip_prefix("```") {
            let body: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.starts_with("```"))
                .collect();
            blocks.push((lang.to_owned(), body.join("\n"), prose));
            prose = 0;
        } else if !line.trim().is_empty() {
            prose += 1;
        }
    }
    blocks
        .windows(2)
        .filter(|w| w[0].0 == "sh" && w[1].0 == "text" && w[1].2 <= 1)
        .map(|w| (w[0].1.clone(), w[1].1.clone()))
        .collect()
}

#[test]
fn the_guides_transcripts_print_what_they_show() {
    let bin = env!("CARGO_BIN_EXE_binance-sign");
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
    let mut ran = 0;
    for entry in std::fs::read_dir(&docs).unwrap() {
        let path = entry.unwrap().path();
        let markdown = std::fs::read_to_string(&path).unwrap();
        for (script, expected) in transcripts(&markdown) {
            let script = script.replace("cargo run -q -p binance-sign-cli --", bin);
            let dir = std::env::temp_dir()
                .join(format!("binance-sign-docs-{}-{ran}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let out = Command::new("bash")
                .args(["-euo", "pipefail", "-c", &script])
                .current_dir(&dir)
                .env_remove("BINANCE_API_SECRET")
                .env_remove("BINANCE_API_KEY")
                .output()
                .unwrap();
            let _ = std::fs::remove_dir_all(&dir);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                stdout.trim_end(),
                expected.trim_end(),
                "{}: {script}\nstderr: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            ran += 1;
        }
    }
    assert!(ran >= 3, "only {ran} transcripts found");
}
