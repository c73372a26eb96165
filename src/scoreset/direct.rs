//! An epoch's output files, written around the page cache where the system
//! allows it (`O_DIRECT` on Linux).
//!
//! Seal writes each file once, syncs it and never reads it back, and the CAR
//! holds every byte a second time. Written through the page cache, each byte
//! is first copied into a fresh cached page and then written out by the
//! sync, and that copy (and the allocation of the pages) costs the emit more
//! than rendering and hashing the bytes. A direct write hands the device the
//! writer's own buffer instead, which is reused from block to block.
//!
//! Direct I/O wants the buffer, the file offset and the length aligned to the
//! device's block: the bytes are gathered in an aligned buffer and written
//! [`BUFFER`] bytes at a time at aligned offsets; what is left at the end,
//! shorter than a block, goes through an ordinary handle on the same file.
//! Where the file system refuses direct I/O (tmpfs, some network file
//! systems, a device with larger blocks) the same bytes go through the
//! ordinary handle: the file is the same either way, only the speed differs.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

/// The alignment direct writes keep (buffer address, offset and length): the
/// largest logical block size of common devices.
const ALIGN: usize = 4096;

/// Bytes gathered before each direct write (a multiple of [`ALIGN`]).
pub const BUFFER: usize = 4 << 20;

/// One aligned block of the buffer.
#[repr(C, align(4096))]
#[derive(Clone, Copy)]
struct Block([u8; ALIGN]);

/// A new output file (created or truncated), written sequentially, that may
/// seek back to patch bytes it has written (the CAR's root, at the end).
pub struct OutputFile {
    /// The ordinary handle: the tail, the patches, and everything where direct writes are refused; synced at the end.
    plain: File,
    /// The direct handle, while direct writes are being made.
    direct: Option<File>,
    /// The buffer, grown a block at a time up to [`BUFFER`] (a small file fills only what it needs) and reused.
    blocks: Vec<Block>,
    /// Bytes gathered in `blocks`, to be written at `flushed`.
    filled: usize,
    /// Bytes written to the file from the buffer (a multiple of [`ALIGN`] while `direct` is open).
    flushed: u64,
    /// Where ordinary writes go once the writer has sought ([`Seek`]): from then on every write is ordinary.
    cursor: Option<u64>,
}

impl OutputFile {
    /// Creates (or truncates) the file at `path`.
    pub fn create(path: &Path) -> io::Result<Self> {
        Self::create_with(path, true)
    }

    /// [`OutputFile::create`], trying direct writes only when `direct` is set.
    fn create_with(path: &Path, direct: bool) -> io::Result<Self> {
        let plain = File::create(path)?;
        let direct = if direct { open_direct(path) } else { None };
        Ok(OutputFile {
            plain,
            direct,
            blocks: Vec::with_capacity(BUFFER / ALIGN),
            filled: 0,
            flushed: 0,
            cursor: None,
        })
    }

    /// Whether writes still go around the page cache.
    pub fn is_direct(&self) -> bool {
        self.direct.is_some()
    }

    /// Another ordinary handle on the file (to sync what has been written so far).
    pub fn try_clone_handle(&self) -> io::Result<File> {
        self.plain.try_clone()
    }

    /// Writes what is buffered and returns the ordinary handle, to be synced.
    pub fn finish(mut self) -> io::Result<File> {
        self.write_buffered()?;
        Ok(self.plain)
    }

    /// The buffer's first `len` bytes.
    fn buffered(&self, len: usize) -> &[u8] {
        // SAFETY: `Block` is `repr(C)` over `[u8; ALIGN]` with that size and
        // alignment (no padding), so the blocks are `blocks.len() * ALIGN`
        // initialised bytes in a row; `len` never exceeds that.
        unsafe { std::slice::from_raw_parts(self.blocks.as_ptr().cast::<u8>(), len.min(self.blocks.len() * ALIGN)) }
    }

