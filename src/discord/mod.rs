//! The Discord edge (stub while the foundation lands).
use crate::app::App;
use crate::config::Secret;
use tokio_util::sync::CancellationToken;
pub struct DiscordHandle;
impl DiscordHandle { pub async fn shutdown(self) {} }
pub fn start(_app: App, _token: Secret, _stop: CancellationToken) -> DiscordHandle { DiscordHandle }
