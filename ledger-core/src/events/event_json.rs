//! Reading an event back from the JSON the log stores, fast.
//!
//! `Event` is an internally tagged enum (`{"event":"movement_recorded",…}`) and so is an
//! effect's `Target` (`{"on":"material",…}`). serde reads such enums by first copying the whole
//! object into a generic tree, then reading the tree again, and even read directly, a JSON
//! object's keys are found by scanning and comparing each one: for the movement lines that make
//! up nearly the whole log of a factory, that was most of a replay's decoding time.
//!
//! [`decode_event`] reads a movement line in the one layout this ledger writes it in (serde
//! writes the tag first and the fields in their declared order, and the store keeps payloads
//! verbatim apart from whitespace), key after expected key (`Layout`). Each value is read by
//! its own type's `Deserialize`, from the text between its quotes: the same reading serde
//! gives it (a date of the form `YYYY-MM-DD` is read by hand, to the same date). Anything else — another event, another field order, an unknown or missing field,
//! a string with an escape, whitespace — is read by serde's own derived reader, so both always
//! agree; tests hold that the layout reads what serde writes.

use serde::de::value::{BorrowedStrDeserializer, Error as ValueError};
use serde::Deserialize;

use crate::events::commands::MovementLine;
use crate::events::{Effect, Event, MovementRecorded, Target};

/// How a movement line's payload starts, up to its first value.
const MOVEMENT_PREFIX: &str = r#"{"event":"movement_recorded","line":{"ref":"#;

/// Reads one event from its JSON payload; the same answer as `serde_json::from_str::<Event>`.
pub fn decode_event(json: &str) -> Result<Event, serde_json::Error> {
    if let Some(event) = read_movement(json) {
        return Ok(event);
    }
    serde_json::from_str(json)
}

