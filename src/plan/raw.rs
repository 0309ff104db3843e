//! `plan.toml` as written, with spans, turned into a [`Plan`] while collecting problems.

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;

use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use toml::Spanned;

use super::{
    kotter_phases, Audience, Campaign, Item, LineIndex, Misfire, Phase, Ping, Plan, Problem,
    Resend, Templates,
};
use crate::domain::schedule::{parse_timezone, Schedule};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    campaign: Option<RawCampaign>,
    #[serde(default)]
    phases: Vec<RawPhase>,
    #[serde(default)]
    teams: Vec<super::people::RawTeam>,
    #[serde(default)]
    holidays:
        std::collections::BTreeMap<String, std::collections::BTreeMap<String, Spanned<String>>>,
    #[serde(default)]
    sponsors: std::collections::BTreeMap<String, super::people::RawSponsor>,
    #[serde(default)]
    items: Vec<RawItem>,
    #[serde(default)]
    pulses: Vec<RawPulse>,
    digest: Option<RawDigest>,
    #[serde(default)]
    metrics: Vec<super::metrics::RawMetric>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDigest {
    schedule: Spanned<String>,
    audience: Spanned<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPulse {
    id: Spanned<String>,
    set: Spanned<String>,
    audience: Spanned<RawAudience>,
    schedule: Spanned<String>,
    #[serde(default = "default_open_hours")]
    open_hours: u32,
    #[serde(default = "yes")]
    anonymous: bool,
    /// Hours before close at which non-respondents get a direct-message reminder
    /// (default 24 and 4; a default that falls before the opening is skipped).
    remind_hours_before: Option<Vec<u32>>,
}

fn default_open_hours() -> u32 {
    48
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCampaign {
    name: Spanned<String>,
    timezone: Spanned<String>,
    go_live: Option<Spanned<String>>,
    reports_channel: Option<Spanned<String>>,
    grace_minutes: Option<Spanned<i64>>,
    working_days: Option<Spanned<Vec<String>>>,
    holidays: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPhase {
    number: u32,
    name: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawAudience {
    Word(String),
    Teams(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResend {
    after_hours: u32,
    below: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: Spanned<String>,
    template: Spanned<String>,
    audience: Spanned<RawAudience>,
    schedule: Spanned<String>,
    phase: Option<Spanned<u32>>,
    misfire: Option<Misfire>,
    #[serde(default)]
    ack: bool,
    ping: Option<Ping>,
    mirror: Option<Spanned<Vec<String>>>,
    resend: Option<Spanned<RawResend>>,
    from: Option<Spanned<String>>,
    until: Option<Spanned<String>>,
    on_holiday: Option<super::calendar::OnHoliday>,
    sponsor: Option<Spanned<String>>,
    brief_managers: Option<Spanned<String>>,
}

pub(super) struct Ctx<'a> {
    file: &'a Path,
    pub(super) lines: LineIndex,
    problems: &'a mut Vec<Problem>,
}

impl Ctx<'_> {
    pub(super) fn at(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, col) = self.lines.line_col(span.start);
        self.problems.push(Problem {
            file: self.file.to_path_buf(),
            line,
            col,
            message: message.into(),
        });
    }
}

pub(super) fn parse(
    file: &Path,
    text: &str,
    dir: &Path,
    templates: Templates,
    polls: std::collections::BTreeMap<String, crate::domain::poll::QuestionSet>,
    problems: &mut Vec<Problem>,
) -> Option<Plan> {
    let read = super::recover::parse::<RawPlan>(file, text, problems);
    let raw = read.value?;
    let Some(raw_campaign) = &raw.campaign else {
        if !read.blanked {
            problems.push(Problem {
                file: file.to_path_buf(),
                line: 1,
                col: 1,
                message: "the plan has no [campaign] table; add one with `name` and `timezone`"
                    .into(),
            });
        }
        return None;
    };
    let mut cx = Ctx {
        file,
        lines: LineIndex::new(text),
        problems,
    };
    let campaign = campaign(raw_campaign, &mut cx)?;
    let phases = if raw.phases.is_empty() {
        kotter_phases()
    } else {
        raw.phases
            .iter()
            .map(|p| Phase {
                number: p.number,
                name: p.name.clone(),
            })
            .collect()
    };
    let holidays = super::people::holidays(&raw.holidays, &mut cx);
    let teams = super::people::teams(&raw.teams, &holidays, &mut cx);
    let sponsors = super::people::sponsors(&raw.sponsors, &mut cx);
    if let Some(h) = &raw_campaign.holidays {
        super::people::known_list(h, &holidays, &mut cx);
    }
    let items: Vec<Item> = raw
        .items
        .iter()
        .filter_map(|i| item(i, &campaign, &phases, &sponsors, &mut cx))
        .collect();
    duplicate_ids(&raw.items, &mut cx);
    let pulses = raw
        .pulses
        .iter()
        .filter_map(|p| pulse(p, &campaign, &polls, &teams, &mut cx))
        .collect();
    let digest = raw.digest.as_ref().and_then(|d| digest(d, &mut cx));
    let metrics = super::metrics::metrics(&raw.metrics, &mut cx);
    let mut item_index = std::collections::HashMap::new();
    for (i, item) in items.iter().enumerate() {
        item_index.entry(item.id.clone()).or_insert(i);
    }
    Some(Plan {
        dir: dir.to_path_buf(),
        polls,
        pulses,
        campaign,
        phases,
        teams,
        items,
        templates,
        holidays,
        sponsors,
        warnings: Vec::new(),
        digest,
        metrics,
        playbook: Default::default(),
        item_index,
    })
}

/// `[digest]`: a recurring schedule and who reads it.
fn digest(d: &RawDigest, cx: &mut Ctx) -> Option<super::Digest> {
    use super::DigestReader;
    let schedule = match Schedule::parse(d.schedule.get_ref()) {
        Ok(s @ Schedule::Cron { .. }) => Some(s),
        Ok(_) => {
            cx.at(
                d.schedule.span(),
                "[digest] schedule is a weekly cron such as \"0 8 * * MON\" (Mondays at 08:00 in the campaign's time zone), not a single date",
            );
            None
        }
        Err(m) => {
            cx.at(d.schedule.span(), format!("[digest] schedule: {m}"));
            None
        }
    };
    let mut readers = Vec::new();
    for word in d.audience.get_ref() {
        let reader = match word.as_str() {
            "sponsors" => DigestReader::Sponsors,
            "change_leads" => DigestReader::ChangeLeads,
            other => {
                cx.at(
                    d.audience.span(),
                    format!("[digest] audience `{other}` is not a reader; write \"sponsors\", \"change_leads\" or both"),
                );
                continue;
            }
        };
        if !readers.contains(&reader) {
            readers.push(reader);
        }
    }
    if d.audience.get_ref().is_empty() {
        cx.at(
            d.audience.span(),
            "[digest] audience is empty; write [\"sponsors\"], [\"change_leads\"] or both",
        );
    }
    Some(super::Digest {
        schedule: schedule?,
        schedule_text: d.schedule.get_ref().clone(),
        readers,
    })
}

fn campaign(c: &RawCampaign, cx: &mut Ctx) -> Option<Campaign> {
    let tz = match parse_timezone(c.timezone.get_ref()) {
        Ok(tz) => Some(tz),
        Err(m) => {
            cx.at(c.timezone.span(), m);
            None
        }
    };
    let go_live = match &c.go_live {
        None => None,
        Some(g) => match NaiveDate::parse_from_str(g.get_ref(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                cx.at(
                    g.span(),
                    format!(
                        "go_live `{}` is not a date; write it as `2026-04-13`",
                        g.get_ref()
                    ),
                );
                None
            }
        },
    };
    let grace = c.grace_minutes.as_ref().map_or(15, |g| *g.get_ref());
    if grace < 0 {
        if let Some(g) = &c.grace_minutes {
            cx.at(g.span(), "grace_minutes cannot be negative");
        }
    }
    let working_days = c
        .working_days
        .as_ref()
        .and_then(|w| super::people::working_days(w, cx));
    let reports_channel = c
        .reports_channel
        .as_ref()
        .map_or("change-team".to_string(), |r| r.get_ref().clone());
    Some(Campaign {
        name: c.name.get_ref().clone(),
        // A zone already reported: read on in UTC so the rest of the plan is checked too
        // (a plan with a problem never runs).
        tz: tz.unwrap_or(chrono_tz::UTC),
        go_live,
        reports_channel,
        grace: Duration::minutes(grace.max(0)),
        working_days,
        holidays: c.holidays.as_ref().map(|h| h.get_ref().clone()),
    })
}

fn item(
    i: &RawItem,
    campaign: &Campaign,
    phases: &[Phase],
    sponsors: &std::collections::BTreeMap<String, super::Sponsor>,
    cx: &mut Ctx,
) -> Option<Item> {
    let schedule = match Schedule::parse(i.schedule.get_ref()) {
        Ok(s) => s,
        Err(m) => {
            cx.at(i.schedule.span(), format!("item `{}`: {m}", i.id.get_ref()));
            return None;
        }
    };
    if schedule.needs_go_live() && campaign.go_live.is_none() {
        cx.at(i.schedule.span(), format!("item `{}` is scheduled relative to go-live, but [campaign] has no go_live date; add `go_live = \"YYYY-MM-DD\"`", i.id.get_ref()));
    }
    let audience = match i.audience.get_ref() {
        RawAudience::Word(w) if w == "all" => Audience::All,
        RawAudience::Word(w) => Audience::Teams(vec![w.clone()]),
        RawAudience::Teams(t) if t.is_empty() => {
            cx.at(
                i.audience.span(),
                format!(
                    "item `{}` has an empty audience; use \"all\" or a list of teams",
                    i.id.get_ref()
                ),
            );
            Audience::Teams(vec![])
        }
        RawAudience::Teams(t) => Audience::Teams(t.clone()),
    };
    if let Some(p) = &i.phase {
        if !phases.iter().any(|ph| ph.number == *p.get_ref()) {
            cx.at(
                p.span(),
                format!(
                    "item `{}`: there is no phase {}",
                    i.id.get_ref(),
                    p.get_ref()
                ),
            );
        }
    }
    let resend = i.resend.as_ref().map(|r| {
        let v = r.get_ref();
        if !(0.0..=1.0).contains(&v.below) {
            cx.at(
                r.span(),
                format!(
                    "item `{}`: resend.below is a fraction between 0 and 1, e.g. 0.7",
                    i.id.get_ref()
                ),
            );
        }
        Resend {
            after_hours: v.after_hours,
            below: v.below,
        }
    });
    let mut bound = |b: &Option<Spanned<String>>, key: &str| {
        let b = b.as_ref()?;
        match Schedule::parse(b.get_ref()) {
            Ok(s @ (Schedule::At(_) | Schedule::GoLive { .. })) => {
                if s.needs_go_live() && campaign.go_live.is_none() {
                    cx.at(b.span(), format!("item `{}`: `{key}` is relative to go-live, but [campaign] has no go_live date", i.id.get_ref()));
                }
                Some(s)
            }
            Ok(_) => {
                cx.at(
                    b.span(),
                    format!(
                        "item `{}`: `{key}` must be a date-time or a go-live offset, not a cron",
                        i.id.get_ref()
                    ),
                );
                None
            }
            Err(m) => {
                cx.at(b.span(), format!("item `{}`: `{key}`: {m}", i.id.get_ref()));
                None
            }
        }
    };
    let from = bound(&i.from, "from");
    let until = bound(&i.until, "until");
    if let Some(name) = &i.sponsor {
        if !sponsors.contains_key(name.get_ref()) {
            let names: Vec<&str> = sponsors.keys().map(String::as_str).collect();
            let there = if names.is_empty() {
                "none is declared".to_string()
            } else {
                format!("there are: {}", names.join(", "))
            };
            cx.at(name.span(), format!("item `{}`: no sponsor `{}`; declare it as [sponsors.{}] with name, title and avatar ({there})", i.id.get_ref(), name.get_ref(), name.get_ref()));
        }
    }
    let brief_managers = i.brief_managers.as_ref().and_then(|b| {
        super::people::lead_time(b.get_ref())
            .map_err(|m| {
                cx.at(
                    b.span(),
                    format!("item `{}`: brief_managers: {m}", i.id.get_ref()),
                )
            })
            .ok()
    });
    let pos = |r: Range<usize>| cx.lines.line_col(r.start);
    let at = super::ItemPositions {
        template: pos(i.template.span()),
        audience: pos(i.audience.span()),
        mirror: i.mirror.as_ref().map_or((0, 0), |m| pos(m.span())),
        sponsor: i.sponsor.as_ref().map_or((0, 0), |m| pos(m.span())),
    };
    Some(Item {
        at,
        id: i.id.get_ref().clone(),
        template: i.template.get_ref().clone(),
        audience,
        schedule,
        schedule_text: i.schedule.get_ref().clone(),
        phase: i.phase.as_ref().map(|p| *p.get_ref()),
        misfire: i.misfire.unwrap_or(Misfire::Skip),
        ack: i.ack,
        ping: i.ping.unwrap_or(Ping::None),
        mirror: i
            .mirror
            .as_ref()
            .map(|m| m.get_ref().clone())
            .unwrap_or_default(),
        resend,
        from,
        until,
        on_holiday: i.on_holiday.unwrap_or_default(),
        sponsor: i.sponsor.as_ref().map(|s| s.get_ref().clone()),
        brief_managers,
    })
}

fn duplicate_ids(items: &[RawItem], cx: &mut Ctx) {
    let mut seen = HashSet::new();
    for i in items {
        let id = i.id.get_ref();
        if id.is_empty()
            || id.len() > 40
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            cx.at(
                i.id.span(),
                format!("item id `{id}` must be 1-40 letters, digits, `-` or `_`"),
            );
        }
        if !seen.insert(id.clone()) {
            cx.at(
                i.id.span(),
                format!("duplicate item id `{id}`; every item needs its own id"),
            );
        }
    }
}

fn pulse(
    p: &RawPulse,
    campaign: &Campaign,
    polls: &std::collections::BTreeMap<String, crate::domain::poll::QuestionSet>,
    teams: &[super::TeamDecl],
    cx: &mut Ctx,
) -> Option<super::PulseItem> {
    let id = p.id.get_ref();
    if !polls.contains_key(p.set.get_ref()) {
        let names: Vec<&str> = polls.keys().map(String::as_str).collect();
        cx.at(
            p.set.span(),
            format!(
                "pulse `{id}`: no question set `{}` in polls/{}",
                p.set.get_ref(),
                crate::domain::closest::or_list(p.set.get_ref(), &names, "there are")
            ),
        );
    }
    let schedule = match Schedule::parse(p.schedule.get_ref()) {
        Ok(s) => s,
        Err(m) => {
            cx.at(p.schedule.span(), format!("pulse `{id}`: {m}"));
            return None;
        }
    };
    if schedule.needs_go_live() && campaign.go_live.is_none() {
        cx.at(
            p.schedule.span(),
            format!(
                "pulse `{id}` is scheduled relative to go-live, but [campaign] has no go_live date"
            ),
        );
    }
    let audience = match p.audience.get_ref() {
        RawAudience::Word(w) if w == "all" => Audience::All,
        RawAudience::Word(w) => Audience::Teams(vec![w.clone()]),
        RawAudience::Teams(t) => Audience::Teams(t.clone()),
    };
    if let Audience::Teams(named) = &audience {
        for t in named
            .iter()
            .filter(|t| !teams.iter().any(|d| d.name.eq_ignore_ascii_case(t)))
        {
            let names: Vec<&str> = teams.iter().map(|d| d.name.as_str()).collect();
            let hint = match crate::domain::closest::closest(t, names.iter().copied()) {
                Some(c) => format!("did you mean `{c}`?"),
                None => "declare it under [[teams]]".to_string(),
            };
            cx.at(
                p.audience.span(),
                format!("pulse `{id}`: unknown team `{t}`; {hint}"),
            );
        }
    }
    if p.open_hours == 0 || p.open_hours > 24 * 28 {
        cx.at(
            p.id.span(),
            format!("pulse `{id}`: open_hours must be 1 to 672"),
        );
    }
    let explicit = p.remind_hours_before.as_deref().unwrap_or_default();
    if explicit.iter().any(|h| *h == 0 || *h >= p.open_hours) {
        cx.at(
            p.id.span(),
            format!("pulse `{id}`: each of remind_hours_before must be at least 1 and less than open_hours ({})", p.open_hours),
        );
    }
    Some(super::PulseItem {
        id: id.clone(),
        set: p.set.get_ref().clone(),
        audience,
        schedule,
        open_hours: p.open_hours,
        anonymous: p.anonymous,
        reminders: p
            .remind_hours_before
            .clone()
            .unwrap_or_else(|| crate::plan::DEFAULT_REMINDERS.to_vec()),
    })
}
