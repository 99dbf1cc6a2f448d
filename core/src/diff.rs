//! A serialisable mirror of `eyeball_im::VectorDiff`, so list updates can cross the
//! IPC boundary (and be applied by the UI) without re-sending whole lists.

use eyeball_im::VectorDiff;
use serde::Serialize;

/// One change to an observed list. The UI applies these in order to its own copy.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum ListDiff<T> {
    Append { values: Vec<T> },
    Clear,
    PushFront { value: T },
    PushBack { value: T },
    PopFront,
    PopBack,
    Insert { index: u32, value: T },
    Set { index: u32, value: T },
    Remove { index: u32 },
    Truncate { length: u32 },
    Reset { values: Vec<T> },
}

// Indices are u32 on the wire: lists here never approach 4 billion entries, and JS
// numbers cannot hold every u64.
fn idx(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl<T: Clone> ListDiff<T> {
    /// Converts an SDK diff, mapping each element.
    pub fn from_vector_diff<U: Clone>(diff: VectorDiff<U>, mut f: impl FnMut(U) -> T) -> Self {
        match diff {
            VectorDiff::Append { values } => Self::Append {
                values: values.into_iter().map(f).collect(),
            },
            VectorDiff::Clear => Self::Clear,
            VectorDiff::PushFront { value } => Self::PushFront { value: f(value) },
            VectorDiff::PushBack { value } => Self::PushBack { value: f(value) },
            VectorDiff::PopFront => Self::PopFront,
            VectorDiff::PopBack => Self::PopBack,
            VectorDiff::Insert { index, value } => Self::Insert {
                index: idx(index),
                value: f(value),
            },
            VectorDiff::Set { index, value } => Self::Set {
                index: idx(index),
                value: f(value),
            },
            VectorDiff::Remove { index } => Self::Remove { index: idx(index) },
            VectorDiff::Truncate { length } => Self::Truncate {
                length: idx(length),
            },
            VectorDiff::Reset { values } => Self::Reset {
                values: values.into_iter().map(f).collect(),
            },
        }
    }

    /// Applies this diff to a plain vector: what the UI does, used by tests and the
    /// benchmark to keep a mirror of a list. Out-of-range indices are ignored rather
    /// than panicking, because a diff stream is input we do not control.
    pub fn apply(self, list: &mut Vec<T>) {
        match self {
            Self::Append { values } => list.extend(values),
            Self::Clear => list.clear(),
            Self::PushFront { value } => list.insert(0, value),
            Self::PushBack { value } => list.push(value),
            Self::PopFront => {
                if !list.is_empty() {
                    list.remove(0);
                }
            }
            Self::PopBack => {
                list.pop();
            }
            Self::Insert { index, value } => {
                let i = (index as usize).min(list.len());
                list.insert(i, value);
            }
            Self::Set { index, value } => {
                if let Some(slot) = list.get_mut(index as usize) {
                    *slot = value;
                }
            }
            Self::Remove { index } => {
                if (index as usize) < list.len() {
                    list.remove(index as usize);
                }
            }
            Self::Truncate { length } => list.truncate(length as usize),
            Self::Reset { values } => *list = values,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applying_mapped_diffs_mirrors_the_source_list() {
        let mut mirror: Vec<String> = Vec::new();
        let diffs = vec![
            VectorDiff::Append {
                values: vec![1, 2, 3].into(),
            },
            VectorDiff::Insert { index: 1, value: 9 },
            VectorDiff::Remove { index: 0 },
            VectorDiff::Set { index: 2, value: 7 },
            VectorDiff::PushFront { value: 0 },
            VectorDiff::PopBack,
        ];
        for d in diffs {
            ListDiff::from_vector_diff(d, |n: i32| n.to_string()).apply(&mut mirror);
        }
        assert_eq!(mirror, vec!["0", "9", "2"]);
    }

    #[test]
    fn out_of_range_diffs_do_not_panic() {
        let mut mirror = vec![1];
        ListDiff::Remove { index: 5 }.apply(&mut mirror);
        ListDiff::Set { index: 5, value: 3 }.apply(&mut mirror);
        ListDiff::Insert { index: 9, value: 2 }.apply(&mut mirror);
        assert_eq!(mirror, vec![1, 2]);
    }
}
