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

/// The keys issues 13 and 14 added to a fund (README, "`status`").
pub(crate) const NEW_FUND_KEYS: [&str; 9] = [
    "catch_up",
    "explanations",
    "forecast",
    "forecast_status",
    "indicators",
    "insufficient_reason",
    "level",
    "level_rule",
    "light",
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
    assert_eq!(keys(doc), ["as_of", "department", "funds"], "{doc:#}");
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

// Issue 13: the level, the forecast, the catch-up schedule and the explanations in force.

/// A money string of the JSON (`"123.45"`, two decimals, no grouping) in 分.
fn fen(v: &Value) -> i64 {
    let text = v
        .as_str()
        .unwrap_or_else(|| panic!("money is not a string: {v}"));
    let (whole, cents) = text
        .split_once('.')
        .unwrap_or_else(|| panic!("money without decimals: {text:?}"));
    assert_eq!(
        cents.len(),
        2,
        "money with other than two decimals: {text:?}"
    );
    assert!(
        !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && cents.bytes().all(|b| b.is_ascii_digit()),
        "not plain money: {text:?}"
    );
    whole.parse::<i64>().expect("whole yuan") * 100 + cents.parse::<i64>().expect("fen")
}

fn day(v: &Value) -> chrono::NaiveDate {
    let text = v
        .as_str()
        .unwrap_or_else(|| panic!("a day is a string: {v}"));
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .unwrap_or_else(|e| panic!("{text:?} is not YYYY-MM-DD: {e}"))
}

fn array(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not an array: {v}"))
}

/// A `{low, central, high}` of money, as 分, checked ordered.
fn money_band(v: &Value, at: &str) -> [i64; 3] {
    assert_eq!(keys(v), ["central", "high", "low"], "{at}");
    let band = [fen(&v["low"]), fen(&v["central"]), fen(&v["high"])];
    assert!(band[0] <= band[1] && band[1] <= band[2], "{at}: {band:?}");
    band
}

/// Rounded to four decimals as the other rates are.
fn rate_of(fen: i64, budget: i64) -> f64 {
    ((fen as f64 / budget as f64) * 10_000.0).round() / 10_000.0
}

/// Every new key of every fund of `doc` present and of its type, and consistent with the old
/// keys and with itself: the level and its rule, the forecast's bands ordered and its rates
/// and 预计结余 following from its spend, the schedule's steps those of the milestones.
fn check_new_keys(doc: &Value) {
    let as_of = day(&doc["as_of"]);
    for f in array(&doc["funds"]) {
        let at = format!("{as_of} {}", f["id"]);
        assert_fund_keys(f, &at);
        let budget = fen(&f["budget"]);
        let spent = fen(&f["spent"]);

        // The level and its rule: both null, or the rule gives the level.
        match (&f["level"], &f["level_rule"]) {
            (Value::Null, Value::Null) => {}
            (Value::String(level), rule) => {
                assert!(
                    ["yellow", "orange", "red"].contains(&level.as_str()),
                    "{at}"
                );
                assert_eq!(keys(rule), ["basis", "level", "standard"], "{at}");
                assert_eq!(rule["level"], *level, "{at}");
                assert!(
                    rule["basis"].as_str().is_some_and(|b| !b.is_empty()),
                    "{at}"
                );
            }
            other => panic!("{at}: level and level_rule disagree: {other:?}"),
        }

        // The forecast.
        let status = f["forecast_status"].as_str().expect("forecast_status");
        let forecast = &f["forecast"];
        match status {
            "insufficient" => {
                assert!(forecast.is_null(), "{at}");
                assert!(
                    ["too_early", "no_spending", "few_spending_days"]
                        .contains(&f["insufficient_reason"].as_str().unwrap_or("")),
                    "{at}: {}",
                    f["insufficient_reason"]
                );
            }
            "projected" | "closed" => {
                assert!(f["insufficient_reason"].is_null(), "{at}");
                assert_eq!(
                    keys(forecast),
                    [
                        "execution_rate",
                        "pace",
                        "points",
                        "unspent",
                        "window",
                        "year_end_spent"
                    ],
                    "{at}"
                );
                let spend = money_band(&forecast["year_end_spent"], &at);
                let unspent = money_band(&forecast["unspent"], &at);
                // 预计结余 = max(0, budget − spend); its low goes with the high spend.
                assert_eq!(
                    unspent,
                    [spend[2], spend[1], spend[0]].map(|s| (budget - s).max(0)),
                    "{at}"
                );
                let rates = &forecast["execution_rate"];
                assert_eq!(keys(rates), ["central", "high", "low"], "{at}");
                for (key, s) in ["low", "central", "high"].into_iter().zip(spend) {
                    close(&rates[key], rate_of(s, budget), &format!("{at} rate {key}"));
                }
                let points = array(&forecast["points"]);
                if status == "closed" {
                    // The actual end: the three equal, what is spent; no projection.
                    assert_eq!(spend, [spent; 3], "{at}");
                    assert!(points.is_empty(), "{at}");
                    assert!(forecast["pace"].is_null() && forecast["window"].is_null());
                } else {
                    assert!(
                        spend[0] >= spent,
                        "{at}: the range starts below what is spent"
                    );
                    assert!(
                        forecast["pace"].is_f64() || forecast["pace"].is_null(),
                        "{at}"
                    );
                    let window = &forecast["window"];
                    assert_eq!(keys(window), ["days", "from", "spend", "to"], "{at}");
                    assert_eq!(day(&window["to"]), as_of, "{at}");
                    assert_eq!(
                        window["days"].as_i64(),
                        Some((as_of - day(&window["from"])).num_days() + 1),
                        "{at}"
                    );
                    assert!(fen(&window["spend"]) >= 0, "{at}");
                    // Points after the as-of day, in order, ending with 12-31 = the year end;
                    // `milestone` true exactly on the milestones' days.
                    let milestone_days: Vec<chrono::NaiveDate> = array(&f["milestones"])
                        .iter()
                        .map(|m| day(&m["date"]))
                        .collect();
                    let mut before = as_of;
                    for p in points {
                        assert_eq!(
                            keys(p),
                            ["central", "date", "high", "low", "milestone"],
                            "{at}"
                        );
                        let date = day(&p["date"]);
                        assert!(date > before, "{at}: points out of order");
                        before = date;
                        assert_eq!(
                            p["milestone"].as_bool(),
                            Some(milestone_days.contains(&date)),
                            "{at} {date}"
                        );
                        let band = [fen(&p["low"]), fen(&p["central"]), fen(&p["high"])];
                        assert!(band[0] <= band[1] && band[1] <= band[2], "{at} {date}");
                        assert!(band[0] >= spent, "{at} {date}");
                    }
                    let last = points.last().expect("the 12-31 point");
                    assert_eq!(last["date"], format!("{}-12-31", f["year"]), "{at}");
                    assert_eq!(
                        [fen(&last["low"]), fen(&last["central"]), fen(&last["high"])],
                        spend,
                        "{at}"
                    );
                }
            }
            other => panic!("{at}: forecast_status {other:?}"),
        }

        // The catch-up schedule: a step for each milestone due on or after the as-of day and
        // not met, still_to_spend = its shortfall now; what a passed milestone still lacks.
        let catch_up = &f["catch_up"];
        assert_eq!(keys(catch_up), ["overdue", "steps"], "{at}");
        let milestones = array(&f["milestones"]);
        let due: Vec<&Value> = milestones
            .iter()
            .filter(|m| day(&m["date"]) >= as_of && m["status"] != "met")
            .collect();
        let steps = array(&catch_up["steps"]);
        assert_eq!(steps.len(), due.len(), "{at}");
        for (step, m) in steps.iter().zip(due) {
            assert_eq!(
                keys(step),
                [
                    "date",
                    "days_left",
                    "increment",
                    "months",
                    "still_to_spend",
                    "target",
                    "weeks"
                ],
                "{at}"
            );
            assert_eq!(step["date"], m["date"], "{at}");
            assert_eq!(step["target"], m["target"], "{at}");
            assert_eq!(step["still_to_spend"], m["shortfall"], "{at}");
            assert_eq!(
                step["days_left"].as_i64(),
                Some((day(&m["date"]) - as_of).num_days()),
                "{at}"
            );
        }
        let overdue = milestones
            .iter()
            .rev()
            .find(|m| day(&m["date"]) < as_of)
            .map_or(0, |m| (fen(&m["target"]) - spent).max(0));
        assert_eq!(fen(&catch_up["overdue"]), overdue, "{at}");

        // The explanations in force.
        for e in array(&f["explanations"]) {
            assert_eq!(
                keys(e),
                ["day", "id", "milestone", "reason", "text", "until", "user"],
                "{at}"
            );
            assert!(day(&e["day"]) <= as_of, "{at}");
            assert!(e["until"].is_null() || day(&e["until"]) >= as_of, "{at}");
        }
    }
}

#[test]
fn new_keys_on_the_sample_days() {
    let wd = sample();
    for as_of in [
        "2024-12-31",
        "2025-02-15",
        "2025-03-31",
        "2025-06-20",
        "2025-07-15",
        "2025-10-20",
        "2025-10-31",
        "2025-12-31",
        "2026-01-05",
    ] {
        check_new_keys(&wd.status_json(as_of));
    }
}

#[test]
fn levels_and_forecasts_of_the_sample_on_2025_07_15() {
    let doc = sample().status_json("2025-07-15");
    let ng = crate::util::fund_of(&doc, NG);
    // June missed and not caught up: 红 by the milestone floor.
    assert_eq!(ng["level"], "red");
    assert_eq!(ng["level_rule"]["level"], "red");
    assert_eq!(ng["forecast_status"], "projected");
    // Ahead of plan, no milestone at risk: no level.
    let ip = crate::util::fund_of(&doc, IP);
    assert!(
        ip["level"].is_null() && ip["level_rule"].is_null(),
        "{ip:#}"
    );
    // The run-rate window of 90 days ends on the as-of day: its spend is spent(07-15) −
    // spent(04-16), read from status on that day.
    let window = &ng["forecast"]["window"];
    assert_eq!(window["from"], "2025-04-17");
    assert_eq!(window["days"], 90);
    let before = fen(&crate::util::fund_of(&sample().status_json("2025-04-16"), NG)["spent"]);
    assert_eq!(fen(&window["spend"]), 6_599_850 - before);
    // pace = spent ÷ the plan's amount: 65,998.50 ÷ 79,573.17 (README) = 0.8294.
    close(&ng["forecast"]["pace"], 0.8294, "pace");
    assert_eq!(ng["explanations"], serde_json::json!([]));
}

/// Each step's months and weeks add up to its increment, and the increments to its
/// still_to_spend, exactly to the 分; months and weeks cover the step's span without gap.
fn check_sums(doc: &Value) {
    let as_of = day(&doc["as_of"]);
    for f in array(&doc["funds"]) {
        let at = format!("{as_of} {}", f["id"]);
        let mut before = 0;
        let mut next_from = as_of.succ_opt().expect("a next day");
        let steps = array(&f["catch_up"]["steps"]);
        for (i, step) in steps.iter().enumerate() {
            let increment = fen(&step["increment"]);
            assert_eq!(before + increment, fen(&step["still_to_spend"]), "{at}");
            before = fen(&step["still_to_spend"]);
            let date = day(&step["date"]);
            if i == 0 && date == as_of {
                next_from = as_of;
            }
            let months = array(&step["months"]);
            let weeks = array(&step["weeks"]);
            for (parts, kind) in [(months, "months"), (weeks, "weeks")] {
                if parts.is_empty() {
                    continue;
                }
                let sum: i64 = parts.iter().map(|p| fen(&p["amount"])).sum();
                assert_eq!(sum, increment, "{at} {date} {kind}");
                let mut from = next_from;
                for p in parts {
                    assert_eq!(day(&p["from"]), from, "{at} {kind}: a gap");
                    let to = day(&p["to"]);
                    assert!(to >= from && to <= date, "{at} {kind}");
                    from = to.succ_opt().expect("a next day");
                }
                assert_eq!(
                    from.pred_opt(),
                    Some(date),
                    "{at} {kind} end before the step"
                );
            }
            for m in months {
                assert_eq!(keys(m), ["amount", "from", "month", "to"], "{at}");
                assert_eq!(
                    m["month"],
                    day(&m["from"]).format("%Y-%m").to_string(),
                    "{at}"
                );
            }
            for w in weeks {
                assert_eq!(keys(w), ["amount", "from", "to"], "{at}");
                assert!((day(&w["to"]) - day(&w["from"])).num_days() < 7, "{at}");
            }
            // Weeks only for the first step, and only when it is at most 31 days ahead.
            let days_left = step["days_left"].as_i64().expect("days_left");
            assert_eq!(
                !weeks.is_empty(),
                i == 0 && days_left <= 31,
                "{at} {date} weeks"
            );
            next_from = date.succ_opt().expect("a next day");
        }
    }
}

#[test]
fn catch_up_sums_are_exact_to_the_fen() {
    let wd = sample();
    for as_of in [
        "2024-12-31",
        "2025-01-01",
        "2025-03-31",
        "2025-06-20",
        "2025-06-30",
        "2025-07-15",
        "2025-10-20",
        "2025-10-31",
        "2025-12-15",
        "2025-12-31",
    ] {
        check_sums(&wd.status_json(as_of));
    }
}

#[test]
fn catch_up_of_the_sample_on_2025_07_15_by_hand() {
    // NG by 10-31: 112,500.00 − 65,998.50 = 46,501.50 over 07-16..10-31 (16, 31, 30, 31 of
    // 108 days), of which June's 9,001.50 is due at once (in July); the other 37,500.00 by
    // days: floors 5,555.55, 10,763.88, 10,416.66, 10,763.88 leave 3 分, one each for July,
    // August and September — July 9,001.50 + 5,555.56 = 14,557.06.
    // Then 37,500.00 over November (30) and December (31) of 61 days: 18,442.62 + 1 分 and
    // 19,057.37. June's target is still 75,000.00 − 65,998.50 = 9,001.50 short.
    let doc = sample().status_json("2025-07-15");
    let ng = crate::util::fund_of(&doc, NG);
    assert_eq!(ng["catch_up"]["overdue"], "9001.50");
    let steps = array(&ng["catch_up"]["steps"]);
    let amounts = |step: &Value| -> Vec<(String, String)> {
        array(&step["months"])
            .iter()
            .map(|m| {
                (
                    m["month"].as_str().expect("month").to_owned(),
                    m["amount"].as_str().expect("amount").to_owned(),
                )
            })
            .collect()
    };
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    };
    assert_eq!(
        amounts(&steps[0]),
        pairs(&[
            ("2025-07", "14557.06"),
            ("2025-08", "10763.89"),
            ("2025-09", "10416.67"),
            ("2025-10", "10763.88"),
        ])
    );
    assert_eq!(steps[0]["still_to_spend"], "46501.50");
    assert_eq!(steps[1]["increment"], "37500.00");
    assert_eq!(
        amounts(&steps[1]),
        pairs(&[("2025-11", "18442.63"), ("2025-12", "19057.37")])
    );
    assert_eq!(steps[1]["still_to_spend"], "84001.50");
}

