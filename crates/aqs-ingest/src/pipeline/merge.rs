//! The k-way merge of sorted sources: one row per distinct (group, key), with each source's
//! record for it.

use super::Record;
use super::batch::Source;
use std::cmp::Ordering;
use std::sync::Arc;

/// The most sources a merge takes (pageview_complete has three agent files).
pub const MAX_SOURCES: usize = 4;

/// One merged row: the group, the key, and per source its record (or `None`).
pub struct Row<'a, V> {
    pub group: &'a Arc<str>,
    pub key: &'a str,
    pub values: &'a [Option<V>],
}

fn order(a: (&Arc<str>, &str), b: (&Arc<str>, &str)) -> Ordering {
    let groups =
        if Arc::ptr_eq(a.0, b.0) { Ordering::Equal } else { a.0.as_ref().cmp(b.0.as_ref()) };
    groups.then_with(|| a.1.cmp(b.1))
}

/// Calls `each` for every distinct (group, key) of the sources, in ascending order, until the
/// sources end or `each` fails. `ended(i)` is called once when source `i` runs out, so that
/// the caller can learn at once whether its file failed; an error from it stops the merge.
pub fn merge<V: Record, E>(
    sources: &mut [Source<V>],
    mut ended: impl FnMut(usize) -> Result<(), E>,
    mut each: impl FnMut(Row<'_, V>) -> Result<(), E>,
) -> Result<(), E> {
    assert!(sources.len() <= MAX_SOURCES, "at most {MAX_SOURCES} sources");
    let mut done = [false; MAX_SOURCES];
    let mut values: [Option<V>; MAX_SOURCES] = [None; MAX_SOURCES];
    let mut key = String::new();
    loop {
        for (i, source) in sources.iter().enumerate() {
            if !done[i] && source.head().is_none() {
                done[i] = true;
                ended(i)?;
            }
        }
        let mut least: Option<usize> = None;
        for (i, source) in sources.iter().enumerate() {
            if let Some(head) = source.head() {
                let better = least.is_none_or(|l| {
                    order(head, sources[l].head().expect("has a head")) == Ordering::Less
                });
                if better {
                    least = Some(i);
                }
            }
        }
        let Some(least) = least else { return Ok(()) };
        let group = {
            let (g, k) = sources[least].head().expect("has a head");
            key.clear();
            key.push_str(k);
            Arc::clone(g)
        };
        for (i, source) in sources.iter().enumerate() {
            values[i] = match source.head() {
                Some(head) if order(head, (&group, &key)) == Ordering::Equal => {
                    Some(*source.value())
                }
                _ => None,
            };
        }
        each(Row { group: &group, key: &key, values: &values[..sources.len()] })?;
        for (i, source) in sources.iter_mut().enumerate() {
            if values[i].is_some() {
                source.advance();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::batch::SortedSink;

    fn source(records: &[(&str, &str, u32)]) -> Source<[u32; 1]> {
        let (tx, rx) = std::sync::mpsc::sync_channel(100);
        let mut sink = SortedSink::new(tx);
        for (g, k, v) in records {
            sink.push(g, k, [*v]).unwrap();
        }
        sink.finish().unwrap();
        Source::new(rx)
    }

    #[test]
    fn rows_come_once_per_key_with_every_sources_record() {
        let mut sources = vec![
            source(&[("a", "x", 1), ("b", "y", 2)]),
            source(&[("a", "w", 10), ("a", "x", 20), ("c", "z", 30)]),
            source(&[]),
        ];
        let mut rows = Vec::new();
        let mut ended = Vec::new();
        merge::<_, ()>(
            &mut sources,
            |i| {
                ended.push(i);
                Ok(())
            },
            |row| {
                let values: Vec<Option<u32>> = row.values.iter().map(|v| v.map(|v| v[0])).collect();
                rows.push((row.group.to_string(), row.key.to_string(), values));
                Ok(())
            },
        )
        .unwrap();
        let r = |g: &str, k: &str, v: &[Option<u32>]| (g.to_string(), k.to_string(), v.to_vec());
        assert_eq!(
            rows,
            vec![
                r("a", "w", &[None, Some(10), None]),
                r("a", "x", &[Some(1), Some(20), None]),
                r("b", "y", &[Some(2), None, None]),
                r("c", "z", &[None, Some(30), None]),
            ]
        );
        assert_eq!(ended, vec![2, 0, 1]);
    }
}
