//! Errors of the storage layer, and what a caller should do about each.

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed or is unreachable.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying the migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Stored data is missing or inconsistent: the database is damaged or from another
    /// version.
    #[error("corrupt data in the database: {0}")]
    Corrupt(String),
    /// What was asked for is not kept (a block beyond the head, or state history that was
    /// never recorded or was pruned).
    #[error("{0} is not kept in the database")]
    Missing(String),
    /// A stored value does not decode: the database is damaged or from another version.
    #[error("corrupt data in the database: a stored {what} does not decode: {source}")]
    Decode {
        /// What the value is.
        what: &'static str,
        /// The decoder's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A value could not be encoded for storage.
    #[error("encoding the {what} for the database failed: {source}")]
    Encode {
        /// What the value is.
        what: &'static str,
        /// The encoder's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A value does not fit its column (a 64-bit column holds at most `i64::MAX`).
    #[error("{what} {value} does not fit a 63-bit database column")]
    OutOfRange {
        /// What the value is.
        what: &'static str,
        /// The value.
        value: u128,
    },
}

impl StoreError {
    /// A decoding failure of a stored `what`.
    pub(crate) fn decode<E>(what: &'static str) -> impl FnOnce(E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        move |source| Self::Decode { what, source: Box::new(source) }
    }
}

/// Result alias of the storage layer.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
