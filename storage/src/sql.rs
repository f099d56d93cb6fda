//! A small SQL builder with numbered (`$1`) placeholders, which both SQLite and PostgreSQL
//! accept through the `Any` driver (sqlx's own builder emits `?`, which PostgreSQL rejects).

use sqlx::{Any, Arguments as _, AssertSqlSafe, any::AnyArguments, query::Query};

/// A bound parameter.
#[derive(Debug)]
pub(crate) enum Param {
    /// BIGINT.
    Int(i64),
    /// BYTEA.
    Bytes(Vec<u8>),
    /// Nullable BYTEA.
    OptBytes(Option<Vec<u8>>),
}

impl From<i64> for Param {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<Vec<u8>> for Param {
    fn from(value: Vec<u8>) -> Self {
        Self::Bytes(value)
    }
}

impl From<Option<Vec<u8>>> for Param {
    fn from(value: Option<Vec<u8>>) -> Self {
        Self::OptBytes(value)
    }
}

/// SQL text with its parameters.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    text: String,
    params: Vec<Param>,
}

impl Sql {
    /// Starts with `text`.
    pub(crate) fn new(text: &str) -> Self {
        Self { text: text.to_owned(), params: Vec::new() }
    }

    /// Appends raw SQL.
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `param`.
    pub(crate) fn bind(&mut self, param: impl Into<Param>) -> &mut Self {
        self.params.push(param.into());
        self.text.push('$');
        self.text.push_str(&self.params.len().to_string());
        self
    }

    /// Appends `(p1, p2, …)` with one placeholder per parameter.
    pub(crate) fn bind_tuple(&mut self, params: impl IntoIterator<Item = Param>) -> &mut Self {
        self.push("(");
        for (i, param) in params.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(param);
        }
        self.push(")")
    }

    /// The SQL text and its bound arguments.
    fn into_parts(self) -> (AssertSqlSafe<String>, AnyArguments) {
        let mut arguments = AnyArguments::default();
        for param in self.params {
            let added = match param {
                Param::Int(value) => arguments.add(value),
                Param::Bytes(value) => arguments.add(value),
                Param::OptBytes(value) => arguments.add(value),
            };
            added.expect("integers and byte strings always encode");
        }
        (AssertSqlSafe(self.text), arguments)
    }

    /// The executable query.
    pub(crate) fn query(self) -> Query<'static, Any, AnyArguments> {
        let (text, arguments) = self.into_parts();
        sqlx::query_with(text, arguments)
    }

    /// The executable query returning rows of type `T`.
    pub(crate) fn query_as<T>(self) -> sqlx::query::QueryAs<'static, Any, T, AnyArguments>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        let (text, arguments) = self.into_parts();
        sqlx::query_as_with(text, arguments)
    }
}
