//! A stand-alone engine worker, for tests and benchmarks (production re-executes the calculator binary).

fn main() {
    engine::worker_main()
}
