//! The engine worker for the stacks these tests start (production re-executes the calculator binary instead).

fn main() {
    engine::worker_main()
}
