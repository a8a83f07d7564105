//! Error kinds shared by every layer.
//!
//! - [`RequestError`] belongs to request validation (aqs-core and aqs-http): it carries exactly
//!   what the AQS 1.0 error body needs, and aqs-http maps each kind to one status.
//! - [`StoreError`] belongs to backends (aqs-store, aqs-clickhouse, the in-memory store): the
//!   HTTP layer logs it and answers 500 without leaking its text.
//!
//! Loaders and the binary wrap both in `anyhow` at their edges.

/// The `detail` of an AQS error body: a string or an array of strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    Text(String),
    List(Vec<String>),
}

/// Why a request was refused before any store was touched, or why it found nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// An enumerated path parameter has a value outside its enum (400 `bad_request`).
    #[error("{param} should be one of {allowed:?}")]
    NotAllowed { param: &'static str, allowed: &'static [&'static str] },
    /// A project, date or range failed validation (400 `invalid_request`).
    #[error("invalid request: {0:?}")]
    Invalid(Detail),
    /// The request was valid but the store holds no row for it (404 `not_found`).
    #[error("no data")]
    NoData,
    /// Stored data could not be served, with the text the original service answers (500 `error`).
    #[error("stored data is invalid")]
    InvalidStoredData(&'static str),
}

impl RequestError {
    pub fn invalid_text(text: impl Into<String>) -> Self {
        RequestError::Invalid(Detail::Text(text.into()))
    }
}

/// A backend failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// The store's files were written by a format version this build does not read.
    #[error(
        "unsupported store format version {found} (this build reads version {supported}): {hint}"
    )]
    UnsupportedFormat { found: u32, supported: u32, hint: String },
    /// Stored bytes do not decode.
    #[error("corrupt store data: {0}")]
    Corrupt(String),
    /// A value does not fit the store (an id space or a counter overflowed).
    #[error("store limit exceeded: {0}")]
    Limit(String),
    /// A write that breaks its contract (rows out of the promised order, a batch of the wrong
    /// shape): a bug of the caller, refused before anything is published.
    #[error("invalid write: {0}")]
    InvalidWrite(String),
    /// Any other engine error, with the engine's message.
    #[error("store engine error: {0}")]
    Engine(String),
}

pub type StoreResult<T> = Result<T, StoreError>;
