//! `digest:`: the monthly digest's schedule, recipients and switch.

use super::*;

#[test]
fn the_digest_defaults_to_the_first_of_the_month_and_email_to() {
    let c = load_text(&format!("email: {{to: [finance@localhost]}}\n{FUNDS}")).expect("config");
    assert_eq!(
        c.digest,
        DigestSettings {
            enabled: true,
            schedule: "0 9 1 * *".to_owned(),
            to: vec!["finance@localhost".to_owned()],
        }
    );
    let c = load_text(&format!(
        "email: {{to: [finance@localhost]}}\ndigest: {{schedule: \"30 8 2 * *\", to: [chief@localhost, \"科长 <kz@localhost>\"], enabled: false}}\n{FUNDS}"
    ))
    .expect("config");
    assert_eq!(
        c.digest,
        DigestSettings {
            enabled: false,
            schedule: "30 8 2 * *".to_owned(),
            to: vec![
                "chief@localhost".to_owned(),
                "科长 <kz@localhost>".to_owned()
            ],
        }
    );
}

#[test]
fn digest_settings_are_refused_like_the_others() {
    assert_problem(
        &format!("digest: {{schedule: \"0 9 32 * *\"}}\n{FUNDS}"),
        "digest.schedule",
        "\"0 9 32 * *\"",
    );
    assert_problem(
        &format!("digest: {{schedule: \"09:00\"}}\n{FUNDS}"),
        "digest.schedule",
        "digest: {schedule: \"0 9 * * *\"",
    );
    assert_problem(
        &format!("digest: {{to: []}}\n{FUNDS}"),
        "digest.to",
        "is empty",
    );
    assert_problem(
        &format!("digest: {{to: [not an address]}}\n{FUNDS}"),
        "digest.to[0]",
        "",
    );
    assert_problem(
        &format!("digest: {{to: finance@localhost}}\n{FUNDS}"),
        "digest.to",
        "to: [finance@localhost]",
    );
    assert_problem(
        &format!("digest: {{enabled: no}}\n{FUNDS}"),
        "digest.enabled",
        "enabled: false",
    );
    assert_problem(
        &format!("digest: {{shedule: \"0 9 1 * *\"}}\n{FUNDS}"),
        "digest.shedule",
        "schedule",
    );
}
