//! Bounded heaps: the largest entries of a stream of any length, in memory bounded by their
//! number. Top lists need only the 1,001 largest views of a project: whatever is ranked at or
//! below the 1,001st row is cut (data-formats §5.3), so those are all `top::rank` needs.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The `capacity` entries with the largest values seen (ties at the smallest kept value are
/// kept or not arbitrarily: they are exactly the ones a top list cuts).
#[derive(Debug)]
pub struct TopK {
    capacity: usize,
    heap: BinaryHeap<Reverse<(u64, String)>>,
}

impl TopK {
    pub fn new(capacity: usize) -> TopK {
        TopK { capacity, heap: BinaryHeap::with_capacity(capacity.min(4096) + 1) }
    }

    /// Offers an entry; its title is copied only when it is kept.
    pub fn offer(&mut self, value: u64, title: &str) {
        if self.heap.len() < self.capacity {
            self.heap.push(Reverse((value, title.to_string())));
        } else if let Some(mut least) = self.heap.peek_mut() {
            if value > least.0.0 {
                *least = Reverse((value, title.to_string()));
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The kept entries, in no particular order.
    pub fn into_entries(self) -> Vec<(String, u64)> {
        self.heap.into_iter().map(|Reverse((value, title))| (title, value)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_largest_values_whatever_the_order() {
        let mut top = TopK::new(3);
        for (v, t) in [(5, "a"), (1, "b"), (9, "c"), (5, "d"), (7, "e"), (2, "f")] {
            top.offer(v, t);
        }
        let mut kept = top.into_entries();
        kept.sort_by_key(|e| std::cmp::Reverse(e.1));
        let values: Vec<u64> = kept.iter().map(|e| e.1).collect();
        assert_eq!(values, vec![9, 7, 5]);
    }
}
