//! `herald bench` at a tiny size: one table with every figure the README quotes, and each
//! bench's work done in full (every interaction answered, every send delivered).

use std::collections::HashMap;

use crate::cli::herald;

const TINY: [(&str, &str); 24] = [
    ("BENCH_ENTERPRISE_MEMBERS", "40"),
    ("BENCH_ENTERPRISE_TEAMS", "20"),
    ("BENCH_ENTERPRISE_BURST", "10"),
    ("BENCH_ENTERPRISE_WAVE_SECONDS", "1"),
    ("BENCH_N", "20"),
    ("BENCH_RATE", "100"),
    ("BENCH_CHANNELS", "2"),
    ("BENCH_ITEMS", "2"),
    ("BENCH_MEMBERS", "6"),
    ("BENCH_PULSE_TEAMS", "2"),
    ("BENCH_SECONDS", "1"),
    ("BENCH_SCHEDULES", "300"),
    ("BENCH_SCHEDULE_TEAMS", "3"),
    ("BENCH_WINDOW", "20"),
    ("BENCH_LEAD", "8"),
    ("BENCH_IDLE", "1"),
    ("BENCH_STARTS", "1"),
    ("BENCH_SIGNALS", "2000"),
    ("BENCH_SIGNAL_TEAMS", "5"),
    ("BENCH_RUNS", "2"),
    ("BENCH_ADOPTION_ROWS", "2000"),
    ("BENCH_ADOPTION_TEAMS", "5"),
    ("RUST_LOG", "error"),
    ("NO_COLOR", "1"),
];

/// (bench, measure) → value, from the printed table.
fn rows(table: &str) -> HashMap<(String, String), String> {
    table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| bench "))
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            (cells.len() == 4).then(|| ((cells[0].into(), cells[1].into()), cells[2].into()))
        })
        .collect()
}

fn value<'a>(rows: &'a HashMap<(String, String), String>, bench: &str, starts: &str) -> &'a str {
    rows.iter()
        .find(|((b, m), _)| b == bench && m.starts_with(starts))
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no `{bench}` row starting `{starts}` in {rows:#?}"))
}

#[test]
fn the_bench_command_prints_every_figure_in_one_table() {
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty()) {
        // The benches run on SQLite whatever the test leg; once is enough.
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let (code, out, err) = herald(&["bench"], &TINY, dir.path());
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let rows = rows(&out);
    assert_eq!(
        value(&rows, "interactions", "interactions sent / answered"),
        "20 / 20"
    );
    for p in ["p50", "p90", "p99", "max"] {
        assert!(value(&rows, "interactions", &format!("ack latency {p}")).ends_with(" ms"));
        assert!(value(&rows, "pulse", &format!("ack latency {p}")).ends_with(" ms"));
    }
    assert_eq!(value(&rows, "interactions", "late acks"), "0 / 0 / 0");
    assert_eq!(value(&rows, "broadcast", "messages delivered"), "4 of 4");
    assert!(value(&rows, "broadcast", "fraction of the enforced limit").ends_with(" %"));
    assert_eq!(value(&rows, "pulse", "members answering"), "6 / 6 / 6");
    assert!(value(&rows, "pulse", "vote ingest: interactions").contains("per second"));
    assert!(value(&rows, "pulse", "vote ingest, burst").contains("(6 of 6 in "));
    assert!(value(&rows, "scheduler", "start-up to ready, shipped plan").ends_with(')'));
    assert!(value(&rows, "scheduler", "start-up to ready with 300 schedules").ends_with(" ms"));
    assert!(value(&rows, "scheduler", "start to the first 48 hours queued").contains("600 sends"));
    assert_eq!(
        value(&rows, "scheduler", "sends due in the window"),
        "20 / 20"
    );
    assert!(value(&rows, "scheduler", "lateness").ends_with(" ms"));
    assert!(value(&rows, "scheduler", "idle CPU").ends_with("of one core"));
    assert!(value(&rows, "scheduler", "resident memory").ends_with("MiB"));
    assert!(value(&rows, "sentiment", "ingest of 2000 signals").contains("signals per second"));
    assert!(value(&rows, "sentiment", "/sentiment (all teams) p99").ends_with(" ms"));
    assert!(value(&rows, "dashboard", "page weight").ends_with(" KB"));
    assert!(value(&rows, "dashboard", "digest built").ends_with(" ms"));
    assert!(
        value(&rows, "adoption", "ingest of 2000 rows over 5 teams").contains("rows per second")
    );
    assert!(value(&rows, "adoption", "/adoption (all teams) p99").ends_with(" ms"));
    assert!(value(
        &rows,
        "enterprise",
        "start-up to ready, 40 members in 20 teams"
    )
    .ends_with(" s"));
    assert!(value(&rows, "enterprise", "resident memory once ready").ends_with(" MiB"));
    assert!(value(&rows, "enterprise", "pulse burst ingest, 10 members").contains("(10 stored in "));
    assert!(value(&rows, "enterprise", "reminder fan-out").contains("of the 50/s global limit"));
    assert!(
        value(&rows, "enterprise", "plan sends during the wave").starts_with("20 / 20; "),
        "every plan send during the wave was delivered"
    );
}
