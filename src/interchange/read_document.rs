//! Reading a document (a workflow YAML, an AgentCard, an `mcpServers` JSON) from a file, never
//! more than [`MAX_DOCUMENT_BYTES`] of it: `/dev/zero` or a runaway file stops at the limit.

use std::io::Read;
use std::path::Path;

/// The most a document file may hold: 16 MiB, far above any real workflow or config.
pub const MAX_DOCUMENT_BYTES: u64 = 16 * 1024 * 1024;

/// Why a document could not be read (the caller names the file).
#[derive(Debug, thiserror::Error)]
pub enum ReadDocumentError {
    #[error(
        "it is larger than the {} MiB ({MAX_DOCUMENT_BYTES} bytes) a document may have",
        MAX_DOCUMENT_BYTES >> 20
    )]
    TooLarge,
    #[error("it is not UTF-8 text")]
    NotText,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The text of the file at `path`, reading at most one byte past the limit.
pub fn read_document(path: &Path) -> Result<String, ReadDocumentError> {
    read_limited(std::fs::File::open(path)?, MAX_DOCUMENT_BYTES)
}

fn read_limited(source: impl Read, limit: u64) -> Result<String, ReadDocumentError> {
    let mut bytes = Vec::new();
    source.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadDocumentError::TooLarge);
    }
    String::from_utf8(bytes).map_err(|_| ReadDocumentError::NotText)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_one_byte_past_the_limit() {
        assert_eq!(read_limited(&b"abcd"[..], 4).ok().as_deref(), Some("abcd"));
        assert!(matches!(read_limited(&b"abcde"[..], 4), Err(ReadDocumentError::TooLarge)));
        assert!(matches!(read_limited(std::io::repeat(0), 1024), Err(ReadDocumentError::TooLarge)));
        assert!(matches!(read_limited(&[0xff, 0xfe][..], 4), Err(ReadDocumentError::NotText)));
    }
}
