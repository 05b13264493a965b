//! Time zones of the IANA tz database, for chrono: the zone whose local date is the as-of day
//! and in which the schedules fire (`timezone:` in the config, SPEC §2).
//!
//! The rules come from the tz database compiled into spendwatch (jiff's bundled copy, as
//! chrono-tz's was before), so a zone reads the same on every machine, with or without the
//! `tzdata` package. jiff keeps that database as one block of TZif bytes and an index of its
//! 598 names, read only for the zone asked for; chrono-tz kept it as Rust tables of 40,000
//! `&str` pointers, which the dynamic loader relocated, one copy-on-write page after another,
//! at every start of every command (250 page faults, 0.7 ms: BENCHMARKS.md, "The small case,
//! a third time").
//!
//! [`Zone`] is a [`chrono::TimeZone`] over jiff's rules, so `DateTime<Zone>` works with chrono
//! and croner as `DateTime<chrono_tz::Tz>` did; a test holds it to chrono-tz's answers for
//! every zone.

use std::fmt;

use chrono::{FixedOffset, MappedLocalTime, NaiveDate, NaiveDateTime, TimeZone};
use jiff::tz::AmbiguousOffset;

/// A zone of the IANA tz database (`Asia/Shanghai`, `UTC`), as named in the database.
///
/// Cheap to clone (the rules are shared). Equal when the names are equal.
#[derive(Clone)]
pub struct Zone(jiff::tz::TimeZone);

/// Why a text names no zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAZone {
    /// The database has the zone, written otherwise: the name as the database writes it
    /// (`asia/shanghai` → `Asia/Shanghai`).
    WrittenAs(String),
    /// No zone of that name, in any case.
    Unknown,
}

impl Zone {
    /// Coordinated Universal Time.
    pub fn utc() -> Zone {
        Zone(jiff::tz::TimeZone::UTC)
    }

    /// The zone named exactly `name`, as the tz database writes it (case and all).
    ///
    /// # Errors
    ///
    /// [`NotAZone::WrittenAs`] when the name matches a zone only ignoring ASCII case or the
    /// white space around it, [`NotAZone::Unknown`] otherwise (`Factory`, the database's
    /// placeholder with no offset, included).
    pub fn named(name: &str) -> Result<Zone, NotAZone> {
        // jiff looks names up ignoring case; spendwatch wants them as written, so that one
        // zone has one spelling in every config, log line and email.
        let tz = jiff::tz::TimeZone::get(name.trim()).map_err(|_| NotAZone::Unknown)?;
        let canonical = match tz.iana_name() {
            Some(canonical) if !tz.is_unknown() && canonical != "Factory" => canonical,
            _ => return Err(NotAZone::Unknown),
        };
        if canonical == name {
            Ok(Zone(tz))
        } else {
            Err(NotAZone::WrittenAs(canonical.to_owned()))
        }
    }

    /// The zone's name in the tz database.
    pub fn name(&self) -> &str {
        // Every `Zone` is made by `named` or `utc`, both of which have a name.
        self.0.iana_name().unwrap_or("UTC")
    }

    /// The offset and abbreviation at `at`.
    fn at(&self, at: jiff::Timestamp) -> ZoneOffset {
        let info = self.0.to_offset_info(at);
        ZoneOffset {
            zone: self.clone(),
            fixed: fixed(info.offset()),
            abbreviation: info.abbreviation().into(),
        }
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name() == other.name()
    }
}

impl Eq for Zone {}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for Zone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Zone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Zone, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Zone::named(&name)
            .map_err(|_| serde::de::Error::custom(format!("{name:?} is not a time zone")))
    }
}

/// The offset of a [`Zone`] at one instant: what `DateTime<Zone>` carries. Shows as the
/// zone's abbreviation then (`CST`, `CEST`, `+0545`), as `%Z` prints it.
#[derive(Clone)]
pub struct ZoneOffset {
    zone: Zone,
    fixed: FixedOffset,
    abbreviation: Box<str>,
}

