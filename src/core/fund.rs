//! Funds, their milestones, and a fund's spending by day: the data evaluation works on.
//!
//! These types are built by the config loader (which checks their invariants) and by the
//! store (which sums entries by day); here they are plain values.

use chrono::{Datelike, NaiveDate};

use super::money::{Money, Share};

/// A special fund (项目) with its budget and cumulative spending plan for one fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fund {
    /// Short slug used on the command line; unique in a config.
    pub id: String,
    /// 项目编码.
    pub code: String,
    /// 项目名称.
    pub name: String,
    /// Fiscal year, which is the calendar year.
    pub year: i32,
    /// Always positive.
    pub budget: Money,
    /// Non-empty; dates strictly increase and lie within `year`; shares strictly increase.
    pub milestones: Vec<Milestone>,
    /// Other strings that name this fund in ledger exports.
    pub aliases: Vec<String>,
    /// Extra recipients for this fund's alerts.
    pub notify: Vec<String>,
    /// Extra recipients of this fund's escalations (a red lag unexplained for
    /// `alerts.escalate_after`), besides the config's `email.escalate`.
    pub escalate: Vec<String>,
}

/// A 支出节点: by `date`, cumulative spend should reach `share` of the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Milestone {
    /// The day by which the share is due; spending dated on this day still counts for it.
    #[serde(with = "crate::core::day::day_number")]
    pub date: NaiveDate,
    /// The cumulative share of the budget due by `date` (not the share of this period alone).
    pub share: Share,
}

impl Fund {
    /// Whether `text` (a cell of a ledger's fund column) names this fund.
    pub fn is_named_by(&self, text: &str) -> bool {
        self.id == text
            || self.code == text
            || self.name == text
            || self.aliases.iter().any(|a| a == text)
    }

    /// target(m) = budget × share, rounded half-up to the 分.
    pub fn target(&self, milestone: &Milestone) -> Money {
        self.budget.times_share(milestone.share)
    }

    /// 01-01 of the fiscal year: the plan starts from 0 on the day before.
    pub fn first_day(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 1, 1).unwrap_or(NaiveDate::MIN)
    }

    /// 12-31 of the fiscal year.
    pub fn last_day(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 12, 31).unwrap_or(NaiveDate::MAX)
    }
}

/// A fund's spending summed per day, sorted by day, with running totals so that
/// spent(d) is a binary search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DailySpend {
    /// The days with entries as day numbers (chrono's `num_days_from_ce`: 0001-01-01 is 1),
    /// strictly increasing. Numbers, not dates: a stored series keeps them so, and turning
    /// 365,000 of them into dates was most of reading 1,000 funds' series.
    days: Vec<i32>,
    /// `cumulative[i]` = the spending of `days[..=i]`, in 分. A day's own spending is not
    /// kept beside it (nothing asks for it): a digest holds 1,000 funds' series at once, 4.4 MB
    /// in this form at a million entries, twice that with it.
    cumulative: Vec<Money>,
}

impl DailySpend {
    /// Builds from (day, amount) pairs in any order; amounts on the same day are summed.
    pub fn from_amounts(days: Vec<(NaiveDate, Money)>) -> DailySpend {
        DailySpend::from_day_numbers(
            days.into_iter()
                .map(|(day, amount)| (day.num_days_from_ce(), amount)),
        )
    }

    /// Builds from (day number, amount in 分) pairs, day numbers as chrono's
    /// `num_days_from_ce` counts them, in any order; amounts on the same day are summed.
    /// Without sorting when the days come strictly increasing, as a stored series keeps them:
    /// then the pairs are gone over three times, each a tight loop (a check, the days, the
    /// running totals), which costs less than one loop doing all three.
    pub fn from_day_numbers<I>(pairs: I) -> DailySpend
    where
        I: IntoIterator<Item = (i32, Money)>,
        I::IntoIter: Clone,
    {
        let pairs = pairs.into_iter();
        let mut last = None;
        let increasing = pairs.clone().all(|(day, _)| {
            let after = last.is_none_or(|before| before < day);
            last = Some(day);
            after
        });
        if !increasing {
            let mut both: Vec<(i32, Money)> = pairs.collect();
            both.sort_by_key(|&(day, _)| day);
            both.dedup_by(|later, kept| {
                let same = later.0 == kept.0;
                if same {
                    kept.1 = kept.1.saturating_add(later.1);
                }
                same
            });
            return DailySpend::from_day_numbers(both);
        }
        let days = pairs.clone().map(|(day, _)| day).collect();
        let mut running = Money::ZERO;
        let cumulative = pairs
            .map(|(_, amount)| {
                running = running.saturating_add(amount);
                running
            })
            .collect();
        DailySpend { days, cumulative }
    }

