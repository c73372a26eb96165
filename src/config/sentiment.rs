//! The `[sentiment]` table of the trust model: which scope weighs opinions
//! and which thresholds decide the badges (the badges themselves are
//! computed in `models::sentiment`).

use serde::Deserialize;

/// The `[sentiment]` table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentimentParams {
    /// The scope whose scores weigh opinions; default `Software security` if
    /// computed, else the first scope.
    pub scope: Option<String>,
    /// The badge thresholds.
    #[serde(default)]
    pub thresholds: Thresholds,
}

impl SentimentParams {
    /// The scope used among the computed `scopes`.
    pub fn scope_in<'a>(&'a self, scopes: &'a [String]) -> &'a str {
        self.scope
            .as_deref()
            .or_else(|| scopes.iter().find(|s| s.as_str() == "Software security").map(String::as_str))
            .unwrap_or_else(|| scopes.first().map_or("", String::as_str))
    }
}

/// Which thresholds decide the badges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Thresholds {
    /// The CAIP's rule (the default): thresholds scaled by the confidence C(s).
    #[default]
    #[serde(rename = "caip")]
    Caip,
    /// The shipped Snaps computer (2024): R_c against 1 − T⁺(d) and T⁺(d).
    #[serde(rename = "k3l-2024")]
    K3l2024,
}

impl Thresholds {
    /// The identifier used in pipeline files and manifests.
    pub fn id(self) -> &'static str {
        match self {
            Thresholds::Caip => "caip",
            Thresholds::K3l2024 => "k3l-2024",
        }
    }
}
