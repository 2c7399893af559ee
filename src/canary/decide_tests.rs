//! The decision table, row by row, with its boundaries.

use super::*;
use crate::plan::StagePlan;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
/// 2026-11-26T00:00:00Z
const T0: i64 = 1_795_651_200_000;

/// The seed policy's canary: 5% 30m min 2000, 25% 2h, 50% 4h, 100% 1h, no traffic 15m.
fn plan() -> CanaryPlan {
    let stage = |percent, duration_ms, min_requests| StagePlan {
        percent,
        duration_ms,
        min_requests,
    };
    CanaryPlan {
        stages: vec![
            stage(5.0, 30 * MIN, Some(2000)),
            stage(25.0, 2 * HOUR, None),
            stage(50.0, 4 * HOUR, None),
            stage(100.0, HOUR, None),
        ],
        guards: Vec::new(),
        no_traffic_ms: Some(15 * MIN),
    }
}

fn running(stage: usize) -> CanaryState {
    CanaryState {
        phase: Phase::Running,
        stage,
        stage_started_ms: T0,
        percent: 5,
        version: "4".into(),
        stable_version: Some("3".into()),
        policy_sha256: "sha".into(),
        reason: None,
        history: Vec::new(),
    }
}

fn guard(status: Status) -> Guard {
    Guard {
        source: "p99(latency_ms) <= stable * 1.1".into(),
        line: 37,
        status,
        reason: Some("p99 = 40 is not <= 33".into()),
    }
}

/// A healthy observation `elapsed` into the stage: ready, plenty of traffic up to now.
fn healthy(elapsed: i64) -> Observation {
    Observation {
        now_ms: T0 + elapsed,
        readiness: Readiness::Ready,
        requests: 5000,
        last_request_ms: Some(T0 + elapsed),
        guards: vec![guard(Status::Pass), guard(Status::Pass)],
    }
}

/// Where every test's versions are served from.
const LOCATION: &str = "s3://models/risk/v4";

/// An InferenceService as the last patch of `state` left it.
fn as_patched(state: Option<&CanaryState>) -> Served<'static> {
    Served {
        location: Some(LOCATION),
        expected: state.map(|_| LOCATION),
        canary_percent: state
            .filter(|s| s.phase != Phase::Promoted)
            .map(|s| s.percent),
    }
}

fn run_with(
    plan: &CanaryPlan,
    challenger: Option<&str>,
    state: Option<&CanaryState>,
    obs: Option<&Observation>,
) -> Decision {
    run_served(plan, challenger, state, obs, as_patched(state))
}

fn run_served(
    plan: &CanaryPlan,
    challenger: Option<&str>,
    state: Option<&CanaryState>,
    obs: Option<&Observation>,
    served: Served<'_>,
) -> Decision {
    let inputs = Inputs {
        plan,
        policy_sha256: "sha",
        challenger,
        served,
    };
    decide(&inputs, state, obs)
}

fn step(state: &CanaryState, obs: &Observation) -> Decision {
    run_with(&plan(), Some("4"), Some(state), Some(obs))
}

fn is_hold(d: &Decision) -> bool {
    matches!(d, Decision::Hold { .. })
}

fn is_rollback(d: &Decision) -> bool {
    matches!(d, Decision::Rollback { resumed: false, .. })
}

fn reason(d: &Decision) -> &str {
    match d {
        Decision::Hold { reason }
        | Decision::Rollback { reason, .. }
        | Decision::Undecided { reason } => reason,
        _ => "",
    }
}

#[test]
fn a_new_challenger_starts_at_the_first_stage() {
    let start = Decision::Start {
        version: "4".into(),
        percent: 5,
    };
    assert_eq!(run_with(&plan(), Some("4"), None, None), start);
    for phase in [Phase::Promoted, Phase::RolledBack] {
        let last = CanaryState {
            phase,
            version: "3".into(),
            ..running(3)
        };
        assert_eq!(run_with(&plan(), Some("4"), Some(&last), None), start);
    }
}

