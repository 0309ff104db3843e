//! Plans with one fault each: the right file, line and message, and never a panic.

use std::path::{Path, PathBuf};

use super::*;

pub(super) fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("messages")
}

/// A copy of the shipped plan with `plan.toml` edited by `edit`.
pub(super) fn broken(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    for sub in ["templates", "polls", "stories"] {
        std::fs::create_dir(dir.path().join(sub)).expect("mkdir");
        for entry in std::fs::read_dir(shipped().join(sub)).expect("shipped folder") {
            let path = entry.expect("entry").path();
            std::fs::copy(
                &path,
                dir.path().join(sub).join(path.file_name().expect("name")),
            )
            .expect("copy");
        }
    }
    let plan = std::fs::read_to_string(shipped().join("plan.toml")).expect("plan");
    std::fs::write(dir.path().join("plan.toml"), edit(plan)).expect("write");
    dir
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle in plan")
        + 1
}

pub(super) fn only_problem(dir: &Path) -> Problem {
    let problems = load(dir, &Known::default()).expect_err("the plan is broken");
    assert_eq!(
        problems.len(),
        1,
        "exactly one problem expected: {problems:#?}"
    );
    problems[0].clone()
}

pub(super) fn plan_text(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("plan.toml")).expect("plan")
}

#[test]
fn the_shipped_plan_is_clean() {
    let plan = load(&shipped(), &Known::default()).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(plan.campaign.name, "Atlas CRM rollout");
    assert!(plan.items.len() >= 10);
    assert_eq!(plan.phases.len(), 8, "Kotter's stages by default");
}

#[test]
fn the_shipped_pulses_remind_24_and_4_hours_before_close() {
    let plan = load(&shipped(), &Known::default()).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(
        plan.pulses.len(),
        5,
        "a baseline, before, after, eNPS and anchoring pulse"
    );
    assert!(plan
        .pulses
        .iter()
        .all(|p| p.reminders == [24, 4] && p.anonymous));
}

#[test]
fn a_reminder_outside_the_open_window_is_reported_at_its_pulse() {
    let dir = broken(|p| {
        p.replace(
            "id = \"readiness-after\"\n",
            "id = \"readiness-after\"\nremind_hours_before = [72]\n",
        )
    });
    let p = only_problem(dir.path());
    assert_eq!(
        p.line,
        line_of(&plan_text(dir.path()), "id = \"readiness-after\"")
    );
    assert!(
        p.message
            .contains("remind_hours_before must be at least 1 and less than open_hours (48)"),
        "{}",
        p.message
    );
}

#[test]
fn the_shipped_digest_goes_to_sponsors_and_change_leads_on_fridays() {
    let plan = load(&shipped(), &Known::default()).unwrap_or_else(|p| panic!("{p:#?}"));
    let digest = plan.digest.expect("a [digest]");
    assert_eq!(
        digest.readers,
        vec![DigestReader::Sponsors, DigestReader::ChangeLeads]
    );
    let from = DateTime::parse_from_rfc3339("2026-12-07T00:00:00Z")
        .expect("date")
        .with_timezone(&Utc);
    let fridays = digest.between(from, from + Duration::days(14), &plan.campaign, 10);
    let shown: Vec<String> = fridays.iter().map(|t| t.to_rfc3339()).collect();
    assert_eq!(
        shown,
        ["2026-12-11T16:00:00+00:00", "2026-12-18T16:00:00+00:00"],
        "16:00 in London, which is UTC in December"
    );
}

#[test]
fn a_digest_on_a_date_or_for_an_unknown_reader_is_reported() {
    for (written, said) in [
        (
            "schedule = \"2027-01-08 16:00\"\naudience = [\"sponsors\"]",
            "[digest] schedule is a weekly cron",
        ),
        (
            "schedule = \"0 0 16 * * FRI\"\naudience = [\"sponsor\"]",
            "[digest] audience `sponsor` is not a reader; write \"sponsors\", \"change_leads\" or both",
        ),
        (
            "schedule = \"0 0 16 * * FRI\"\naudience = []",
            "[digest] audience is empty",
        ),
    ] {
        let dir = broken(|p| {
            p.replace(
                "schedule = \"0 0 16 * * FRI\"\naudience = [\"sponsors\", \"change_leads\"]",
                written,
            )
        });
        let problem = only_problem(dir.path());
        assert!(problem.message.contains(said), "{problem}");
        assert_eq!(problem.line, line_of(&plan_text(dir.path()), "[digest]") + 1 + usize::from(!said.contains("schedule")), "{problem}");
    }
}

