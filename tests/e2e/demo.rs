//! `herald demo`: the rehearsal plays the shipped plan with a resisting team, writes a
//! report, and refuses a broken plan.

use herald::demo::{run, DemoError, DemoOptions};

use crate::helpers::within;

#[tokio::test]
async fn the_demo_plays_the_campaign_raises_supports_alert_and_writes_a_report() {
    within(300, async {
        let out = tempfile::tempdir().expect("dir");
        let opts = DemoOptions {
            messages: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("messages"),
            speed: 1,
            out: out.path().to_path_buf(),
        };
        let outcome = run(&opts, false)
            .await
            .unwrap_or_else(|e| panic!("the demo failed: {e:?}"));
        assert_eq!(outcome.alerts.len(), 1, "{:?}", outcome.alerts);
        assert!(
            outcome.alerts[0].contains("#change-team  ⚠️ Support: sentiment needs attention"),
            "{:?}",
            outcome.alerts
        );
        let lines = &outcome.transcript;
        assert!(
            lines
                .iter()
                .any(|l| l.contains("#support") && l.contains("Results of pulse #1")),
            "{lines:#?}"
        );
        assert!(lines.iter().any(|l| l.contains("Atlas CRM is live")));
        assert!(lines.iter().any(|l| l.contains("Recognition")));
        for png_name in [
            "overview.png",
            "sentiment-support.png",
            "sentiment-sales.png",
        ] {
            let bytes = std::fs::read(outcome.report.join(png_name)).expect("chart");
            let info = png::Decoder::new(bytes.as_slice())
                .read_info()
                .expect("a PNG that decodes");
            assert!(
                info.info().width >= 300 && info.info().height >= 100,
                "{png_name}"
            );
        }
        let csv = std::fs::read_to_string(outcome.report.join("export.csv")).expect("csv");
        assert!(csv.starts_with("team,week,score,contributors"));
        assert_eq!(csv.lines().filter(|l| l.starts_with("Support,")).count(), 6);
        let summary = std::fs::read_to_string(outcome.report.join("summary.md")).expect("summary");
        assert!(
            summary.contains("## Alerts") && summary.contains("Support"),
            "{summary}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_broken_plan_is_refused_with_its_problems() {
    within(60, async {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(
            dir.path().join("plan.toml"),
            "[campaign]\nname = \"X\"\ntimezone = \"Mars/Olympus\"\n",
        )
        .expect("plan");
        let opts = DemoOptions {
            messages: dir.path().to_path_buf(),
            speed: 1,
            out: dir.path().join("out"),
        };
        match run(&opts, false).await {
            Err(DemoError::Plan(problems)) => {
                assert!(
                    problems.iter().any(|p| p.contains("Mars/Olympus")),
                    "{problems:?}"
                )
            }
            other => panic!("expected the plan's problems, got {other:?}"),
        }
        let (code, _, stderr) = crate::cli::herald(
            &["demo", "--messages", dir.path().to_str().expect("utf-8")],
            &[],
            dir.path(),
        );
        assert_eq!(code, 1, "{stderr}");
        assert!(
            stderr.contains("Mars/Olympus") && stderr.contains("fix them and run the demo again"),
            "{stderr}"
        );
    })
    .await;
}
