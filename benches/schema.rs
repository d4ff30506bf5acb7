//! Loading a schema: the full Kubernetes v1.36 OpenAPI v2 document (parse and
//! build; skips, with a note, when `../shared/openapi/` is absent), and the
//! compiled-in schema of one kind (`builtin_load`: indexing the data and
//! building the Deployment's definitions, what a process's first request of
//! a kind pays once).

use criterion::{Criterion, criterion_group, criterion_main};
use kubepatch::schema::openapi::{self, Options};

fn openapi_load(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/openapi/kubernetes-v1.36-swagger.json"
    );
    let Ok(bytes) = std::fs::read(path) else {
        eprintln!("note: {path} absent; skipping the openapi_load bench");
        return;
    };
    let mut group = c.benchmark_group("openapi_load");
    group.sample_size(20);
    group.bench_function("kubernetes-v1.36-swagger", |b| {
        b.iter(|| openapi::load(std::hint::black_box(&bytes), &Options::default()))
    });
    group.bench_function("kubernetes-v1.36-swagger/list-map-keys", |b| {
        let options = Options {
            list_map_keys_for_strategic: true,
        };
        b.iter(|| openapi::load(std::hint::black_box(&bytes), &options))
    });
    group.finish();
}

fn builtin_load(c: &mut Criterion) {
    let data = include_str!("../src/schema/builtin.json");
    let mut group = c.benchmark_group("builtin_load");
    group.sample_size(20);
    // What the first request of a kind costs: the index, then the kind's
    // definitions parsed and built (the process-wide cache bypassed).
    group.bench_function("deployment", |b| {
        b.iter(|| kubepatch::schema::builtin::uncached(data, "apps/v1", "Deployment"))
    });
    group.bench_function("configmap", |b| {
        b.iter(|| kubepatch::schema::builtin::uncached(data, "v1", "ConfigMap"))
    });
    group.finish();
}

criterion_group!(benches, openapi_load, builtin_load);
criterion_main!(benches);
