//! Deleting rows: replaced rows cleaned up in the background after a publication, and the
//! rows of a dropped MediaWiki history snapshot, waited for. Both are ClickHouse mutations
//! (`ALTER TABLE … DELETE`) on every shard's local table.

use super::ClickHouseStore;
use crate::client::{Client, RowReader};
use crate::schema::Layout;
use aqs_core::error::{StoreError, StoreResult};
use std::time::{Duration, Instant};

/// How long a drop waits for its mutation.
const DELETE_WAIT: Duration = Duration::from_secs(600);

impl ClickHouseStore {
    fn count_where(&self, table: &str, condition: &str) -> StoreResult<u64> {
        let counted = self.select(&format!(
            "SELECT count() FROM {} WHERE {condition} FORMAT RowBinary",
            self.table(table)
        ))?;
        RowReader::new(&counted).u64()
    }

    /// Deletes the rows of `table` that match `condition` (a mutation, left to run in the
    /// background), if there are any.
    pub(crate) fn clean_up_where(&self, table: &str, condition: &str) -> StoreResult<()> {
        match self.count_where(table, condition)? {
            0 => Ok(()),
            _ => self.alter_delete(table, condition),
        }
    }

    /// Deletes the rows of `table` that match `condition` and returns once they are gone (the
    /// mutation's progress is watched, as old releases have no `mutations_sync`); returns how
    /// many there were.
    pub(crate) fn delete_where(&self, table: &str, condition: &str) -> StoreResult<u64> {
        let found = self.count_where(table, condition)?;
        if found == 0 {
            return Ok(0);
        }
        self.alter_delete(table, condition)?;
        let started = Instant::now();
        while self.count_where(table, condition)? > 0 {
            if started.elapsed() > DELETE_WAIT {
                return Err(StoreError::Engine(format!(
                    "the deletion of {table} rows where {condition} is still running in ClickHouse after {} s",
                    DELETE_WAIT.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(found)
    }

    fn alter_delete(&self, table: &str, condition: &str) -> StoreResult<()> {
        let local = format!("{}{}", table, self.inner.layout.local_suffix());
        let alter = format!(
            "ALTER TABLE {} {} DELETE WHERE {condition}",
            self.table(&local),
            self.inner.layout.on_cluster()
        );
        match &self.inner.layout {
            Layout::Cluster { nodes, .. } if !nodes.is_empty() => {
                for node in nodes {
                    Client::new(node)?.query(&alter)?;
                }
            }
            _ => {
                self.inner.client.query(&alter)?;
            }
        }
        Ok(())
    }
}
