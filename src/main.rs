//! The `binance-sign` command-line tool.

fn main() {
    eprintln!("binance-sign: the command-line interface is not built yet");
    std::process::exit(2);
}