#[test]
fn catch_up_by_week_within_a_month_of_the_milestone() {
    // IP on Monday 10-20: 75,000.00 − 70,522.50 = 4,477.50 by 10-31, 11 days from Tuesday
    // 10-21: 6 days to Sunday 10-26 (⌊447,750 × 6 ÷ 11⌋ = 244,227 + the 1 分 left over) and 5
    // to Friday 10-31 (⌊447,750 × 5 ÷ 11⌋ = 203,522).
    let doc = sample().status_json("2025-10-20");
    let ip = crate::util::fund_of(&doc, IP);
    let first = &ip["catch_up"]["steps"][0];
    assert_eq!(first["still_to_spend"], "4477.50");
    assert_eq!(
        first["weeks"],
        serde_json::json!([
            {"from": "2025-10-21", "to": "2025-10-26", "amount": "2442.28"},
            {"from": "2025-10-27", "to": "2025-10-31", "amount": "2035.22"},
        ])
    );
    // NG met October already: its only step is December, 72 days ahead: no weeks.
    let ng = crate::util::fund_of(&doc, NG);
    let steps = array(&ng["catch_up"]["steps"]);
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0]["date"], "2025-12-31");
    assert_eq!(steps[0]["weeks"], serde_json::json!([]));
}

#[test]
fn no_forecast_in_february() {
    // Before 03-01 of the year: too early, whatever has been spent.
    let doc = sample().status_json("2025-02-15");
    for id in [NG, IP] {
        let f = crate::util::fund_of(&doc, id);
        assert_eq!(f["forecast_status"], "insufficient", "{id}");
        assert_eq!(f["insufficient_reason"], "too_early", "{id}");
        assert!(f["forecast"].is_null(), "{id}");
    }
}

