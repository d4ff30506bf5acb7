//! A core/v1 Endpoints API server on kubepatch: `kubectl --server
//! http://127.0.0.1:8080` and kube-rs clients get, list, watch, create,
//! replace, patch (all four types) and delete Endpoints in an in-memory store.
//!
//! ```sh
//! cargo run --release --example endpoints_server -- --port 8080
//! ```
//!
//! The server itself is the module [`server`]; the tests include it too and
//! run it on a random port.

mod server;

use std::net::SocketAddr;

#[tokio::main]
async fn main() {
    let port = match port_from_args(std::env::args().skip(1)) {
        Ok(port) => port,
        Err(message) => {
            eprintln!("endpoints_server: {message}\nusage: endpoints_server [--port PORT]");
            std::process::exit(2);
        }
    };
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("endpoints_server: cannot listen on {address}: {e}");
            std::process::exit(1);
        }
    };
    eprintln!("endpoints_server: listening on http://{address}");
    if let Err(e) = server::serve(listener).await {
        eprintln!("endpoints_server: {e}");
        std::process::exit(1);
    }
}

/// `--port PORT` (or `--port=PORT`); 8080 when absent.
fn port_from_args(mut args: impl Iterator<Item = String>) -> Result<u16, String> {
    let mut port = 8080;
    while let Some(arg) = args.next() {
        let value = match arg.strip_prefix("--port=") {
            Some(v) => v.to_string(),
            None if arg == "--port" => args.next().ok_or("--port needs a value")?,
            None => return Err(format!("unknown argument {arg:?}")),
        };
        port = value
            .parse()
            .map_err(|_| format!("--port: {value:?} is not a port number"))?;
    }
    Ok(port)
}