#[test]
fn a_bad_cron_is_reported_at_its_line() {
    let dir = broken(|p| p.replace("schedule = \"0 9 * * 1\"", "schedule = \"0 9 * * mon-fry\""));
    let p = only_problem(dir.path());
    assert_eq!(
        (p.line, p.col),
        (line_of(&plan_text(dir.path()), "mon-fry"), 12)
    );
    assert!(
        p.message
            .starts_with("item `weekly-update`: `0 9 * * mon-fry` is not a valid cron expression"),
        "{p}"
    );
}

#[test]
fn an_unknown_timezone_is_reported() {
    let dir = broken(|p| p.replace("Europe/London", "Europe/Lundon"));
    let p = only_problem(dir.path());
    assert_eq!(p.line, line_of(&plan_text(dir.path()), "Lundon"));
    assert!(
        p.message
            .contains("`Europe/Lundon` is not an IANA timezone"),
        "{p}"
    );
}

#[test]
fn an_unknown_team_is_reported_with_the_known_ones() {
    let dir = broken(|p| p.replace("audience = [\"Sales\"]", "audience = [\"Marketing\"]"));
    let p = only_problem(dir.path());
    assert_eq!(p.line, line_of(&plan_text(dir.path()), "Marketing"));
    assert_eq!(
        p.message,
        "item `pipeline-review`: unknown team `Marketing`; known teams are: Sales, Support, Finance"
    );
}

#[test]
fn a_missing_template_is_reported() {
    let dir = broken(|p| p.replace("template = \"vision.md\"", "template = \"visoin.md\""));
    let p = only_problem(dir.path());
    assert_eq!(p.line, line_of(&plan_text(dir.path()), "visoin.md"));
    assert!(
        p.message
            .starts_with("item `vision`: no template `visoin.md` in templates/ or stories/"),
        "{p}"
    );
}

#[test]
fn a_template_syntax_error_is_reported_at_the_template_line() {
    let dir = broken(|p| p);
    let file = dir.path().join("templates/check-in.md");
    std::fs::write(&file, "**Check-in**\n\nHello {{ team.name }\n").expect("write");
    let p = only_problem(dir.path());
    assert_eq!((p.file.clone(), p.line), (file, 3));
    assert!(p.message.starts_with("template syntax error"), "{p}");
}

#[test]
fn an_unknown_placeholder_is_reported_at_its_line_with_the_known_ones() {
    let dir = broken(|p| p);
    let file = dir.path().join("templates/anchor.md");
    let text = std::fs::read_to_string(&file).expect("read").replace(
        "{{ team.name }}, our customer",
        "{{ team.nmae }}, our customer",
    );
    std::fs::write(&file, text).expect("write");
    let p = only_problem(dir.path());
    let column = text_line(&file, 12)
        .find("{{ team.nmae")
        .expect("on line 12")
        + 4;
    assert_eq!(
        (p.file.clone(), p.line, p.col),
        (file, 12, column),
        "the body starts on line 12, after the front matter; the column is the name's"
    );
    assert!(
        p.message.starts_with(
            "unknown placeholder `team.nmae`; did you mean `team.name`? (templates can use:"
        ),
        "{p}"
    );
}

#[test]
fn content_over_2000_characters_once_rendered_is_reported() {
    let dir = broken(|p| p);
    let file = dir.path().join("templates/champions.md");
    std::fs::write(
        &file,
        format!(
            "**Champions**\n{{% for i in range(400) %}}{{{{ team.name }}}} {{% endfor %}}\n{}",
            ""
        ),
    )
    .expect("write");
    let p = only_problem(dir.path());
    assert_eq!((p.file.clone(), p.line), (file, 1));
    assert!(
        p.message
            .contains("item `champions-call` (team Sales): the rendered message is"),
        "{p}"
    );
    assert!(p.message.contains("Discord allows 2000"), "{p}");
}

#[test]
fn a_duplicate_id_is_reported_at_the_second_one() {
    let dir = broken(|p| p.replace("id = \"case-review\"", "id = \"pipeline-review\""));
    let p = only_problem(dir.path());
    let text = plan_text(dir.path());
    let second = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("id = \"pipeline-review\""))
        .nth(1)
        .expect("two")
        .0
        + 1;
    assert_eq!(p.line, second);
    assert_eq!(
        p.message,
        "duplicate item id `pipeline-review`; every item needs its own id"
    );
}

