//! `cargo bench --bench enterprise`: 50,000 members in 200 teams: start-up, memory, pulse
//! burst ingest, reminder fan-out and plan-send lateness during it. The bench itself is
//! `herald::bench::enterprise`; `herald bench` runs it with every other one.

fn main() {
    herald::bench::main_for("enterprise", env!("CARGO_BIN_EXE_herald"));
}
