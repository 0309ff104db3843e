//! The privacy key: an HMAC-SHA-256 key kept in `privacy.key_file`, outside the database.
//! Who answered a pulse is stored only as a keyed hash, so the database alone cannot say
//! who answered; without the file, nobody can match those rows to members.

use std::io::Write;
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::ids::{GuildId, MemberId};
use crate::store::pulses::VOTER_KEY_LEN;

pub struct PrivacyKey([u8; 32]);

impl std::fmt::Debug for PrivacyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivacyKey(redacted)")
    }
}

/// Reads a 32-byte key kept as hex in `path` (named `setting` in messages), or creates it
/// (mode 0600) when the file does not exist yet; `if_bad` says what to do about a bad file.
pub fn key_file(path: &Path, setting: &str, if_bad: &str) -> Result<[u8; 32], String> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text).ok_or_else(|| {
            format!(
                "{setting} {}: not a Herald key (64 hex characters expected). {if_bad}",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(path, setting),
        Err(e) => Err(format!("{setting} {}: cannot read: {e}", path.display())),
    }
}

fn parse(text: &str) -> Option<[u8; 32]> {
    hex::decode(text.trim()).ok()?.try_into().ok()
}

fn create(path: &Path, setting: &str) -> Result<[u8; 32], String> {
    let key: [u8; 32] = rand::random();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| format!("{setting} {}: cannot create: {e}", path.display()))?;
    writeln!(file, "{}", hex::encode(key))
        .and_then(|_| file.sync_all())
        .map_err(|e| format!("{setting} {}: cannot write: {e}", path.display()))?;
    tracing::info!(path = %path.display(), setting, "created a key; back it up with the database");
    Ok(key)
}

impl PrivacyKey {
    /// Reads the key, or creates it (mode 0600) when the file does not exist yet.
    pub fn load_or_create(path: &Path) -> Result<Self, String> {
        key_file(
            path,
            "privacy.key_file",
            "Restore the file from your backup; a new key would orphan every stored answer.",
        )
        .map(Self)
    }

    /// From raw bytes (tests and benchmarks).
    pub fn from_bytes(key: [u8; 32]) -> Self {
        Self(key)
    }

    fn mac(&self, parts: &[&[u8]]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("any key length");
        for p in parts {
            mac.update(&(p.len() as u32).to_be_bytes());
            mac.update(p);
        }
        let out = mac.finalize().into_bytes();
        hex::encode(&out[..VOTER_KEY_LEN / 2])
    }

    /// Who answered: stored in the pulse's voter list.
    pub fn voter(&self, pulse: i64, member: MemberId) -> String {
        self.mac(&[b"voter", &pulse.to_be_bytes(), &member.0.to_be_bytes()])
    }

    /// Which ballot is theirs (so answering again replaces it); unlike `voter`, on purpose.
    pub fn ballot(&self, pulse: i64, member: MemberId) -> String {
        self.mac(&[b"ballot", &pulse.to_be_bytes(), &member.0.to_be_bytes()])
    }

    /// A contributor to the sentiment record: counted, never named.
    pub fn contributor(&self, guild: GuildId, member: MemberId) -> String {
        self.mac(&[
            b"contributor",
            &guild.0.to_be_bytes(),
            &member.0.to_be_bytes(),
        ])
    }

    /// A person in one team's adoption figures: counted, never named, not the same key
    /// in another team, nor as in the sentiment record, so none of them can be joined.
    pub fn adopter(&self, guild: GuildId, team: &str, member: MemberId) -> String {
        self.mac(&[
            b"adopter",
            &guild.0.to_be_bytes(),
            team.as_bytes(),
            &member.0.to_be_bytes(),
        ])
    }

    /// A member's reminder opt-out.
    pub fn mute(&self, guild: GuildId, member: MemberId) -> String {
        self.mac(&[b"mute", &guild.0.to_be_bytes(), &member.0.to_be_bytes()])
    }

    /// The slot of one member's reminder at one step of a pulse: the reminder row's
    /// name, so a repeated step queues nobody twice, and rows sort in an order nobody can
    /// map to members.
    pub fn reminder_slot(&self, pulse: i64, hours: u32, member: MemberId) -> String {
        self.mac(&[
            b"reminder",
            &pulse.to_be_bytes(),
            &hours.to_be_bytes(),
            &member.0.to_be_bytes(),
        ])
    }

