//! The history of a book or of one of its items: who recorded what, and when — read from the
//! log's envelopes (actor, recorded-at) and payloads.

use ledger_core::events::{Effect, Target};
use ledger_core::model::ids::ItemNo;
use ledger_core::model::trade_mode::GoodsKind;
use ledger_core::Event;
use ledger_store::EventLog;

use crate::session::store::Log;
use serde_json::Value;

use super::error::ApiError;

/// Most events one page of history holds.
pub const MAX_LIMIT: usize = 1000;
/// Events on a page when the request does not say.
pub const DEFAULT_LIMIT: usize = 100;

/// Which item a history is about: `goods` `None` matches the item number of any kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemFilter {
    pub goods: Option<GoodsKind>,
    pub item: ItemNo,
}

/// One page: the events of `seqs` (a stream's global positions, ascending) after `after`,
/// those touching `filter`, at most `limit`; and the position to ask `after` for the next page.
pub fn page(
    log: &Log,
    seqs: &[u64],
    filter: Option<ItemFilter>,
    after: u64,
    limit: usize,
) -> Result<(Vec<Value>, Option<u64>), ApiError> {
    let start = seqs.partition_point(|s| *s <= after);
    let mut out = Vec::new();
    for &seq in &seqs[start..] {
        if out.len() == limit {
            // More remain: the next page starts after the last one shown.
            let last = out
                .last()
                .and_then(|v: &Value| v["seq"].as_str())
                .and_then(|s| s.parse().ok());
            return Ok((out, last));
        }
        let stored = log
            .scan(seq)
            .next()
            .transpose()
            .map_err(|e| ApiError::internal(format!("cannot read record {seq}: {e}")))?
            .ok_or_else(|| ApiError::internal(format!("record {seq} is missing from the log")))?;
        if let Some(f) = filter {
            let event: Event = serde_json::from_str(&stored.payload)
                .map_err(|e| ApiError::internal(format!("record {seq} cannot be read: {e}")))?;
            if !touches(&event, f) {
                continue;
            }
        }
        let payload: Value = serde_json::from_str(&stored.payload).unwrap_or(Value::Null);
        out.push(serde_json::json!({
            "seq": stored.global_seq.to_string(),
            "stream_seq": stored.stream_seq.to_string(),
            "id": stored.id.to_string(),
            "kind": stored.kind,
            "actor": stored.actor,
            "recorded_at": stored.recorded_at,
            "event": payload,
        }));
    }
    Ok((out, None))
}

fn matches(f: ItemFilter, goods: GoodsKind, item: ItemNo) -> bool {
    item == f.item
        && match f.goods {
            None => true,
            Some(g) => g == goods,
        }
}

fn target_matches(f: ItemFilter, t: &Target) -> bool {
    match t {
        Target::Material { item, .. } => matches(f, GoodsKind::M, *item),
        Target::Scrap { item } => matches(f, GoodsKind::S, *item),
        Target::Subcontractor { goods, item, .. } => matches(f, *goods, *item),
    }
}

fn effects_match(f: ItemFilter, effects: &[Effect]) -> bool {
    effects.iter().any(|e| target_matches(f, &e.target))
}

/// Whether an event is about the item: names it, or moves its stock (a finished-goods export
/// moves the materials of its BOM).
pub fn touches(event: &Event, f: ItemFilter) -> bool {
    use ledger_core::events::review::Reviewable;
    match event {
        Event::ItemRegistered(e) => matches(f, e.goods, e.item),
        Event::UnitConsumptionDeclared(e) => {
            matches(f, GoodsKind::P, e.product) || matches(f, GoodsKind::M, e.material)
        }
        Event::MovementRecorded(e) => {
            matches(f, e.line.goods, e.item) || effects_match(f, &e.effects)
        }
        Event::ConsumptionApplied(e) => effects_match(f, &e.effects),
        Event::MovementCorrected(e) => effects_match(f, &e.reversed),
        Event::OpeningRecorded(e) => matches(f, GoodsKind::M, e.item),
        Event::StocktakeRecorded(e) => matches(f, e.goods, e.item),
        Event::WorkOrderRecorded(e) => {
            matches(f, GoodsKind::P, e.product)
                || matches(f, GoodsKind::M, e.material)
                || e.scrap_item.is_some_and(|s| matches(f, GoodsKind::S, s))
        }
        Event::CycleClosed(e) => e.closing.iter().any(|c| matches(f, GoodsKind::M, c.item)),
        Event::ReviewSubmitted(e) => match &e.item {
            Reviewable::Movement(l) => l.item.is_some_and(|i| matches(f, l.goods, i)),
            Reviewable::Stocktake(s) => matches(f, s.goods, s.item),
            Reviewable::UnitConsumption(b) => {
                matches(f, GoodsKind::P, b.product) || matches(f, GoodsKind::M, b.material)
            }
            Reviewable::Correction(_)
            | Reviewable::Settings { .. }
            | Reviewable::Reference { .. } => false,
        },
        _ => false,
    }
}
