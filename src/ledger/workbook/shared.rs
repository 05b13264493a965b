//! One open file read through clones that each keep their own position: the spreadsheet
//! reader's format detection (calamine's `open_workbook_auto_from_rs`) needs a reader it can
//! clone, one clone per format it tries, and a file is not one. The clones share the file and
//! seek it only when the position they read at is not where the file is (one clone reads at
//! a time), so a buffered file keeps its buffer across the reads of one clone.
//!
//! A clone may see some bytes changed ([`Shared::changed`]): the view of the file in which
//! calamine does not find the shared-string table (`container::hide_tables`).

use std::cell::RefCell;
use std::io::{self, Read, Seek, SeekFrom};
use std::rc::Rc;

/// A clone of a shared reader, at its own position.
pub(super) struct Shared<RS> {
    /// The reader, and the position it is at (`None`: not known).
    inner: Rc<RefCell<(RS, Option<u64>)>>,
    /// Where this clone reads next.
    pos: u64,
    /// The bytes this clone sees changed: where, and what it reads there.
    changes: Rc<[(u64, Vec<u8>)]>,
}

impl<RS> Shared<RS> {
    /// Shares `inner`, the first clone at its start.
    pub(super) fn new(inner: RS) -> Self {
        Shared {
            inner: Rc::new(RefCell::new((inner, None))),
            pos: 0,
            changes: Rc::new([]),
        }
    }

    /// A clone at the start that reads the bytes at each place of `changes` as given there.
    pub(super) fn changed(&self, changes: Vec<(u64, Vec<u8>)>) -> Self {
        Shared {
            inner: Rc::clone(&self.inner),
            pos: 0,
            changes: changes.into(),
        }
    }
}

impl<RS> Clone for Shared<RS> {
    fn clone(&self) -> Self {
        Shared {
            inner: Rc::clone(&self.inner),
            pos: self.pos,
            changes: Rc::clone(&self.changes),
        }
    }
}

impl<RS: Read + Seek> Read for Shared<RS> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut inner = self.inner.borrow_mut();
        let (reader, at) = &mut *inner;
        if *at != Some(self.pos) {
            *at = None;
            *at = Some(reader.seek(SeekFrom::Start(self.pos))?);
        }
        let read = reader.read(buf);
        match read {
            Ok(n) => {
                for (start, bytes) in self.changes.iter() {
                    // The part of the change within the bytes read.
                    let from = (*start).max(self.pos);
                    let to = (start + bytes.len() as u64).min(self.pos + n as u64);
                    if from < to {
                        let (f, t) = ((from - self.pos) as usize, (to - self.pos) as usize);
                        let b = (from - start) as usize;
                        buf[f..t].copy_from_slice(&bytes[b..b + (t - f)]);
                    }
                }
                self.pos += n as u64;
                *at = Some(self.pos);
            }
            Err(_) => *at = None,
        }
        read
    }
}

impl<RS: Seek> Seek for Shared<RS> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(_) => {
                let mut inner = self.inner.borrow_mut();
                let (reader, at) = &mut *inner;
                *at = None;
                let end = reader.seek(to)?;
                *at = Some(end);
                Some(end)
            }
        };
        // The file is sought when read, if it is not there already.
        self.pos = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn clones_read_at_their_own_positions() {
        let mut a = Shared::new(Cursor::new(b"0123456789".to_vec()));
        let mut b = a.clone();
        let mut two = [0u8; 2];
        a.read_exact(&mut two).expect("read");
        assert_eq!(&two, b"01");
        b.seek(SeekFrom::End(-3)).expect("seek");
        b.read_exact(&mut two).expect("read");
        assert_eq!(&two, b"78");
        a.read_exact(&mut two).expect("read");
        assert_eq!(&two, b"23");
        assert_eq!(a.seek(SeekFrom::Current(-4)).expect("seek"), 0);
        assert!(a.seek(SeekFrom::Current(-1)).is_err());
        let mut rest = Vec::new();
        a.read_to_end(&mut rest).expect("read");
        assert_eq!(rest, b"0123456789");
        b.read_to_end(&mut rest).expect("read");
        assert_eq!(rest, b"01234567899");
    }

    #[test]
    fn a_changed_clone_reads_its_changes_only() {
        let a = Shared::new(Cursor::new(b"0123456789".to_vec()));
        let mut changed = a.changed(vec![(2, b"ab".to_vec()), (8, b"xyz".to_vec())]);
        let mut plain = a.clone();
        let mut three = [0u8; 3];
        // Changes cut by the reads' ends.
        changed.read_exact(&mut three).expect("read");
        assert_eq!(&three, b"01a");
        plain.read_exact(&mut three).expect("read");
        assert_eq!(&three, b"012");
        let mut rest = Vec::new();
        changed.read_to_end(&mut rest).expect("read");
        assert_eq!(rest, b"b4567xy");
        changed.seek(SeekFrom::Start(1)).expect("seek");
        changed.read_exact(&mut three).expect("read");
        assert_eq!(&three, b"1ab");
        rest.clear();
        plain.read_to_end(&mut rest).expect("read");
        assert_eq!(rest, b"3456789");
    }
}
