//! Entries counted twice: the same entry (fund, date, amount, voucher, memo) in force
//! through two sources, found per pair of sources and fund after each change of force, and
//! per entry for the import's warnings.

use super::{Store, StoreError, day};
use crate::core::{Entry, Money};

/// The same entries in force through two sources: money counted twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    /// The two source paths.
    pub files: Vec<String>,
    /// The fund id.
    pub fund: String,
    /// How many entries of the first file are also in the second.
    pub entries: i64,
    /// Their sum, in 分.
    pub amount: Money,
}

impl Store {
    /// Entries of `path` that also appear (same fund, date, voucher, amount, memo) in another
    /// source in force, with that source's path and line; empty when no other source in force
    /// has entries.
    ///
    /// # Errors
    /// A database failure.
    pub fn duplicates_elsewhere(
        &self,
        path: &str,
    ) -> Result<Vec<(Entry, String, u32)>, StoreError> {
        let others: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM sources WHERE entry_count > 0 AND withdrawn IS NULL AND path <> ?1",
                [path],
                |r| r.get(0),
            )
            .map_err(self.err())?;
        if others == 0 {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.fund, a.date, a.amount, a.voucher, a.memo, a.line, a.sheet, sb.path, b.line
                 FROM entries a
                 JOIN sources sa ON sa.id = (a.id >> 40) AND sa.path = ?1
                 JOIN entries b ON b.fund = a.fund AND b.date = a.date AND b.amount = a.amount
                               AND b.voucher = a.voucher AND b.memo = a.memo AND (b.id >> 40) <> (a.id >> 40)
                 JOIN sources sb ON sb.id = (b.id >> 40) AND sb.withdrawn IS NULL
                 WHERE sa.withdrawn IS NULL
                 ORDER BY a.id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([path], |r| {
                Ok((
                    Entry {
                        fund: r.get(0)?,
                        date: day(r, 1)?,
                        amount: Money::from_fen(r.get(2)?),
                        voucher: r.get(3)?,
                        memo: r.get(4)?,
                        line: r.get(5)?,
                        sheet: r.get(6)?,
                    },
                    r.get(7)?,
                    r.get(8)?,
                ))
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Finds again the entries in force through two sources (same fund, date, amount, voucher
    /// and memo), per pair of sources and fund. Runs only where two sources in force share a
    /// fund; called after anything changed what is in force.
    ///
    /// # Errors
    /// A database failure.
    pub fn refresh_overlaps(&mut self) -> Result<(), StoreError> {
        let conn = &self.conn;
        // One source in force with days shares nothing: no need to count all its days by fund.
        let in_force: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sources s WHERE s.withdrawn IS NULL
                 AND EXISTS (SELECT 1 FROM source_days d WHERE d.source_id = s.id)",
                [],
                |r| r.get(0),
            )
            .map_err(self.err())?;
        if in_force < 2 {
            conn.execute("DELETE FROM overlaps", [])
                .map_err(self.err())?;
            return Ok(());
        }
        let shared: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM (SELECT d.fund FROM source_days d JOIN sources s ON s.id = d.source_id
                 WHERE s.withdrawn IS NULL GROUP BY d.fund HAVING COUNT(DISTINCT d.source_id) > 1)",
                [],
                |r| r.get(0),
            )
            .map_err(self.err())?;
        conn.execute("DELETE FROM overlaps", [])
            .map_err(self.err())?;
        if shared == 0 {
            return Ok(());
        }
        conn.execute(
            "INSERT INTO overlaps (files, fund, entries, amount)
             WITH e AS (
                SELECT e.id, e.id >> 40 AS src, e.fund, e.date, e.amount, e.voucher, e.memo
                FROM entries e JOIN sources s ON s.id = (e.id >> 40) WHERE s.withdrawn IS NULL
             ),
             pairs AS (
                SELECT DISTINCT a.id, a.src AS a_src, b.src AS b_src, a.fund, a.amount
                FROM e a JOIN e b ON b.fund = a.fund AND b.date = a.date AND b.amount = a.amount
                    AND b.voucher = a.voucher AND b.memo = a.memo AND b.src > a.src
             )
             SELECT sa.path || char(10) || sb.path, p.fund, COUNT(*), SUM(p.amount)
             FROM pairs p JOIN sources sa ON sa.id = p.a_src JOIN sources sb ON sb.id = p.b_src
             GROUP BY p.a_src, p.b_src, p.fund",
            [],
        )
        .map_err(self.err())?;
        Ok(())
    }

    /// The entries counted twice, as [`Store::refresh_overlaps`] last found them, by files.
    ///
    /// # Errors
    /// A database failure.
    pub fn overlaps(&self) -> Result<Vec<Overlap>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT files, fund, entries, amount FROM overlaps ORDER BY files, fund")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Overlap {
                    files: r.get::<_, String>(0)?.lines().map(str::to_owned).collect(),
                    fund: r.get(1)?,
                    entries: r.get(2)?,
                    amount: Money::from_fen(r.get(3)?),
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Every entry of the source at `path`, in the order of its file (for tests and
    /// inspection); empty for an unknown path.
    ///
    /// # Errors
    /// A database failure.
    pub fn entries_of(&self, path: &str) -> Result<Vec<Entry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT e.fund, e.date, e.amount, e.voucher, e.memo, e.line, e.sheet
                 FROM entries e JOIN sources s ON s.id = (e.id >> 40) WHERE s.path = ?1 ORDER BY e.id",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([path], |r| {
                Ok(Entry {
                    fund: r.get(0)?,
                    date: day(r, 1)?,
                    amount: Money::from_fen(r.get(2)?),
                    voucher: r.get(3)?,
                    memo: r.get(4)?,
                    line: r.get(5)?,
                    sheet: r.get(6)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }
}
