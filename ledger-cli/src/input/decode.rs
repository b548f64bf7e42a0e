//! Bytes → text: UTF-8 (with or without a byte-order mark), else GB18030, which is what
//! Excel on Chinese Windows writes when it saves "CSV (comma delimited)".

use std::borrow::Cow;

/// Which encoding the text was in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Gb18030,
}

/// Decodes a whole file. The error is the message of a whole-file error.
pub(crate) fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, Encoding), String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err("is UTF-16 text (Excel's \"Unicode Text\"); save it as \"CSV UTF-8\"".into());
    }
    let (text, encoding) = match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), Encoding::Utf8),
        Err(_) => {
            match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
                Some(s) => (s, Encoding::Gb18030),
                None => return Err("is neither UTF-8 nor GB18030 text".into()),
            }
        }
    };
    if text.contains('\0') {
        return Err("is not a text file (it contains NUL bytes)".into());
    }
    Ok((text, encoding))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gb(s: &str) -> Vec<u8> {
        let (bytes, _, had_errors) = encoding_rs::GB18030.encode(s);
        assert!(!had_errors);
        bytes.into_owned()
    }

    #[test]
    fn decodes() {
        let ok: &[(&[u8], &str, Encoding)] = &[
            (b"a,b\n", "a,b\n", Encoding::Utf8),
            (b"\xEF\xBB\xBFa,b\n", "a,b\n", Encoding::Utf8),
            ("数量\n".as_bytes(), "数量\n", Encoding::Utf8),
            (b"", "", Encoding::Utf8),
            (b"\xEF\xBB\xBF", "", Encoding::Utf8),
        ];
        for (bytes, text, enc) in ok {
            let (t, e) = decode(bytes).expect("decodes");
            assert_eq!((t.as_ref(), e), (*text, *enc));
        }
        let bytes = gb("账册号,数量\nE1,12.5\n");
        let (t, e) = decode(&bytes).expect("decodes");
        assert_eq!(
            (t.as_ref(), e),
            ("账册号,数量\nE1,12.5\n", Encoding::Gb18030)
        );
    }

    #[test]
    fn rejects() {
        let bad: &[(&[u8], &str)] = &[
            (b"a,\xFF\xFF\n", "is neither UTF-8 nor GB18030 text"),
            (b"a,\x81\x20\n", "is neither UTF-8 nor GB18030 text"),
            (
                b"\xFF\xFEa\0,\0",
                "is UTF-16 text (Excel's \"Unicode Text\"); save it as \"CSV UTF-8\"",
            ),
            (b"a,b\0\n", "is not a text file (it contains NUL bytes)"),
        ];
        for (bytes, msg) in bad {
            assert_eq!(decode(bytes).map(|_| ()), Err(msg.to_string()), "{bytes:?}");
        }
    }
}
