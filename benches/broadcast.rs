//! `cargo bench --bench broadcast`: a broadcast under Discord's rate limits: throughput. The bench itself is
//! `herald::bench::broadcast`; `herald bench` runs it with every other one.

fn main() {
    herald::bench::main_for("broadcast", env!("CARGO_BIN_EXE_herald"));
}
