//! `cargo bench --bench interactions`: `/herald status` interactions under load: ack latency. The bench itself is
//! `herald::bench::interactions`; `herald bench` runs it with every other one.

fn main() {
    herald::bench::main_for("interactions", env!("CARGO_BIN_EXE_herald"));
}
