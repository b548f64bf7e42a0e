//! Reading an event back from the JSON the log stores, fast.
//!
//! `Event` is an internally tagged enum (`{"event":"movement_recorded",…}`) and so is an
//! effect's `Target` (`{"on":"material",…}`). serde reads such enums by first copying the whole
//! object into a generic tree, then reading the tree again: for the movement lines that make up
//! nearly the whole log of a factory, that double read is most of a replay's decoding time.
//!
//! [`decode_event`] reads a movement line directly when the payload starts with its tag, which
//! is how every payload this ledger writes starts (serde writes the tag first, and the store
//! keeps payloads verbatim apart from whitespace). The direct reader accepts only exactly the
//! fields the event has; anything else — another event, another field order, an unknown or
//! repeated field — is read by serde's own derived reader, so both always agree.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::commands::MovementLine;
use crate::events::{Effect, Event, MovementRecorded, Target};
use crate::ids::ItemNo;
use crate::trade_mode::{Column, GoodsKind};

/// How a movement line's payload starts.
const MOVEMENT_PREFIX: &str = r#"{"event":"movement_recorded","#;

/// Reads one event from its JSON payload; the same answer as `serde_json::from_str::<Event>`.
pub fn decode_event(json: &str) -> Result<Event, serde_json::Error> {
    if json.starts_with(MOVEMENT_PREFIX) {
        if let Ok(direct) = serde_json::from_str::<DirectMovement>(json) {
            return Ok(direct.into_event());
        }
    }
    serde_json::from_str(json)
}

/// `MovementRecorded` with a directly readable target.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectMovement {
    /// The tag, read as a field: only `movement_recorded` reads.
    #[serde(rename = "event")]
    _event: MovementTag,
    line: MovementLine,
    item: ItemNo,
    effects: DirectEffects,
    awaiting_unit_consumption: bool,
    cif: Option<Decimal>,
    cif_usd: Option<Decimal>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectEffect {
    target: DirectTarget,
    qty: Decimal,
}

/// The effects, each made an `Effect` as it is read (one vector, not a second one to convert
/// into). An effect whose target is not exactly one variant's fails the direct reading, and
/// serde's derived reader reads the event instead.
struct DirectEffects(Vec<Effect>);

impl<'de> Deserialize<'de> for DirectEffects {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Effects;
        impl<'de> serde::de::Visitor<'de> for Effects {
            type Value = DirectEffects;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of effects")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<DirectEffects, A::Error> {
                // A consumption line has one effect per material of the product's BOM.
                let mut effects = Vec::with_capacity(seq.size_hint().unwrap_or(8).min(64));
                while let Some(e) = seq.next_element::<DirectEffect>()? {
                    let target = e
                        .target
                        .into_target()
                        .ok_or_else(|| serde::de::Error::custom("a target not read directly"))?;
                    effects.push(Effect { target, qty: e.qty });
                }
                Ok(DirectEffects(effects))
            }
        }
        d.deserialize_seq(Effects)
    }
}

/// The one tag `DirectMovement` reads.
#[derive(Deserialize)]
enum MovementTag {
    #[serde(rename = "movement_recorded")]
    Movement,
}

/// The kinds of `Target`, as their tag names them.
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum On {
    Material,
    Scrap,
    Subcontractor,
}

/// Every field any `Target` variant has, flat.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectTarget {
    on: On,
    item: Option<ItemNo>,
    column: Option<Column>,
    name: Option<String>,
    goods: Option<GoodsKind>,
}

impl DirectTarget {
    /// The target, when the fields are exactly those of one variant.
    fn into_target(self) -> Option<Target> {
        match (self.on, self.item, self.column, self.name, self.goods) {
            (On::Material, Some(item), Some(column), None, None) => {
                Some(Target::Material { item, column })
            }
            (On::Scrap, Some(item), None, None, None) => Some(Target::Scrap { item }),
            (On::Subcontractor, Some(item), None, Some(name), Some(goods)) => {
                Some(Target::Subcontractor { name, goods, item })
            }
            _ => None,
        }
    }
}

impl DirectMovement {
    fn into_event(self) -> Event {
        let DirectEffects(effects) = self.effects;
        // A struct literal: a field added to `MovementRecorded` fails to compile here until
        // the direct reader reads it too.
        Event::MovementRecorded(MovementRecorded {
            line: self.line,
            item: self.item,
            effects,
            awaiting_unit_consumption: self.awaiting_unit_consumption,
            cif: self.cif,
            cif_usd: self.cif_usd,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn movement(effects: Vec<Effect>) -> Event {
        Event::MovementRecorded(MovementRecorded {
            line: MovementLine {
                ref_: "QD1".into(),
                line: 3,
                date: "2025-03-01".parse().expect("date"),
                account: "E44038000001".parse().expect("book"),
                mode: crate::trade_mode::TradeMode::M0615,
                dir: crate::trade_mode::Direction::E,
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
            },
            item: ItemNo(4),
            effects,
            awaiting_unit_consumption: false,
            cif: None,
            cif_usd: Some(Decimal::new(1, 2)),
        })
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

    #[test]
    fn reads_what_serde_reads() {
        for event in [movement(every_target()), movement(vec![])] {
            let json = serde_json::to_string(&event).expect("json");
            assert!(json.starts_with(MOVEMENT_PREFIX), "{json}");
            assert_eq!(decode_event(&json).expect("direct"), event);
            assert_eq!(serde_json::from_str::<Event>(&json).expect("serde"), event);
        }
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

        #[test]
        fn damaged_payloads_read_as_serde_reads_them(at in 0usize..2_000, byte in proptest::prelude::any::<u8>()) {
            let json = serde_json::to_string(&movement(every_target())).expect("json");
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
