//! `cargo bench --bench sentiment`: 1,000,000 sentiment signals: ingest and the overview. The bench itself is
//! `herald::bench::sentiment`; `herald bench` runs it with every other one.

fn main() {
    herald::bench::main_for("sentiment", env!("CARGO_BIN_EXE_herald"));
}
