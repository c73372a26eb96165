//! Publisher reputation (README, *Publishers*): a pure function of a publisher's
//! history up to `as_of`.
//!
//! Each publisher starts at `start` (30) at its first event. Its events are
//! replayed in time order — at one instant, investigation closes first, then
//! signals by `signal_id`, then investigation opens — and between events the
//! score decays toward `baseline` for every whole day elapsed:
//! `new = baseline + (old − baseline)·(1 − rate)^days`; the fraction of a day
//! left over carries to the next interval, so decay split across events equals
//! decay in one step. A signal adds its weight and the score is clamped to
//! [0, 100]. While an investigation is open the publisher is Suspended: its
//! signals are refused (reported, not applied) and no time counts toward
//! decay; when the last open investigation closes the tier follows the score
//! again. Every step is an [`AuditEvent`] naming its cause.

use crate::as_of::format_ms;
pub use crate::config::publishers::{ReputationParams, default_weights};
use crate::ingest::records::{Investigation, Signal};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// A publisher's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Tier {
    /// Frozen by an open investigation.
    Suspended,
    /// Score in [0, 20).
    Untrusted,
    /// Score in [20, 50).
    Provisional,
    /// Score in [50, 80).
    Established,
    /// Score in [80, 100].
    Trusted,
}

impl Tier {
    /// The tier of an unfrozen publisher with this score.
    pub fn of_score(score: f64) -> Tier {
        if score >= 80.0 {
            Tier::Trusted
        } else if score >= 50.0 {
            Tier::Established
        } else if score >= 20.0 {
            Tier::Provisional
        } else {
            Tier::Untrusted
        }
    }

    /// What a marketplace does by default with this tier's releases.
    pub fn policy(self) -> TierPolicy {
        let (publish, review_percent, install_warning, featured) = match self {
            Tier::Trusted => ("automatic", 5, false, true),
            Tier::Established => ("automatic", 20, false, false),
            Tier::Provisional => ("after-review", 100, false, false),
            Tier::Untrusted => ("after-review", 100, true, false),
            Tier::Suspended => ("blocked", 100, true, false),
        };
        TierPolicy { publish, review_percent, install_warning, featured }
    }

    /// What the publisher can do to climb out of this tier.
    pub fn recovery(self) -> &'static [&'static str] {
        match self {
            Tier::Trusted => &[],
            Tier::Established => &[
                "keep certification current (certification_adherence +6)",
                "fix reported vulnerabilities within the response window (vulnerability_response_time +8)",
            ],
            Tier::Provisional => &[
                "publish releases whose provenance verifies (provenance_consistency +5)",
                "obtain certification (certification_adherence +6)",
                "answer community reports",
            ],
            Tier::Untrusted => &[
                "resolve every open quarantine (quarantine_resolution +10)",
                "re-certify (certification_adherence +6)",
                "releases are reviewed by hand until the score reaches 20; decay lifts the score toward 50 at 0.5%/day while no new negative signal arrives",
            ],
            Tier::Suspended => &[
                "cooperate with the open investigation; signals are refused and publishing is blocked until it closes",
            ],
        }
    }
}

/// Default marketplace policy of a tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TierPolicy {
    /// `automatic`, `after-review` or `blocked`.
    pub publish: &'static str,
    /// Share of releases reviewed by hand, in percent.
    pub review_percent: u8,
    /// Whether installs show a warning.
    pub install_warning: bool,
    /// Whether the publisher may be featured.
    pub featured: bool,
}

/// The event codes of the publisher audit log (`audit.jsonl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventCode {
    /// A signal was applied or refused.
    ReputationSignalIngested,
    /// The score and tier at `as_of`.
    ReputationComputed,
    /// The tier changed.
    ReputationTransition,
    /// Decay moved the score.
    ReputationDecayApplied,
    /// An investigation froze the publisher.
    ReputationFrozen,
    /// The last open investigation closed.
    ReputationUnfrozen,
    /// The publisher entered a lower tier: the recovery actions that apply.
    ReputationRecoveryStarted,
    /// Someone queried the audit log.
    ReputationAuditQueried,
}

/// One step of a publisher's history, before chaining into the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// When (unix ms).
    pub at_ms: i64,
    /// The publisher.
    pub publisher: String,
    /// What happened.
    pub code: EventCode,
    /// The id of the cause: a signal or investigation id, or `as_of:<instant>`.
    pub trace_id: String,
    /// Details.
    pub payload: Value,
}

