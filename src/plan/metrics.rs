//! `[[metrics]]` in plan.toml: the adoption figures Herald takes in (over HTTP or from a
//! CSV file) and how it reads each: people using the new tool, a count of something done
//! in it, or use of the old tool.

use serde::Deserialize;
use toml::Spanned;

use super::raw::Ctx;
use crate::domain::adoption::{Metric, MetricKind, DEFAULT_TIPPING};
use crate::domain::closest::or_list;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMetric {
    id: Spanned<String>,
    kind: Spanned<String>,
    label: Spanned<String>,
    target: Option<Spanned<f64>>,
    licensed: Option<Spanned<i64>>,
    tipping: Option<Spanned<Vec<f64>>>,
}

const KINDS: [&str; 3] = ["active_users", "count", "legacy"];

/// The plan's metrics, each problem reported where it is written.
pub(super) fn metrics(raw: &[RawMetric], cx: &mut Ctx) -> Vec<Metric> {
    let mut out: Vec<Metric> = Vec::new();
    for m in raw {
        let id = m.id.get_ref().trim();
        if !valid_id(id) {
            cx.at(
                m.id.span(),
                format!("metric id `{id}`: use lower-case letters, digits, `_` and `-` (for example \"crm_active\")"),
            );
            continue;
        }
        if out.iter().any(|o| o.id == id) {
            cx.at(
                m.id.span(),
                format!("metric `{id}` is declared twice; give each metric its own id"),
            );
            continue;
        }
        let Some(kind) = kind(m.kind.get_ref()) else {
            cx.at(
                m.kind.span(),
                format!(
                    "metric `{id}`: kind `{}` is not one Herald reads{}",
                    m.kind.get_ref(),
                    or_list(m.kind.get_ref(), &KINDS, "kinds")
                ),
            );
            continue;
        };
        if m.label.get_ref().trim().is_empty() {
            cx.at(m.label.span(), format!("metric `{id}`: the label is empty; write what people read, such as \"Active in the new CRM\""));
            continue;
        }
        let target = m.target.as_ref().and_then(|t| target(id, kind, t, cx));
        let licensed = m.licensed.as_ref().and_then(|l| licensed(id, kind, l, cx));
        let tipping = match &m.tipping {
            Some(t) => tipping(id, kind, t, cx).unwrap_or(DEFAULT_TIPPING),
            None => DEFAULT_TIPPING,
        };
        out.push(Metric {
            id: id.to_string(),
            kind,
            label: m.label.get_ref().trim().to_string(),
            target,
            licensed,
            tipping,
        });
    }
    out
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn kind(word: &str) -> Option<MetricKind> {
    match word {
        "active_users" => Some(MetricKind::ActiveUsers),
        "count" => Some(MetricKind::Count),
        "legacy" => Some(MetricKind::Legacy),
        _ => None,
    }
}

fn target(id: &str, kind: MetricKind, t: &Spanned<f64>, cx: &mut Ctx) -> Option<f64> {
    let v = *t.get_ref();
    let ok = match kind {
        MetricKind::ActiveUsers => v > 0.0 && v <= 100.0,
        _ => v.is_finite() && v >= 0.0,
    };
    if !ok {
        let want = match kind {
            MetricKind::ActiveUsers => "a share of the team in per cent, above 0 and at most 100",
            _ => "a number of 0 or more",
        };
        cx.at(t.span(), format!("metric `{id}`: target {v} is not {want}"));
        return None;
    }
    Some(v)
}

fn licensed(id: &str, kind: MetricKind, l: &Spanned<i64>, cx: &mut Ctx) -> Option<i64> {
    if kind != MetricKind::ActiveUsers {
        cx.at(
            l.span(),
            format!("metric `{id}`: `licensed` is for active_users metrics (people counted against the licences bought); remove it"),
        );
        return None;
    }
    if *l.get_ref() < 1 {
        cx.at(
            l.span(),
            format!("metric `{id}`: licensed must be 1 or more"),
        );
        return None;
    }
    Some(*l.get_ref())
}

/// `tipping = [16, 25, 45]`: three lines in per cent, each higher than the one before.
fn tipping(id: &str, kind: MetricKind, t: &Spanned<Vec<f64>>, cx: &mut Ctx) -> Option<[f64; 3]> {
    if kind != MetricKind::ActiveUsers {
        cx.at(
            t.span(),
            format!("metric `{id}`: `tipping` is for active_users metrics (shares of a team); remove it"),
        );
        return None;
    }
    let lines = t.get_ref();
    let ok = lines.len() == 3
        && lines.iter().all(|l| *l > 0.0 && *l <= 100.0)
        && lines.windows(2).all(|w| w[0] < w[1]);
    if !ok {
        cx.at(
            t.span(),
            format!("metric `{id}`: tipping {lines:?} is not three rising per cents above 0 and at most 100 — early adopters crossed, committed minority, organisation-wide — such as [16, 25, 40]"),
        );
        return None;
    }
    Some([lines[0], lines[1], lines[2]])
}
