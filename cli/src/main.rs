//! `kubepatch`: patch a Kubernetes object locally, as `kubectl patch --local`
//! does, with kube-apiserver's semantics and errors.
//!
//! Exit codes: 0 success (the new object on stdout); 1 the patch failed (the
//! `metav1.Status` as JSON on stdout, its message on stderr); 2 usage error.

// A request allocates and frees many small nodes: mimalloc spends about a
// third fewer instructions on them than glibc's allocator. The library
// itself chooses no allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{Read, Write};
use std::process::ExitCode;

use clap::{ArgGroup, Parser, ValueEnum};
use kubepatch::error::cause;
use kubepatch::schema::openapi;
use kubepatch::{Error, FixedClock, Mode, PatchParams, PatchRequest, PatchType, SystemClock};

mod help;
mod yaml;

/// Patch a Kubernetes object locally with kube-apiserver's PATCH semantics.
#[derive(Parser, Debug)]
#[command(name = "kubepatch", version, about, after_long_help = help::AFTER_LONG_HELP)]
#[command(group(ArgGroup::new("patch-source").required(true).args(["patch", "patch_file"])))]
#[command(group(ArgGroup::new("media").args(["patch_type", "content_type"])))]
struct Cli {
    /// The live object, JSON or YAML (`-` reads stdin). Leave it out with
    /// `--type apply` when the object does not exist yet.
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    file: Option<String>,

