//! One clone of the live object (`Value::clone`), at each size the request
//! benches use (10, 1,000, 10,000 and 100,000 addresses), untracked and
//! tracked: `clone/<tracking>/<n>`. The unit of the target "a 1-address
//! strategic patch costs at most a tenth of one clone of the 100,000-address
//! object": compare `strategic/one-address/<tracking>/<n>` with it. The
//! clone is dropped outside the timing. Set `KUBEPATCH_BENCH_SIZES=10,1000`
//! to run fewer sizes.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

#[path = "fixtures/mod.rs"]
mod fixtures;

use fixtures::Tracking;

fn clone(c: &mut Criterion) {
    let mut group = c.benchmark_group("clone");
    for n in fixtures::sizes() {
        fixtures::configure(&mut group, n);
        for tracking in Tracking::BOTH {
            let live = tracking.live(n);
            group.bench_function(BenchmarkId::new(tracking.name(), n), |b| {
                b.iter_with_large_drop(|| black_box(&live).clone())
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = fixtures::criterion();
    targets = clone
}
criterion_main!(benches);
