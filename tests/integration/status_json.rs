//! `status --format json` on the shipped sample ledgers, field by field against SPEC §3 and §7.
//!
//! Every expected figure below was worked out by hand from the sample data story
//! (data/make_samples.py): cumulative spend per day, target = budget × share, rates rounded to
//! four decimals, statuses by the table of SPEC §3 with warn_days 15.

use serde_json::Value;

use crate::util::{IP, IP_CODE, IP_NAME, NG, NG_CODE, NG_NAME, Workdir, repo};

const NG_CSV: &str = "data/ledger/网络综合治理-明细账.csv";
const IP_XLSX: &str = "data/ledger/招商引资专项业务费-支出明细.xlsx";

/// A workdir with the shipped config.yaml and the sample ledgers at their relative paths.
fn sample() -> Workdir {
    let wd = Workdir::empty();
    wd.copy_in(&repo().join("config.yaml"), "config.yaml");
    wd.copy_in(&repo().join(NG_CSV), NG_CSV);
    wd.copy_in(&repo().join(IP_XLSX), IP_XLSX);
    wd
}

/// date, share, target, spent, status, shortfall.
type M = (
    &'static str,
    f64,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

struct Expected {
    id: &'static str,
    spent: &'static str,
    rate: f64,
    plan_rate: f64,
    time_rate: f64,
    state: &'static str,
    milestones: [M; 4],
}

fn close(actual: &Value, expected: f64, what: &str) {
    let a = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what} is not a number: {actual}"));
    assert!(
        (a - expected).abs() < 1e-9,
        "{what}: {a} instead of {expected}"
    );
}

pub(crate) fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

/// The keys of a fund before issue 13 (SPEC section 7 and issue 11's `duplicates`): scripts
/// read them, so they stay, with the same names.
pub(crate) const OLD_FUND_KEYS: [&str; 12] = [
    "budget",
    "code",
    "duplicates",
    "id",
    "milestones",
    "name",
    "plan_rate",
    "rate",
    "spent",
    "state",
    "time_rate",
    "year",
];

/// The keys issue 13 added to a fund (README, "`status`").
pub(crate) const NEW_FUND_KEYS: [&str; 7] = [
    "catch_up",
    "explanations",
    "forecast",
    "forecast_status",
    "insufficient_reason",
    "level",
    "level_rule",
];

/// A fund has every old key, and besides them exactly the new ones.
pub(crate) fn assert_fund_keys(f: &Value, at: &str) {
    let keys = keys(f);
    for old in OLD_FUND_KEYS {
        assert!(keys.contains(&old), "{at}: {old} is gone: {keys:?}");
    }
    let mut all: Vec<&str> = OLD_FUND_KEYS
        .iter()
        .chain(&NEW_FUND_KEYS)
        .copied()
        .collect();
    all.sort_unstable();
    assert_eq!(keys, all, "{at}");
}

fn check(doc: &Value, as_of: &str, expected: &[Expected; 2]) {
    assert_eq!(keys(doc), ["as_of", "funds"], "{doc:#}");
    assert_eq!(doc["as_of"], as_of);
    let funds = doc["funds"].as_array().expect("funds is an array");
    assert_eq!(funds.len(), 2, "{doc:#}");
    for (f, e) in funds.iter().zip(expected) {
        let at = format!("{as_of} {}", e.id);
        assert_fund_keys(f, &at);
        assert_eq!(f["id"], e.id, "{at}");
        assert_eq!(f["duplicates"], serde_json::json!([]), "{at}");
        let (code, name, budget) = if e.id == NG {
            (NG_CODE, NG_NAME, "150000.00")
        } else {
            (IP_CODE, IP_NAME, "100000.00")
        };
        assert_eq!(f["code"], code, "{at}");
        assert_eq!(f["name"], name, "{at}");
        assert_eq!(f["year"], 2025, "{at}");
        assert_eq!(f["budget"], budget, "{at}");
        assert_eq!(f["spent"], e.spent, "{at} spent");
        close(&f["rate"], e.rate, &format!("{at} rate"));
        close(&f["plan_rate"], e.plan_rate, &format!("{at} plan_rate"));
        close(&f["time_rate"], e.time_rate, &format!("{at} time_rate"));
        assert_eq!(f["state"], e.state, "{at} state");
        let ms = f["milestones"].as_array().expect("milestones is an array");
        assert_eq!(ms.len(), 4, "{at}");
        for (m, (date, share, target, spent, status, shortfall)) in ms.iter().zip(&e.milestones) {
            let at = format!("{at} milestone {date}");
            assert_eq!(
                keys(m),
                ["date", "share", "shortfall", "spent", "status", "target"],
                "{at}"
            );
            assert_eq!(m["date"], *date, "{at}");
            close(&m["share"], *share, &format!("{at} share"));
            assert_eq!(m["target"], *target, "{at} target");
            assert_eq!(m["spent"], *spent, "{at} spent");
            assert_eq!(m["status"], *status, "{at} status");
            assert_eq!(m["shortfall"], *shortfall, "{at} shortfall");
        }
    }
}

