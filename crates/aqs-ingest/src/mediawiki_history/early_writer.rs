//! The early batches' writer of a history load: a thread of its own that makes each batch of
//! per-page, per-editor and top-list rows the stored rows and publishes them while the next
//! months are counted (the load's second core), one batch at a time and in order, and hands
//! the emptied batch back (its memory stays mapped for the next).

use anyhow::Result;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::thread::{Scope, ScopedJoinHandle};

pub struct EarlyWriter<'scope, T> {
    batches: SyncSender<T>,
    emptied: Receiver<T>,
    thread: ScopedJoinHandle<'scope, Result<u64>>,
}

impl<'scope, T: Send + Default + 'scope> EarlyWriter<'scope, T> {
    /// Starts the thread, which writes each batch with `write` (the rows it wrote, or an
    /// error that stops it); `write` leaves the batch empty, its vectors' memory kept.
    pub fn start<'env>(
        scope: &'scope Scope<'scope, 'env>,
        mut write: impl FnMut(&mut T) -> Result<u64> + Send + 'scope,
    ) -> Self {
        // No batch waits in the channel: one is written while the next is counted.
        let (batches, receive) = sync_channel::<T>(0);
        let (give_back, emptied) = channel();
        let thread = scope.spawn(move || {
            let mut written = 0;
            for mut batch in receive {
                written += write(&mut batch)?;
                // The reader may have finished: nothing takes it then.
                let _ = give_back.send(batch);
            }
            Ok(written)
        });
        EarlyWriter { batches, emptied, thread }
    }

    /// Hands `pending` to the writer, and takes a batch it emptied (or a new one) for the
    /// next; an error if the writer stopped (`finish` says why).
    pub fn send(&self, pending: &mut T) -> Result<()> {
        if self.batches.send(std::mem::take(pending)).is_err() {
            anyhow::bail!("the history load's writer stopped");
        }
        // The writer took this batch once it had written the one before, which it gave
        // back first (none after the first batch).
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
    use std::sync::Mutex;

    #[test]
    fn batches_are_written_in_order_and_come_back_emptied() {
        let seen = Mutex::new(Vec::new());
        let (written, capacity) = std::thread::scope(|scope| {
            let writer = EarlyWriter::start(scope, |batch: &mut Vec<u64>| {
                seen.lock().unwrap().extend(batch.iter().copied());
                let n = batch.len() as u64;
                batch.clear();
                Ok(n)
            });
            let mut capacity = 0;
            let mut pending = Vec::new();
            for k in 0..5 {
                pending.extend(k * 100..(k + 1) * 100);
                writer.send(&mut pending).unwrap();
                // From the second batch on, the batch before comes back, emptied.
                capacity = capacity.max(pending.capacity());
                assert!(pending.is_empty());
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
            let writer = EarlyWriter::start(scope, |batch: &mut Vec<u64>| match batch[0] {
                0 => Ok(1),
                _ => anyhow::bail!("disk full"),
            });
            writer.send(&mut vec![0]).unwrap();
            // The second batch fails; a send after it finds the writer stopped.
            let sends: Vec<bool> = (1..4).map(|k| writer.send(&mut vec![k]).is_ok()).collect();
            assert!(sends.contains(&false), "{sends:?}");
            writer.finish()
        });
        assert_eq!(result.unwrap_err().to_string(), "disk full");
    }
}
