//! Pure rules with no IO: ids, teams, roles and, later, plans, polls and sentiment.

pub mod ids;
pub mod schedule;
pub mod team;