/// One change of a publisher's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreChange {
    /// When (RFC 3339).
    pub at: String,
    /// Score before.
    pub from: f64,
    /// Score after.
    pub to: f64,
    /// What moved it, naming the signal or the decay, and the tier change if any
    /// (`signal s7 (quarantine_event -20); tier Provisional -> Untrusted`).
    pub explanation: String,
}

/// A publisher at `as_of`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Publisher {
    /// Its id.
    pub publisher: String,
    /// Score in [0, 100].
    pub score: f64,
    /// Tier (Suspended while frozen).
    pub tier: Tier,
    /// Open investigations freezing it.
    pub frozen_by: Vec<String>,
    /// Signals applied.
    pub signals_applied: u64,
    /// Signals refused while frozen.
    pub signals_refused: u64,
    /// Every score change, in order.
    pub changes: Vec<ScoreChange>,
}

/// The outcome of a replay.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Replay {
    /// Publishers in id order.
    pub publishers: Vec<Publisher>,
    /// The audit events in log order: by time, then publisher, then step.
    pub events: Vec<AuditEvent>,
    /// Indices (into the given signals) of the signals refused while frozen, with the freezing investigation.
    pub refused: Vec<(usize, String)>,
    /// Signals and investigation events after `as_of`, ignored.
    pub after_as_of: u64,
}

/// What happens at one instant of a publisher's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    /// An investigation closes (index into the investigations).
    Close(usize),
    /// A signal arrives (index into the signals).
    Signal(usize),
    /// An investigation opens.
    Open(usize),
}