impl chrono::Offset for ZoneOffset {
    fn fix(&self) -> FixedOffset {
        self.fixed
    }
}

impl fmt::Display for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.abbreviation)
    }
}

impl fmt::Debug for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.abbreviation)
    }
}

impl TimeZone for Zone {
    type Offset = ZoneOffset;

    fn from_offset(offset: &ZoneOffset) -> Zone {
        offset.zone.clone()
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> MappedLocalTime<ZoneOffset> {
        // As chrono-tz answers for a day: by its first second or its last, whichever names one
        // instant (a day whose midnight the clocks skip still has one offset at its end).
        let at = |h, m, s| {
            self.offset_from_local_datetime(&local.and_hms_opt(h, m, s).expect("a time of day"))
        };
        match (at(0, 0, 0), at(23, 59, 59)) {
            (single @ MappedLocalTime::Single(_), _) | (_, single @ MappedLocalTime::Single(_)) => {
                single
            }
            (MappedLocalTime::Ambiguous(earlier, _), _)
            | (_, MappedLocalTime::Ambiguous(earlier, _)) => MappedLocalTime::Single(earlier),
            (MappedLocalTime::None, MappedLocalTime::None) => MappedLocalTime::None,
        }
    }

    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> MappedLocalTime<ZoneOffset> {
        // Transitions fall on whole seconds, so the second decides.
        let seconds = local.and_utc().timestamp();
        let civil = jiff::tz::Offset::UTC.to_datetime(seconds_to_timestamp(seconds));
        let instant = |offset: jiff::tz::Offset| {
            self.at(seconds_to_timestamp(seconds - i64::from(offset.seconds())))
        };
        match self.0.to_ambiguous_timestamp(civil).offset() {
            AmbiguousOffset::Unambiguous { offset } => MappedLocalTime::Single(instant(offset)),
            // A local time skipped when the clocks go forward names no instant.
            AmbiguousOffset::Gap { .. } => MappedLocalTime::None,
            // One repeated when they go back names two, the earlier first, as chrono says. jiff
            // also answers a fold where the database's rule for the years after its last
            // transition would have had one, though that transition left no summer time
            // (America/Nuuk, 2023-10-28 23:00: "fold" of -01 and -02, in a year that never
            // had -01): only the instants that have their own offset count, which is also
            // chrono-tz's test.
            AmbiguousOffset::Fold { before, after } => {
                let has_own_offset = |offset: jiff::tz::Offset| {
                    let at = seconds - i64::from(offset.seconds());
                    self.0.to_offset(seconds_to_timestamp(at)) == offset
                };
                match (has_own_offset(before), has_own_offset(after)) {
                    (true, true) => MappedLocalTime::Ambiguous(instant(before), instant(after)),
                    (true, false) => MappedLocalTime::Single(instant(before)),
                    (false, _) => MappedLocalTime::Single(instant(after)),
                }
            }
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> ZoneOffset {
        self.offset_from_utc_datetime(&utc.and_time(chrono::NaiveTime::MIN))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> ZoneOffset {
        self.at(seconds_to_timestamp(utc.and_utc().timestamp()))
    }
}

/// `seconds` since 1970 within jiff's range (years −9999 to 9999): the rules at the ends of
/// that range hold beyond them.
fn clamp(seconds: i64) -> i64 {
    seconds.clamp(
        jiff::Timestamp::MIN.as_second(),
        jiff::Timestamp::MAX.as_second(),
    )
}

fn seconds_to_timestamp(seconds: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(clamp(seconds)).expect("clamped")
}

fn fixed(offset: jiff::tz::Offset) -> FixedOffset {
    // jiff's offsets are within ±25:59:59, chrono's within ±23:59:59; real zones are within
    // ±15:00.
    FixedOffset::east_opt(offset.seconds()).unwrap_or_else(|| FixedOffset::east_opt(0).expect("0"))
}

#[cfg(test)]
mod tests;