    /// Writes the buffer at `flushed`: its whole blocks directly (while that
    /// is allowed), the rest through the ordinary handle.
    fn write_buffered(&mut self) -> io::Result<()> {
        let whole = self.filled / ALIGN * ALIGN;
        if let Some(direct) = &self.direct
            && whole > 0
        {
            match direct.write_all_at(self.buffered(whole), self.flushed) {
                Ok(()) => {}
                // A device or file system that takes no direct writes of this
                // alignment: the same bytes through the ordinary handle.
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                    tracing::debug!(error = %e, "direct writes refused; writing through the page cache");
                    self.direct = None;
                }
                Err(e) => return Err(e),
            }
        }
        let start = if self.direct.is_some() { whole } else { 0 };
        self.plain.write_all_at(&self.buffered(self.filled)[start..], self.flushed + start as u64)?;
        self.flushed += self.filled as u64;
        self.filled = 0;
        Ok(())
    }

    /// Appends `bytes` to the buffer, writing it directly each time it fills.
    fn append(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let (block, at) = (self.filled / ALIGN, self.filled % ALIGN);
            if block == self.blocks.len() {
                self.blocks.push(Block([0; ALIGN]));
            }
            let n = bytes.len().min(ALIGN - at);
            self.blocks[block].0[at..at + n].copy_from_slice(&bytes[..n]);
            self.filled += n;
            bytes = &bytes[n..];
            if self.filled == BUFFER {
                self.write_buffered()?;
            }
        }
        Ok(())
    }
}

/// The file opened again for direct writes, or `None` where that is refused.
fn open_direct(path: &Path) -> Option<File> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        match OpenOptions::new().write(true).custom_flags(libc::O_DIRECT).open(path) {
            Ok(file) => Some(file),
            Err(e) => {
                tracing::debug!(path = %path.display(), error = %e, "no direct writes; writing through the page cache");
                None
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (path, OpenOptions::new());
        None
    }
}

impl Write for OutputFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match &mut self.cursor {
            None => self.append(bytes)?,
            Some(cursor) => {
                self.plain.write_all_at(bytes, *cursor)?;
                *cursor += bytes.len() as u64;
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for OutputFile {
    /// Where the next byte goes; seeking anywhere else first writes what is
    /// buffered, and every later write goes through the ordinary handle.
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let here = self.cursor.unwrap_or(self.flushed + self.filled as u64);
        let target = match to {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::Current(by) => here.checked_add_signed(by),
            SeekFrom::End(by) => {
                self.plain.metadata()?.len().max(self.flushed + self.filled as u64).checked_add_signed(by)
            }
        }
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start of the file"))?;
        if target != here {
            self.write_buffered()?;
            self.direct = None;
            self.cursor = Some(target);
        }
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `pieces` (then patches `patch` at its offset, as the CAR's root is) and returns the file's bytes.
    fn written(dir: &Path, direct: bool, pieces: &[Vec<u8>], patch: Option<(u64, &[u8])>) -> Vec<u8> {
        let path = dir.join("out");
        let mut out = OutputFile::create_with(&path, direct).unwrap();
        for piece in pieces {
            out.write_all(piece).unwrap();
        }
        if let Some((at, bytes)) = patch {
            let end = out.stream_position().unwrap();
            out.seek(SeekFrom::Start(at)).unwrap();
            out.write_all(bytes).unwrap();
            assert_eq!(out.seek(SeekFrom::Start(end)).unwrap(), end);
        }
        out.finish().unwrap().sync_all().unwrap();
        std::fs::read(&path).unwrap()
    }

    #[test]
    fn the_file_holds_the_bytes_written_whatever_their_sizes() {
        let dir = tempfile::tempdir().unwrap();
        // Empty, shorter than a block, exactly a buffer, and a buffer and a bit in odd pieces.
        for len in [0, 1, ALIGN - 1, ALIGN, BUFFER, 2 * BUFFER + 12_345] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + i / 4096) as u8).collect();
            let pieces: Vec<Vec<u8>> = bytes.chunks(1 + len / 5).map(<[u8]>::to_vec).collect();
            for direct in [true, false] {
                let file = written(dir.path(), direct, &pieces, None);
                assert!(file == bytes, "{len} bytes read back differently (direct writes tried: {direct})");
            }
        }
    }

    #[test]
    fn a_patch_after_seeking_back_lands_where_it_was_aimed() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes: Vec<u8> = (0..BUFFER + 5_000).map(|i| (i % 251) as u8).collect();
        let file = written(dir.path(), true, &[bytes.clone()], Some((3, b"root")));
        let plain = written(dir.path(), false, &[bytes.clone()], Some((3, b"root")));
        bytes[3..7].copy_from_slice(b"root");
        assert!(file == bytes && plain == bytes);
    }
}
