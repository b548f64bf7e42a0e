//! The XML underneath every message: bytes → text in the declared encoding → a small tree of
//! elements named by their local name; and the few helpers the writers share.
//!
//! Customs' receipts carry a default namespace on `Package` while the files a company writes
//! carry none, and customs adds elements to receipts without notice. So elements are looked up
//! by local name (the part after any `prefix:`), ignoring namespaces, and anything not asked for
//! is skipped. Field names are matched without regard to ASCII case, because the two shapes
//! spell the same field `EtpsInnerInvtNo` and `etpsInnerInvtNo` and customs itself mixes
//! `PassportUsedTypeCd` / `passportUsedTypecd`.
//!
//! Encoding: the reader honours the XML declaration. Receipts declare UTF-8 or nothing, and
//! tools emit GB2312; GB2312, GBK and GB18030 are decoded with `encoding_rs` (which reads a
//! GB2312 label as GBK, a superset). A byte that is not valid in the declared encoding is an
//! error: a UTF-8 file with a bad byte is never re-decoded as something else.

use super::MessageError;
use quick_xml::events::Event;
use quick_xml::Reader;

/// Largest document read: receipts are a few kilobytes, a list of a thousand lines ~1 MiB.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;
/// Deepest element nesting accepted (the deepest message nests seven levels).
pub const MAX_DEPTH: usize = 32;

/// One element: its local name, its text (trimmed; empty = no value) and its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    /// The first child whose local name is `name` (ASCII case ignored).
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// Every child whose local name is `name` (ASCII case ignored), in document order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children
            .iter()
            .filter(move |c| c.name.eq_ignore_ascii_case(name))
    }

    /// The text of child `name`, or `None` when it is missing or empty ("no value").
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.as_str())
            .filter(|t| !t.is_empty())
    }

    /// Follows a path of child names from this node.
    pub fn path(&self, names: &[&str]) -> Option<&Node> {
        let mut node = self;
        for name in names {
            node = node.child(name)?;
        }
        Some(node)
    }
}

/// Decodes `bytes` in the encoding the XML declaration names (UTF-8 when none is named).
pub fn decode(bytes: &[u8]) -> Result<String, MessageError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(MessageError::TooLarge {
            bytes: bytes.len(),
            max: MAX_DOCUMENT_BYTES,
        });
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest);
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(MessageError::UnknownEncoding {
            label: "UTF-16".to_string(),
        });
    }
    let label = declared_encoding(bytes);
    let Some(label) = label else {
        return utf8(bytes);
    };
    let encoding = encoding_rs::Encoding::for_label(label.as_bytes())
        .filter(|e| e.is_ascii_compatible())
        .ok_or_else(|| MessageError::UnknownEncoding {
            label: label.clone(),
        })?;
    if encoding == encoding_rs::UTF_8 {
        return utf8(bytes);
    }
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| text.into_owned())
        .ok_or(MessageError::BadEncoding { encoding: label })
}

fn utf8(bytes: &[u8]) -> Result<String, MessageError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => Err(MessageError::BadUtf8 {
            offset: e.valid_up_to(),
        }),
    }
}

/// The `encoding` pseudo-attribute of a leading `<?xml … ?>` declaration, if any. The
/// declaration is ASCII in every encoding accepted here, so it is read from the raw bytes.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(512)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &head[start..];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &rest[1..];
    let close = rest.find(quote)?;
    Some(rest[..close].trim().to_string())
}

/// Parses a whole document into its root element.
pub fn parse(bytes: &[u8]) -> Result<Node, MessageError> {
    let text = decode(bytes)?;
    parse_str(&text)
}