#[test]
fn status_json_2025_07_15_and_import_reported_once() {
    let wd = sample();
    // The database, as the service's first start makes it (`status` never creates one).
    wd.run(&["check", "--dry-run"]).ok();
    let first = wd.run(&["status", "--as-of", "2025-07-15", "--format", "json"]);
    first.ok();
    // The first run imports both sources and says so; the second finds them unchanged.
    first
        .stderr_has("网络综合治理-明细账.csv")
        .stderr_has("招商引资专项业务费-支出明细.xlsx");
    first
        .stderr_has("读入分录 38 条")
        .stderr_has("读入分录 25 条");
    let expected = [
        Expected {
            id: NG,
            spent: "65998.50",
            rate: 0.44,
            plan_rate: 0.5305,
            time_rate: 0.5370,
            state: "behind",
            milestones: [
                ("2025-03-31", 0.25, "37500.00", "38952.90", "met", "0.00"),
                (
                    "2025-06-30",
                    0.50,
                    "75000.00",
                    "62398.50",
                    "missed",
                    "12601.50",
                ),
                (
                    "2025-10-31",
                    0.75,
                    "112500.00",
                    "65998.50",
                    "upcoming",
                    "46501.50",
                ),
                (
                    "2025-12-31",
                    1.00,
                    "150000.00",
                    "65998.50",
                    "upcoming",
                    "84001.50",
                ),
            ],
        },
        Expected {
            id: IP,
            spent: "53865.90",
            rate: 0.5387,
            plan_rate: 0.5305,
            time_rate: 0.5370,
            state: "on_track",
            milestones: [
                ("2025-03-31", 0.25, "25000.00", "26014.90", "met", "0.00"),
                ("2025-06-30", 0.50, "50000.00", "53123.90", "met", "0.00"),
                (
                    "2025-10-31",
                    0.75,
                    "75000.00",
                    "53865.90",
                    "upcoming",
                    "21134.10",
                ),
                (
                    "2025-12-31",
                    1.00,
                    "100000.00",
                    "53865.90",
                    "upcoming",
                    "46134.10",
                ),
            ],
        },
    ];
    check(&first.json(), "2025-07-15", &expected);

    let second = wd.run(&["status", "--as-of", "2025-07-15", "--format", "json"]);
    second.ok();
    assert!(
        !second.stderr.contains("明细账.csv") && !second.stderr.contains("支出明细.xlsx"),
        "an unchanged source was reported again:\n{}",
        second.stderr
    );
    check(&second.json(), "2025-07-15", &expected);
}

