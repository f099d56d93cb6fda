//! Sizes of the sequencer's SQLite database: the files, and the pages of each table (with
//! its indexes) from SQLite's `dbstat` table, read with the `sqlite3` shell.

use anyhow::{Context as _, ensure};
use std::{
    path::{Path, PathBuf},
    process::Command,
};

/// Bytes of each table, with its indexes, per `dbstat`, grouped by `sqlite_schema.tbl_name`;
/// `n` counts the rows of the table's own B-tree (cells of its leaf pages).
const DBSTAT: &str = "SELECT m.tbl_name, SUM(d.pgsize), \
     SUM(CASE WHEN d.pagetype = 'leaf' AND d.name = m.tbl_name THEN d.ncell ELSE 0 END) \
     FROM dbstat d JOIN sqlite_schema m ON d.name = m.name GROUP BY m.tbl_name; \
     SELECT 'free pages', freelist_count * page_size, 0 FROM pragma_freelist_count, pragma_page_size;";

/// Which table group a table belongs to in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Group {
    /// `trie_nodes`.
    Trie,
    /// `account_history`, `storage_history`, `storage_resets`.
    History,
    /// `blocks`, `transactions` (with the receipts), `logs`.
    Chain,
    /// Everything else (codes, pending pool, metadata, schema, free pages).
    Other,
}

impl Group {
    /// The group of `table`.
    fn of(table: &str) -> Self {
        match table {
            "trie_nodes" => Self::Trie,
            "account_history" | "storage_history" | "storage_resets" => Self::History,
            "blocks" | "transactions" | "logs" => Self::Chain,
            _ => Self::Other,
        }
    }
}

/// One measurement of the database.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sizes {
    /// Bytes of the database file plus its write-ahead log.
    pub(crate) file: u64,
    /// Per table: name, bytes (table and indexes), rows.
    pub(crate) tables: Vec<(String, u64, u64)>,
}

impl Sizes {
    /// Bytes of the tables of `group` (free pages count as [`Group::Other`]).
    pub(crate) fn bytes(&self, group: Group) -> u64 {
        self.tables.iter().filter(|(name, ..)| Group::of(name) == group).map(|(_, bytes, _)| bytes).sum()
    }

    /// Rows of the tables of `group`.
    pub(crate) fn rows(&self, group: Group) -> u64 {
        self.tables.iter().filter(|(name, ..)| Group::of(name) == group).map(|(.., rows)| rows).sum()
    }

    /// Bytes of the pages in use (all tables, without free pages).
    pub(crate) fn used(&self) -> u64 {
        self.tables.iter().filter(|(name, ..)| name != "free pages").map(|(_, bytes, _)| bytes).sum()
    }
}

/// Measures one SQLite database.
#[derive(Debug)]
pub(crate) struct Sizer {
    /// The `sqlite3` shell.
    sqlite3: PathBuf,
    /// The database file.
    db: PathBuf,
}

impl Sizer {
    /// A sizer of `db`; fails early if `sqlite3` has no `dbstat`.
    pub(crate) fn new(sqlite3: &Path, db: &Path) -> anyhow::Result<Self> {
        let sizer = Self { sqlite3: sqlite3.to_owned(), db: db.to_owned() };
        sizer.measure().context("measuring the database (is `sqlite3` with `dbstat` installed?)")?;
        Ok(sizer)
    }

    /// Measures the database now.
    pub(crate) fn measure(&self) -> anyhow::Result<Sizes> {
        let len = |path: &Path| std::fs::metadata(path).map_or(0, |m| m.len());
        let wal = PathBuf::from(format!("{}-wal", self.db.display()));
        let file = len(&self.db) + len(&wal);
        let output = Command::new(&self.sqlite3)
            .arg("-readonly")
            .arg(&self.db)
            .arg(DBSTAT)
            .output()
            .with_context(|| format!("running {}", self.sqlite3.display()))?;
        ensure!(output.status.success(), "sqlite3 failed: {}", String::from_utf8_lossy(&output.stderr));
        let mut tables = Vec::new();
        for line in String::from_utf8(output.stdout)?.lines() {
            let mut fields = line.rsplitn(3, '|');
            let (Some(rows), Some(bytes), Some(name)) = (fields.next(), fields.next(), fields.next()) else {
                anyhow::bail!("unexpected sqlite3 output: {line}");
            };
            tables.push((name.to_owned(), bytes.parse::<u64>()?, rows.parse::<u64>()?));
        }
        tables.sort_by_key(|(_, bytes, _)| std::cmp::Reverse(*bytes));
        Ok(Sizes { file, tables })
    }
}
