//! A period's values per name number ([`super::names`]), found by the number instead of a
//! hash: the digests and the top lists count every edit into the open day's and month's
//! values of its editor and page (the per-page and per-editor counters into the open day's),
//! and a wiki's names are numbered densely from 0.
//!
//! A slot per number ever seen (4 bytes a name: the state grows with the wiki's names, not
//! its events) says where the name's values are among those the period touched, which are
//! kept in the order they came; a period's end takes them out and empties their slots only,
//! so that the slots serve the next period without being made again.

/// The values of the names one period touched.
pub struct Slots<V> {
    /// Per name number: its index in `touched`, or [`EMPTY`].
    at: Vec<u32>,
    /// Where the NULL name's values are (a name of its own), or [`EMPTY`].
    null_at: u32,
    touched: Touched<V>,
}

const EMPTY: u32 = u32::MAX;

impl<V> Default for Slots<V> {
    fn default() -> Self {
        Slots { at: Vec::new(), null_at: EMPTY, touched: Vec::new() }
    }
}

impl<V: Default> Slots<V> {
    /// The values of name number `id` (`None`: the NULL name), made on its first use.
    pub fn get(&mut self, id: Option<u32>) -> &mut V {
        self.get_with(id, V::default)
    }
}

impl<V> Slots<V> {
    /// The values of name number `id` (`None`: the NULL name), made by `make` on its first
    /// use.
    pub fn get_with(&mut self, id: Option<u32>, make: impl FnOnce() -> V) -> &mut V {
        let slot = match id {
            Some(id) => {
                let i = id as usize;
                if i >= self.at.len() {
                    // Grown by at least half: names come one at a time.
                    let len = (i + 1).max(self.at.len() + self.at.len() / 2);
                    self.at.resize(len, EMPTY);
                }
                &mut self.at[i]
            }
            None => &mut self.null_at,
        };
        if *slot == EMPTY {
            *slot = self.touched.len() as u32;
            self.touched.push((id, make()));
        }
        &mut self.touched[*slot as usize].1
    }

    /// Whether the period touched no name.
    pub fn is_empty(&self) -> bool {
        self.touched.is_empty()
    }

    /// The touched names and their values, in the order they came, taken out: every slot is
    /// empty again.
    pub fn take(&mut self) -> Touched<V> {
        for (id, _) in &self.touched {
            match id {
                Some(id) => self.at[*id as usize] = EMPTY,
                None => self.null_at = EMPTY,
            }
        }
        let capacity = self.touched.len();
        std::mem::replace(&mut self.touched, Vec::with_capacity(capacity))
    }
}

/// The names a period touched (`None`: NULL) and their values, in the order they came.
pub type Touched<V> = Vec<(Option<u32>, V)>;

/// Slots per (project number, entity number of `E`): a wiki has one project as a rule.
pub struct ListSlots<V, const E: usize> {
    lists: Vec<Slots<V>>,
}

impl<V, const E: usize> Default for ListSlots<V, E> {
    fn default() -> Self {
        ListSlots { lists: Vec::new() }
    }
}

impl<V, const E: usize> ListSlots<V, E> {
    /// The slots of project `project`'s entity number `entity` (below `E`).
    pub fn list(&mut self, project: usize, entity: usize) -> &mut Slots<V> {
        let i = project * E + entity;
        if i >= self.lists.len() {
            self.lists.resize_with(i + 1, Slots::default);
        }
        &mut self.lists[i]
    }

    /// Each (project, entity) that the period touched, with its names and values taken out.
    pub fn take(&mut self) -> impl Iterator<Item = ((usize, usize), Touched<V>)> + '_ {
        self.lists
            .iter_mut()
            .enumerate()
            .filter(|(_, slots)| !slots.is_empty())
            .map(|(i, slots)| ((i / E, i % E), slots.take()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_takes_out_what_it_touched_and_leaves_the_slots_empty() {
        let mut slots: Slots<u32> = Slots::default();
        *slots.get(Some(5)) += 1;
        *slots.get(None) += 10;
        *slots.get(Some(0)) += 2;
        *slots.get(Some(5)) += 3;
        *slots.get(None) += 1;
        assert_eq!(slots.take(), [(Some(5), 4), (None, 11), (Some(0), 2)]);
        assert!(slots.is_empty());
        // The next period starts from nothing, whatever the names of the one before.
        *slots.get(Some(0)) += 7;
        *slots.get(Some(1000)) += 1;
        assert_eq!(slots.take(), [(Some(0), 7), (Some(1000), 1)]);
        assert_eq!(slots.take(), []);
    }

    #[test]
    fn lists_are_per_project_and_entity() {
        let mut lists: ListSlots<u32, 2> = ListSlots::default();
        *lists.list(1, 1).get(Some(0)) += 1;
        *lists.list(0, 0).get(Some(0)) += 2;
        *lists.list(1, 0).get(Some(0)) += 3;
        let mut got: Vec<_> = lists.take().collect();
        got.sort();
        assert_eq!(
            got,
            [
                ((0, 0), vec![(Some(0), 2)]),
                ((1, 0), vec![(Some(0), 3)]),
                ((1, 1), vec![(Some(0), 1)])
            ]
        );
        assert_eq!(lists.take().count(), 0);
    }
}
