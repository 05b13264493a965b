//! One open file read through clones that each keep their own position: the spreadsheet
//! reader's format detection (calamine's `open_workbook_auto_from_rs`) needs a reader it can
//! clone, one clone per format it tries, and a file is not one. The clones share the file and
//! seek it only when the position they read at is not where the file is (one clone reads at
//! a time), so a buffered file keeps its buffer across the reads of one clone.

use std::cell::RefCell;
use std::io::{self, Read, Seek, SeekFrom};
use std::rc::Rc;

/// A clone of a shared reader, at its own position.
pub(super) struct Shared<RS> {
    /// The reader, and the position it is at (`None`: not known).
    inner: Rc<RefCell<(RS, Option<u64>)>>,
    /// Where this clone reads next.
    pos: u64,
}

impl<RS> Shared<RS> {
    /// Shares `inner`, the first clone at its start.
    pub(super) fn new(inner: RS) -> Self {
        Shared {
            inner: Rc::new(RefCell::new((inner, None))),
            pos: 0,
        }
    }
}

impl<RS> Clone for Shared<RS> {
    fn clone(&self) -> Self {
        Shared {
            inner: Rc::clone(&self.inner),
            pos: self.pos,
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
}
