//! Input rules and limits for event fields, and the payload's compact form.

/// Most events one append or one import may carry.
pub const MAX_BATCH_EVENTS: usize = 500_000;
/// Largest payload, in bytes, as handed in.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;
/// Largest total payload size of one append or import, in bytes.
pub const MAX_BATCH_PAYLOAD_BYTES: usize = 256 * 1024 * 1024;
/// Longest stream name, in characters.
pub const MAX_STREAM_CHARS: usize = 64;
/// Longest event kind, in characters.
pub const MAX_KIND_CHARS: usize = 64;
/// Longest actor, in characters.
pub const MAX_ACTOR_CHARS: usize = 128;
/// Longest `recorded_at` timestamp, in characters.
pub const MAX_RECORDED_AT_CHARS: usize = 64;

/// Checks a short text field: 1..=max chars, no control characters.
pub(crate) fn check_text(field: &str, value: &str, max: usize) -> Result<(), String> {
    // Checked for every event of a load (stream, kind, actor): plain ASCII, the usual case,
    // is counted and searched a byte at a time.
    if value.is_ascii()
        && !value.is_empty()
        && value.len() <= max
        && !value.bytes().any(|b| b.is_ascii_control())
    {
        return Ok(());
    }
    let chars = value.chars().count();
    if chars == 0 {
        return Err(format!(
            "{field} is empty; it must have 1 to {max} characters"
        ));
    }
    if chars > max {
        return Err(format!(
            "{field} has {chars} characters; the limit is {max}"
        ));
    }
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(format!(
            "{field} {value:?} contains the control character {c:?}; control characters are not allowed"
        ));
    }
    Ok(())
}

/// Checks `recorded_at` is an RFC 3339 date-time such as `2024-05-01T10:00:00Z` or `…+02:00`.
pub(crate) fn check_recorded_at(value: &str) -> Result<(), String> {
    check_text("recorded_at", value, MAX_RECORDED_AT_CHARS)?;
    if is_rfc3339(value) {
        Ok(())
    } else {
        Err(format!(
            "recorded_at {value:?} is not an RFC 3339 timestamp (like 2024-05-01T10:00:00Z or 2024-05-01T12:00:00.5+02:00)"
        ))
    }
}

fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |from: usize, to: usize| -> Option<u32> {
        let part = b.get(from..to)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let at = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
    let date_ok = num(0, 4).is_some()
        && at(4, b"-")
        && num(5, 7).is_some_and(|m| (1..=12).contains(&m))
        && at(7, b"-")
        && num(8, 10).is_some_and(|d| (1..=31).contains(&d))
        && at(10, b"Tt ");
    let time_ok = num(11, 13).is_some_and(|h| h <= 23)
        && at(13, b":")
        && num(14, 16).is_some_and(|m| m <= 59)
        && at(16, b":")
        && num(17, 19).is_some_and(|s| s <= 60);
    if !date_ok || !time_ok {
        return false;
    }
    let mut i = 19;
    if at(i, b".") {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len()
                && num(i + 1, i + 3).is_some_and(|h| h <= 23)
                && at(i + 3, b":")
                && num(i + 4, i + 6).is_some_and(|m| m <= 59)
        }
        _ => false,
    }
}

/// Checks a payload is one JSON document within the size limit and returns its compact form:
/// the same text with whitespace outside strings removed (key order and number spelling kept).
/// A payload already compact (as every payload serde_json writes is) is returned as it is,
/// without a copy.
pub(crate) fn compact_payload_owned(payload: Vec<u8>) -> Result<String, String> {
    check_payload_size(&payload)?;
    let text = String::from_utf8(payload)
        .map_err(|e| format!("payload is not UTF-8 text, so not JSON: {}", e.utf8_error()))?;
    Ok(compact_text(&text)?.unwrap_or(text))
}

pub(crate) fn check_payload_size(payload: &[u8]) -> Result<(), String> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(format!(
            "payload is {} bytes; the limit is {MAX_PAYLOAD_BYTES}",
            payload.len()
        ));
    }
    Ok(())
}

/// Checks `text` is one JSON document; its compact form if that differs from it, else `None`.
fn compact_text(text: &str) -> Result<Option<String>, String> {
    check_json(text)?;
    if !has_whitespace_outside_strings(text.as_bytes()) {
        // Already compact: one parse is enough.
        return Ok(None);
    }
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
        }
    }
    // Compaction must never change meaning; re-check to be sure.
    check_json(&out)?;
    Ok(Some(out))
}