fn parse_str(text: &str) -> Result<Node, MessageError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    let at = |offset: u64, reason: String| MessageError::Xml {
        line: line_at(text, offset),
        reason,
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|e| at(reader.error_position(), e.to_string()))?;
        let position = reader.buffer_position();
        let finished = match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    let reason = format!("elements nested deeper than {MAX_DEPTH} levels");
                    return Err(at(position, reason));
                }
                stack.push(Node::new(start.local_name().as_ref()));
                None
            }
            Event::Empty(start) => Some(Node::new(start.local_name().as_ref())),
            Event::End(_) => stack.pop().map(|mut node| {
                node.text = node.text.trim().to_string();
                node
            }),
            Event::Text(t) => {
                let value = t.unescape().map_err(|e| at(position, e.to_string()))?;
                match stack.last_mut() {
                    Some(node) => node.text.push_str(&value),
                    None if value.trim().is_empty() => {}
                    None => return Err(at(position, "text outside the root element".into())),
                }
                None
            }
            Event::CData(c) => {
                let value = String::from_utf8_lossy(&c.into_inner()).into_owned();
                if let Some(node) = stack.last_mut() {
                    node.text.push_str(&value);
                }
                None
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => None,
        };
        if let Some(node) = finished {
            match stack.last_mut() {
                Some(parent) => parent.children.push(node),
                None if root.is_none() => root = Some(node),
                None => return Err(at(position, "a second root element".into())),
            }
        }
    }
    if !stack.is_empty() {
        return Err(at(
            reader.buffer_position(),
            "the document ends inside an element".into(),
        ));
    }
    root.ok_or(MessageError::Xml {
        line: 1,
        reason: "no root element".into(),
    })
}

impl Node {
    fn new(local_name: &[u8]) -> Node {
        Node {
            name: String::from_utf8_lossy(local_name).into_owned(),
            text: String::new(),
            children: Vec::new(),
        }
    }
}

/// 1-based line of a byte offset, for error messages.
fn line_at(text: &str, offset: u64) -> u32 {
    let offset = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(text.len());
    let newlines = text.as_bytes()[..offset]
        .iter()
        .filter(|b| **b == b'\n')
        .count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

/// Escapes text content: `&`, `<`, `>` always, and a carriage return as `&#13;` so that it
/// survives the line-end normalisation of XML readers.
pub fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

/// Builds an indented document (two spaces a level, `\n` line ends), as the customs example.
pub struct Writer {
    out: String,
    open: Vec<&'static str>,
}

impl Writer {
    /// Starts a UTF-8 document with its XML declaration.
    pub fn new() -> Self {
        Writer {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            open: Vec::new(),
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.open.len() {
            self.out.push_str("  ");
        }
    }

    /// Opens an element that holds other elements.
    pub fn open(&mut self, name: &'static str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(">\n");
        self.open.push(name);
    }

    /// Closes the innermost open element.
    pub fn close(&mut self) {
        if let Some(name) = self.open.pop() {
            self.indent();
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push_str(">\n");
        }
    }

    /// Writes `<name>value</name>`; an empty value is written as `<name></name>`.
    pub fn field(&mut self, name: &str, value: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        escape(value, &mut self.out);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// Writes the field only when there is a value.
    pub fn optional(&mut self, name: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.field(name, v);
        }
    }

    /// Closes what is open and returns the document.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
    }
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_names_text_and_empty_elements() {
        let root = parse(b"<a:R xmlns:a=\"urn:a\"><X>1 &amp; 2</X><Y/><Z>  </Z><!-- c --><W><![CDATA[<b>]]></W></a:R>")
            .unwrap();
        assert_eq!(root.name, "R");
        assert_eq!(root.text_of("x"), Some("1 & 2"));
        assert_eq!(root.text_of("Y"), None);
        assert_eq!(root.text_of("Z"), None);
        assert_eq!(root.text_of("W"), Some("<b>"));
        assert_eq!(root.text_of("missing"), None);
    }

    #[test]
    fn malformed_documents_are_refused_with_a_line() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(matches!(
            parse(deep.as_bytes()),
            Err(MessageError::Xml { .. })
        ));
        let ok = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        assert!(parse(ok.as_bytes()).is_ok());
        for bad in [
            &b"<a/><b/>"[..],
            b"<a/>text",
            b"<a><b></a>",
            b"<a>",
            b"<a>&nbsp;</a>",
            b"",
        ] {
            assert!(
                matches!(parse(bad), Err(MessageError::Xml { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse(b"<a>\n<b>\n</c>\n</a>"),
            Err(MessageError::Xml {
                line: 3,
                reason: "ill-formed document: expected `</b>`, but `</c>` was found".into()
            })
        );
    }

    #[test]
    fn the_declared_encoding_is_found() {
        assert_eq!(
            declared_encoding(b"<?xml version='1.0' encoding='gb2312'?><a/>"),
            Some("gb2312".into())
        );
        assert_eq!(
            declared_encoding(b"  <?xml version=\"1.0\" encoding = \"GBK\" ?>"),
            Some("GBK".into())
        );
        assert_eq!(declared_encoding(b"<?xml version=\"1.0\"?><a/>"), None);
        assert_eq!(declared_encoding(b"<a encoding=\"gbk\"/>"), None);
    }
}
