//! Pure rules with no IO: ids, teams, roles and, later, plans, polls and sentiment.

pub mod adkar;
pub mod adoption;
pub mod adoption_alerts;
pub mod closest;
pub mod enps;
pub mod ids;
pub mod people;
pub mod playbook;
pub mod poll;
pub mod privacy;
pub mod record;
pub mod schedule;
pub mod sentiment;
pub mod team;
pub mod words;
