//! Lists and lexicon files as Windows editors save them (UTF-8 with a byte order mark, UTF-16
//! with one, GB18030 and GBK), indexed on disk and searched; and undecodable bytes refused with
//! the file, the line, the byte offset and the encoding tried.

mod common;

use std::path::Path;

use common::corpus::{lean_corpus_copy, list_document};
use common::process::run;
use common::{temp_dir, ITEMS};
use duty_search::corpus::{self, CorpusError, DecodeError};
use duty_search::lexicon::Lexicon;
use duty_search::search::{Engine, SearchRequest};

/// How a test saves a text file.
#[derive(Debug, Clone, Copy)]
enum Saved {
    Utf8Bom,
    Utf16LeBom,
    Utf16BeBom,
    Gb18030,
    Gbk,
}

/// `text` as `saved`, with Windows line ends for the UTF-16 files (as Notepad writes them).
fn encode(text: &str, saved: Saved) -> Vec<u8> {
    let windows = text.replace('\n', "\r\n");
    let utf16 = |bom: [u8; 2], unit: fn(u16) -> [u8; 2]| {
        let mut bytes = bom.to_vec();
        bytes.extend(windows.encode_utf16().flat_map(unit));
        bytes
    };
    let legacy = |encoding: &'static encoding_rs::Encoding| {
        let (bytes, _, unmappable) = encoding.encode(text);
        assert!(!unmappable, "the text has no character {encoding:?} lacks");
        bytes.into_owned()
    };
    match saved {
        Saved::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        Saved::Utf16LeBom => utf16([0xFF, 0xFE], u16::to_le_bytes),
        Saved::Utf16BeBom => utf16([0xFE, 0xFF], u16::to_be_bytes),
        Saved::Gb18030 => legacy(encoding_rs::GB18030),
        Saved::Gbk => legacy(encoding_rs::GBK),
    }
}

/// Re-saves the UTF-8 file at `path` as `saved`.
fn resave(path: &Path, saved: Saved) {
    let text = std::fs::read_to_string(path).expect("a UTF-8 file");
    std::fs::write(path, encode(&text, saved)).expect("write the re-saved file");
}

/// The byte offset of the start of 1-based `line` in `bytes`.
fn line_start(bytes: &[u8], line: usize) -> usize {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, byte)| **byte == b'\n')
        .nth(line - 2)
        .map(|(offset, _)| offset + 1)
        .expect("the file has that many lines")
}

#[test]
fn a_list_and_lexicon_files_saved_in_each_encoding_index_every_item() {
    for saved in [
        Saved::Utf8Bom,
        Saved::Utf16LeBom,
        Saved::Utf16BeBom,
        Saved::Gb18030,
        Saved::Gbk,
    ] {
        let dir = temp_dir("duty-search-encoding-");
        let corpus = lean_corpus_copy(dir.path());
        resave(&list_document(&corpus), saved);
        for lexicon_file in ["userdict.txt", "stopwords.txt", "departments.txt"] {
            resave(&corpus.join("lexicon").join(lexicon_file), saved);
        }
        let index = dir.path().join("index");
        let info =
            duty_search::index::build(&corpus, &index, &duty_search::index::Examples::default())
                .unwrap_or_else(|e| panic!("{saved:?}: the re-saved corpus indexes: {e}"));
        assert_eq!(info.items as u64, ITEMS, "{saved:?}");
        assert_eq!(info.towns, ["金星镇"], "{saved:?}");
        let engine = Engine::open(&index).expect("the index opens");
        let hits = engine
            .search(&SearchRequest::new("燃气").expect("a query"))
            .expect("a search")
            .hits;
        assert_eq!(
            hits.first().map(|hit| hit.id.as_str()),
            Some("coop-1-1"),
            "{saved:?}"
        );
        assert!(hits[0].title.starts_with("燃气安全监管"), "{saved:?}");
    }
}

#[test]
fn undecodable_bytes_in_a_list_are_refused_with_line_offset_and_encoding() {
    let dir = temp_dir("duty-search-encoding-");
    let corpus = lean_corpus_copy(dir.path());
    let list = list_document(&corpus);
    let rules = Lexicon::department_names(&corpus).expect("the department rules");
    let utf8 = std::fs::read(&list).expect("the list");
    let refusal = |bytes: &[u8]| {
        std::fs::write(&list, bytes).expect("write the list");
        match corpus::load(&list, &rules) {
            Err(CorpusError::Encoding(error)) => error,
            other => panic!("not refused for its encoding: {other:?}"),
        }
    };

    // UTF-8 with a stray byte on line 12: refused as UTF-8, not read as GB18030.
    let offset = line_start(&utf8, 12);
    let mut bytes = utf8.clone();
    bytes.insert(offset, 0xFF);
    let error = refusal(&bytes);
    assert_eq!(
        error,
        DecodeError {
            path: list.clone(),
            line: 12,
            offset,
            encoding: "UTF-8",
            tried: ", and the text before it is UTF-8".to_string(),
        }
    );
    let message = error.to_string();
    assert!(
        message.contains(&format!("line 12, byte offset {offset}: not valid UTF-8")),
        "{message}"
    );

    // GBK with a lead byte that no trail byte follows on line 12.
    let text = String::from_utf8(utf8.clone()).expect("UTF-8");
    let gbk = encode(&text, Saved::Gbk);
    let offset = line_start(&gbk, 12);
    let mut bytes = gbk.clone();
    bytes.splice(offset..offset, [0x81, b' ']);
    let error = refusal(&bytes);
    assert_eq!((error.line, error.offset), (12, offset));
    assert_eq!(error.encoding, "GB18030");
    assert!(error.tried.starts_with(", nor UTF-8"), "{error}");

    // UTF-16LE with an unpaired surrogate opening line 12: offsets count the byte order mark.
    let utf16 = encode(&text, Saved::Utf16LeBom);
    let windows = text.replace('\n', "\r\n");
    let before = &windows[..line_start(windows.as_bytes(), 12)];
    let offset = 2 + 2 * before.encode_utf16().count();
    let mut bytes = utf16.clone();
    bytes.splice(offset..offset, [0x00, 0xD8, b'x', 0x00]);
    let error = refusal(&bytes);
    assert_eq!((error.line, error.offset), (12, offset));
    assert_eq!(error.encoding, "UTF-16LE");
}

#[test]
fn undecodable_bytes_in_a_lexicon_file_stop_index_naming_file_line_and_offset() {
    let dir = temp_dir("duty-search-encoding-");
    let corpus = lean_corpus_copy(dir.path());
    let stopwords = corpus.join("lexicon/stopwords.txt");
    let mut bytes = std::fs::read(&stopwords).expect("the stopwords");
    let offset = line_start(&bytes, 3);
    bytes.insert(offset, 0xFF);
    std::fs::write(&stopwords, &bytes).expect("write the stopwords");

    let index = dir.path().join("index");
    let output = run(&corpus, &index, &["index"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}: line 3: byte offset {offset}: not valid",
            stopwords.display()
        )),
        "{stderr}"
    );
    assert!(!index.join("CURRENT").exists(), "nothing was written");
}
