//! The Endpoints example server (`examples/endpoints_server`), run in this
//! test process on a random port of 127.0.0.1: [`start`].

#![allow(dead_code)]

#[path = "../../examples/endpoints_server/server/mod.rs"]
pub mod server;

use std::sync::mpsc;

/// A running server: its base URL (`http://127.0.0.1:PORT`). It serves on
/// its own thread and runtime until the test process ends.
pub struct Running {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    /// The port.
    pub port: u16,
}

/// Start a server with an empty store on a free port.
pub fn start() -> Running {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind 127.0.0.1:0");
            let port = listener.local_addr().expect("a bound address").port();
            tx.send(port).expect("the test waits for the port");
            server::serve(listener).await.expect("the server runs");
        });
    });
    let port = rx.recv().expect("the server thread sends its port");
    Running {
        url: format!("http://127.0.0.1:{port}"),
        port,
    }
}