#[test]
fn status_json_2025_06_20_june_at_risk() {
    // 10 days before 06-30: within warn_days (15). NG spent(06-20) = 62,398.50 − 2,815.60
    // (06-25) − 1,280.00 (06-30) = 58,302.90; IP = 53,123.90 − 3,518.20 (06-24) = 49,605.70.
    // plan_rate = 25% + 25% × 81/91 = 0.4725; time_rate = 171/365 = 0.4685.
    let doc = sample().status_json("2025-06-20");
    check(
        &doc,
        "2025-06-20",
        &[
            Expected {
                id: NG,
                spent: "58302.90",
                rate: 0.3887,
                plan_rate: 0.4725,
                time_rate: 0.4685,
                state: "at_risk",
                milestones: [
                    ("2025-03-31", 0.25, "37500.00", "38952.90", "met", "0.00"),
                    (
                        "2025-06-30",
                        0.50,
                        "75000.00",
                        "58302.90",
                        "at_risk",
                        "16697.10",
                    ),
                    (
                        "2025-10-31",
                        0.75,
                        "112500.00",
                        "58302.90",
                        "upcoming",
                        "54197.10",
                    ),
                    (
                        "2025-12-31",
                        1.00,
                        "150000.00",
                        "58302.90",
                        "upcoming",
                        "91697.10",
                    ),
                ],
            },
            Expected {
                id: IP,
                spent: "49605.70",
                rate: 0.4961,
                plan_rate: 0.4725,
                time_rate: 0.4685,
                state: "at_risk",
                milestones: [
                    ("2025-03-31", 0.25, "25000.00", "26014.90", "met", "0.00"),
                    (
                        "2025-06-30",
                        0.50,
                        "50000.00",
                        "49605.70",
                        "at_risk",
                        "394.30",
                    ),
                    (
                        "2025-10-31",
                        0.75,
                        "75000.00",
                        "49605.70",
                        "upcoming",
                        "25394.30",
                    ),
                    (
                        "2025-12-31",
                        1.00,
                        "100000.00",
                        "49605.70",
                        "upcoming",
                        "50394.30",
                    ),
                ],
            },
        ],
    );
}

#[test]
fn status_json_2025_07_01_june_missed() {
    // The first day after 06-30. plan_rate = 50% + 25% × 1/123 = 0.5020; time_rate = 182/365.
    let doc = sample().status_json("2025-07-01");
    check(
        &doc,
        "2025-07-01",
        &[
            Expected {
                id: NG,
                spent: "62398.50",
                rate: 0.4160,
                plan_rate: 0.5020,
                time_rate: 0.4986,
                state: "behind",
                milestones: [
                    ("2025-03-31", 0.25, "37500.00", "38952.90", "met", "0.00"),
                    (
                        "2025-06-30",
                        0.50,
                        "75000.00",
                        "62398.50",
                        "missed",
                        "12601.50",
                    ),
                    (
                        "2025-10-31",
                        0.75,
                        "112500.00",
                        "62398.50",
                        "upcoming",
                        "50101.50",
                    ),
                    (
                        "2025-12-31",
                        1.00,
                        "150000.00",
                        "62398.50",
                        "upcoming",
                        "87601.50",
                    ),
                ],
            },
            Expected {
                id: IP,
                spent: "53123.90",
                rate: 0.5312,
                plan_rate: 0.5020,
                time_rate: 0.4986,
                state: "on_track",
                milestones: [
                    ("2025-03-31", 0.25, "25000.00", "26014.90", "met", "0.00"),
                    ("2025-06-30", 0.50, "50000.00", "53123.90", "met", "0.00"),
                    (
                        "2025-10-31",
                        0.75,
                        "75000.00",
                        "53123.90",
                        "upcoming",
                        "21876.10",
                    ),
                    (
                        "2025-12-31",
                        1.00,
                        "100000.00",
                        "53123.90",
                        "upcoming",
                        "46876.10",
                    ),
                ],
            },
        ],
    );
}

#[test]
fn status_json_2025_10_31_milestone_day_counts() {
    // On the milestone's own day: NG met it (spend dated 10-31 counts), IP is at_risk (0 days
    // left, not yet missed). NG's latest passed milestone is 06-30 and it has caught up since.
    // plan_rate = 75% exactly; time_rate = 304/365 = 0.8329.
    let doc = sample().status_json("2025-10-31");
    check(
        &doc,
        "2025-10-31",
        &[
            Expected {
                id: NG,
                spent: "114843.70",
                rate: 0.7656,
                plan_rate: 0.75,
                time_rate: 0.8329,
                state: "on_track",
                milestones: [
                    ("2025-03-31", 0.25, "37500.00", "38952.90", "met", "0.00"),
                    (
                        "2025-06-30",
                        0.50,
                        "75000.00",
                        "62398.50",
                        "missed",
                        "12601.50",
                    ),
                    ("2025-10-31", 0.75, "112500.00", "114843.70", "met", "0.00"),
                    (
                        "2025-12-31",
                        1.00,
                        "150000.00",
                        "114843.70",
                        "upcoming",
                        "35156.30",
                    ),
                ],
            },
            Expected {
                id: IP,
                spent: "71415.50",
                rate: 0.7142,
                plan_rate: 0.75,
                time_rate: 0.8329,
                state: "at_risk",
                milestones: [
                    ("2025-03-31", 0.25, "25000.00", "26014.90", "met", "0.00"),
                    ("2025-06-30", 0.50, "50000.00", "53123.90", "met", "0.00"),
                    (
                        "2025-10-31",
                        0.75,
                        "75000.00",
                        "71415.50",
                        "at_risk",
                        "3584.50",
                    ),
                    (
                        "2025-12-31",
                        1.00,
                        "100000.00",
                        "71415.50",
                        "upcoming",
                        "28584.50",
                    ),
                ],
            },
        ],
    );
}

