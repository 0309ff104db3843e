//! Our own id newtypes; Discord's snowflakes cross the edge as these and nothing else.

use std::fmt;

macro_rules! snowflake {
    ($name:ident, $what:literal) => {
        #[doc = concat!("The id of a ", $what, ".")]
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            serde::Serialize,
            serde::Deserialize,
        )]
        pub struct $name(pub u64);

        impl $name {
            /// The id as stored in the database (snowflakes fit in 63 bits).
            pub fn db(self) -> i64 {
                self.0 as i64
            }

            pub fn from_db(v: i64) -> Self {
                Self(v as u64)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

snowflake!(GuildId, "Discord server (guild)");
snowflake!(ChannelId, "channel");
snowflake!(MemberId, "member (a Discord user)");
snowflake!(RoleId, "role");
snowflake!(MessageId, "message");

/// Herald's own id of a team (a database row id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TeamId(pub i64);
