//! Two kinds of error: a [`UserError`] is shown to the person (plain words, what to do
//! next); anything else is an internal failure, logged with its cause chain under an id the
//! person is given.

/// Something the person can fix; shown to them as it is, ephemerally.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UserError(pub String);

impl UserError {
    pub fn new(msg: impl Into<String>) -> Self {
        Self(msg.into())
    }
}

/// The error type of use cases: either the person's to fix, or ours.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn user(msg: impl Into<String>) -> Self {
        Self::User(UserError::new(msg))
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// A short id to quote to the person and to find the log line by.
pub fn new_error_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_string()
}
