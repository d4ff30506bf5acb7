//! The Endpoints example server (`examples/endpoints_server`) under test, in
//! one test binary, so that the server (and its modules' unit tests) is
//! built and run once:
//!
//! - `support`: the server, run in this process on a random port;
//! - `endpoints`: every route, status code and query parameter over HTTP;
//! - `load`: 8 concurrent clients × 200 strategic patches;
//! - `kubectl`: the real kubectl through a whole session;
//! - `kube_rs`: kube-rs's `Api<Endpoints>`;
//! - `validation`: the server's Endpoints validation and defaults.

#[path = "../common/mod.rs"]
mod common;
mod support;

mod endpoints;
mod kube_rs;
mod kubectl;
mod load;
mod validation;
