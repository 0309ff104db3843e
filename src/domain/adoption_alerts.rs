//! When adoption figures call for attention, as pure rules over one team's recent weeks:
//! the double workload (the old tool still used two weeks after go-live while the new one
//! rises), the training gap (adoption flat while Ability or Knowledge is low) and the
//! tipping point (the organisation-wide line crossed). Each holds or not; the app opens
//! one episode when it starts holding and closes it when it stops.

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdoptionAlert {
    DoubleWorkload,
    TrainingGap,
    TippingPoint,
}

impl AdoptionAlert {
    pub const ALL: [AdoptionAlert; 3] = [
        AdoptionAlert::DoubleWorkload,
        AdoptionAlert::TrainingGap,
        AdoptionAlert::TippingPoint,
    ];

    /// Stored as text.
    pub fn name(self) -> &'static str {
        match self {
            AdoptionAlert::DoubleWorkload => "double_workload",
            AdoptionAlert::TrainingGap => "training_gap",
            AdoptionAlert::TippingPoint => "tipping_point",
        }
    }
}

/// Less movement than this over two weeks, in points, is flat.
pub const FLAT_POINTS: f64 = 2.0;
/// An ADKAR element mean at or below this holds people back.
pub const LOW_ELEMENT: f64 = 3.0;
/// Days after go-live before old-tool use counts as a double workload.
pub const GRACE_DAYS: i64 = 14;

/// One team's recent figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TeamSignals {
    /// The share active in each of the last four calendar weeks, oldest first, in per
    /// cent: three complete weeks, then this week so far. A rule reads the week in
    /// progress beside the last complete one, so a Monday's low start neither ends an
    /// episode nor starts another.
    pub shares: [Option<f64>; 4],
    /// The old tool's use, a day on average: the seven days before the last seven, then
    /// the last seven.
    pub legacy: [Option<f64>; 2],
    /// The daily use the old tool should fall to (the legacy metric's target, else 0).
    pub legacy_target: f64,
    /// Days since go-live (negative before it), when the plan names one.
    pub since_go_live: Option<i64>,
    /// The lower of the team's latest Ability and Knowledge means, when shown.
    pub lowest_skill: Option<f64>,
    /// The organisation-wide tipping line, in per cent of a team.
    pub organisation_wide: f64,
}

/// Whether `alert` holds for the team now.
pub fn holds(alert: AdoptionAlert, s: &TeamSignals) -> bool {
    let [three_ago, two_ago, last, now] = s.shares;
    // This week so far, or the last complete week when it was higher.
    let latest = match (last, now) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    match alert {
        AdoptionAlert::TippingPoint => latest.is_some_and(|n| n >= s.organisation_wide),
        AdoptionAlert::DoubleWorkload => {
            let before = [three_ago, two_ago].into_iter().flatten().reduce(f64::min);
            s.since_go_live.is_some_and(|d| d >= GRACE_DAYS)
                && s.legacy
                    .iter()
                    .all(|l| l.is_some_and(|l| l > s.legacy_target))
                && matches!((before, latest), (Some(a), Some(b)) if b > a)
        }
        AdoptionAlert::TrainingGap => {
            let flat = match [three_ago, two_ago, last] {
                [Some(a), Some(b), Some(c)] => {
                    a.max(b).max(c) - a.min(b).min(c) < FLAT_POINTS && c < s.organisation_wide
                }
                _ => false,
            };
            flat && s.lowest_skill.is_some_and(|l| l <= LOW_ELEMENT)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signals() -> TeamSignals {
        TeamSignals {
            shares: [Some(10.0), Some(14.0), Some(20.0), Some(29.0)],
            legacy: [Some(30.0), Some(30.0)],
            legacy_target: 5.0,
            since_go_live: Some(21),
            lowest_skill: Some(3.6),
            organisation_wide: 40.0,
        }
    }

    fn with(shares: [Option<f64>; 4]) -> TeamSignals {
        TeamSignals {
            shares,
            ..signals()
        }
    }

    #[test]
    fn old_reports_kept_two_weeks_after_go_live_while_the_crm_rises_is_a_double_workload() {
        assert!(holds(AdoptionAlert::DoubleWorkload, &signals()));
        let early = TeamSignals {
            since_go_live: Some(13),
            ..signals()
        };
        assert!(
            !holds(AdoptionAlert::DoubleWorkload, &early),
            "within the grace"
        );
        let dropped = TeamSignals {
            legacy: [Some(30.0), Some(4.0)],
            ..signals()
        };
        assert!(
            !holds(AdoptionAlert::DoubleWorkload, &dropped),
            "below the target now"
        );
        let stalled = with([Some(29.0), Some(30.0), Some(20.0), Some(29.0)]);
        assert!(
            !holds(AdoptionAlert::DoubleWorkload, &stalled),
            "the new tool is not rising"
        );
    }

    #[test]
    fn flat_adoption_with_a_low_ability_or_knowledge_is_a_training_gap() {
        let flat = TeamSignals {
            lowest_skill: Some(2.8),
            ..with([Some(14.0), Some(15.0), Some(14.5), Some(3.0)])
        };
        assert!(
            holds(AdoptionAlert::TrainingGap, &flat),
            "three complete weeks flat; a Monday's low start changes nothing"
        );
        let skilled = TeamSignals {
            lowest_skill: Some(3.4),
            ..flat.clone()
        };
        assert!(!holds(AdoptionAlert::TrainingGap, &skilled));
        let unknown = TeamSignals {
            lowest_skill: None,
            ..flat.clone()
        };
        assert!(
            !holds(AdoptionAlert::TrainingGap, &unknown),
            "no readiness shown, no claim"
        );
        assert!(
            !holds(AdoptionAlert::TrainingGap, &signals()),
            "rising is not flat"
        );
    }

    #[test]
    fn the_tipping_point_is_the_organisation_wide_line_this_week_or_last() {
        assert!(holds(
            AdoptionAlert::TippingPoint,
            &with([None, Some(29.0), Some(35.0), Some(40.0)])
        ));
        assert!(!holds(AdoptionAlert::TippingPoint, &signals()));
        let higher = TeamSignals {
            organisation_wide: 45.0,
            ..with([None, Some(29.0), Some(35.0), Some(44.0)])
        };
        assert!(
            !holds(AdoptionAlert::TippingPoint, &higher),
            "a plan that sets the line at 45 % is not past it at 44 %"
        );
        let monday = with([Some(29.0), Some(35.0), Some(43.0), Some(6.0)]);
        assert!(
            holds(AdoptionAlert::TippingPoint, &monday),
            "a new week's first day does not end it"
        );
    }
}