#[test]
fn an_unknown_key_is_reported_at_its_line() {
    let dir = broken(|p| {
        p.replace(
            "ping = \"team\"\nack = true",
            "ping = \"team\"\nacknowledge = true",
        )
    });
    let p = only_problem(dir.path());
    assert_eq!(p.line, line_of(&plan_text(dir.path()), "acknowledge"));
    assert!(
        p.message
            .starts_with("unknown key `acknowledge`; did you mean `ack`?"),
        "{p}"
    );
}

#[test]
fn a_go_live_offset_without_a_go_live_date_is_reported() {
    let dir = broken(|p| {
        p.replace("go_live = \"2027-01-11\"\n", "").replace(
            "from = \"go_live - 21d at 00:00\"\nuntil = \"go_live + 14d at 00:00\"\n",
            "",
        )
    });
    let problems = load(dir.path(), &Known::default()).expect_err("broken");
    let text = plan_text(dir.path());
    let first = &problems[0];
    assert_eq!(first.line, line_of(&text, "go_live - 28d at 09:00"));
    assert!(
        first.message.starts_with(
            "item `kickoff` is scheduled relative to go-live, but [campaign] has no go_live date"
        ),
        "{first}"
    );
    assert!(
        problems
            .iter()
            .all(|p| p.message.contains("no go_live date")),
        "{problems:#?}"
    );
}

#[test]
fn broken_toml_is_reported_without_panicking() {
    let dir = broken(|p| p.replace("[campaign]", "[campaign"));
    let p = only_problem(dir.path());
    assert_eq!(p.line, 5);
}

#[test]
fn an_unknown_mirror_is_reported_and_a_known_one_accepted() {
    let dir = broken(|p| p.replace("id = \"go-live\"", "id = \"go-live\"\nmirror = [\"slack\"]"));
    let p = only_problem(dir.path());
    assert_eq!(p.line, line_of(&plan_text(dir.path()), "mirror = "));
    assert!(p.message.contains("unknown mirror `slack`"), "{p}");
    let known = Known {
        mirrors: vec!["slack".into()],
        teams: vec![],
    };
    assert!(load(dir.path(), &known).is_ok());
}

#[test]
fn problems_display_like_a_compiler() {
    let p = Problem {
        file: PathBuf::from("messages/plan.toml"),
        line: 3,
        col: 7,
        message: "boom".into(),
    };
    assert_eq!(p.to_string(), "messages/plan.toml:3:7: boom");
}

// ---- templates within fuel and an output cap ----

#[test]
fn a_template_nesting_two_ten_thousand_loops_is_too_much_work_at_its_line() {
    let dir = broken(|p| p);
    let file = dir.path().join("templates/champions.md");
    let loops = "**Champions**\n\n{% for i in range(10000) %}\n{% for j in range(10000) %}{% endfor %}\n{% endfor %}\n";
    std::fs::write(&file, loops).expect("write");
    let p = only_problem(dir.path());
    assert_eq!(
        (p.file.clone(), p.line),
        (file.clone(), 4),
        "the inner loop's line: {p}"
    );
    assert!(
        p.to_string().starts_with(&format!(
            "{}:4:{}: item `champions-call` (team Sales): the template does too much work",
            file.display(),
            p.col
        )),
        "{p}"
    );
    assert!(p.message.contains("simplify the loops"), "{p}");
}

#[test]
fn a_template_writing_more_than_64_kib_is_reported_as_too_long_not_rendered_whole() {
    let dir = broken(|p| p);
    let file = dir.path().join("templates/champions.md");
    // 100 writes of 1000 characters: cheap in steps, 100 KB of output.
    let long = "**Champions**\n{% for i in range(100) %}{{ 'x' * 1000 }}{% endfor %}\n";
    std::fs::write(&file, long).expect("write");
    let p = only_problem(dir.path());
    assert_eq!((p.file.clone(), p.line), (file, 1));
    assert!(
        p.message
            .contains("item `champions-call` (team Sales): the template writes more than 64 KiB"),
        "{p}"
    );
    assert!(p.message.contains("simplify the loops"), "{p}");
}