#[test]
fn a_closed_year_after_12_31() {
    // NG ends the year at 148,607.00 of 150,000.00: 99.07%, 1,393.00 left; IP at exactly its
    // budget.
    let doc = sample().status_json("2026-01-05");
    for (id, spent, rate, unspent) in [
        (NG, "148607.00", 0.9907, "1393.00"),
        (IP, "100000.00", 1.0, "0.00"),
    ] {
        let f = crate::util::fund_of(&doc, id);
        assert_eq!(f["forecast_status"], "closed", "{id}");
        assert!(f["insufficient_reason"].is_null(), "{id}");
        let forecast = &f["forecast"];
        for key in ["low", "central", "high"] {
            assert_eq!(forecast["year_end_spent"][key], spent, "{id}");
            close(&forecast["execution_rate"][key], rate, id);
            assert_eq!(forecast["unspent"][key], unspent, "{id}");
        }
        assert_eq!(forecast["points"], serde_json::json!([]), "{id}");
        // Nothing is left to reach.
        assert_eq!(f["catch_up"]["steps"], serde_json::json!([]), "{id}");
    }
    // NG is still red for December.
    assert_eq!(crate::util::fund_of(&doc, NG)["level"], "red");
}

/// A ledger of `rows` (date, amount, fund) for the seed's two funds.
fn small(rows: &[(&str, &str, &str)]) -> Workdir {
    let wd = Workdir::new(&["ledger.csv"]);
    let mut csv = String::from("date,amount,fund,voucher,memo\n");
    for (i, (date, amount, fund)) in rows.iter().enumerate() {
        csv.push_str(&format!("{date},{amount},{fund},记-{i:04},测试\n"));
    }
    wd.write_str("ledger.csv", &csv);
    wd
}

