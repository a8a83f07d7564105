//! The early batches' writer of a history load: a thread of its own that publishes each
//! batch of per-page, per-editor and top-list rows while the next months are counted (the
//! load's second core), one batch at a time and in order, and hands the emptied vectors back
//! (their memory stays mapped for the next batch).

use anyhow::Result;
use aqs_core::table::{SeriesBatch, SeriesRow};
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::thread::{Scope, ScopedJoinHandle};

/// The rows of a batch's three tables.
pub type Rows = [Vec<SeriesRow>; 3];

pub struct EarlyWriter<'scope> {
    batches: SyncSender<SeriesBatch>,
    emptied: Receiver<Rows>,
    thread: ScopedJoinHandle<'scope, Result<u64>>,
}

impl<'scope> EarlyWriter<'scope> {
    /// Starts the thread, which writes each batch with `publish` (the rows it wrote, or an
    /// error that stops it).
    pub fn start<'env>(
        scope: &'scope Scope<'scope, 'env>,
        publish: impl Fn(&SeriesBatch) -> Result<u64> + Send + 'scope,
    ) -> Self {
        // No batch waits in the channel: one is written while the next is counted.
        let (batches, receive) = sync_channel::<SeriesBatch>(0);
        let (give_back, emptied) = channel();
        let thread = scope.spawn(move || {
            let mut written = 0;
            for mut batch in receive {
                written += publish(&batch)?;
                let mut vectors = Rows::default();
                for (rows, change) in vectors.iter_mut().zip(&mut batch.changes) {
                    change.rows.clear();
                    *rows = std::mem::take(&mut change.rows);
                }
                // The reader may have finished: nothing takes them then.
                let _ = give_back.send(vectors);
            }
            Ok(written)
        });
        EarlyWriter { batches, emptied, thread }
    }

    /// Hands `pending`, made a batch by `batch`, to the writer, and takes vectors it emptied
    /// (or new ones) for the next batch; an error if the writer stopped (`finish` says why).
    pub fn send(&self, pending: &mut Rows, batch: fn(Rows) -> SeriesBatch) -> Result<()> {
        if self.batches.send(batch(std::mem::take(pending))).is_err() {
            anyhow::bail!("the history load's writer stopped");
        }
        // The writer took this batch once it had written the one before, whose vectors it
        // gave back first (none after the first batch).
        if let Ok(emptied) = self.emptied.try_recv() {
            *pending = emptied;
        }
        Ok(())
    }

    /// Waits for the batches sent to be written: the rows written, or the first error.
    pub fn finish(self) -> Result<u64> {
        drop(self.batches);
        match self.thread.join() {
            Ok(written) => written,
            Err(_) => anyhow::bail!("the history load's writer panicked"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aqs_core::dates::{Day, Period};
    use aqs_core::history::per_entity::{PER_EDITOR, PER_PAGE};
    use aqs_core::history::top::TOPS;
    use aqs_core::table::{Dataset, Numbers, SeriesChanges};
    use std::sync::Mutex;

    fn batch([pages, editors, tops]: Rows) -> SeriesBatch {
        let change = |table, rows| SeriesChanges { table, replace: Vec::new(), rows };
        let changes =
            vec![change(&PER_PAGE, pages), change(&PER_EDITOR, editors), change(&TOPS, tops)];
        SeriesBatch { dataset: Dataset::History, changes }
    }

    /// `n` rows of one page, numbered by their first counter.
    fn rows(from: u64, n: u64) -> Rows {
        let row = |i| SeriesRow {
            key: vec!["all-editor-types".into(), "l".into(), "p".into(), "A".into()],
            period: Period::Day(Day::from_epoch_days(0)),
            sub: String::new(),
            values: Numbers::counters(&[i]),
        };
        [(from..from + n).map(row).collect(), Vec::new(), Vec::new()]
    }

    #[test]
    fn batches_are_written_in_order_and_their_vectors_come_back() {
        let seen = Mutex::new(Vec::new());
        let (written, capacity) = std::thread::scope(|scope| {
            let writer = EarlyWriter::start(scope, |b: &SeriesBatch| {
                let firsts = b.changes[0].rows.iter().map(|r| r.values.0[0]);
                seen.lock().unwrap().extend(firsts);
                Ok(b.changes.iter().map(|c| c.rows.len() as u64).sum())
            });
            let mut capacity = 0;
            for k in 0..5 {
                let mut pending = rows(k * 100, 100);
                writer.send(&mut pending, batch).unwrap();
                // From the second batch on, the vectors of the one before come back.
                capacity = capacity.max(pending[0].capacity());
                assert!(pending.iter().all(Vec::is_empty));
            }
            (writer.finish().unwrap(), capacity)
        });
        assert_eq!(written, 500);
        assert_eq!(*seen.lock().unwrap(), (0..500).collect::<Vec<u64>>());
        assert!(capacity >= 100, "the emptied vectors were given back: {capacity}");
    }

    #[test]
    fn a_failed_write_is_the_error_and_stops_the_sends() {
        let result = std::thread::scope(|scope| {
            let writer = EarlyWriter::start(scope, |b: &SeriesBatch| {
                match b.changes[0].rows[0].values.0[0] {
                    0 => Ok(1),
                    _ => anyhow::bail!("disk full"),
                }
            });
            writer.send(&mut rows(0, 1), batch).unwrap();
            // The second batch fails; a send after it finds the writer stopped.
            let sends: Vec<bool> =
                (1..4).map(|k| writer.send(&mut rows(k, 1), batch).is_ok()).collect();
            assert!(sends.contains(&false), "{sends:?}");
            writer.finish()
        });
        assert_eq!(result.unwrap_err().to_string(), "disk full");
    }
}