#[test]
fn without_a_challenger_there_is_nothing_to_do() {
    assert!(is_hold(&run_with(&plan(), None, None, None)));
    let last = CanaryState {
        phase: Phase::Promoted,
        ..running(3)
    };
    let d = run_with(&plan(), None, Some(&last), None);
    assert!(
        is_hold(&d) && reason(&d).contains("ended promoted"),
        "{d:?}"
    );
}

#[test]
fn a_run_resumed_after_a_crash_finishes_what_the_patch_began() {
    // The promote patch was made, then the process died before the aliases moved.
    let promoted = CanaryState {
        phase: Phase::Promoted,
        ..running(3)
    };
    assert_eq!(
        run_with(&plan(), Some("4"), Some(&promoted), None),
        Decision::Promote { resumed: true }
    );
    // The rollback patch was made, then it died before @challenger was deleted.
    let rolled_back = CanaryState {
        phase: Phase::RolledBack,
        reason: Some("guard failed".into()),
        ..running(1)
    };
    assert_eq!(
        run_with(&plan(), Some("4"), Some(&rolled_back), None),
        Decision::Rollback {
            reason: "guard failed".into(),
            resumed: true
        }
    );
    // A crash before any patch leaves the state as it was: the same step decides again.
    assert_eq!(
        step(&running(0), &healthy(30 * MIN)),
        Decision::Advance {
            stage: 1,
            percent: 25
        }
    );
}

#[test]
fn a_conflict_re_read_sees_the_other_writer_and_does_not_repeat_its_step() {
    // Two steppers read stage 1; the other advanced first (409 for us). On the re-read the
    // stage has just begun, so the same observation time holds instead of advancing twice.
    let now = 30 * MIN;
    let advanced = CanaryState {
        stage: 1,
        stage_started_ms: T0 + now,
        ..running(0)
    };
    let obs = Observation {
        requests: 0,
        last_request_ms: None,
        guards: Vec::new(),
        ..healthy(now)
    };
    assert!(is_hold(&step(&advanced, &obs)));
    // ... or it rolled back: then the re-read resumes that rollback, it does not advance.
    let rolled_back = CanaryState {
        phase: Phase::RolledBack,
        reason: Some("manual".into()),
        ..running(0)
    };
    assert!(matches!(
        run_with(&plan(), Some("4"), Some(&rolled_back), None),
        Decision::Rollback { resumed: true, .. }
    ));
}

#[test]
fn a_state_that_does_not_match_the_policy_or_registry_is_undecided() {
    let other_policy = CanaryState {
        policy_sha256: "other".into(),
        ..running(0)
    };
    let obs = healthy(30 * MIN);
    for (state, challenger) in [
        (other_policy, Some("4")),
        (running(4), Some("4")),
        (running(0), Some("5")),
        (running(0), None),
    ] {
        let d = run_with(&plan(), challenger, Some(&state), Some(&obs));
        assert!(matches!(d, Decision::Undecided { .. }), "{d:?}");
    }
    let d = run_with(&plan(), Some("4"), Some(&running(0)), None);
    assert!(matches!(d, Decision::Undecided { .. }));
}

#[test]
fn an_inference_service_edited_by_hand_is_undecided() {
    let state = running(1);
    let obs = healthy(2 * HOUR);
    let edited = [
        // Another model in the predictor: the annotations describe a stage that no longer serves.
        Served {
            location: Some("s3://models/risk/v9"),
            ..as_patched(Some(&state))
        },
        // The share changed or removed: not the stage's share.
        Served {
            canary_percent: Some(50),
            ..as_patched(Some(&state))
        },
        Served {
            canary_percent: None,
            ..as_patched(Some(&state))
        },
    ];
    for served in edited {
        let d = run_served(&plan(), Some("4"), Some(&state), Some(&obs), served);
        assert!(
            matches!(&d, Decision::Undecided { reason } if reason.contains("edited")),
            "{served:?}: {d:?}"
        );
    }
    assert!(matches!(step(&state, &obs), Decision::Advance { .. }));
}

