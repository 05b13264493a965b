use chrono::TimeZone;

use super::*;
use crate::store::OutboxHealth;

#[test]
fn params_are_checked_and_written_back_in_one_order() {
    let p = Params::parse(Some("page=2&sort=gap&as_of=2025-07-15&x=1")).expect("params");
    assert_eq!(p.as_of, NaiveDate::from_ymd_opt(2025, 7, 15));
    assert!(p.sort_by_gap);
    assert_eq!(p.page, 2);
    assert_eq!(p.query(), "as_of=2025-07-15&sort=gap&page=2");
    assert_eq!(Params::parse(None).expect("none").query(), "");
    // An empty as_of (the date field left blank) is today.
    assert_eq!(Params::parse(Some("as_of=")).expect("blank").as_of, None);
    for bad in [
        "as_of=2025-02-30",
        "as_of=<script>",
        "page=0",
        "page=-1",
        "page=x",
    ] {
        assert!(
            matches!(Params::parse(Some(bad)), Err(WebError::BadRequest(_))),
            "{bad}"
        );
    }
    let Err(WebError::BadRequest(message)) = Params::parse(Some("as_of=%0d%0aX")) else {
        panic!("a line break in as_of is refused");
    };
    assert!(message.contains("\\r\\nX"), "shown escaped: {message}");
}

fn at(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, h, 0, 0)
        .single()
        .expect("time")
}

#[test]
fn health_needs_a_successful_check_and_mail_that_goes() {
    let ok = OutboxHealth::default();
    let mut daemon = DaemonState::default();
    assert!(healthz_problem(&daemon, &ok).is_some_and(|p| p.starts_with("starting")));
    daemon.last_check = Some(CheckOutcome {
        at: at(1),
        error: None,
        emails: 0,
    });
    assert_eq!(healthz_problem(&daemon, &ok), None);
    let retrying = OutboxHealth {
        pending: 2,
        retrying: 1,
        last_error: Some("451 4.3.0 Try again later\r\nX: y".to_owned()),
        ..OutboxHealth::default()
    };
    let problem = healthz_problem(&daemon, &retrying).expect("mail failing");
    assert!(
        problem.contains("451") && !problem.contains('\n'),
        "{problem}"
    );
    let given_up = OutboxHealth {
        failed: 1,
        ..OutboxHealth::default()
    };
    assert!(healthz_problem(&daemon, &given_up).is_some());
    // Mail waiting without a failed attempt is not a problem.
    let waiting = OutboxHealth {
        pending: 3,
        ..OutboxHealth::default()
    };
    assert_eq!(healthz_problem(&daemon, &waiting), None);
    daemon.last_check = Some(CheckOutcome {
        at: at(2),
        error: Some("database is locked".to_owned()),
        emails: 0,
    });
    assert!(healthz_problem(&daemon, &ok).is_some_and(|p| p.contains("database is locked")));
}