    /// Whom a reminder row is for, sealed: the member id XOR a pad keyed by the row's
    /// slot (unique per member and step), so the outbox never holds a readable member id
    /// beside a row that says whether that member had answered.
    pub fn seal_member(&self, slot: &str, member: MemberId) -> String {
        format!("{:016x}", member.0 ^ self.pad(slot))
    }

    /// The member a sealed reminder row is for (None when the text is not a seal).
    pub fn unseal_member(&self, slot: &str, sealed: &str) -> Option<MemberId> {
        let raw = u64::from_str_radix(sealed, 16).ok()?;
        Some(MemberId(raw ^ self.pad(slot)))
    }

    fn pad(&self, slot: &str) -> u64 {
        let hex = self.mac(&[b"seal", slot.as_bytes()]);
        u64::from_str_radix(&hex[..16], 16).unwrap_or_default()
    }

    /// An event handled once (an interaction, a reaction, a feedback message), from its
    /// Discord ids and names: the key of its claim, so no table holds those ids, a member's
    /// least of all. Every instance must share the key file for their claims to meet.
    pub fn event(&self, kind: &str, ids: &[u64], name: &str) -> String {
        let ids: Vec<[u8; 8]> = ids.iter().map(|i| i.to_be_bytes()).collect();
        let mut parts: Vec<&[u8]> = vec![b"event", kind.as_bytes(), name.as_bytes()];
        parts.extend(ids.iter().map(|i| i.as_slice()));
        self.mac(&parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_file_is_private_and_read_back_the_same() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("key");
        let first = PrivacyKey::load_or_create(&path).expect("created");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = PrivacyKey::load_or_create(&path).expect("read");
        assert_eq!(first.voter(1, MemberId(7)), again.voter(1, MemberId(7)));
    }

    #[test]
    fn a_broken_key_file_is_refused_not_replaced() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("key");
        std::fs::write(&path, "not a key").expect("write");
        let err = PrivacyKey::load_or_create(&path).expect_err("refused");
        assert!(err.contains("Restore the file"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).expect("kept"), "not a key");
    }

    #[test]
    fn voter_and_ballot_hashes_differ_by_purpose_pulse_and_key() {
        let k = PrivacyKey::from_bytes([1; 32]);
        let m = MemberId(42);
        assert_ne!(k.voter(1, m), k.ballot(1, m));
        assert_ne!(k.voter(1, m), k.voter(2, m));
        assert_ne!(k.voter(1, m), PrivacyKey::from_bytes([2; 32]).voter(1, m));
        assert_eq!(k.voter(1, m).len(), VOTER_KEY_LEN);
    }

    #[test]
    fn a_sealed_reminder_opens_only_with_its_key_and_slot() {
        let k = PrivacyKey::from_bytes([1; 32]);
        let m = MemberId(1_100_000_000_000_000_042);
        let slot = k.reminder_slot(3, 24, m);
        assert_ne!(slot, k.reminder_slot(3, 2, m), "one slot per step");
        let sealed = k.seal_member(&slot, m);
        assert!(!sealed.contains(&m.0.to_string()) && sealed != format!("{:016x}", m.0));
        assert_eq!(k.unseal_member(&slot, &sealed), Some(m));
        let other = PrivacyKey::from_bytes([2; 32]);
        assert_ne!(other.unseal_member(&slot, &sealed), Some(m));
    }

    #[test]
    fn an_event_key_names_its_event_and_no_other() {
        let k = PrivacyKey::from_bytes([1; 32]);
        let thumbs = k.event("reaction", &[1, 2, 3], "👍");
        assert_eq!(
            thumbs,
            k.event("reaction", &[1, 2, 3], "👍"),
            "the same on every instance"
        );
        assert_ne!(thumbs, k.event("reaction", &[1, 2, 3], "👎"));
        assert_ne!(thumbs, k.event("reaction", &[1, 2, 4], "👍"));
        assert_ne!(thumbs, k.event("feedback", &[1, 2, 3], "👍"));
        assert_ne!(
            k.event("interaction", &[7], ""),
            k.event("interaction", &[8], "")
        );
    }
}