#[test]
fn too_little_history_and_no_data() {
    // NG: two days with spending by 04-01 (3 needed); IP: no entry at all.
    let wd = small(&[("2025-01-10", "1000.00", NG), ("2025-02-10", "1000.00", NG)]);
    let doc = wd.status_json("2025-04-01");
    check_new_keys(&doc);
    let ng = crate::util::fund_of(&doc, NG);
    assert_eq!(ng["forecast_status"], "insufficient");
    assert_eq!(ng["insufficient_reason"], "few_spending_days");
    // 2,000.00 of the 37,500.00 due by 03-31: missed, red.
    assert_eq!(ng["level"], "red");
    let ip = crate::util::fund_of(&doc, IP);
    assert_eq!(ip["state"], "no_data");
    // No data: no alerts are decided, so no level; and nothing spent to project from.
    assert!(
        ip["level"].is_null() && ip["level_rule"].is_null(),
        "{ip:#}"
    );
    assert_eq!(ip["insufficient_reason"], "no_spending");
    // A third day with spending is enough.
    let wd = small(&[
        ("2025-01-10", "1000.00", NG),
        ("2025-02-10", "1000.00", NG),
        ("2025-03-10", "1000.00", NG),
    ]);
    let doc = wd.status_json("2025-04-01");
    check_new_keys(&doc);
    assert_eq!(
        crate::util::fund_of(&doc, NG)["forecast_status"],
        "projected"
    );
}

#[test]
fn reversals_that_cancel_everything_are_no_spending() {
    let wd = small(&[
        ("2025-03-01", "500.00", NG),
        ("2025-03-02", "-500.00", NG),
        ("2025-03-03", "800.00", NG),
        ("2025-03-04", "-800.00", NG),
    ]);
    let doc = wd.status_json("2025-05-01");
    check_new_keys(&doc);
    let ng = crate::util::fund_of(&doc, NG);
    // It has data (entries), so it has a level: March missed, red.
    assert_eq!(ng["state"], "behind");
    assert_eq!(ng["level"], "red");
    assert_eq!(ng["insufficient_reason"], "no_spending");
    // The whole of June's target is still to be spent, March's in it.
    assert_eq!(ng["catch_up"]["overdue"], "37500.00");
    assert_eq!(ng["catch_up"]["steps"][0]["still_to_spend"], "75000.00");
}
