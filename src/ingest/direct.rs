//! Reading large input files with `O_DIRECT` on Linux: the disk's DMA fills one aligned
//! buffer that is reused for the whole file, instead of the kernel copying every page out of
//! the page cache into medlit's buffers. On the 2-core machine of issue #5 that copy was a
//! large part of the parsing thread's time (pages of the page cache left untouched for a few
//! seconds cost about four times as much to copy as warm ones), while `O_DIRECT` reads
//! 590 MB with 0.03 to 0.12 CPU-seconds. It also leaves the user's page cache alone.
//!
//! Only regular files of at least [`DIRECT_MIN_BYTES`] are read this way: for small files
//! a trip to the disk would cost more than the copy it saves. Where the file system refuses
//! `O_DIRECT` (tmpfs, some network and FUSE file systems), the file is read as usual.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Files at least this large are read with `O_DIRECT`.
pub const DIRECT_MIN_BYTES: u64 = 64 << 20;

/// Opens an input file for reading: with `O_DIRECT` when it is a regular file of at least
/// `min_direct_bytes` and the file system allows it, else as usual.
pub fn open(path: &Path, min_direct_bytes: u64) -> io::Result<Box<dyn Read + Send>> {
    let file = File::open(path)?;
    #[cfg(target_os = "linux")]
    let file = match linux::DirectReader::new(file, min_direct_bytes) {
        Ok(reader) => return Ok(Box::new(reader)),
        Err(file) => file,
    };
    #[cfg(not(target_os = "linux"))]
    let _ = min_direct_bytes;
    Ok(Box::new(file))
}

#[cfg(target_os = "linux")]
mod linux {
    use std::os::fd::AsRawFd;

    use super::*;

    /// Alignment `O_DIRECT` asks of buffers, lengths and file offsets (the largest logical
    /// block size in use).
    const ALIGNMENT: usize = 4096;
    /// Bytes read from the disk at a time.
    const BLOCK_BYTES: usize = 1 << 20;

    /// A file read with `O_DIRECT` through one aligned block buffer.
    pub struct DirectReader {
        file: File,
        /// `BLOCK_BYTES` aligned bytes from `start`, with room before them to align.
        buffer: Vec<u8>,
        start: usize,
        /// Read position and end of the data in the block.
        position: usize,
        filled: usize,
        /// Still reading with `O_DIRECT` (cleared when the file system refuses a read).
        direct: bool,
    }

    impl DirectReader {
        /// The open file switched to `O_DIRECT`, or the file back, untouched, when it is too
        /// small, not a regular file, or on a file system that refuses `O_DIRECT`.
        pub fn new(file: File, min_direct_bytes: u64) -> Result<DirectReader, File> {
            let qualifies = file
                .metadata()
                .is_ok_and(|m| m.is_file() && m.len() >= min_direct_bytes);
            if !qualifies || set_direct_io(&file, true).is_err() {
                return Err(file);
            }
            let buffer = vec![0; BLOCK_BYTES + ALIGNMENT];
            let start = buffer.as_ptr().align_offset(ALIGNMENT);
            Ok(DirectReader {
                file,
                buffer,
                start,
                position: 0,
                filled: 0,
                direct: true,
            })
        }

        /// Reads the next block. A file system that refuses an `O_DIRECT` read (or a file
        /// that grew after a short read left the offset unaligned) is read as usual from
        /// then on.
        fn refill(&mut self) -> io::Result<()> {
            let block = &mut self.buffer[self.start..self.start + BLOCK_BYTES];
            let read = loop {
                match self.file.read(block) {
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    Err(err) if self.direct && err.raw_os_error() == Some(libc::EINVAL) => {
                        set_direct_io(&self.file, false)?;
                        self.direct = false;
                    }
                    result => break result?,
                }
            };
            self.position = 0;
            self.filled = read;
            Ok(())
        }
    }

    impl Read for DirectReader {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.position == self.filled {
                self.refill()?;
            }
            let available = &self.buffer[self.start + self.position..self.start + self.filled];
            let count = available.len().min(out.len());
            out[..count].copy_from_slice(&available[..count]);
            self.position += count;
            Ok(count)
        }
    }

    /// Sets or clears `O_DIRECT` on an open file (Linux allows both through `F_SETFL`; a file
    /// system without direct I/O refuses setting it).
    fn set_direct_io(file: &File, direct: bool) -> io::Result<()> {
        let fd = file.as_raw_fd();
        // SAFETY: fcntl on a descriptor this `File` owns; F_GETFL/F_SETFL touch no memory.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        if flags < 0 {
            return Err(io::Error::last_os_error());
        }
        let flags = if direct {
            flags | libc::O_DIRECT
        } else {
            flags & !libc::O_DIRECT
        };
        // SAFETY: as above.
        if unsafe { libc::fcntl(fd, libc::F_SETFL, flags) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// Bytes that show where each one came from.
        fn numbered(length: usize) -> Vec<u8> {
            (0..length).map(|i| (i % 251) as u8).collect()
        }

        fn read_all_in_pieces(reader: &mut impl Read, piece: usize) -> Vec<u8> {
            let mut all = Vec::new();
            let mut buffer = vec![0; piece];
            loop {
                let read = reader.read(&mut buffer).expect("read");
                if read == 0 {
                    return all;
                }
                all.extend_from_slice(&buffer[..read]);
            }
        }

        #[test]
        fn a_file_reads_the_same_whatever_the_piece_size() {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("input.xml");
            // Not a multiple of the alignment: the last read is short.
            let bytes = numbered(2 * BLOCK_BYTES + 12_345);
            std::fs::write(&path, &bytes).expect("write");
            for piece in [1, 4095, 65_536, 4 << 20] {
                let mut reader = open(&path, 0).expect("open");
                assert_eq!(
                    read_all_in_pieces(&mut reader, piece),
                    bytes,
                    "piece {piece}"
                );
            }
        }

        #[test]
        fn small_files_and_non_files_are_read_as_usual() {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("small.xml");
            std::fs::write(&path, b"<PubmedArticleSet/>").expect("write");
            let open_file = |path: &Path| File::open(path).expect("open");
            assert!(DirectReader::new(open_file(&path), DIRECT_MIN_BYTES).is_err());
            assert!(DirectReader::new(open_file(dir.path()), 0).is_err());
            let mut reader = open(&path, DIRECT_MIN_BYTES).expect("open");
            assert_eq!(read_all_in_pieces(&mut reader, 7), b"<PubmedArticleSet/>");
        }

        #[test]
        fn a_missing_file_is_an_error_of_the_usual_kind() {
            let dir = tempfile::tempdir().expect("temp dir");
            let err = open(&dir.path().join("missing.xml"), 0)
                .err()
                .expect("missing file");
            assert_eq!(err.kind(), io::ErrorKind::NotFound);
        }

        #[test]
        fn a_reader_that_stops_direct_io_reads_on_where_it_was() {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("input.xml");
            let bytes = numbered(BLOCK_BYTES + 999);
            std::fs::write(&path, &bytes).expect("write");
            let Ok(mut reader) = DirectReader::new(File::open(&path).expect("open"), 0) else {
                #[allow(clippy::print_stderr)]
                {
                    eprintln!("skipped: the temporary directory's file system refuses O_DIRECT");
                }
                return;
            };
            let mut first = vec![0; 10];
            reader.read_exact(&mut first).expect("read");
            set_direct_io(&reader.file, false).expect("fcntl");
            reader.direct = false;
            let mut rest = Vec::new();
            reader.read_to_end(&mut rest).expect("read");
            first.extend(rest);
            assert_eq!(first, bytes);
        }
    }
}