#[test]
fn a_promotion_undone_by_hand_is_not_resumed() {
    // The promote patch was made, the aliases were not; then an operator set the share to 0.
    let promoted = CanaryState {
        phase: Phase::Promoted,
        percent: 100,
        ..running(3)
    };
    let undone = Served {
        canary_percent: Some(0),
        ..as_patched(Some(&promoted))
    };
    let d = run_served(&plan(), Some("4"), Some(&promoted), None, undone);
    assert!(
        matches!(&d, Decision::Undecided { reason } if reason.contains("verdict rollback")),
        "{d:?}"
    );
    let reserved = Served {
        location: Some("s3://models/risk/v3"),
        ..as_patched(Some(&promoted))
    };
    let d = run_served(&plan(), Some("4"), Some(&promoted), None, reserved);
    assert!(matches!(d, Decision::Undecided { .. }), "{d:?}");
}

#[test]
fn stage_time_is_reached_exactly_at_the_stage_end() {
    for (stage, duration) in [(0, 30 * MIN), (1, 2 * HOUR), (2, 4 * HOUR)] {
        let state = running(stage);
        assert!(is_hold(&step(&state, &healthy(duration - 1))));
        assert_eq!(
            step(&state, &healthy(duration)),
            Decision::Advance {
                stage: stage + 1,
                percent: [25, 50, 100][stage]
            }
        );
    }
    assert!(is_hold(&step(&running(3), &healthy(HOUR - 1))));
    assert_eq!(
        step(&running(3), &healthy(HOUR)),
        Decision::Promote { resumed: false }
    );
}

#[test]
fn a_failing_guard_rolls_back_at_any_time() {
    for elapsed in [0, MIN, 30 * MIN, 10 * HOUR] {
        let obs = Observation {
            requests: 10,
            guards: vec![guard(Status::Pass), guard(Status::Fail)],
            ..healthy(elapsed)
        };
        let d = step(&running(1), &obs);
        assert!(is_rollback(&d), "{d:?}");
        assert!(reason(&d).contains("p99(latency_ms) <= stable * 1.1"));
        assert!(reason(&d).contains("line 37"));
    }
}

#[test]
fn a_predictor_that_failed_rolls_back_and_one_still_rolling_out_holds_until_the_limit() {
    let failed = Observation {
        readiness: Readiness::NotReady("PredictorReady is False (RevisionFailed)".into()),
        ..healthy(HOUR)
    };
    assert!(is_rollback(&step(&running(1), &failed)));
    let pending = |elapsed| Observation {
        readiness: Readiness::Pending("not reconciled".into()),
        requests: 0,
        last_request_ms: None,
        guards: Vec::new(),
        ..healthy(elapsed)
    };
    assert!(is_hold(&step(&running(0), &pending(15 * MIN - 1))));
    assert!(is_rollback(&step(&running(0), &pending(15 * MIN))));
    let mut patient = plan();
    patient.no_traffic_ms = None;
    let d = run_with(&patient, Some("4"), Some(&running(0)), Some(&pending(HOUR)));
    assert!(is_hold(&d));
}

#[test]
fn no_traffic_for_the_limit_rolls_back() {
    let quiet = |elapsed: i64, last: Option<i64>| Observation {
        requests: if last.is_some() { 3000 } else { 0 },
        last_request_ms: last,
        ..healthy(elapsed)
    };
    assert!(is_hold(&step(&running(0), &quiet(15 * MIN - 1, None))));
    let d = step(&running(0), &quiet(15 * MIN, None));
    assert!(is_rollback(&d) && reason(&d).contains("no canary traffic for 15m"));
    // Traffic that stopped: quiet since the last request, not since the stage start.
    let last = Some(T0 + 20 * MIN);
    assert!(is_hold(&step(&running(1), &quiet(35 * MIN - 1, last))));
    assert!(is_rollback(&step(&running(1), &quiet(35 * MIN, last))));
}