#[test]
fn status_json_2025_11_01_october_missed() {
    // plan_rate = 75% + 25% × 1/61 = 0.7541; time_rate = 305/365 = 0.8356.
    let doc = sample().status_json("2025-11-01");
    check(
        &doc,
        "2025-11-01",
        &[
            Expected {
                id: NG,
                spent: "114843.70",
                rate: 0.7656,
                plan_rate: 0.7541,
                time_rate: 0.8356,
                state: "on_track",
                milestones: [
                    ("2025-03-31", 0.25, "37500.00", "38952.90", "met", "0.00"),
                    (
                        "2025-06-30",
                        0.50,
                        "75000.00",
                        "62398.50",
                        "missed",
                        "12601.50",
                    ),
                    ("2025-10-31", 0.75, "112500.00", "114843.70", "met", "0.00"),
                    (
                        "2025-12-31",
                        1.00,
                        "150000.00",
                        "114843.70",
                        "upcoming",
                        "35156.30",
                    ),
                ],
            },
            Expected {
                id: IP,
                spent: "71415.50",
                rate: 0.7142,
                plan_rate: 0.7541,
                time_rate: 0.8356,
                state: "behind",
                milestones: [
                    ("2025-03-31", 0.25, "25000.00", "26014.90", "met", "0.00"),
                    ("2025-06-30", 0.50, "50000.00", "53123.90", "met", "0.00"),
                    (
                        "2025-10-31",
                        0.75,
                        "75000.00",
                        "71415.50",
                        "missed",
                        "3584.50",
                    ),
                    (
                        "2025-12-31",
                        1.00,
                        "100000.00",
                        "71415.50",
                        "upcoming",
                        "28584.50",
                    ),
                ],
            },
        ],
    );
}

#[test]
fn status_json_2026_01_05_year_end() {
    // After the year: plan and 序时 are 100%. NG narrowly missed December (148,607.00 <
    // 150,000.00); IP met it exactly (100,000.00 ≥ 100,000.00, the boundary).
    let doc = sample().status_json("2026-01-05");
    check(
        &doc,
        "2026-01-05",
        &[
            Expected {
                id: NG,
                spent: "148607.00",
                rate: 0.9907,
                plan_rate: 1.0,
                time_rate: 1.0,
                state: "behind",
                milestones: [
                    ("2025-03-31", 0.25, "37500.00", "38952.90", "met", "0.00"),
                    (
                        "2025-06-30",
                        0.50,
                        "75000.00",
                        "62398.50",
                        "missed",
                        "12601.50",
                    ),
                    ("2025-10-31", 0.75, "112500.00", "114843.70", "met", "0.00"),
                    (
                        "2025-12-31",
                        1.00,
                        "150000.00",
                        "148607.00",
                        "missed",
                        "1393.00",
                    ),
                ],
            },
            Expected {
                id: IP,
                spent: "100000.00",
                rate: 1.0,
                plan_rate: 1.0,
                time_rate: 1.0,
                state: "on_track",
                milestones: [
                    ("2025-03-31", 0.25, "25000.00", "26014.90", "met", "0.00"),
                    ("2025-06-30", 0.50, "50000.00", "53123.90", "met", "0.00"),
                    (
                        "2025-10-31",
                        0.75,
                        "75000.00",
                        "71415.50",
                        "missed",
                        "3584.50",
                    ),
                    ("2025-12-31", 1.00, "100000.00", "100000.00", "met", "0.00"),
                ],
            },
        ],
    );
}

