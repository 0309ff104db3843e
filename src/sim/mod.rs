//! The Discord simulator (stub while the foundation lands).
pub async fn run_cli(_listen: std::net::SocketAddr, _world: Option<std::path::PathBuf>) -> anyhow::Result<()> { Ok(()) }
