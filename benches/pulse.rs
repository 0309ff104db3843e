//! `cargo bench --bench pulse`: 2,000 members answering a pulse: ack latency and ingest. The bench itself is
//! `herald::bench::pulse`; `herald bench` runs it with every other one.

fn main() {
    herald::bench::main_for("pulse", env!("CARGO_BIN_EXE_herald"));
}