#[test]
fn status_json_before_the_year_is_all_zero() {
    // 2024-12-31: nothing can be spent yet; plan and 序时 are 0; every milestone upcoming.
    let doc = sample().status_json("2024-12-31");
    for (id, budget) in [(NG, "150000.00"), (IP, "100000.00")] {
        let f = crate::util::fund_of(&doc, id);
        assert_eq!(f["budget"], budget);
        assert_eq!(f["spent"], "0.00", "{id}");
        close(&f["rate"], 0.0, "rate");
        close(&f["plan_rate"], 0.0, "plan_rate");
        close(&f["time_rate"], 0.0, "time_rate");
        assert_eq!(f["state"], "on_track", "{id}");
        for m in f["milestones"].as_array().expect("milestones") {
            assert_eq!(m["status"], "upcoming", "{id} {m}");
            assert_eq!(m["spent"], "0.00", "{id} {m}");
            assert_eq!(m["shortfall"], m["target"], "{id} {m}");
        }
    }
}

#[test]
fn status_rejects_a_malformed_as_of_day() {
    let wd = sample();
    for bad in ["15/07/2025", "2025-02-30", "07-15", "yesterday"] {
        let out = wd.run(&["status", "--as-of", bad, "--format", "json"]);
        out.expect_code(2).stderr_has(bad);
        assert!(out.stdout.is_empty(), "{}", out.stdout);
    }
}

#[test]
fn as_of_takes_the_date_forms_of_the_ledger() {
    let wd = sample();
    let iso = wd.status_json("2025-07-15");
    for form in ["2025/7/15", "2025.07.15", "20250715", "2025年7月15日"] {
        let doc = wd
            .run(&["status", "--as-of", form, "--format", "json"])
            .ok()
            .json();
        assert_eq!(doc, iso, "--as-of {form}");
    }
}

#[test]
fn warn_days_boundary() {
    // 06-15 is 15 days before 06-30: at_risk; 06-14 (16 days) is upcoming.
    let wd = sample();
    let on = wd.status_json("2025-06-15");
    let ng = crate::util::fund_of(&on, NG);
    assert_eq!(ng["milestones"][1]["status"], "at_risk");
    assert_eq!(ng["state"], "at_risk");
    let before = wd.status_json("2025-06-14");
    let ng = crate::util::fund_of(&before, NG);
    assert_eq!(ng["milestones"][1]["status"], "upcoming");
    assert_eq!(ng["state"], "on_track");
}

#[test]
fn configured_warn_days_and_own_milestones_and_half_up_targets() {
    // A fund of 1,234.50 with its own plan: 25% → 308.625 → 308.63 (half-up to the 分),
    // 33.33% → 411.45885 → 411.46, 100% → 1,234.50. warn_days 30.
    let wd = Workdir::empty();
    let yaml = crate::util::config_yaml(&[])
        .replacen("funds:\n", "alerts: {warn_days: 30}\nfunds:\n", 1)
        .replacen(
            "budget: 10.00万元\n",
            "budget: \"1,234.50元\"\n    milestones:\n      - {by: \"03-31\", share: 25%}\n      \
             - {by: \"06-30\", share: 33.33%}\n      - {by: \"12-31\", share: 100%}\n",
            1,
        );
    wd.write_str("config.yaml", &yaml);
    let doc = wd.status_json("2025-03-01");
    let ip = crate::util::fund_of(&doc, IP);
    assert_eq!(ip["budget"], "1234.50");
    let ms = ip["milestones"].as_array().expect("milestones");
    let targets: Vec<&str> = ms
        .iter()
        .map(|m| m["target"].as_str().expect("target"))
        .collect();
    assert_eq!(targets, ["308.63", "411.46", "1234.50"]);
    close(&ms[1]["share"], 0.3333, "share");
    // 03-31 is 30 days after 03-01: at_risk with warn_days 30.
    assert_eq!(ms[0]["status"], "at_risk");
    // No source has an entry of this fund: that is said, not shown as a fund at risk with
    // nothing spent.
    assert_eq!(ip["state"], "no_data");
    // plan_rate on 03-01 = 25% × 60/90 = 0.1667.
    close(&ip["plan_rate"], 0.1667, "plan_rate");
    // The other fund keeps the default plan: 03-31 is 30 days away too.
    assert_eq!(
        crate::util::fund_of(&doc, NG)["milestones"][0]["status"],
        "at_risk"
    );
}
