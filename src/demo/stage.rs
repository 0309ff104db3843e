//! The running demo as people see it: the channels' messages (each with a stable key, so
//! a choice about a message never depends on the simulator's ids), what each person has
//! already done, and the transcript so far.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::clockwork::Timeline;
use super::transcript::{first_line, Entry, Names};
use super::Outcome;
use crate::plan::Plan;
use crate::sim::client::SimClient;
use crate::sim::SimHandle;

/// A message with a button people may press: (message id, stable key, custom_id).
pub type Button = (String, String, String);

/// The running demo: what people can see and do.
pub struct Stage<'a> {
    pub sim: &'a SimHandle,
    pub client: SimClient,
    pub plan: &'a Plan,
    pub seed: u64,
    names: Names,
    /// Message id → its transcript line: what people's choices about it are keyed on.
    keys: HashMap<String, String>,
    done: HashSet<String>,
    pub outcome: Outcome,
    pub print: bool,
    /// Messages people have written in channels, which Herald must have read before the
    /// clock moves on.
    pub said: u64,
    /// The action the change lead scheduled for Support, and its date.
    pub acted: Option<(i64, chrono::NaiveDate)>,
}

impl<'a> Stage<'a> {
    pub fn new(sim: &'a SimHandle, plan: &'a Plan, seed: u64, print: bool) -> Self {
        Self {
            sim,
            client: SimClient::new(&sim.url()),
            plan,
            seed,
            names: Names::of(sim),
            keys: HashMap::new(),
            done: HashSet::new(),
            outcome: Outcome::default(),
            print,
            said: 0,
            acted: None,
        }
    }

    /// The channels the transcript follows, in the plan's order.
    fn channels(&self) -> Vec<String> {
        let mut channels: Vec<String> = self.plan.teams.iter().map(|t| t.channel.clone()).collect();
        channels.push(self.plan.campaign.reports_channel.clone());
        channels
    }

    /// New messages in every channel, as transcript lines in order of send time, then
    /// channel, then text: the same order whichever send happened to land first.
    pub fn observe(&mut self, timeline: &Timeline, now: DateTime<Utc>) {
        let mut entries = Vec::new();
        for (order, channel) in self.channels().into_iter().enumerate() {
            for m in self.sim.messages(&channel) {
                let id = m["id"].as_str().unwrap_or_default().to_string();
                if self.keys.contains_key(&id) {
                    continue;
                }
                let entry = self.entry(&m, timeline, now, order, &channel);
                self.keys.insert(id, entry.line(self.plan.campaign.tz));
                entries.push(entry);
            }
        }
        entries.sort();
        for entry in entries {
            self.record(entry.line(self.plan.campaign.tz));
        }
    }

    fn entry(
        &self,
        m: &Value,
        timeline: &Timeline,
        now: DateTime<Utc>,
        order: usize,
        channel: &str,
    ) -> Entry {
        let sent = m["created_ms"]
            .as_i64()
            .and_then(|ms| timeline.simulated(ms))
            .unwrap_or(now);
        Entry {
            sent,
            order,
            channel: channel.to_string(),
            text: first_line(m, &self.names),
        }
    }

    fn record(&mut self, line: String) {
        if line.contains("⚠️") || line.contains("🎉") {
            self.outcome.alerts.push(line.clone());
        }
        if self.print {
            super::clockwork::clear_progress();
            println!("{line}");
        }
        self.outcome.transcript.push(line);
    }

    /// True the first time `key` is seen: each person does each thing once.
    pub fn outcome_once(&mut self, key: String) -> bool {
        self.done.insert(key)
    }

    /// Messages of a channel with a button whose action is `wanted`, in the order of their
    /// keys.
    pub fn buttons(
        &self,
        channel: &str,
        wanted: fn(&crate::app::action::Action) -> bool,
    ) -> Vec<Button> {
        let mut found: Vec<Button> = self
            .sim
            .messages(channel)
            .iter()
            .filter_map(|m| {
                let custom_id = crate::sim::client::custom_ids(&m["components"])
                    .into_iter()
                    .find(|id| id.parse().is_ok_and(|a| wanted(&a)))?;
                let id = m["id"].as_str()?.to_string();
                let key = self.keys.get(&id)?.clone();
                Some((id, key, custom_id))
            })
            .collect();
        found.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
        found
    }
}