#[test]
fn every_shipped_template_renders_on_a_hundredth_of_the_fuel() {
    let plan = load(&shipped(), &Known::default()).unwrap_or_else(|p| panic!("{p:#?}"));
    let item = &plan.items[0];
    let at = chrono::Utc::now();
    let mut uses = Vec::new();
    for name in plan.templates.map.keys() {
        let subject = render::Subject {
            template: name,
            id: name,
            phase: item.phase,
        };
        let ctx = render::context_with(&plan, &subject, "Support", at, &render::empty_story());
        let used = plan.templates.fuel_used(name, &ctx);
        uses.push((name.clone(), used));
    }
    assert_eq!(
        uses.len(),
        30,
        "eighteen messages, seven follow-ups and five stories: {uses:?}"
    );
    eprintln!(
        "fuel used by the shipped templates (budget {}): {uses:?}",
        limits::FUEL
    );
    for (name, used) in uses {
        let used = used.unwrap_or_else(|| panic!("{name} does not render"));
        assert!(used <= limits::FUEL / 100, "{name} takes {used} steps");
    }
}

// ---- no input panics the loader ----

fn write_case(plan: &str, template: &str, poll: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    for sub in ["templates", "polls", "stories"] {
        std::fs::create_dir(dir.path().join(sub)).expect("mkdir");
    }
    std::fs::write(dir.path().join("plan.toml"), plan).expect("plan");
    std::fs::write(dir.path().join("templates/t.md"), template).expect("template");
    std::fs::write(dir.path().join("polls/p.toml"), poll).expect("poll");
    dir
}

/// Text that is often almost valid: fragments of real plans, templates and sets, mixed.
/// Inputs per property: 300 in CI, 10,000 with `HERALD_FAULTS_LARGE` set.
fn fuzz_cases() -> u32 {
    match std::env::var("HERALD_FAULTS_LARGE") {
        Ok(v) if !v.is_empty() && v != "0" => 10_000,
        _ => 300,
    }
}

fn fragment() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let pieces = prop::sample::select(vec![
        "[campaign]\n",
        "name = \"X\"\n",
        "timezone = \"Europe/London\"\n",
        "go_live = \"2027-01-11\"\n",
        "[[items]]\n",
        "id = \"a\"\n",
        "template = \"t.md\"\n",
        "audience = \"all\"\n",
        "audience = [\"Sales\"]\n",
        "schedule = \"0 9 * * 1\"\n",
        "schedule = \"go_live - 3d at 09:00\"\n",
        "schedule = \"2026-13-40 25:61\"\n",
        "misfire = \"fire_once\"\n",
        "ack = true\n",
        "resend = { after_hours = 1, below = 2.0 }\n",
        "[[teams]]\nname = \"Sales\"\nrole = \"Sales\"\nchannel = \"sales\"\n",
        "[[pulses]]\n",
        "set = \"p\"\n",
        "---\ntitle = \"T\"\n---\n",
        "{{ team.name }}",
        "{{ days_to_go_live }}",
        "{% if x %}",
        "{% endif %}",
        "{{",
        "}}",
        "kind = \"adkar\"\n",
        "[[questions]]\n",
        "type = \"choice\"\n",
        "options = []\n",
        "element = \"Desire\"\n",
        "\u{0}",
        "é",
        "\"",
        "[",
        "=",
        "\n",
    ]);
    prop::collection::vec(
        prop_oneof![pieces.prop_map(String::from), any::<String>()],
        0..24,
    )
    .prop_map(|v| v.concat())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: fuzz_cases(), failure_persistence: None, ..Default::default() })]

    #[test]
    fn no_plan_template_or_question_set_text_makes_the_loader_panic(plan in fragment(), template in fragment(), poll in fragment()) {
        let dir = write_case(&plan, &template, &poll);
        let _ = load(dir.path(), &Known { mirrors: vec!["slack".into()], teams: vec!["Sales".into()] });
    }
}

