//! Load on the Endpoints example server: 8 clients patch one object
//! concurrently (strategic merge, each adding its own addresses under its
//! own field manager). The store's lock makes each patch a
//! read-modify-write: every address must be there at the end, and each
//! manager must own its fields in exactly one managedFields entry.
//!
//! 8 clients × 200 patches (1,600 addresses). A debug build (what `cargo
//! test` runs) is some 20 times slower per patch than a release build, and a
//! patch costs in proportion to the object it grows: the run takes about
//! half a minute there. `KUBEPATCH_LOAD_PATCHES=N` sets the patches per
//! client.

use crate::support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

const CLIENTS: usize = 8;

/// Patches per client: 200, or `KUBEPATCH_LOAD_PATCHES`.
fn patches() -> usize {
    std::env::var("KUBEPATCH_LOAD_PATCHES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200)
}

/// The address client `c` adds in its patch `x`: `10.C.X/256.X%256`.
fn address(c: usize, x: usize) -> String {
    format!("10.{c}.{}.{}", x / 256, x % 256)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_strategic_patches_lose_nothing() {
    let server = support::start();
    let client = reqwest::Client::new();
    let collection = format!("{}/api/v1/namespaces/test-namespace/endpoints", server.url);
    let object = format!("{collection}/test-endpoint");
    let seed = std::fs::read("testdata/json/add-annotations-seed/original.json").expect("the seed");
    let created = client
        .post(format!("{collection}?fieldManager=creator"))
        .header("Content-Type", "application/json")
        .body(seed)
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), 201);

    let per_client = patches();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let client = client.clone();
        let url = format!("{object}?fieldManager=client-{c}");
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_client);
            for x in 0..per_client {
                let patch = json!({"subsets": [{
                    "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
                    "addresses": [{"ip": address(c, x)}],
                }]});
                let sent = Instant::now();
                let reply = client
                    .patch(&url)
                    .header("Content-Type", "application/strategic-merge-patch+json")
                    .body(patch.to_string())
                    .send()
                    .await
                    .expect("a response");
                let code = reply.status();
                let body = reply.bytes().await.expect("a body");
                latencies.push(sent.elapsed());
                assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
            }
            latencies
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("a client finishes"));
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100];
    let total = CLIENTS * per_client;
    eprintln!(
        "load: {total} patches by {CLIENTS} clients in {elapsed:.2?}: {:.0} requests/s, p99 {p99:.2?}",
        total as f64 / elapsed.as_secs_f64()
    );

    let stored: Value = client
        .get(&object)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("an object");
    let subsets = stored["subsets"].as_array().expect("subsets");
    assert_eq!(subsets.len(), 1, "one subset: the patches share its ports");
    let ips: std::collections::HashSet<&str> = subsets[0]["addresses"]
        .as_array()
        .expect("addresses")
        .iter()
        .filter_map(|a| a["ip"].as_str())
        .collect();
    for c in 0..CLIENTS {
        for x in 0..per_client {
            assert!(
                ips.contains(address(c, x).as_str()),
                "{} lost",
                address(c, x)
            );
        }
    }
    assert!(ips.contains("192.168.0.10"), "the seed's address");
    assert_eq!(ips.len(), total + 1);

    let mut managers: Vec<&str> = stored["metadata"]["managedFields"]
        .as_array()
        .expect("managedFields")
        .iter()
        .map(|e| e["manager"].as_str().expect("a manager"))
        .collect();
    managers.sort();
    let mut expected: Vec<String> = (0..CLIENTS).map(|c| format!("client-{c}")).collect();
    expected.push("creator".to_string());
    assert_eq!(managers, expected);
    // Every Update of a client owns exactly its addresses.
    for entry in stored["metadata"]["managedFields"]
        .as_array()
        .expect("managedFields")
    {
        let manager = entry["manager"].as_str().expect("a manager");
        let Some(c) = manager.strip_prefix("client-") else {
            continue;
        };
        assert_eq!(entry["operation"], "Update");
        let owned = entry["fieldsV1"]["f:subsets"]
            .as_object()
            .and_then(|s| s.values().next())
            .and_then(|subset| subset["f:addresses"].as_object())
            .map_or(0, |a| a.len());
        assert_eq!(owned, per_client, "{manager} (client {c})");
    }
}