    /// How many of `days` are on or before `day`.
    fn count_through(&self, day: NaiveDate) -> usize {
        let day = day.num_days_from_ce();
        self.days.partition_point(|&d| d <= day)
    }

    /// spent(d): the sum of entries dated on or before `day`.
    pub fn spent_through(&self, day: NaiveDate) -> Money {
        let count = self.count_through(day);
        if count == 0 {
            Money::ZERO
        } else {
            self.cumulative[count - 1]
        }
    }

    /// Each day with entries, in date order, with the spending through it (spent(day), in 分):
    /// the steps of a chart's cumulative spend line.
    pub fn cumulative(&self) -> impl Iterator<Item = (NaiveDate, Money)> + '_ {
        // A number past chrono's dates (only a damaged series could hold one) is left out.
        self.days
            .iter()
            .zip(&self.cumulative)
            .filter_map(|(&day, &total)| Some((NaiveDate::from_num_days_from_ce_opt(day)?, total)))
    }

    /// The days from `from` to `through` on which spent(day) differs from the day before's,
    /// the day before `from` counting as no spending: the days that moved the total. Only the
    /// days with entries are looked at, not every day of the span.
    pub fn changed_days(&self, from: NaiveDate, through: NaiveDate) -> u32 {
        if from > through {
            return 0;
        }
        let mut before = self.spent_through(from);
        let mut count = u32::from(before != Money::ZERO);
        let start = self.count_through(from);
        let end = self.count_through(through);
        for &total in self.cumulative.get(start..end).unwrap_or_default() {
            if total != before {
                count += 1;
            }
            before = total;
        }
        count
    }

    /// Whether no day has any spending (no entry at all, as opposed to entries summing to 0).
    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, d).expect("valid test date")
    }

    /// `changed_days` against spent(d) asked for every day of the span.
    #[test]
    fn changed_days_as_every_day_asked() {
        let spend = DailySpend::from_amounts(vec![
            (
                NaiveDate::from_ymd_opt(2024, 12, 30).expect("date"),
                Money::from_fen(700),
            ),
            (day(1, 1), Money::from_fen(-700)),
            (day(1, 5), Money::from_fen(1000)),
            (day(3, 31), Money::from_fen(500)),
            (day(3, 31), Money::from_fen(-500)),
            (day(4, 2), Money::from_fen(50)),
            (day(6, 1), Money::from_fen(-50)),
            (day(12, 31), Money::from_fen(1)),
        ]);
        let asked = |from: NaiveDate, through: NaiveDate| {
            let mut count = 0;
            let mut before = Money::ZERO;
            for d in from.iter_days().take_while(|d| *d <= through) {
                let now = spend.spent_through(d);
                if now != before {
                    count += 1;
                }
                before = now;
            }
            count
        };
        // Every fifth day, and each day with entries with the days either side.
        let mut days: Vec<NaiveDate> = NaiveDate::from_ymd_opt(2024, 12, 28)
            .expect("date")
            .iter_days()
            .take(375)
            .step_by(5)
            .collect();
        for (d, _) in spend.cumulative() {
            days.extend([d.pred_opt(), Some(d), d.succ_opt()].into_iter().flatten());
        }
        for &from in &days {
            for &through in &days {
                assert_eq!(
                    spend.changed_days(from, through),
                    asked(from, through),
                    "{from}..{through}"
                );
            }
        }
        assert_eq!(
            DailySpend::default().changed_days(day(1, 1), day(12, 31)),
            0
        );
    }

    #[test]
    fn spent_through_sums_on_and_before_the_day() {
        let spend = DailySpend::from_amounts(vec![
            (day(3, 31), Money::from_fen(500)),
            (day(1, 5), Money::from_fen(1000)),
            (day(3, 31), Money::from_fen(-200)),
            (day(6, 1), Money::from_fen(50)),
        ]);
        assert_eq!(spend.spent_through(day(1, 4)), Money::ZERO);
        assert_eq!(spend.spent_through(day(1, 5)), Money::from_fen(1000));
        assert_eq!(spend.spent_through(day(3, 30)), Money::from_fen(1000));
        assert_eq!(spend.spent_through(day(3, 31)), Money::from_fen(1300));
        assert_eq!(spend.spent_through(day(12, 31)), Money::from_fen(1350));
        assert!(DailySpend::default().is_empty());
        assert_eq!(
            DailySpend::default().spent_through(day(12, 31)),
            Money::ZERO
        );
    }
}
