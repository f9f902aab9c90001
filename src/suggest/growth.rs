//! Suggestions for what grew: `heapdiff A B` runs the rules on B and keeps those whose objects are
//! new or grown since A, each with the share of its bytes those objects make up.

use std::ops::Deref;

use serde::Serialize;

use super::{all_suggestions, Options, Suggestion};
use crate::algo::deep::BitSet;
use crate::algo::Analysis;
use crate::graph::Graph;

/// A suggestion on the later snapshot, restricted to what grew.
#[derive(Debug, Clone, Serialize)]
pub struct GrowthSuggestion {
    #[serde(flatten)]
    pub suggestion: Suggestion,
    /// How many of the suggestion's objects are new or grew since the first snapshot.
    pub grown_objects: u64,
    /// Their share of the suggestion's bytes (shallow sizes), 0..=1.
    pub grown_share: f64,
    /// `saving x grown_share`: the part of the saving that falls on what grew.
    pub grown_saving: u64,
}

/// The suggestions of `b` whose objects include some in `grew` (B's new and grown objects), with
/// `grown_saving` at least `options.min_saving`, sorted by (grown saving desc, rule, title) and cut
/// to `options.top` (0: all).
pub fn for_growth<G: Deref<Target = Graph>>(b: &Analysis<G>, grew: &BitSet, options: &Options) -> Vec<GrowthSuggestion> {
    let g = b.graph();
    let all_options = Options { min_saving: 0, top: 0 };
    let (all, _) = all_suggestions(b, &all_options);
    let mut out: Vec<GrowthSuggestion> = all
        .into_iter()
        .filter_map(|s| {
            let (mut total, mut grown, mut count) = (0u64, 0u64, 0u64);
            for &v in &s.objects {
                total += g.shallow_size(v);
                if grew.contains(v) {
                    grown += g.shallow_size(v);
                    count += 1;
                }
            }
            if count == 0 || total == 0 {
                return None;
            }
            let share = grown as f64 / total as f64;
            let grown_saving = (s.saving as f64 * share).round() as u64;
            (grown_saving > 0 && grown_saving >= options.min_saving).then_some(GrowthSuggestion {
                suggestion: s,
                grown_objects: count,
                grown_share: share,
                grown_saving,
            })
        })
        .collect();
    out.sort_by(|x, y| {
        y.grown_saving
            .cmp(&x.grown_saving)
            .then_with(|| x.suggestion.rule.cmp(y.suggestion.rule))
            .then_with(|| x.suggestion.title.cmp(&y.suggestion.title))
    });
    if options.top > 0 {
        out.truncate(options.top);
    }
    out
}