/// Whether compaction would change `text`. Bytes suffice: the quote, the backslash and JSON's
/// whitespace are ASCII, and no byte of a multi-byte UTF-8 character is ASCII.
fn has_whitespace_outside_strings(text: &[u8]) -> bool {
    // Most payloads hold no whitespace at all: one pass without branches (which the compiler
    // vectorises) says so.
    if !text.iter().fold(false, |seen, b| {
        seen | matches!(b, b' ' | b'\t' | b'\n' | b'\r')
    }) {
        return false;
    }
    let mut in_string = false;
    let mut escaped = false;
    for &b in text {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            return true;
        }
    }
    false
}

/// Checks text is exactly one JSON document.
pub(crate) fn check_json(text: &str) -> Result<(), String> {
    serde_json::from_str::<&serde_json::value::RawValue>(text)
        .map(|_| ())
        .map_err(|e| format!("payload is not valid JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compact_payload(payload: &[u8]) -> Result<String, String> {
        compact_payload_owned(payload.to_vec())
    }

    #[test]
    fn timestamps() {
        for ok in [
            "2024-05-01T10:00:00Z",
            "2024-05-01t10:00:00.123456z",
            "2024-05-01T10:00:60+02:00",
            "2024-05-01 10:00:00-05:30",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "",
            "2024-05-01",
            "2024-13-01T10:00:00Z",
            "2024-05-01T10:00:00",
            "2024-05-01T10:00:00.Z",
            "2024-05-01T10:00:00+0200",
            "2024-05-01T10:00:00Zx",
            "２０２４-05-01T10:00:00Z",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }

    #[test]
    fn compaction_keeps_strings() {
        let c = compact_payload(b" {\n \"a b\" : [1, 2],\t\"q\":\"x \\\" y\\\\\" }\r\n").unwrap();
        assert_eq!(c, r#"{"a b":[1,2],"q":"x \" y\\"}"#);
        assert!(compact_payload(b"{").is_err());
        assert!(compact_payload(b"{} {}").is_err());
        assert!(compact_payload(&[0xff]).is_err());
        assert!(compact_payload(&vec![b' '; MAX_PAYLOAD_BYTES + 1]).is_err());
    }

    #[test]
    fn text_fields() {
        assert!(check_text("stream", "E44038000001", 64).is_ok());
        assert!(check_text("stream", "", 64).is_err());
        assert!(check_text("stream", "a\nb", 64).is_err());
        assert!(check_text("stream", &"é".repeat(64), 64).is_ok());
        assert!(check_text("stream", &"é".repeat(65), 64).is_err());
        assert!(check_text("stream", &"a".repeat(64), 64).is_ok());
        assert!(check_text("stream", &"a".repeat(65), 64).is_err());
        assert!(check_text("stream", "a\u{7f}", 64).is_err());
        assert!(check_text("stream", "a\u{85}", 64).is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Any bytes: refused, or compacted to the same JSON value, once and for all.
        #[test]
        fn any_payload_is_refused_or_compacted_faithfully(text in "[ \\t\\n{}\\[\\]\",:0-9a-z\\\\é]{0,60}") {
            if let Ok(c) = compact_payload(text.as_bytes()) {
                let a: serde_json::Value = serde_json::from_str(&text).expect("accepted means JSON");
                let b: serde_json::Value = serde_json::from_str(&c).expect("compact is JSON");
                proptest::prop_assert_eq!(a, b);
                proptest::prop_assert_eq!(compact_payload(c.as_bytes()).ok(), Some(c.clone()));
                proptest::prop_assert!(!has_whitespace_outside_strings(c.as_bytes()));
            }
        }

        /// The ASCII shortcut answers as the rule over characters does.
        #[test]
        fn a_text_field_is_accepted_exactly_when_its_characters_allow(
            value in "[a-z0-9\\-\\x00-\\x1f\\x7f\\u{80}-\\u{9f}é中]{0,8}",
            max in 0usize..8,
        ) {
            let chars = value.chars().count();
            let allowed = chars >= 1 && chars <= max && !value.chars().any(char::is_control);
            proptest::prop_assert_eq!(check_text("field", &value, max).is_ok(), allowed);
        }

        #[test]
        fn any_bytes_as_payload_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let _ = compact_payload(&bytes);
        }
    }
}
