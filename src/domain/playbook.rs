//! The playbook: what Herald suggests doing when it sees a team turning. Each trigger (an
//! ADKAR barrier, a sentiment alert, an adoption alert) maps to one or more plays; the
//! first is proposed, the change lead schedules it (an owner and a date) or dismisses it.

use super::adkar::{Element, ELEMENTS};
use super::adoption_alerts::AdoptionAlert;

/// What Herald saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A closed readiness pulse put the team's barrier point at this element.
    Barrier(Element),
    /// The team's sentiment alert fired.
    Sentiment,
    /// Too few of the team acknowledged an update by its re-send (the plan's `resend`).
    LowAcks,
    /// One of the adoption alerts fired.
    Adoption(AdoptionAlert),
}

impl Trigger {
    /// Every trigger, in the order the playbook's reader meets them.
    pub fn all() -> Vec<Trigger> {
        let mut all: Vec<Trigger> = ELEMENTS.iter().map(|e| Trigger::Barrier(*e)).collect();
        all.push(Trigger::Sentiment);
        all.push(Trigger::LowAcks);
        all.extend(AdoptionAlert::ALL.iter().map(|a| Trigger::Adoption(*a)));
        all
    }

    /// As written in playbook.toml and stored: `barrier.desire`, `sentiment`,
    /// `adoption.double_workload`.
    pub fn name(self) -> String {
        match self {
            Trigger::Barrier(e) => format!("barrier.{}", e.name().to_lowercase()),
            Trigger::Sentiment => "sentiment".into(),
            Trigger::LowAcks => "low_acks".into(),
            Trigger::Adoption(a) => format!("adoption.{}", a.name()),
        }
    }

    pub fn parse(s: &str) -> Option<Trigger> {
        Trigger::all().into_iter().find(|t| t.name() == s)
    }

    /// "readiness is lowest on Desire", for a proposal's first line.
    pub fn words(self) -> String {
        match self {
            Trigger::Barrier(e) => format!("{} holds most people back", e.name()),
            Trigger::Sentiment => "sentiment needs attention".into(),
            Trigger::LowAcks => "too few acknowledged an update".into(),
            Trigger::Adoption(AdoptionAlert::DoubleWorkload) => {
                "the team is doing the work twice (old tool and new)".into()
            }
            Trigger::Adoption(AdoptionAlert::TrainingGap) => {
                "adoption is flat while Ability or Knowledge is low".into()
            }
            Trigger::Adoption(AdoptionAlert::TippingPoint) => {
                "the team crossed the organisation-wide line".into()
            }
        }
    }
}

impl Trigger {
    /// What the team told Herald ("You said …", from its pulse answers) or what Herald saw
    /// ("We saw …", from figures), for "you said, we did": never a quotation, only what
    /// the figures say of the team as a whole.
    pub fn heard(self) -> &'static str {
        use crate::domain::adkar::Element;
        match self {
            Trigger::Barrier(Element::Awareness) => {
                "You said the reasons for the change were not clear yet"
            }
            Trigger::Barrier(Element::Desire) => {
                "You said the change did not feel like it was for you yet"
            }
            Trigger::Barrier(Element::Knowledge) => {
                "You said you did not yet know how to work the new way"
            }
            Trigger::Barrier(Element::Ability) => {
                "You said working the new way on your own was still hard"
            }
            Trigger::Barrier(Element::Reinforcement) => "You said the new way was not sticking yet",
            Trigger::Sentiment => "We heard the last weeks had been hard",
            Trigger::LowAcks => "We saw our updates were not reaching all of you",
            Trigger::Adoption(AdoptionAlert::DoubleWorkload) => {
                "We saw you were doing the work twice, in the old tool and the new"
            }
            Trigger::Adoption(AdoptionAlert::TrainingGap) => {
                "We saw the new tool was not taking off while you were unsure how to use it"
            }
            Trigger::Adoption(AdoptionAlert::TippingPoint) => {
                "We saw most of you work the new way now"
            }
        }
    }
}

/// Who a play is best owned by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerRole {
    ChangeLead,
    Manager,
    Sponsor,
    Champion,
}

impl OwnerRole {
    pub const ALL: [OwnerRole; 4] = [
        OwnerRole::ChangeLead,
        OwnerRole::Manager,
        OwnerRole::Sponsor,
        OwnerRole::Champion,
    ];

    pub fn name(self) -> &'static str {
        match self {
            OwnerRole::ChangeLead => "change_lead",
            OwnerRole::Manager => "manager",
            OwnerRole::Sponsor => "sponsor",
            OwnerRole::Champion => "champion",
        }
    }

    /// "the team's manager", for a proposal.
    pub fn words(self) -> &'static str {
        match self {
            OwnerRole::ChangeLead => "a change lead",
            OwnerRole::Manager => "the team's manager",
            OwnerRole::Sponsor => "a sponsor",
            OwnerRole::Champion => "one of the team's champions",
        }
    }

    pub fn parse(s: &str) -> Option<OwnerRole> {
        OwnerRole::ALL.into_iter().find(|o| o.name() == s)
    }
}

/// One suggested action.
#[derive(Debug, Clone, PartialEq)]
pub struct Play {
    /// Lower-case letters, digits, `-` and `_`; unique in the playbook.
    pub id: String,
    pub trigger: Trigger,
    /// "A sponsor listening session".
    pub title: String,
    /// One sentence on what to do and why.
    pub what: String,
    pub owner: OwnerRole,
    /// A template in `templates/` sent to the team's channel only, once scheduled.
    pub follow_up: Option<String>,
    /// Whether the team's managers get a direct message about it when it is scheduled.
    pub brief_managers: bool,
    /// For a barrier: the days after the action's date when the team is asked again (the
    /// readiness pulse, so the barrier can be seen to move), and the effect recorded.
    pub repulse_days: Option<u32>,
}

/// Every play, in the file's order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Playbook {
    pub plays: Vec<Play>,
}

impl Playbook {
    /// The plays for `trigger`; the first is the one proposed.
    pub fn for_trigger(&self, trigger: Trigger) -> Vec<&Play> {
        self.plays.iter().filter(|p| p.trigger == trigger).collect()
    }

    pub fn play(&self, id: &str) -> Option<&Play> {
        self.plays.iter().find(|p| p.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_trigger_reads_back_from_its_name() {
        for t in Trigger::all() {
            assert_eq!(Trigger::parse(&t.name()), Some(t), "{}", t.name());
        }
        assert_eq!(
            Trigger::parse("barrier.desire"),
            Some(Trigger::Barrier(Element::Desire))
        );
        assert_eq!(Trigger::parse("barrier.Desire"), None);
    }
}
