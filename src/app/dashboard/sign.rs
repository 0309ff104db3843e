//! Signed dashboard links: `v1.GUILD.MEMBER.SCOPE.EXPIRES.NONCE.SIGNATURE`, an HMAC-SHA-256
//! over every field before it with the dashboard key (`http.dashboard_key_file`, never the
//! database). The signature covers who the link is for, the server, what it may show and
//! until when; the nonce makes each link usable once. Replacing the key file revokes every
//! link and every session at once.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::ids::{GuildId, MemberId};

/// How long a link from `/dashboard` may be opened.
pub const LINK_MS: i64 = 15 * 60 * 1000;
/// How long a session lasts once a link is opened.
pub const SESSION_MS: i64 = 8 * 3_600_000;

pub struct DashboardKey([u8; 32]);

impl std::fmt::Debug for DashboardKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DashboardKey(redacted)")
    }
}

/// What a valid link says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub guild: GuildId,
    pub member: MemberId,
    /// `all`, or the ids of the teams it may show joined by `-`.
    pub scope: String,
    pub expires_ms: i64,
    pub nonce: String,
}

/// Why a link does not open a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Not a Herald link, or changed since it was signed (or signed with another key).
    Tampered,
    Expired,
}

impl DashboardKey {
    pub fn load_or_create(path: &std::path::Path) -> Result<Self, String> {
        crate::app::pulse::key::key_file(
            path,
            "http.dashboard_key_file",
            "Delete it to make a new one: every dashboard link and session then ends.",
        )
        .map(Self)
    }

    pub fn from_bytes(key: [u8; 32]) -> Self {
        Self(key)
    }

    fn mac(&self, body: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("any key length");
        mac.update(body.as_bytes());
        mac
    }

    /// A fresh link's token, valid until `expires_ms`.
    pub fn sign(&self, guild: GuildId, member: MemberId, scope: &str, expires_ms: i64) -> String {
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        let body = format!("v1.{guild}.{member}.{scope}.{expires_ms}.{nonce}");
        let sig = hex::encode(self.mac(&body).finalize().into_bytes());
        format!("{body}.{sig}")
    }

    /// The link a token stands for, if its signature holds and it has not expired.
    pub fn verify(&self, token: &str, now_ms: i64) -> Result<Link, Refused> {
        let (body, sig) = token.rsplit_once('.').ok_or(Refused::Tampered)?;
        let given = hex::decode(sig).map_err(|_| Refused::Tampered)?;
        // `verify_slice` compares in constant time.
        self.mac(body)
            .verify_slice(&given)
            .map_err(|_| Refused::Tampered)?;
        let parts: Vec<&str> = body.split('.').collect();
        let [version, guild, member, scope, expires, nonce] = parts[..] else {
            return Err(Refused::Tampered);
        };
        let num = |s: &str| s.parse::<u64>().map_err(|_| Refused::Tampered);
        if version != "v1" {
            return Err(Refused::Tampered);
        }
        let link = Link {
            guild: GuildId(num(guild)?),
            member: MemberId(num(member)?),
            scope: scope.to_string(),
            expires_ms: num(expires)? as i64,
            nonce: nonce.to_string(),
        };
        if now_ms >= link.expires_ms {
            return Err(Refused::Expired);
        }
        Ok(link)
    }
}

impl DashboardKey {
    /// A new session's cookie value, and the id the database keeps in its place.
    pub fn new_session(&self) -> (String, String) {
        let cookie = hex::encode(rand::random::<[u8; 32]>());
        let id = self.session_id(&cookie);
        (cookie, id)
    }

    /// What the database knows a session by: an HMAC of its cookie with this key, so a
    /// reader of the database cannot replay a session, and a new key ends every one.
    pub fn session_id(&self, cookie: &str) -> String {
        hex::encode(
            self.mac(&format!("session.{cookie}"))
                .finalize()
                .into_bytes(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_known_by_its_cookie_under_this_key_only() {
        let (cookie, id) = key().new_session();
        assert_eq!(
            key().session_id(&cookie),
            id,
            "the same cookie finds its session"
        );
        assert_ne!(id, cookie, "the database never holds the cookie");
        let replaced = DashboardKey::from_bytes([8; 32]);
        assert_ne!(
            replaced.session_id(&cookie),
            id,
            "after the key file is replaced, no cookie finds its session"
        );
    }

    fn key() -> DashboardKey {
        DashboardKey::from_bytes([7; 32])
    }

    #[test]
    fn a_signed_link_verifies_until_it_expires() {
        let token = key().sign(GuildId(1), MemberId(2), "all", 1_000);
        let link = key().verify(&token, 999).expect("valid");
        assert_eq!(
            (link.guild, link.member, link.scope.as_str()),
            (GuildId(1), MemberId(2), "all")
        );
        assert_eq!(key().verify(&token, 1_000), Err(Refused::Expired));
    }

    #[test]
    fn any_change_to_a_link_or_another_key_is_refused_as_tampered() {
        let token = key().sign(GuildId(1), MemberId(2), "4", 1_000);
        let widened = token.replacen(".4.", ".all.", 1);
        assert_eq!(key().verify(&widened, 0), Err(Refused::Tampered));
        let later = token.replacen(".1000.", ".9999999.", 1);
        assert_eq!(key().verify(&later, 0), Err(Refused::Tampered));
        let other = DashboardKey::from_bytes([8; 32]);
        assert_eq!(other.verify(&token, 0), Err(Refused::Tampered));
        assert_eq!(key().verify("nonsense", 0), Err(Refused::Tampered));
        assert_eq!(key().verify("", 0), Err(Refused::Tampered));
        assert_eq!(
            key().verify(&format!("{token}0"), 0),
            Err(Refused::Tampered)
        );
    }
}
