//! A read buffer that hands out byte ranges of whole records without copying them twice.

use super::CaptureErrorKind;
use std::io::Read;

const INITIAL: usize = 1 << 20;
/// Larger records are treated as corruption rather than grown into.
pub(super) const MAX_RECORD: usize = 64 << 20;

pub(super) struct Buffer<R> {
    reader: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// File offset of `buf[0]`.
    base: u64,
    eof: bool,
}

impl<R: Read> Buffer<R> {
    pub(super) fn new(reader: R) -> Self {
        Buffer {
            reader,
            buf: vec![0; INITIAL],
            start: 0,
            end: 0,
            base: 0,
            eof: false,
        }
    }

    /// File offset of the next unread byte.
    pub(super) fn offset(&self) -> u64 {
        self.base + self.start as u64
    }

    /// Makes `n` bytes available from the read position, or says how many the file still had.
    fn fill(&mut self, n: usize) -> Result<(), CaptureErrorKind> {
        if self.end - self.start >= n {
            return Ok(());
        }
        if n > MAX_RECORD {
            return Err(CaptureErrorKind::Corrupt(format!(
                "record of {n} bytes (more than {MAX_RECORD})"
            )));
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.base += self.start as u64;
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() < n {
            self.buf.resize(n.next_power_of_two(), 0);
        }
        while self.end < n && !self.eof {
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(read) => self.end += read,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(CaptureErrorKind::Io(e)),
            }
        }
        if self.end - self.start < n {
            return Err(CaptureErrorKind::Truncated {
                needed: n as u64,
                available: (self.end - self.start) as u64,
            });
        }
        Ok(())
    }

    /// True when no byte is left in the file.
    pub(super) fn at_end(&mut self) -> Result<bool, CaptureErrorKind> {
        match self.fill(1) {
            Ok(()) => Ok(false),
            Err(CaptureErrorKind::Truncated { .. }) => Ok(true),
            Err(e) => Err(e),
        }
    }

    /// The next `n` bytes, without consuming them.
    pub(super) fn peek(&mut self, n: usize) -> Result<&[u8], CaptureErrorKind> {
        self.fill(n)?;
        Ok(&self.buf[self.start..self.start + n])
    }

    /// Consumes and returns the next `n` bytes.
    pub(super) fn take(&mut self, n: usize) -> Result<&[u8], CaptureErrorKind> {
        let range = self.take_range(n)?;
        Ok(&self.buf[range])
    }

    /// Consumes the next `n` bytes and returns where they are; valid until the next fill.
    pub(super) fn take_range(
        &mut self,
        n: usize,
    ) -> Result<std::ops::Range<usize>, CaptureErrorKind> {
        self.fill(n)?;
        let range = self.start..self.start + n;
        self.start += n;
        Ok(range)
    }

    /// Bytes of a range returned by [`Buffer::take_range`] since the last fill.
    pub(super) fn record(&self, range: std::ops::Range<usize>) -> &[u8] {
        &self.buf[range]
    }
}
