//! Which history entries the host has passed on, so that catching up after
//! falling behind the desk's events (history has every entry) neither skips
//! one nor passes one on twice.

use std::collections::{HashSet, VecDeque};

/// Ids remembered; far more than the event channel holds.
const KEEP: usize = 4096;

#[derive(Debug, Default)]
pub(crate) struct Forwarded {
    newest: i64,
    order: VecDeque<i64>,
    ids: HashSet<i64>,
}

impl Forwarded {
    /// Entries up to `id` were there before listening began: not missed.
    pub fn start_after(&mut self, id: i64) {
        self.newest = self.newest.max(id);
    }

    /// Whether `id` is passed on for the first time (it is remembered).
    pub fn first_time(&mut self, id: i64) -> bool {
        if !self.ids.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > KEEP {
            if let Some(old) = self.order.pop_front() {
                self.ids.remove(&old);
            }
        }
        self.newest = self.newest.max(id);
        true
    }

    /// Catching up starts after this id.
    pub fn newest(&self) -> i64 {
        self.newest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_entry_is_passed_on_once_and_catching_up_starts_after_the_newest() {
        let mut f = Forwarded::default();
        f.start_after(40);
        assert_eq!(
            f.newest(),
            40,
            "history from before listening is not missed"
        );
        assert!(f.first_time(41));
        assert!(f.first_time(43));
        assert!(!f.first_time(41), "a repeat is not passed on");
        // Out of order (two writers): still passed on, newest unchanged.
        assert!(f.first_time(42));
        assert_eq!(f.newest(), 43);
        f.start_after(10);
        assert_eq!(f.newest(), 43, "never goes back");
    }

    #[test]
    fn memory_is_bounded() {
        let mut f = Forwarded::default();
        for id in 1..=(KEEP as i64 + 10) {
            assert!(f.first_time(id));
        }
        assert_eq!(f.ids.len(), KEEP);
        assert_eq!(f.order.len(), KEEP);
        assert!(!f.first_time(KEEP as i64 + 10));
    }
}
