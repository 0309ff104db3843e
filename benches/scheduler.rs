//! `cargo bench --bench scheduler`: 100,000 schedules: start-up, lateness, idle CPU, memory. The bench itself is
//! `herald::bench::scheduler`; `herald bench` runs it with every other one.

fn main() {
    herald::bench::main_for("scheduler", env!("CARGO_BIN_EXE_herald"));
}
