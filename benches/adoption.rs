//! `cargo bench --bench adoption`: 1,000,000 adoption rows: ingest and the `/adoption`
//! overview. The bench itself is `herald::bench::adoption`; `herald bench` runs it with
//! every other one.

fn main() {
    herald::bench::main_for("adoption", env!("CARGO_BIN_EXE_herald"));
}
