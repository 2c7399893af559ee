//! `verdict metrics`: the registry, as users write each metric.

use super::{Outcome, print};
use crate::metrics::registry::{Better, METRICS};

pub fn run() -> Outcome {
    let mut text = String::new();
    for spec in METRICS {
        let better = match spec.better {
            Better::Higher => "higher is better",
            Better::Lower => "lower is better",
            Better::Neither => "",
        };
        text.push_str(&format!("{:<34} {}", spec.signature(), spec.definition));
        if !better.is_empty() {
            text.push_str(&format!(" [{better}]"));
        }
        text.push('\n');
    }
    print(&text);
    Outcome::Pass
}