    /// The patch body, JSON or YAML (a value starting with `-` or `---`
    /// is a patch too, as for kubectl).
    #[arg(
        short = 'p',
        long = "patch",
        value_name = "PATCH",
        allow_hyphen_values = true
    )]
    patch: Option<String>,

    /// Read the patch body, JSON or YAML, from a file (`-` reads stdin).
    #[arg(long = "patch-file", value_name = "FILE")]
    patch_file: Option<String>,

    /// The patch strategy, as `kubectl patch --type` names it.
    #[arg(
        long = "type",
        value_name = "TYPE",
        default_value = "strategic",
        value_enum
    )]
    patch_type: TypeArg,

    /// Send this raw Content-Type instead of one chosen by `--type`.
    #[arg(long = "content-type", value_name = "MEDIA")]
    content_type: Option<String>,

    /// The field manager (`fieldManager`); required for apply.
    #[arg(long = "field-manager", value_name = "NAME")]
    field_manager: Option<String>,

    /// Apply only: take ownership of fields other managers own (`force=true`).
    #[arg(long = "force-conflicts")]
    force_conflicts: bool,

    /// A Kubernetes OpenAPI v2 or v3 document (or a CRD manifest) giving
    /// merge rules for strategic merge and apply (the JSON strategies ignore
    /// it). Without it the object's kind picks a built-in schema: every kind
    /// of Kubernetes v1.36, the design's keyed one for Endpoints.
    #[arg(long = "schema", value_name = "OPENAPI_FILE")]
    schema: Option<String>,

    /// The time written into managedFields (RFC 3339), for reproducible output.
    #[arg(long = "now", value_name = "RFC3339")]
    now: Option<String>,

    /// Output format.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FORMAT",
        default_value = "json",
        value_enum
    )]
    output: Output,

    /// Follow RFC 6902 / RFC 7396 to the letter instead of kube-apiserver's behaviour.
    #[arg(long = "rfc")]
    rfc: bool,

    /// With `--schema`: merge strategic lists on their `x-kubernetes-list-map-keys`
    /// (e.g. container ports on port and protocol) instead of upstream's single
    /// merge key.
    #[arg(long = "list-map-keys", requires = "schema")]
    list_map_keys: bool,

    /// `fieldValidation`: Ignore, Warn (default) or Strict.
    #[arg(long = "field-validation", value_name = "DIRECTIVE")]
    field_validation: Option<String>,

    /// Keep every field of the result, as `kubectl patch --local` does,
    /// instead of dropping (and reporting) those the kind's type does not declare.
    #[arg(long = "preserve-unknown-fields")]
    preserve_unknown_fields: bool,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum TypeArg {
    Json,
    Merge,
    Strategic,
    Apply,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum Output {
    Json,
    Yaml,
}

/// A usage problem: exit 2 with a message.
struct Usage(String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(Usage(message)) => {
            eprintln!("kubepatch: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: &Cli) -> Result<ExitCode, Usage> {
    let body = match (&cli.patch, &cli.patch_file) {
        (Some(p), _) => p.clone().into_bytes(),
        (None, Some(path)) => read(path)?,
        (None, None) => return Err(Usage("one of -p or --patch-file is required".into())),
    };
    let live = match &cli.file {
        Some(path) => {
            let bytes = read(path)?;
            let doc =
                kubepatch::read_document(&bytes).map_err(|e| Usage(format!("{path}: {e}")))?;
            Some(doc)
        }
        None => None,
    };
    let schema = match &cli.schema {
        Some(path) => {
            let options = openapi::Options {
                list_map_keys_for_strategic: cli.list_map_keys,
            };
            Some(openapi::load(&read(path)?, &options).map_err(|e| Usage(format!("{path}: {e}")))?)
        }
        None => None,
    };
    let fixed;
    let clock: &dyn kubepatch::Clock = match &cli.now {
        Some(text) => {
            let ts: jiff::Timestamp = text
                .parse()
                .map_err(|e| Usage(format!("--now {text:?} is not an RFC 3339 time: {e}")))?;
            fixed = FixedClock(ts);
            &fixed
        }
        None => &SystemClock,
    };
    let content_type = content_type_of(cli).to_string();
    // kubectl reads `-p` as YAML (JSON is YAML) and sends JSON; the JSON
    // strategies stay JSON-only in the library, as on the server. Apply's
    // body is YAML already, and `--content-type` sends the body as given.
    let body = match (&cli.content_type, cli.patch_type) {
        (None, TypeArg::Json | TypeArg::Merge | TypeArg::Strategic) => yaml_to_json(body),
        _ => body,
    };
    // What the live object says it is, for the messages below.
    let kind = live.as_ref().map(kind_of);
    let params = PatchParams {
        field_manager: cli.field_manager.clone(),
        force: cli.force_conflicts.then_some(true),
        dry_run: Vec::new(),
        field_validation: cli.field_validation.clone(),
    };
    let mut request = PatchRequest::new(&content_type, &body)
        .params(params)
        .user_agent(concat!("kubepatch/", env!("CARGO_PKG_VERSION")))
        .clock(clock)
        .mode(if cli.rfc { Mode::Rfc } else { Mode::Kubernetes })
        .preserve_unknown_fields(cli.preserve_unknown_fields);
    if let Some(schema) = &schema {
        request = request.schema(schema);
    }
    // The live object is handed over: the request patches it in place.
    let result = match live {
        Some(live) => request.run_on(live),
        None => request.run(),
    };
    drop(request);
    // The process ends right after printing: freeing large documents one
    // node at a time would only cost time (a third of the run for a
    // 10,000-address object), so the big values are left to the OS.
    std::mem::forget(body);
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match result {
        Ok(outcome) => {
            for warning in &outcome.warnings {
                eprintln!("Warning: {warning}");
            }
            match cli.output {
                Output::Json => write_pretty(&mut stdout, &outcome.object),
                Output::Yaml => {
                    let text = yaml::to_string(&outcome.object);
                    let _ = stdout.write_all(text.as_bytes());
                }
            }
            let _ = stdout.flush();
            std::mem::forget(outcome);
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            let status = err.to_status();
            write_pretty(&mut stdout, &status);
            let _ = stdout.flush();
            eprint!("{}", error_text(cli, &err, &status, kind.as_deref()));
            Ok(ExitCode::from(1))
        }
    }
}

/// A patch body for the JSON strategies: as given when it is JSON (or is
/// neither JSON nor YAML, so that the request reports it), else its YAML
/// read as kubectl reads `-p` (go-yaml v2's YAML 1.1 scalars) and written
/// as JSON.
fn yaml_to_json(body: Vec<u8>) -> Vec<u8> {
    if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok() {
        return body;
    }
    match kubepatch::read_document(&body) {
        // A serde_json value always serializes.
        Ok(value) => serde_json::to_vec(&value).unwrap_or(body),
        Err(_) => body,
    }
}

/// `Kind (apiVersion)` of the live object, as far as it says.
fn kind_of(live: &serde_json::Value) -> String {
    let field = |name: &str| live.get(name).and_then(|v| v.as_str()).unwrap_or("");
    format!("{} ({})", field("kind"), field("apiVersion"))
}

/// The kubectl-style conflict hint, for `--type apply`.
const CONFLICT_HINT: &str = "\
Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the command
  with the `--force-conflicts` flag.
* If you do not intend to manage all of the fields, please edit your
  configuration to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your configuration to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts
";

/// What stderr says for a failed patch: `error: <the Status message>`, in
/// the CLI's words where the request's would confuse, with kubectl's hint
/// after an apply conflict and a way out after a refused strategic merge.
fn error_text(cli: &Cli, err: &Error, status: &kubepatch::Status, kind: Option<&str>) -> String {
    let causes = status.details.as_ref().map_or(&[][..], |d| &d.causes[..]);
    match err {
        // Only a request without a live object answers 404.
        Error::NotFound { .. } if cli.file.is_none() => format!(
            "error: no object was given with -f: a {} patch needs the live object \
             (-f FILE, or -f - for stdin); only --type apply creates one\n",
            type_name(cli)
        ),
        Error::Invalid { .. }
            if causes
                .iter()
                .any(|c| c.field == "fieldManager" && c.reason == cause::FIELD_VALUE_REQUIRED) =>
        {
            "error: apply needs a field manager: name it with --field-manager NAME\n".to_string()
        }
        Error::Conflict { .. }
            if causes
                .iter()
                .any(|c| c.reason == cause::FIELD_MANAGER_CONFLICT) =>
        {
            format!("error: {}\n{CONFLICT_HINT}", status.message)
        }
        Error::UnsupportedMediaType { accepted, .. }
            if content_type_of(cli) == PatchType::Strategic.content_type()
                && !accepted.contains(&PatchType::Strategic.content_type()) =>
        {
            let what = kind.unwrap_or("this kind");
            let (why, way_out) = if cli.schema.is_some() {
                (
                    "the --schema document gives it no strategic merge rules (a CRD's kinds have none, nor has a kind the document lacks)",
                    "",
                )
            } else {
                (
                    "kubepatch has no schema for it",
                    ", or --schema with an OpenAPI document that defines it",
                )
            };
            format!(
                "error: {}\nstrategic merge patch is not supported for {what}: {why}; \
                 try --type merge (or json, or apply){way_out}\n",
                status.message
            )
        }
        _ => format!("error: {}\n", status.message),
    }
}

/// The `--type` name of the request, or its raw `--content-type`.
fn type_name(cli: &Cli) -> String {
    match &cli.content_type {
        Some(raw) => raw.clone(),
        None => format!("{:?}", cli.patch_type).to_lowercase(),
    }
}

/// The Content-Type the request was sent with.
fn content_type_of(cli: &Cli) -> &str {
    match &cli.content_type {
        Some(raw) => raw,
        None => match cli.patch_type {
            TypeArg::Json => PatchType::Json.content_type(),
            TypeArg::Merge => PatchType::Merge.content_type(),
            TypeArg::Strategic => PatchType::Strategic.content_type(),
            TypeArg::Apply => PatchType::Apply.content_type(),
        },
    }
}

fn read(path: &str) -> Result<Vec<u8>, Usage> {
    if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| Usage(format!("stdin: {e}")))?;
        return Ok(buf);
    }
    std::fs::read(path).map_err(|e| Usage(format!("{path}: {e}")))
}

/// JSON indented by four spaces, as `kubectl -o json` prints it, numbers as
/// Go writes them (`1.0` as `1`), with a final newline, written straight to
/// `out` (a failed write, such as a closed pipe, is left to the exit code of
/// the reader, as before).
fn write_pretty<T: serde::Serialize>(out: &mut impl Write, value: &T) {
    let formatter =
        kubepatch::numbers::GoFormatter(serde_json::ser::PrettyFormatter::with_indent(b"    "));
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, formatter);
    if serde::Serialize::serialize(value, &mut ser).is_ok() {
        let _ = out.write_all(b"\n");
    }
}
