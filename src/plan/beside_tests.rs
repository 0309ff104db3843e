//! What sits beside the plan's items: `[[metrics]]` (adoption figures and their tipping
//! lines) and `playbook.toml`, each read and each mistake reported at its line.

use super::tests::{broken, only_problem, plan_text, shipped};
use super::*;

#[test]
fn metrics_are_read_and_each_mistake_is_reported_at_its_line() {
    use crate::domain::adoption::MetricKind;
    let good = "\n[[metrics]]\nid = \"crm_active\"\nkind = \"active_users\"\nlabel = \"Active in the new CRM\"\ntarget = 60\nlicensed = 120\n\n[[metrics]]\nid = \"old_reports\"\nkind = \"legacy\"\nlabel = \"Old reports opened\"\n";
    let dir = broken(|p| format!("{}{good}", without_metrics(&p)));
    let plan = load(dir.path(), &Known::default()).unwrap_or_else(|p| panic!("{p:#?}"));
    let read: Vec<(&str, MetricKind, Option<f64>, Option<i64>)> = plan
        .metrics
        .iter()
        .map(|m| (m.id.as_str(), m.kind, m.target, m.licensed))
        .collect();
    assert_eq!(
        read,
        [
            ("crm_active", MetricKind::ActiveUsers, Some(60.0), Some(120)),
            ("old_reports", MetricKind::Legacy, None, None),
        ]
    );
    for (written, said, at) in [
        (
            "kind = \"legacy\"",
            "kind `legcy` is not one Herald reads; did you mean `legacy`?",
            "legcy",
        ),
        (
            "id = \"old_reports\"",
            "metric `crm_active` is declared twice",
            "id = \"crm_active\"\nkind = \"legacy\"",
        ),
        (
            "label = \"Old reports opened\"",
            "the label is empty",
            "label = \"\"",
        ),
    ] {
        let wrong = match said {
            s if s.contains("legcy") => good.replace(written, "kind = \"legcy\""),
            s if s.contains("twice") => good.replace(written, "id = \"crm_active\""),
            _ => good.replace(written, "label = \"\""),
        };
        let dir = broken(|p| format!("{}{wrong}", without_metrics(&p)));
        let problem = only_problem(dir.path());
        assert!(problem.message.contains(said), "{problem}");
        let first_line = at.lines().next().unwrap_or(at);
        let text = plan_text(dir.path());
        let expected = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.contains(first_line))
            .map(|(i, _)| i + 1)
            .last()
            .expect("the line");
        assert_eq!(problem.line, expected, "{problem}");
    }
    let dir = broken(|p| {
        format!(
            "{}{}",
            without_metrics(&p),
            good.replace(
                "kind = \"legacy\"",
                "kind = \"count\"\nlicensed = 5\ntarget = -1"
            )
        )
    });
    let problems = match load(dir.path(), &Known::default()) {
        Err(p) => p,
        Ok(_) => panic!("licensed on a count is refused"),
    };
    let said: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        said,
        [
            "metric `old_reports`: `licensed` is for active_users metrics (people counted against the licences bought); remove it",
            "metric `old_reports`: target -1 is not a number of 0 or more",
        ],
        "in the order they are written"
    );
}

#[test]
fn tipping_lines_are_the_plans_when_set_and_must_rise() {
    let metric = |extra: &str| {
        format!("\n[[metrics]]\nid = \"crm_active\"\nkind = \"active_users\"\nlabel = \"Active in the new CRM\"\n{extra}\n")
    };
    let default = broken(|p| format!("{}{}", without_metrics(&p), metric("")));
    let plan = load(default.path(), &Known::default()).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(plan.metrics[0].tipping, [16.0, 25.0, 40.0]);
    let set = broken(|p| {
        format!(
            "{}{}",
            without_metrics(&p),
            metric("tipping = [15, 30, 50]")
        )
    });
    let plan = load(set.path(), &Known::default()).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(plan.metrics[0].organisation_wide(), 50.0);
    for wrong in [
        "tipping = [25, 16, 40]",
        "tipping = [16, 40]",
        "tipping = [16, 25, 140]",
    ] {
        let dir = broken(|p| format!("{}{}", without_metrics(&p), metric(wrong)));
        let problem = only_problem(dir.path());
        assert!(
            problem.message.contains("is not three rising per cents"),
            "{wrong}: {problem}"
        );
    }
}

/// The shipped plan without its `[[metrics]]`, for tests that declare their own.
fn without_metrics(plan: &str) -> String {
    let start = plan
        .find("# What the CRM sends")
        .expect("the shipped metrics");
    let end = start + plan[start..].find("\n# ----").expect("the next section");
    format!("{}{}", &plan[..start], &plan[end..])
}

#[test]
fn a_playbook_is_checked_with_the_plan_each_problem_at_its_line() {
    let dir = broken(|p| p);
    let book = "[[plays]]\nid = \"desire\"\ntrigger = \"barrier.desir\"\ntitle = \"T\"\nwhat = \"W\"\nowner = \"sponsor\"\n\n[[plays]]\nid = \"knowledge\"\ntrigger = \"barrier.knowledge\"\ntitle = \"T\"\nwhat = \"W\"\nowner = \"sponsor\"\nfollow_up = \"no-such.md\"\n\n[[plays]]\nid = \"wins\"\ntrigger = \"sentiment\"\ntitle = \"T\"\nwhat = \"W\"\nowner = \"boss\"\nrepulse_days = 7\n";
    std::fs::write(dir.path().join("playbook.toml"), book).expect("playbook");
    let problems = match load(dir.path(), &Known::default()) {
        Err(p) => p,
        Ok(_) => panic!("a broken playbook is refused"),
    };
    let said: Vec<(usize, &str)> = problems
        .iter()
        .filter(|p| p.file.ends_with("playbook.toml"))
        .map(|p| (p.line, p.message.as_str()))
        .collect();
    assert_eq!(said.len(), 3, "{said:#?}");
    assert_eq!(said[0].0, 3);
    assert!(
        said[0].1.contains(
            "trigger `barrier.desir` is not one Herald sees; did you mean `barrier.desire`?"
        ),
        "{}",
        said[0].1
    );
    assert_eq!(said[1].0, 14);
    assert!(
        said[1].1.contains("no template `no-such.md` in templates/"),
        "{}",
        said[1].1
    );
    assert_eq!(said[2].0, 21);
    assert!(
        said[2]
            .1
            .contains("owner `boss` is not a role Herald knows"),
        "{}",
        said[2].1
    );
    let shipped = crate::plan::load(&shipped(), &Known::default()).expect("the shipped plan");
    assert_eq!(shipped.playbook.plays.len(), 10, "every trigger has a play");
}