/// Replays every publisher's history up to `as_of_ms`.
pub fn replay(
    signals: &[Signal],
    investigations: &[Investigation],
    params: &ReputationParams,
    as_of_ms: i64,
) -> Replay {
    let mut steps: BTreeMap<&str, Vec<(i64, Step, &str)>> = BTreeMap::new();
    let mut out = Replay::default();
    for (k, s) in signals.iter().enumerate() {
        if s.at_ms > as_of_ms {
            out.after_as_of += 1;
            continue;
        }
        steps.entry(&s.publisher).or_default().push((s.at_ms, Step::Signal(k), &s.id));
    }
    for (k, inv) in investigations.iter().enumerate() {
        if inv.opened_ms > as_of_ms {
            out.after_as_of += 1;
            continue;
        }
        let publisher = steps.entry(&inv.publisher).or_default();
        publisher.push((inv.opened_ms, Step::Open(k), &inv.id));
        match inv.closed_ms {
            Some(closed) if closed <= as_of_ms => publisher.push((closed, Step::Close(k), &inv.id)),
            Some(_) => out.after_as_of += 1,
            None => {}
        }
    }
    let mut keyed = Vec::new();
    for (publisher, mut history) in steps {
        // Same instant: closes, then signals by id, then opens (Step's order), ties by id.
        history.sort_by(|a, b| (a.0, step_rank(a.1), a.2).cmp(&(b.0, step_rank(b.1), b.2)));
        let mut state = State::new(publisher, params, history[0].0);
        for &(at, step, _) in &history {
            state.advance(at, params, &trace_of(step, signals, investigations));
            match step {
                Step::Signal(k) => {
                    if let Some(blocker) = state.apply_signal(&signals[k], params) {
                        out.refused.push((k, blocker));
                    }
                }
                Step::Open(k) => state.open(&investigations[k]),
                Step::Close(k) => state.close(&investigations[k]),
            }
        }
        let as_of_trace = format!("as_of:{}", format_ms(as_of_ms));
        state.advance(as_of_ms, params, &as_of_trace);
        state.computed(as_of_ms, &as_of_trace);
        let (publisher, events) = state.finish();
        keyed.extend(events.into_iter().enumerate().map(|(step, e)| ((e.at_ms, e.publisher.clone(), step), e)));
        out.publishers.push(publisher);
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    out.events = keyed.into_iter().map(|(_, e)| e).collect();
    out
}

fn step_rank(step: Step) -> u8 {
    match step {
        Step::Close(_) => 0,
        Step::Signal(_) => 1,
        Step::Open(_) => 2,
    }
}

fn trace_of(step: Step, signals: &[Signal], investigations: &[Investigation]) -> String {
    match step {
        Step::Signal(k) => signals[k].id.clone(),
        Step::Open(k) | Step::Close(k) => investigations[k].id.clone(),
    }
}

/// A publisher being replayed.
struct State {
    publisher: Publisher,
    /// When time last counted toward decay.
    last_ms: i64,
    /// Milliseconds short of a whole day carried to the next interval.
    carry_ms: i64,
    open: BTreeSet<String>,
    events: Vec<AuditEvent>,
}

impl State {
    fn new(publisher: &str, params: &ReputationParams, first_ms: i64) -> Self {
        State {
            publisher: Publisher {
                publisher: publisher.to_owned(),
                score: params.start,
                tier: Tier::of_score(params.start),
                frozen_by: Vec::new(),
                signals_applied: 0,
                signals_refused: 0,
                changes: Vec::new(),
            },
            last_ms: first_ms,
            carry_ms: 0,
            open: BTreeSet::new(),
            events: Vec::new(),
        }
    }

    fn emit(&mut self, at_ms: i64, code: EventCode, trace_id: &str, payload: Value) {
        let publisher = self.publisher.publisher.clone();
        self.events.push(AuditEvent { at_ms, publisher, code, trace_id: trace_id.to_owned(), payload });
    }

    /// Lets time run to `at_ms`: whole days decay the score unless frozen.
    fn advance(&mut self, at_ms: i64, params: &ReputationParams, trace: &str) {
        if !self.open.is_empty() {
            self.last_ms = at_ms;
            return;
        }
        let elapsed = at_ms - self.last_ms + self.carry_ms;
        let days = elapsed.div_euclid(DAY_MS);
        self.carry_ms = elapsed - days * DAY_MS;
        self.last_ms = at_ms;
        if days < 1 {
            return;
        }
        let from = self.publisher.score;
        let factor = crate::numeric::powi(1.0 - params.decay_rate, i32::try_from(days).unwrap_or(i32::MAX));
        let to = params.baseline + (from - params.baseline) * factor;
        let explanation = format!("decay over {days} day(s) toward {}", params.baseline);
        self.emit(
            at_ms,
            EventCode::ReputationDecayApplied,
            trace,
            json!({"days": days, "from": from, "to": to, "explanation": explanation}),
        );
        self.change(at_ms, to, explanation, trace);
    }

    /// Sets the score, records the change and any tier transition it causes.
    fn change(&mut self, at_ms: i64, to: f64, explanation: String, trace: &str) {
        let from = self.publisher.score;
        self.publisher.score = to;
        let tier = Tier::of_score(to);
        let old_tier = self.publisher.tier;
        let described = if tier == old_tier {
            explanation.clone()
        } else {
            format!("{explanation}; tier {old_tier:?} -> {tier:?}")
        };
        self.publisher.changes.push(ScoreChange { at: format_ms(at_ms), from, to, explanation: described });
        self.transition(at_ms, tier, &explanation, trace);
    }

    /// Moves to `tier`, logging the transition (and recovery actions when it is a fall).
    fn transition(&mut self, at_ms: i64, tier: Tier, cause: &str, trace: &str) {
        let from = self.publisher.tier;
        if tier == from {
            return;
        }
        self.publisher.tier = tier;
        let score = self.publisher.score;
        self.emit(
            at_ms,
            EventCode::ReputationTransition,
            trace,
            json!({"from": from, "to": tier, "score": score, "cause": cause}),
        );
        if (tier < from || from == Tier::Suspended) && !tier.recovery().is_empty() {
            self.emit(
                at_ms,
                EventCode::ReputationRecoveryStarted,
                trace,
                json!({"tier": tier, "actions": tier.recovery()}),
            );
        }
    }

    /// Applies a signal, or refuses it while frozen (returning the freezing investigation).
    fn apply_signal(&mut self, signal: &Signal, params: &ReputationParams) -> Option<String> {
        let weight = signal.weight.unwrap_or_else(|| params.weights.get(&signal.kind).copied().unwrap_or(0.0));
        let mut payload = json!({"signal_id": signal.id, "kind": signal.kind, "weight": weight});
        if let Some(evidence) = &signal.evidence {
            payload["evidence"] = json!(evidence);
        }
        if let Some(blocker) = self.open.first().cloned() {
            self.publisher.signals_refused += 1;
            payload["status"] = json!("refused");
            payload["reason"] = json!(format!("frozen by investigation {blocker}"));
            self.emit(signal.at_ms, EventCode::ReputationSignalIngested, &signal.id, payload);
            return Some(blocker);
        }
        self.publisher.signals_applied += 1;
        let from = self.publisher.score;
        let to = (from + weight).clamp(0.0, 100.0);
        let clamped = if to != from + weight { " (clamped to [0, 100])" } else { "" };
        let explanation = format!("signal {} ({} {:+}){clamped}", signal.id, signal.kind.id(), weight);
        payload["status"] = json!("applied");
        payload["from"] = json!(from);
        payload["to"] = json!(to);
        self.emit(signal.at_ms, EventCode::ReputationSignalIngested, &signal.id, payload);
        self.change(signal.at_ms, to, explanation, &signal.id);
        None
    }

    fn open(&mut self, inv: &Investigation) {
        let was_frozen = !self.open.is_empty();
        self.open.insert(inv.id.clone());
        let score = self.publisher.score;
        self.emit(
            inv.opened_ms,
            EventCode::ReputationFrozen,
            &inv.id,
            json!({"investigation_id": inv.id, "score": score, "already_frozen": was_frozen}),
        );
        let cause = format!("investigation {} opened", inv.id);
        self.transition(inv.opened_ms, Tier::Suspended, &cause, &inv.id);
    }

    fn close(&mut self, inv: &Investigation) {
        let Some(closed) = inv.closed_ms else { return };
        self.open.remove(&inv.id);
        let still_frozen = !self.open.is_empty();
        let score = self.publisher.score;
        let mut payload = json!({"investigation_id": inv.id, "score": score, "still_frozen": still_frozen});
        if let Some(outcome) = &inv.outcome {
            payload["outcome"] = json!(outcome);
        }
        self.emit(closed, EventCode::ReputationUnfrozen, &inv.id, payload);
        if !still_frozen {
            let cause = format!("investigation {} closed", inv.id);
            self.transition(closed, Tier::of_score(score), &cause, &inv.id);
        }
    }

    /// The closing REPUTATION_COMPUTED entry at `as_of`.
    fn computed(&mut self, as_of_ms: i64, trace: &str) {
        self.publisher.frozen_by = self.open.iter().cloned().collect();
        let p = &self.publisher;
        let payload = json!({
            "score": p.score,
            "tier": p.tier,
            "signals_applied": p.signals_applied,
            "signals_refused": p.signals_refused,
            "frozen_by": p.frozen_by,
        });
        self.emit(as_of_ms, EventCode::ReputationComputed, trace, payload);
    }

    fn finish(self) -> (Publisher, Vec<AuditEvent>) {
        (self.publisher, self.events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::records::SignalKind;

    const T0: i64 = 1_700_000_000_000;

    fn signal(id: &str, kind: SignalKind, day: f64) -> Signal {
        Signal {
            id: id.into(),
            publisher: "p".into(),
            kind,
            at_ms: T0 + (day * DAY_MS as f64) as i64,
            weight: None,
            evidence: None,
        }
    }

    fn run(signals: &[Signal], investigations: &[Investigation], as_of_day: f64) -> Replay {
        replay(signals, investigations, &ReputationParams::default(), T0 + (as_of_day * DAY_MS as f64) as i64)
    }

    #[test]
    fn tiers_have_the_design_boundaries() {
        let tiers: Vec<Tier> = [0.0, 19.999, 20.0, 49.9, 50.0, 79.99, 80.0, 100.0].map(Tier::of_score).into();
        use Tier::*;
        assert_eq!(tiers, [Untrusted, Untrusted, Provisional, Provisional, Established, Established, Trusted, Trusted]);
    }

    #[test]
    fn fractions_of_a_day_carry_over() {
        // 0.6 + 0.6 days = 1 whole day of decay in total, applied at the second step.
        let s = [signal("a", SignalKind::CommunityReport, 0.0), signal("b", SignalKind::CommunityReport, 0.6)];
        let r = run(&s, &[], 1.2);
        let expected = 50.0 + (34.0 - 50.0) * 0.995;
        assert!((r.publishers[0].score - expected).abs() < 1e-12, "{}", r.publishers[0].score);
    }

    #[test]
    fn same_instant_orders_close_then_signals_by_id_then_open() {
        let at = T0 + DAY_MS;
        let inv = |id: &str, open: i64, close: Option<i64>| Investigation {
            id: id.into(),
            publisher: "p".into(),
            opened_ms: open,
            closed_ms: close,
            outcome: None,
        };
        let mut b = signal("b", SignalKind::ExtensionQuality, 1.0);
        let mut a = signal("a", SignalKind::ExtensionQuality, 1.0);
        b.at_ms = at;
        a.at_ms = at;
        let r = replay(&[b, a], &[inv("i1", T0, Some(at)), inv("i2", at, None)], &ReputationParams::default(), at);
        let codes: Vec<(EventCode, &str)> = r.events.iter().map(|e| (e.code, e.trace_id.as_str())).collect();
        use EventCode::*;
        assert_eq!(
            codes[..8],
            [
                (ReputationFrozen, "i1"),
                (ReputationTransition, "i1"),
                (ReputationRecoveryStarted, "i1"),
                (ReputationUnfrozen, "i1"),
                (ReputationTransition, "i1"),
                (ReputationRecoveryStarted, "i1"),
                (ReputationSignalIngested, "a"),
                (ReputationSignalIngested, "b"),
            ]
        );
        assert_eq!(r.publishers[0].signals_applied, 2);
        assert_eq!(r.publishers[0].frozen_by, ["i2"]);
    }

    fn weighted(id: &str, weight: f64, day: f64) -> Signal {
        Signal { weight: Some(weight), ..signal(id, SignalKind::CommunityReport, day) }
    }

    fn tiers_of(r: &Replay) -> Vec<(Tier, Tier)> {
        r.events
            .iter()
            .filter(|e| e.code == EventCode::ReputationTransition)
            .map(|e| {
                let tier = |k: &str| serde_json::from_value::<Tier>(e.payload[k].clone()).unwrap();
                (tier("from"), tier("to"))
            })
            .collect()
    }

    #[test]
    fn all_nine_kinds_in_sequence_with_their_default_weights() {
        // SignalKind::ALL lists the kinds in the order the README's *Publishers* gives them.
        let kinds = SignalKind::ALL;
        // All on day 0 (ids in order), as_of the same instant: no decay.
        let signals: Vec<Signal> =
            kinds.iter().enumerate().map(|(k, &kind)| signal(&format!("s{k}"), kind, 0.0)).collect();
        let r = run(&signals, &[], 0.0);
        let p = &r.publishers[0];
        let path: Vec<f64> = p.changes.iter().map(|c| c.to).collect();
        assert_eq!(path, [35.0, 43.0, 28.0, 31.0, 33.0, 39.0, 31.0, 11.0, 21.0]);
        assert_eq!((p.score, p.tier, p.signals_applied), (21.0, Tier::Provisional, 9));
        assert_eq!(p.changes[2].explanation, "signal s2 (revocation_event -15)");
        assert_eq!(p.changes[7].explanation, "signal s7 (quarantine_event -20); tier Provisional -> Untrusted");
        assert_eq!(p.changes[8].explanation, "signal s8 (quarantine_resolution +10); tier Untrusted -> Provisional");
        assert_eq!(tiers_of(&r), [(Tier::Provisional, Tier::Untrusted), (Tier::Untrusted, Tier::Provisional)]);
        let transition = r.events.iter().find(|e| e.code == EventCode::ReputationTransition).unwrap();
        assert_eq!(
            (transition.trace_id.as_str(), transition.payload["cause"].as_str()),
            ("s7", Some("signal s7 (quarantine_event -20)"))
        );
    }

    #[test]
    fn clamped_after_each_signal_at_both_ends() {
        let r = run(
            &[
                weighted("a", 500.0, 0.0),
                weighted("b", -30.0, 0.0),
                weighted("c", -900.0, 0.0),
                weighted("d", 7.0, 0.0),
            ],
            &[],
            0.0,
        );
        let path: Vec<f64> = r.publishers[0].changes.iter().map(|c| c.to).collect();
        assert_eq!(path, [100.0, 70.0, 0.0, 7.0]);
        assert_eq!(
            r.publishers[0].changes[0].explanation,
            "signal a (community_report +500) (clamped to [0, 100]); tier Provisional -> Trusted"
        );
        assert!(!r.publishers[0].changes[1].explanation.contains("clamped"));
    }

    #[test]
    fn decay_over_30_and_90_days_from_above_and_below_the_baseline() {
        // Reach 90 (30 + 60) and 10 (30 - 20) on day 0, then let 30 or 90 days pass.
        for (weight, start) in [(60.0, 90.0), (-20.0, 10.0)] {
            for days in [30, 90] {
                let r = run(&[weighted("a", weight, 0.0)], &[], f64::from(days));
                let expected = 50.0 + (start - 50.0) * crate::numeric::powi(0.995, days);
                assert!((r.publishers[0].score - expected).abs() < 1e-12, "{start} after {days}");
            }
        }
        let r = run(&[weighted("a", 60.0, 0.0)], &[], 30.0);
        assert!((r.publishers[0].score - (50.0 + 40.0 * crate::numeric::powi(0.995, 30))).abs() < 1e-12);
        assert_eq!(r.publishers[0].changes[1].explanation, "decay over 30 day(s) toward 50");
    }

    #[test]
    fn decay_split_across_events_equals_one_step() {
        let one = run(&[weighted("a", 60.0, 0.0)], &[], 90.0).publishers[0].score;
        // Zero-weight signals cut the 90 days into 10.5 + 20.25 + 59.25 days.
        let split = run(&[weighted("a", 60.0, 0.0), weighted("b", 0.0, 10.5), weighted("c", 0.0, 30.75)], &[], 90.0)
            .publishers[0]
            .score;
        assert!((one - split).abs() < 1e-12, "{one} vs {split}");
    }

    #[test]
    fn freeze_refuses_signals_and_decay_and_unfreeze_restores_the_tier() {
        let inv = Investigation {
            id: "inv".into(),
            publisher: "p".into(),
            opened_ms: T0 + DAY_MS,
            closed_ms: Some(T0 + 41 * DAY_MS),
            outcome: Some("cleared".into()),
        };
        // 90 on day 0; frozen from day 1 to day 41; a signal on day 2 is refused; as_of day 41.
        let r = run(&[weighted("a", 60.0, 0.0), weighted("b", -50.0, 2.0)], std::slice::from_ref(&inv), 41.0);
        let p = &r.publishers[0];
        let expected = 50.0 + 40.0 * 0.995; // one day of decay before the freeze, none during it
        assert!((p.score - expected).abs() < 1e-12, "{}", p.score);
        assert_eq!((p.tier, p.signals_refused, p.signals_applied), (Tier::Trusted, 1, 1));
        assert_eq!(r.refused, [(1, "inv".to_owned())]);
        assert_eq!(
            tiers_of(&r),
            [(Tier::Provisional, Tier::Trusted), (Tier::Trusted, Tier::Suspended), (Tier::Suspended, Tier::Trusted)]
        );
        let refused = r.events.iter().find(|e| e.trace_id == "b").unwrap();
        assert_eq!(refused.payload["status"], "refused");
        // Still open at as_of: Suspended, score kept.
        let open = run(&[weighted("a", 60.0, 0.0)], &[Investigation { closed_ms: None, ..inv }], 100.0);
        assert_eq!(
            (open.publishers[0].tier, open.publishers[0].frozen_by.clone()),
            (Tier::Suspended, vec!["inv".to_owned()])
        );
        assert!((open.publishers[0].score - expected).abs() < 1e-12);
    }

    #[test]
    fn every_tier_boundary_crossed_emits_a_transition() {
        // 30 → 50 → 80 → 79 → 49 → 19 → 20 → 100: up and down through every boundary.
        let steps = [20.0, 30.0, -1.0, -30.0, -30.0, 1.0, 80.0];
        let signals: Vec<Signal> = steps.iter().enumerate().map(|(k, &w)| weighted(&format!("s{k}"), w, 0.0)).collect();
        let r = run(&signals, &[], 0.0);
        use Tier::*;
        assert_eq!(
            tiers_of(&r),
            [
                (Provisional, Established),
                (Established, Trusted),
                (Trusted, Established),
                (Established, Provisional),
                (Provisional, Untrusted),
                (Untrusted, Provisional),
                (Provisional, Trusted),
            ]
        );
        let recoveries = r.events.iter().filter(|e| e.code == EventCode::ReputationRecoveryStarted).count();
        assert_eq!(recoveries, 3, "one per fall");
    }
}