/// A plan that is valid in shape, each field drawn from good and bad values, with a
/// random template: reaches the checks and the rendering, not only the TOML parser.
fn near_valid_plan() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let pick = |v: Vec<&'static str>| prop::sample::select(v).prop_map(String::from);
    (
        pick(vec!["\"UTC\"", "\"Europe/London\"", "\"Pacific/Chatham\"", "\"Nope/Zone\""]),
        pick(vec!["go_live = \"2027-01-11\"", "", "go_live = \"2027-02-30\""]),
        pick(vec!["\"a\"", "\"a b\"", "\"\""]),
        pick(vec!["\"all\"", "[\"Sales\"]", "[\"Nobody\"]", "[]", "\"Sales\""]),
        prop_oneof![pick(vec!["\"0 9 * * 1\"", "\"*/10 * * * * *\"", "\"go_live - 3d at 09:00\"", "\"2026-03-29 01:30\"", "\"61 * * * *\""]), any::<String>().prop_map(|s| format!("{s:?}"))],
        pick(vec!["", "ack = true", "ping = \"team\"", "misfire = \"fire_once\"", "resend = { after_hours = 1, below = 0.5 }", "mirror = [\"slack\"]", "from = \"go_live - 1d at 00:00\""]),
    )
        .prop_map(|(tz, go_live, id, audience, schedule, extra)| {
            format!(
                "[campaign]\nname = \"X\"\ntimezone = {tz}\n{go_live}\n\n[[teams]]\nname = \"Sales\"\nrole = \"Sales\"\nchannel = \"sales\"\n\n[[items]]\nid = {id}\ntemplate = \"t.md\"\naudience = {audience}\nschedule = {schedule}\n{extra}\n"
            )
        })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: fuzz_cases(), failure_persistence: None, ..Default::default() })]

    #[test]
    fn no_near_valid_plan_or_template_makes_checking_or_rendering_panic(plan in near_valid_plan(), template in fragment()) {
        let dir = write_case(&plan, &template, "name = \"P\"\nkind = \"custom\"\n[[questions]]\nid = \"q\"\ntext = \"Q\"\ntype = \"yes_no\"\n");
        if let Ok(p) = load(dir.path(), &Known { mirrors: vec!["slack".into()], teams: vec![] }) {
            let start = chrono::DateTime::<chrono::Utc>::from_timestamp(1_790_000_000, 0).expect("time");
            let _ = preview::timeline(&p, start, 30, None, &p.team_names());
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: fuzz_cases(), failure_persistence: None, ..Default::default() })]

    /// The line index gives the same position as counting from the start, everywhere.
    #[test]
    fn the_line_index_agrees_with_counting(text in "[a\\n]{0,40}", offset in 0usize..50) {
        let index = LineIndex::new(&text);
        proptest::prop_assert_eq!(index.line_col(offset), line_col(&text, offset));
    }
}

#[test]
fn a_team_reads_its_own_variant_then_its_language_and_plan_check_warns_of_gaps() {
    let dir = tempfile::tempdir().expect("dir");
    let t = dir.path().join("templates");
    std::fs::create_dir_all(&t).expect("mkdir");
    std::fs::write(
        dir.path().join("plan.toml"),
        "[campaign]\nname = \"X\"\ntimezone = \"UTC\"\n\n[[teams]]\nname = \"Sales\"\nrole = \"Sales\"\nchannel = \"sales\"\n\n[[teams]]\nname = \"Berlin\"\nrole = \"Berlin\"\nchannel = \"berlin\"\nlocale = \"de\"\n\n[[teams]]\nname = \"Paris\"\nrole = \"Paris\"\nchannel = \"paris\"\nlocale = \"fr\"\n\n[[items]]\nid = \"hello\"\ntemplate = \"hello.md\"\naudience = \"all\"\nschedule = \"0 9 * * 1\"\n",
    )
    .expect("plan");
    std::fs::write(
        t.join("hello.md"),
        "---\n[wiifm]\nParis = \"Pour vous.\"\n---\nHello.\n",
    )
    .expect("t");
    std::fs::write(t.join("hello.de.md"), "Hallo.\n").expect("t");
    std::fs::write(t.join("hello.sales.md"), "Hello, Sales.\n").expect("t");
    let plan = load(dir.path(), &Known::default()).unwrap_or_else(|p| panic!("{p:#?}"));
    let at = chrono::Utc::now();
    let item = plan.item("hello").expect("item");
    let read = |team: &str| {
        render::message(&plan, item, team, at)
            .expect("renders")
            .content
    };
    assert_eq!(read("Sales"), "Hello, Sales.", "a team's own file wins");
    assert_eq!(read("Berlin"), "Hallo.", "then its language's");
    assert_eq!(
        read("Paris"),
        "Hello.\n\n**What it means for you:** Pour vous.",
        "else the original"
    );
    let warnings: Vec<String> = plan.warnings.iter().map(|w| w.message.clone()).collect();
    assert_eq!(
        warnings,
        [
            "warning: item `hello` goes to 3 teams but says nothing to Berlin in particular; add a [wiifm] table to the front matter of hello.md (e.g. Berlin = \"what changes for them\") or write hello.Berlin.md",
            "warning: item `hello`: team Paris reads `fr` but there is no hello.fr.md; it gets hello.md instead",
        ]
    );
}

/// Line `n` (1-based) of a file.
fn text_line(file: &std::path::Path, n: usize) -> String {
    let text = std::fs::read_to_string(file).expect("read");
    text.lines().nth(n - 1).expect("the line").to_string()
}
