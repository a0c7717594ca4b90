//! The unclaimed queue: responses no command claimed, in arrival order, bounded.
//!
//! Items are whatever the driver keeps for a response (its own response objects); each comes
//! with its arrival number, which orders the queue, and with its [`Coalesce`] kind. Of the
//! data responses whose newest value is all that matters (`EXISTS`, `RECENT`, `FLAGS`) only
//! the newest is kept. The queue holds at most its bound: one more is
//! [`Overflow`], after which the driver closes the connection (a server flooding it cannot
//! make the client's memory grow without end). Items taken off may be put back
//! ([`Unclaimed::defer`]) and find their place by arrival number.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Unclaimed data of which only the newest matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coalesce {
    /// `* n EXISTS`
    Exists,
    /// `* n RECENT`
    Recent,
    /// `* FLAGS (...)`
    Flags,
}

impl Coalesce {
    /// The kind of a data response named `dtype` (upper case), if it coalesces.
    #[must_use]
    pub fn of(dtype: &str) -> Option<Coalesce> {
        match dtype {
            "EXISTS" => Some(Coalesce::Exists),
            "RECENT" => Some(Coalesce::Recent),
            "FLAGS" => Some(Coalesce::Flags),
            _ => None,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// More responses on the queue than its bound allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overflow {
    /// The bound.
    pub bound: usize,
    /// How many responses are queued.
    pub len: usize,
}

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "more than {} unclaimed responses", self.bound)
    }
}

impl std::error::Error for Overflow {}

#[derive(Debug)]
struct Entry<T> {
    item: T,
    coalesce: Option<Coalesce>,
}

/// Unclaimed responses by arrival number.
#[derive(Debug)]
pub struct Unclaimed<T> {
    items: BTreeMap<u64, Entry<T>>,
    /// Arrival numbers of the queued items of each [`Coalesce`] kind.
    coalesced: [BTreeSet<u64>; 3],
    bound: usize,
}

impl<T> Unclaimed<T> {
    /// An empty queue holding at most `bound` items.
    #[must_use]
    pub fn new(bound: usize) -> Self {
        Unclaimed {
            items: BTreeMap::new(),
            coalesced: Default::default(),
            bound,
        }
    }

    /// Queues `item`, which arrived as number `seq`; an item of the same [`Coalesce`] kind
    /// queued before is dropped. The items dropped are returned.
    ///
    /// # Errors
    /// [`Overflow`] when the queue now holds more than its bound (the item is queued).
    pub fn push(
        &mut self,
        seq: u64,
        item: T,
        coalesce: Option<Coalesce>,
    ) -> Result<Vec<T>, Overflow> {
        let mut dropped = Vec::new();
        if let Some(kind) = coalesce {
            for old in std::mem::take(&mut self.coalesced[kind.index()]) {
                if let Some(entry) = self.items.remove(&old) {
                    dropped.push(entry.item);
                }
            }
        }
        self.insert(seq, item, coalesce);
        if self.items.len() > self.bound {
            return Err(Overflow {
                bound: self.bound,
                len: self.items.len(),
            });
        }
        Ok(dropped)
    }

    /// Puts back an item taken off earlier, in its arrival place (no coalescing, no bound:
    /// it was counted when it arrived).
    pub fn defer(&mut self, seq: u64, item: T, coalesce: Option<Coalesce>) {
        self.insert(seq, item, coalesce);
    }

    /// Takes the oldest item.
    pub fn pop(&mut self) -> Option<T> {
        let (seq, entry) = self.items.pop_first()?;
        Some(self.forget(seq, entry))
    }

    /// The item that arrived as number `seq`, left on the queue.
    #[must_use]
    pub fn get(&self, seq: u64) -> Option<&T> {
        self.items.get(&seq).map(|e| &e.item)
    }

    /// The arrival numbers and items, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = (u64, &T)> {
        self.items.iter().map(|(seq, e)| (*seq, &e.item))
    }

    /// Takes the item that arrived as number `seq`.
    pub fn take(&mut self, seq: u64) -> Option<T> {
        let entry = self.items.remove(&seq)?;
        Some(self.forget(seq, entry))
    }

    /// Empties the queue.
    pub fn clear(&mut self) {
        self.items.clear();
        self.coalesced = Default::default();
    }

    /// The items, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.items.values().map(|e| &e.item)
    }

    /// How many items are queued.
    #[must_use]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the queue is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The bound.
    #[must_use]
    pub fn bound(&self) -> usize {
        self.bound
    }

    fn insert(&mut self, seq: u64, item: T, coalesce: Option<Coalesce>) {
        if let Some(kind) = coalesce {
            self.coalesced[kind.index()].insert(seq);
        }
        if let Some(old) = self.items.insert(seq, Entry { item, coalesce }) {
            if let Some(kind) = old.coalesce.filter(|k| Some(*k) != coalesce) {
                self.coalesced[kind.index()].remove(&seq);
            }
        }
    }

    fn forget(&mut self, seq: u64, entry: Entry<T>) -> T {
        if let Some(kind) = entry.coalesce {
            self.coalesced[kind.index()].remove(&seq);
        }
        entry.item
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrival_order_and_coalescing() {
        let mut queue = Unclaimed::new(10);
        queue.push(1, "exists 1", Some(Coalesce::Exists)).unwrap();
        queue.push(2, "note", None).unwrap();
        queue.push(3, "recent", Some(Coalesce::Recent)).unwrap();
        let dropped = queue.push(4, "exists 2", Some(Coalesce::Exists)).unwrap();
        assert_eq!(dropped, ["exists 1"]);
        assert_eq!(
            queue.iter().copied().collect::<Vec<_>>(),
            ["note", "recent", "exists 2"]
        );
        assert_eq!(queue.get(3), Some(&"recent"));
        assert_eq!(
            queue.entries().map(|(seq, _)| seq).collect::<Vec<_>>(),
            [2, 3, 4]
        );
        assert_eq!(queue.take(3), Some("recent"));
        assert_eq!(queue.take(3), None);
        assert_eq!(queue.pop(), Some("note"));
        queue.defer(2, "note", None);
        assert_eq!(queue.pop(), Some("note"));
        assert_eq!(queue.pop(), Some("exists 2"));
        assert_eq!(queue.pop(), None);
        assert!(queue.coalesced.iter().all(BTreeSet::is_empty));
    }

    #[test]
    fn a_deferred_item_coalesces_with_later_ones() {
        let mut queue = Unclaimed::new(10);
        queue.push(1, 1, Some(Coalesce::Flags)).unwrap();
        let first = queue.pop().unwrap();
        queue.push(5, 5, Some(Coalesce::Flags)).unwrap();
        queue.defer(1, first, Some(Coalesce::Flags));
        assert_eq!(queue.push(9, 9, Some(Coalesce::Flags)).unwrap(), [1, 5]);
        assert_eq!(queue.iter().copied().collect::<Vec<_>>(), [9]);
    }

    #[test]
    fn the_bound() {
        let mut queue = Unclaimed::new(2);
        for n in 0..10 {
            queue.push(n, n, Some(Coalesce::Exists)).unwrap();
        }
        queue.push(10, 10, None).unwrap();
        assert_eq!(queue.push(11, 11, None), Err(Overflow { bound: 2, len: 3 }));
        queue.clear();
        assert!(queue.is_empty() && queue.bound() == 2);
    }
}
