//! `floor`: the parse-and-print floor of the `kubepatch` CLI as a whole
//! process, for `scripts/compare.py`.
//!
//! It takes the command line `kubepatch` takes, reads the live object (`-f`)
//! and the patch (`-p` or `--patch-file`), parses both with serde_json, and
//! pretty-prints the live object (four-space indent, as `kubectl -o json`
//! prints it, with a final newline) to stdout through one `BufWriter`. It
//! patches nothing: the time and memory of a run are what any tool doing this
//! request must at least spend to read its inputs and write an object of this
//! size. Without `-f` (an apply that creates) it prints the patch instead.
//!
//! Flags that only steer the patch (`--type`, `--content-type`,
//! `--field-manager`, `--force-conflicts`, `--schema`, `--list-map-keys`,
//! `--now`, `--rfc`, `--field-validation`) are accepted and ignored; `-o`
//! must be `json`. As the `kubepatch` CLI does, it leaves the parsed
//! documents to the OS at exit instead of freeing them node by node.
//!
//! ```text
//! cargo build --release --example floor
//! target/release/examples/floor -f live.json --patch-file patch.json --type strategic -o json
//! ```
//!
//! Exit codes: 0 printed; 1 an input is not JSON or output failed; 2 usage.
//!
//! It runs with the allocator the CLI runs with (mimalloc), so that the two
//! differ only in the work between reading and printing.

use std::io::{BufWriter, Read, Write};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

use serde_json::Value;

/// What the command line asks for.
struct Args {
    file: Option<String>,
    patch: Option<String>,
    patch_file: Option<String>,
}

/// Flags of `kubepatch` that take a value and do not matter here.
const IGNORED_WITH_VALUE: [&str; 6] = [
    "--type",
    "--content-type",
    "--field-manager",
    "--schema",
    "--now",
    "--field-validation",
];

/// Flags of `kubepatch` without a value that do not matter here.
const IGNORED_SWITCHES: [&str; 3] = ["--force-conflicts", "--list-map-keys", "--rfc"];

const USAGE: &str = "usage: floor [-f FILE] (-p PATCH | --patch-file FILE) [kubepatch flags…]";

fn parse_args(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut args = Args {
        file: None,
        patch: None,
        patch_file: None,
    };
    while let Some(arg) = argv.next() {
        // `--flag=value` as well as `--flag value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if IGNORED_SWITCHES.contains(&flag.as_str()) {
            continue;
        }
        if flag == "-h" || flag == "--help" {
            return Err(USAGE.to_string());
        }
        let known = matches!(
            flag.as_str(),
            "-f" | "--filename" | "-p" | "--patch" | "--patch-file" | "-o" | "--output"
        ) || IGNORED_WITH_VALUE.contains(&flag.as_str());
        if !known {
            return Err(format!("unknown argument {arg:?}\n{USAGE}"));
        }
        let value = match inline {
            Some(v) => v,
            None => argv
                .next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?,
        };
        match flag.as_str() {
            "-f" | "--filename" => args.file = Some(value),
            "-p" | "--patch" => args.patch = Some(value),
            "--patch-file" => args.patch_file = Some(value),
            "-o" | "--output" if value != "json" => {
                return Err(format!("-o {value}: floor prints JSON only"));
            }
            _ => {}
        }
    }
    if args.patch.is_some() == args.patch_file.is_some() {
        return Err(format!("exactly one of -p or --patch-file\n{USAGE}"));
    }
    Ok(args)
}

/// The bytes of `path` (`-` is stdin).
fn read(path: &str) -> Result<Vec<u8>, String> {
    if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| format!("stdin: {e}"))?;
        return Ok(buf);
    }
    std::fs::read(path).map_err(|e| format!("{path}: {e}"))
}

fn parse(what: &str, bytes: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("{what}: {e}"))
}

fn run(args: &Args) -> Result<(), String> {
    let patch_bytes = match (&args.patch, &args.patch_file) {
        (Some(p), _) => p.clone().into_bytes(),
        (None, Some(path)) => read(path)?,
        (None, None) => unreachable!("parse_args requires one"),
    };
    let patch = parse("the patch", &patch_bytes)?;
    let live = match &args.file {
        Some(path) => Some(parse(path, &read(path)?)?),
        None => None,
    };
    let printed = live.as_ref().unwrap_or(&patch);
    let mut out = BufWriter::new(std::io::stdout().lock());
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(printed, &mut ser).map_err(|e| format!("stdout: {e}"))?;
    out.write_all(b"\n")
        .and_then(|()| out.flush())
        .map_err(|e| format!("stdout: {e}"))?;
    // As the kubepatch CLI does: the process ends here, the OS frees it all.
    std::mem::forget(live);
    std::mem::forget(patch);
    std::mem::forget(patch_bytes);
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("floor: {message}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("floor: {message}");
            ExitCode::from(1)
        }
    }
}