#[test]
fn too_few_requests_hold_until_stage_time_plus_the_limit() {
    let thin = |elapsed| Observation {
        requests: 1999,
        ..healthy(elapsed)
    };
    for elapsed in [MIN, 30 * MIN, 45 * MIN - 1] {
        let d = step(&running(0), &thin(elapsed));
        assert!(is_hold(&d) && reason(&d).contains("1999 of 2000"), "{d:?}");
    }
    let d = step(&running(0), &thin(45 * MIN));
    assert!(
        is_rollback(&d) && reason(&d).contains("1999 of 2000"),
        "{d:?}"
    );
    // Exactly the minimum is enough.
    let enough = Observation {
        requests: 2000,
        ..healthy(30 * MIN)
    };
    assert!(matches!(
        step(&running(0), &enough),
        Decision::Advance { .. }
    ));
}

#[test]
fn a_canary_without_traffic_never_passes_by_default() {
    // No `min N requests` and no no-traffic rule: zero requests wait forever, never advance.
    let mut plan = plan();
    plan.no_traffic_ms = None;
    let empty = Observation {
        requests: 0,
        last_request_ms: None,
        guards: Vec::new(),
        ..healthy(100 * HOUR)
    };
    for stage in 1..4 {
        let d = run_with(&plan, Some("4"), Some(&running(stage)), Some(&empty));
        assert!(is_hold(&d) && reason(&d).contains("0 of 1"), "{d:?}");
    }
}

#[test]
fn an_erroring_guard_rolls_back_only_on_enough_traffic() {
    let erroring = |requests| Observation {
        requests,
        guards: vec![guard(Status::Error)],
        ..healthy(10 * MIN)
    };
    assert!(is_hold(&step(&running(0), &erroring(100))));
    let d = step(&running(0), &erroring(2000));
    assert!(is_rollback(&d) && reason(&d).contains("could not be computed"));
}

#[test]
fn clock_skew_holds_and_a_stage_from_the_future_is_undecided() {
    let skewed = Observation {
        requests: 0,
        last_request_ms: None,
        guards: Vec::new(),
        ..healthy(-5 * MIN)
    };
    let d = step(&running(1), &skewed);
    assert!(is_hold(&d) && reason(&d).contains("clock skew"), "{d:?}");
    // Further ahead than clocks drift: the stage was stamped by a clock or `--now` running
    // ahead, and holding would leave the share unguarded until real time caught up.
    let ahead = Observation {
        now_ms: T0 - CLOCK_SKEW_MS - 1,
        ..skewed
    };
    let d = step(&running(1), &ahead);
    assert!(
        matches!(&d, Decision::Undecided { reason } if reason.contains("ran ahead")),
        "{d:?}"
    );
    // A step whose clock runs behind the one that wrote the stage start must not read a huge
    // elapsed time either: one minute in is still one minute.
    assert!(is_hold(&step(&running(1), &healthy(MIN))));
}

#[test]
fn stage_percents_must_be_whole() {
    let mut plan = plan();
    plan.stages[1].percent = 12.5;
    let d = run_with(
        &plan,
        Some("4"),
        Some(&running(0)),
        Some(&healthy(30 * MIN)),
    );
    assert!(matches!(d, Decision::Undecided { .. }), "{d:?}");
    plan.stages[0].percent = 0.5;
    let d = run_with(&plan, Some("4"), None, None);
    assert!(matches!(d, Decision::Undecided { .. }), "{d:?}");
    assert_eq!(whole_percent(100.0), Some(100));
    assert_eq!(whole_percent(100.5), None);
}

#[test]
fn durations_read_like_the_policy() {
    assert_eq!(duration(15 * MIN), "15m");
    assert_eq!(duration(HOUR + 30 * MIN + 5_000), "1h30m5s");
    assert_eq!(duration(250), "250ms");
}
