//! Decoding the bytes of a list or lexicon file into text, in the encodings staff's editors
//! save: UTF-8 (with or without a byte order mark), UTF-16 with a byte order mark (Windows
//! Notepad's "Unicode"), and GB18030, which covers GBK and GB2312 (the default of Chinese
//! Windows and of Excel's "save as text").
//!
//! A file with a byte order mark is read in the encoding it announces. Otherwise it is UTF-8
//! when it is valid UTF-8, else GB18030 when it is valid GB18030 and does not start as UTF-8
//! Chinese. Other bytes are refused with the line and byte offset of the first bad byte and the
//! encoding tried there, rather than read with replacement characters that would index garbage.

use std::path::{Path, PathBuf};

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE};

/// Non-ASCII characters of valid UTF-8 before a file's first bad byte that make it a UTF-8
/// file with a bad byte rather than a GB18030 one.
const UTF8_EVIDENCE: usize = 8;

/// A file whose bytes do not decode, with where and in which encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{}: line {line}, byte offset {offset}: not valid {encoding}{tried}; save the file as UTF-8",
    path.display()
)]
pub struct DecodeError {
    /// The file.
    pub path: PathBuf,
    /// The 1-based line of the first undecodable byte.
    pub line: usize,
    /// The offset of that byte from the start of the file.
    pub offset: usize,
    /// The encoding the file was read in there (`UTF-8`, `UTF-16LE`, `UTF-16BE`, `GB18030`).
    pub encoding: &'static str,
    /// Why that encoding, or what else was tried, as a clause (`, nor UTF-8 (byte offset 12)`),
    /// or empty.
    pub tried: String,
}

/// The text of `bytes`, read from `path`, and the name of the encoding it was in.
pub fn decode(path: &Path, bytes: &[u8]) -> Result<(String, &'static str), DecodeError> {
    if let Some(body) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(path, body, 3).map(|text| (text, "UTF-8"));
    }
    for (bom, encoding) in [(b"\xFF\xFE", UTF_16LE), (b"\xFE\xFF", UTF_16BE)] {
        if let Some(body) = bytes.strip_prefix(bom) {
            return strict(path, body, 2, encoding).map(|text| (text, label(encoding)));
        }
    }
    match utf8(path, bytes, 0) {
        Ok(text) => Ok((text, "UTF-8")),
        Err(not_utf8) => {
            // Valid UTF-8 Chinese before the first bad byte: a UTF-8 file with a bad byte, not
            // to be read as GB18030 (whose byte pairs would take it as other characters). GBK
            // bytes almost never form even one UTF-8 character, let alone several in a row.
            let prefix = std::str::from_utf8(&bytes[..not_utf8.offset]).unwrap_or_default();
            if prefix.chars().filter(|c| !c.is_ascii()).count() >= UTF8_EVIDENCE {
                return Err(DecodeError {
                    tried: ", and the text before it is UTF-8".to_string(),
                    ..not_utf8
                });
            }
            match strict(path, bytes, 0, GB18030) {
                Ok(text) => Ok((text, label(GB18030))),
                Err(not_gb) => Err(DecodeError {
                    tried: format!(", nor UTF-8 (byte offset {})", not_utf8.offset),
                    ..not_gb
                }),
            }
        }
    }
}

/// The name of `encoding` in messages: `GB18030`, `UTF-16LE`, `UTF-16BE`.
fn label(encoding: &'static Encoding) -> &'static str {
    if encoding == GB18030 {
        "GB18030"
    } else {
        encoding.name()
    }
}

/// `body` as UTF-8; `skipped` bytes (a byte order mark) precede it in the file.
fn utf8(path: &Path, body: &[u8], skipped: usize) -> Result<String, DecodeError> {
    match std::str::from_utf8(body) {
        Ok(text) => Ok(text.to_string()),
        Err(error) => Err(at(path, body, skipped, error.valid_up_to(), b"\n", "UTF-8")),
    }
}

/// `body` decoded by `encoding` without replacement; `skipped` bytes precede it in the file.
fn strict(
    path: &Path,
    body: &[u8],
    skipped: usize,
    encoding: &'static Encoding,
) -> Result<String, DecodeError> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(body.len())
        .expect("a file's length fits in memory");
    let mut text = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(body, &mut text, true);
    match result {
        encoding_rs::DecoderResult::InputEmpty => Ok(text),
        encoding_rs::DecoderResult::Malformed(bad, after) => {
            // `read` is just past the malformed sequence and the `after` bytes that followed it.
            let start = read - after as usize - bad as usize;
            let newline: &[u8] = if encoding == UTF_16LE {
                b"\n\0"
            } else if encoding == UTF_16BE {
                b"\0\n"
            } else {
                b"\n"
            };
            Err(at(path, body, skipped, start, newline, label(encoding)))
        }
        encoding_rs::DecoderResult::OutputFull => {
            unreachable!("the buffer holds the longest decoding of the file")
        }
    }
}

/// The error at byte `offset` of `body`, whose line is counted by the `newline` code units
/// before it (`0A`; in UTF-16, `0A 00` or `00 0A`).
fn at(
    path: &Path,
    body: &[u8],
    skipped: usize,
    offset: usize,
    newline: &[u8],
    encoding: &'static str,
) -> DecodeError {
    let newlines = body[..offset]
        .chunks(newline.len())
        .filter(|code| *code == newline)
        .count();
    DecodeError {
        path: path.to_path_buf(),
        line: newlines + 1,
        offset: skipped + offset,
        encoding,
        tried: String::new(),
    }
}