/// A movement line in the layout serde writes it in, or `None` for anything else.
fn read_movement(json: &str) -> Option<Event> {
    let mut p = Layout { text: json, at: 0 };
    // Struct literals, their fields in the order serde writes them: Rust evaluates a struct
    // expression's fields in the order written, and a field added to `MovementLine` or
    // `MovementRecorded` fails to compile here until the layout reads it too.
    let line = MovementLine {
        ref_: p.after(MOVEMENT_PREFIX, Layout::owned)?,
        line: p.after(r#","line":"#, Layout::u32)?,
        date: p.after(r#","date":"#, Layout::date)?,
        account: p.field(r#","account":"#)?,
        mode: p.field(r#","mode":"#)?,
        dir: p.field(r#","dir":"#)?,
        goods: p.field(r#","goods":"#)?,
        qty: p.field(r#","qty":"#)?,
        item: p.opt_field(r#","item":"#)?,
        part: p.opt_field(r#","part":"#)?,
        unit_price: p.opt_field(r#","unit_price":"#)?,
        currency: p.opt_field(r#","currency":"#)?,
        incoterm: p.opt_field(r#","incoterm":"#)?,
        freight: p.opt_field(r#","freight":"#)?,
        insurance: p.opt_field(r#","insurance":"#)?,
        bom_version: p.after(r#","bom_version":"#, |p| p.optional(Layout::u32))?,
        peer_account: p.opt_field(r#","peer_account":"#)?,
        subcontractor: p.after(r#","subcontractor":"#, |p| p.optional(Layout::owned))?,
        // A line with list fields (written only when it has some) is left to serde.
        list: None,
    };
    let movement = MovementRecorded {
        line,
        item: p.field(r#"},"item":"#)?,
        effects: p.after(r#","effects":"#, Layout::effects)?,
        awaiting_unit_consumption: p.after(r#","awaiting_unit_consumption":"#, Layout::bool)?,
        cif: p.opt_field(r#","cif":"#)?,
        cif_usd: p.opt_field(r#","cif_usd":"#)?,
    };
    p.key("}")?;
    (p.at == json.len()).then_some(Event::MovementRecorded(movement))
}

/// `YYYY-MM-DD`, four, two and two ASCII digits, as a date when it is one.
fn iso_date(b: &[u8]) -> Option<chrono::NaiveDate> {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *b else {
        return None;
    };
    let digits = [y0, y1, y2, y3, m0, m1, d0, d1];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |ds: &[u8]| ds.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    let year = i32::try_from(n(&digits[..4])).ok()?;
    chrono::NaiveDate::from_ymd_opt(year, n(&digits[4..6]), n(&digits[6..]))
}

/// Reads a payload key after expected key; every reader answers `None` where the text is not
/// what serde writes, and the caller then leaves the payload to serde.
struct Layout<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Layout<'a> {
    /// Steps over `expected` (keys with their punctuation), if it comes next.
    fn key(&mut self, expected: &str) -> Option<()> {
        let rest = self.text.as_bytes().get(self.at..)?;
        rest.starts_with(expected.as_bytes()).then(|| {
            self.at += expected.len();
        })
    }

    /// A string without escapes, its text borrowed. A backslash (an escape, which serde
    /// reads) or a control character (which JSON forbids in a string) gives `None`.
    fn string(&mut self) -> Option<&'a str> {
        self.key("\"")?;
        let rest = self.text.as_bytes().get(self.at..)?;
        let len = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        if rest.get(len) != Some(&b'"') {
            return None;
        }
        let text = self.text.get(self.at..self.at + len)?;
        self.at += len + 1;
        Some(text)
    }

    /// A string value read by its type's own `Deserialize`, as serde reads it from JSON.
    fn value<T: Deserialize<'a>>(&mut self) -> Option<T> {
        let text = self.string()?;
        T::deserialize(BorrowedStrDeserializer::<ValueError>::new(text)).ok()
    }

    /// A date as serde writes one (`2025-03-01`), read without chrono's general parser (a
    /// tenth of a movement line's decoding); any other text is read by `value`, as before.
    fn date(&mut self) -> Option<chrono::NaiveDate> {
        let start = self.at;
        let text = self.string()?;
        if let Some(date) = iso_date(text.as_bytes()) {
            return Some(date);
        }
        self.at = start;
        self.value()
    }

    /// A string without escapes, copied.
    fn owned(&mut self) -> Option<String> {
        self.string().map(str::to_owned)
    }

    /// `key`, then what `read` reads.
    fn after<T>(&mut self, key: &str, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        self.key(key)?;
        read(self)
    }

    /// `key`, then a string value (see `value`).
    fn field<T: Deserialize<'a>>(&mut self, key: &str) -> Option<T> {
        self.after(key, Self::value)
    }

    /// `key`, then `null` or a string value.
    fn opt_field<T: Deserialize<'a>>(&mut self, key: &str) -> Option<Option<T>> {
        self.after(key, |p| p.optional(Self::value))
    }

    /// `null`, or what `read` reads.
    fn optional<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.key("null").is_some() {
            return Some(None);
        }
        read(self).map(Some)
    }

    /// A whole number as JSON writes one (no sign, no leading zero) that fits 32 bits.
    fn u32(&mut self) -> Option<u32> {
        let rest = self.text.as_bytes().get(self.at..)?;
        let len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 || (len > 1 && rest.first() == Some(&b'0')) {
            return None;
        }
        let n = self.text.get(self.at..self.at + len)?.parse().ok()?;
        self.at += len;
        Some(n)
    }

    fn bool(&mut self) -> Option<bool> {
        if self.key("true").is_some() {
            Some(true)
        } else {
            self.key("false").map(|()| false)
        }
    }

    /// The list of effects.
    fn effects(&mut self) -> Option<Vec<Effect>> {
        self.key("[")?;
        let mut effects = Vec::new();
        if self.key("]").is_some() {
            return Some(effects);
        }
        loop {
            effects.push(self.effect()?);
            if self.key("]").is_some() {
                return Some(effects);
            }
            self.key(",")?;
        }
    }

    /// One effect: its target in the layout of its variant (the tag, then the variant's
    /// fields in their declared order), then its quantity.
    fn effect(&mut self) -> Option<Effect> {
        let target = match self.after(r#"{"target":{"on":"#, Self::string)? {
            "material" => Target::Material {
                item: self.field(r#","item":"#)?,
                column: self.field(r#","column":"#)?,
            },
            "scrap" => Target::Scrap {
                item: self.field(r#","item":"#)?,
            },
            "subcontractor" => Target::Subcontractor {
                name: self.after(r#","name":"#, Self::owned)?,
                goods: self.field(r#","goods":"#)?,
                item: self.field(r#","item":"#)?,
            },
            _ => return None,
        };
        let qty = self.field(r#"},"qty":"#)?;
        self.key("}")?;
        Some(Effect { target, qty })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::customs_value::Incoterm;
    use crate::model::ids::ItemNo;
    use crate::model::trade_mode::{Column, Direction, GoodsKind, TradeMode};
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn movement(effects: Vec<Effect>) -> Event {
        Event::MovementRecorded(MovementRecorded {
            line: MovementLine {
                ref_: "QD1".into(),
                line: 3,
                date: "2025-03-01".parse().expect("date"),
                account: "E44038000001".parse().expect("book"),
                mode: crate::model::trade_mode::TradeMode::M0615,
                dir: crate::model::trade_mode::Direction::E,
                goods: GoodsKind::P,
                qty: Decimal::new(125, 1),
                item: Some(ItemNo(4)),
                part: None,
                unit_price: Some(Decimal::new(15, 1)),
                currency: Some("USD".parse().expect("currency")),
                incoterm: None,
                freight: None,
                insurance: None,
                bom_version: Some(0),
                peer_account: None,
                subcontractor: Some("苏州 \"外发\" 厂".into()),
                list: None,
            },
            item: ItemNo(4),
            effects,
            awaiting_unit_consumption: false,
            cif: None,
            cif_usd: Some(Decimal::new(1, 2)),
        })
    }

    #[test]
    fn dates_read_as_chrono_reads_them() {
        let cases = [
            "2025-03-01",
            "2024-02-29",
            "2025-02-29",
            "2025-13-01",
            "2025-00-10",
            "2025-04-31",
            "0000-01-01",
            "9999-12-31",
            "1990-1-01",
            "+2025-03-01",
            "2025/03/01",
            "2025-03-0a",
            "20250-03-01",
        ];
        for text in cases {
            let chrono = text.parse::<chrono::NaiveDate>().ok();
            let mut p = Layout {
                text: &format!("\"{text}\""),
                at: 0,
            };
            assert_eq!(p.date(), chrono, "{text}");
            if let Some(date) = iso_date(text.as_bytes()) {
                assert_eq!(Some(date), chrono, "{text}");
            }
        }
    }

    fn every_target() -> Vec<Effect> {
        vec![
            Effect {
                target: Target::Material {
                    item: ItemNo(1),
                    column: Column::Consumed,
                },
                qty: Decimal::new(2_040_816_327, 9),
            },
            Effect {
                target: Target::Scrap { item: ItemNo(2) },
                qty: Decimal::new(-5, 0),
            },
            Effect {
                target: Target::Subcontractor {
                    name: "厂".into(),
                    goods: GoodsKind::M,
                    item: ItemNo(3),
                },
                qty: Decimal::ONE,
            },
        ]
    }

    /// `movement` with every optional field of the line given, and names without quotes.
    fn every_field() -> Event {
        let Event::MovementRecorded(mut m) = movement(every_target()) else {
            unreachable!("movement() makes a movement");
        };
        m.line.part = Some("PN-7".parse().expect("part"));
        m.line.incoterm = Some(Incoterm::FOB);
        m.line.freight = Some(Decimal::new(125, 2));
        m.line.insurance = Some(Decimal::new(-3, 0));
        m.line.peer_account = Some("E44038000002".parse().expect("book"));
        m.line.subcontractor = Some("苏州外发厂".into());
        m.cif = Some(Decimal::new(7, 0));
        Event::MovementRecorded(m)
    }

    #[test]
    fn reads_what_serde_reads() {
        for event in [movement(every_target()), movement(vec![]), every_field()] {
            let json = serde_json::to_string(&event).expect("json");
            assert!(json.starts_with(MOVEMENT_PREFIX), "{json}");
            assert_eq!(decode_event(&json).expect("direct"), event);
            assert_eq!(serde_json::from_str::<Event>(&json).expect("serde"), event);
        }
    }

    /// The layout itself reads what serde writes: were a field renamed or moved, every line
    /// would go to serde, correct but slow, and this fails.
    #[test]
    fn the_layout_reads_what_serde_writes() {
        let event = every_field();
        let json = serde_json::to_string(&event).expect("json");
        assert_eq!(read_movement(&json), Some(event));
        let bare = movement(vec![]);
        let json = serde_json::to_string(&bare).expect("json");
        // The subcontractor's name has quotes, escaped in JSON: serde reads it.
        assert!(json.contains(r#"\""#), "{json}");
        assert_eq!(read_movement(&json), None);
        assert_eq!(decode_event(&json).expect("serde"), bare);
    }

    /// A line with the verification list's own columns (country, weights …) is left to
    /// serde, and reads back whole; a line without them is written without the key, so the
    /// lines recorded before the columns existed keep their bytes and their fast reading.
    #[test]
    fn list_fields_are_read_by_serde() {
        let Event::MovementRecorded(mut m) = every_field() else {
            unreachable!("every_field() makes a movement");
        };
        let plain = serde_json::to_string(&Event::MovementRecorded(m.clone())).expect("json");
        assert!(!plain.contains("\"list\""), "{plain}");
        m.line.list = crate::events::commands::ListFields {
            country: Some("502".into()),
            gross_wt: Some(Decimal::new(127_405, 1)),
            ..Default::default()
        }
        .boxed();
        let event = Event::MovementRecorded(m);
        let json = serde_json::to_string(&event).expect("json");
        assert!(
            json.contains(r#""list":{"country":"502","gross_wt":"12740.5"}"#),
            "{json}"
        );
        assert_eq!(read_movement(&json), None);
        assert_eq!(decode_event(&json).expect("serde"), event);
    }

    #[test]
    fn what_the_layout_leaves_to_serde() {
        let event = every_field();
        let json = serde_json::to_string(&event).expect("json");
        let changed = [
            // whitespace
            json.replacen(r#","qty":"#, r#", "qty":"#, 1),
            format!("{json} "),
            // a field out of order
            json.replacen(
                r#""cif":"7","cif_usd":"0.01""#,
                r#""cif_usd":"0.01","cif":"7""#,
                1,
            ),
            // a number where the layout expects a string, and the other way round
            json.replacen(r#""item":"4","part""#, r#""item":4,"part""#, 1),
            json.replacen(r#""line":3,"#, r#""line":"3","#, 1),
            // a leading zero (serde refuses it)
            json.replacen(r#""line":3,"#, r#""line":03,"#, 1),
            // a line number past 32 bits
            json.replacen(r#""line":3,"#, r#""line":4294967296,"#, 1),
            // an escape in a value
            json.replacen(r#""ref":"QD1""#, r#""ref":"QD\u0031""#, 1),
        ];
        for text in changed {
            assert_ne!(text, json);
            assert_eq!(read_movement(&text), None, "{text}");
            assert_eq!(
                decode_event(&text).ok(),
                serde_json::from_str::<Event>(&text).ok(),
                "{text}"
            );
        }
    }

    /// Any movement event: each optional field present or not, names with and without
    /// characters JSON escapes.
    fn any_movement() -> impl Strategy<Value = Event> {
        const MODES: [TradeMode; 6] = [
            TradeMode::M0615,
            TradeMode::M0654,
            TradeMode::M0644,
            TradeMode::M0664,
            TradeMode::M4600,
            TradeMode::M0844,
        ];
        const COLUMNS: [Column; 4] = [
            Column::Imported,
            Column::Consumed,
            Column::CarriedOut,
            Column::Destroyed,
        ];
        let decimal = (any::<i64>(), 0u32..=12).prop_map(|(m, scale)| Decimal::new(m, scale));
        let name = "[A-Z0-9厂 \"\\\\\t]{0,10}";
        let target = prop_oneof![
            (1u32..=999_999, 0usize..4).prop_map(|(i, c)| Target::Material {
                item: ItemNo(i),
                column: COLUMNS[c],
            }),
            (1u32..=999_999).prop_map(|i| Target::Scrap { item: ItemNo(i) }),
            (name, any::<bool>(), 1u32..=999_999).prop_map(|(name, m, i)| {
                Target::Subcontractor {
                    name,
                    goods: if m { GoodsKind::M } else { GoodsKind::P },
                    item: ItemNo(i),
                }
            }),
        ];
        let effects = proptest::collection::vec(
            (target, decimal.clone()).prop_map(|(target, qty)| Effect { target, qty }),
            0..4,
        );
        let line = (
            (
                name,
                any::<u32>(),
                0i64..40_000,
                0usize..6,
                any::<bool>(),
                0u8..3,
            ),
            (
                decimal.clone(),
                proptest::option::of(1u32..=999_999),
                proptest::option::of(decimal.clone()),
                proptest::option::of(decimal.clone()),
                proptest::option::of(any::<u32>()),
                proptest::option::of(name),
                any::<bool>(),
            ),
        )
            .prop_map(
                |(
                    (ref_, line, day, mode, export, goods),
                    (qty, item, unit_price, freight, bom_version, subcontractor, every),
                )| MovementLine {
                    ref_,
                    line,
                    date: chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("date")
                        + chrono::Days::new(day.unsigned_abs()),
                    account: "E44038000001".parse().expect("book"),
                    mode: MODES[mode],
                    dir: if export { Direction::E } else { Direction::I },
                    goods: [GoodsKind::M, GoodsKind::P, GoodsKind::S][usize::from(goods)],
                    qty,
                    item: item.map(ItemNo),
                    part: every.then(|| "PN-1".parse().expect("part")),
                    unit_price,
                    currency: every.then(|| "USD".parse().expect("currency")),
                    incoterm: every.then_some(Incoterm::CFR),
                    freight,
                    insurance: freight.map(|f| -f),
                    bom_version,
                    peer_account: every.then(|| "E44038000009".parse().expect("book")),
                    subcontractor,
                    list: None,
                },
            );
        (
            line,
            1u32..=999_999,
            effects,
            any::<bool>(),
            proptest::option::of(decimal.clone()),
            proptest::option::of(decimal),
        )
            .prop_map(|(line, item, effects, awaiting, cif, cif_usd)| {
                Event::MovementRecorded(MovementRecorded {
                    line,
                    item: ItemNo(item),
                    effects,
                    awaiting_unit_consumption: awaiting,
                    cif,
                    cif_usd,
                })
            })
    }

    #[test]
    fn anything_unusual_goes_to_serde() {
        let event = movement(every_target());
        let json = serde_json::to_string(&event).expect("json");
        // An unknown field: serde ignores it, so must we.
        let extra = json.replacen(r#""item":"4","#, r#""item":"4","note":1,"#, 1);
        assert_ne!(extra, json);
        assert_eq!(decode_event(&extra).expect("fallback"), event);
        // A target with a field of another variant: serde's reading stands.
        let odd = json.replacen(
            r#"{"on":"scrap","item":"2"}"#,
            r#"{"on":"scrap","item":"2","column":"consumed"}"#,
            1,
        );
        assert_ne!(odd, json);
        assert_eq!(
            decode_event(&odd).ok(),
            serde_json::from_str::<Event>(&odd).ok()
        );
        // Broken JSON is an error either way, never a panic.
        assert!(decode_event(&json[..json.len() - 1]).is_err());
        assert!(decode_event(MOVEMENT_PREFIX).is_err());
        // Other events are serde's.
        let other = r#"{"event":"interest_rate_set","from":"2015-10-24","annual_pct":"0.35"}"#;
        assert_eq!(
            decode_event(other).ok(),
            serde_json::from_str::<Event>(other).ok()
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Arbitrary text, and movement payloads with a byte changed, never panic and read as
        /// serde reads them.
        #[test]
        fn any_text_reads_as_serde_reads_it(text in "\\PC{0,200}") {
            let with_prefix = format!("{MOVEMENT_PREFIX}{text}");
            for t in [text.as_str(), with_prefix.as_str()] {
                proptest::prop_assert_eq!(
                    decode_event(t).ok(),
                    serde_json::from_str::<Event>(t).ok()
                );
            }
        }

        /// Any movement reads back as it was written; read by the layout itself whenever its
        /// JSON has no escape.
        #[test]
        fn any_movement_reads_back(event in any_movement()) {
            let json = serde_json::to_string(&event).expect("json");
            proptest::prop_assert_eq!(decode_event(&json).ok(), Some(event.clone()));
            if !json.contains('\\') {
                proptest::prop_assert_eq!(read_movement(&json), Some(event));
            }
        }

        #[test]
        fn damaged_payloads_read_as_serde_reads_them(at in 0usize..2_000, byte in proptest::prelude::any::<u8>()) {
            // One the layout reads, one it leaves to serde (an escaped name).
            for event in [every_field(), movement(every_target())] {
                let json = serde_json::to_string(&event).expect("json");
                let mut bytes = json.into_bytes();
                let i = at % bytes.len();
                bytes[i] = byte;
                if let Ok(t) = std::str::from_utf8(&bytes) {
                    proptest::prop_assert_eq!(
                        decode_event(t).ok(),
                        serde_json::from_str::<Event>(t).ok()
                    );
                }
            }
        }
    }
}
