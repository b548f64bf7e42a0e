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

fn target_of(t: &Target) -> (GoodsKind, ItemNo) {
    match t {
        Target::Material { item, .. } => (GoodsKind::M, *item),
        Target::Scrap { item } => (GoodsKind::S, *item),
        Target::Subcontractor { goods, item, .. } => (*goods, *item),
    }
}

/// Every item an event is about, with its kind of goods: those it names, and those whose
/// stock it moves (a finished-goods export moves the materials of its BOM). Each once, in
/// order.
pub fn touched(event: &Event) -> Vec<(GoodsKind, ItemNo)> {
    use ledger_core::events::review::Reviewable;
    let effects = |effects: &[Effect]| effects.iter().map(|e| target_of(&e.target)).collect();
    let mut out: Vec<(GoodsKind, ItemNo)> = match event {
        Event::ItemRegistered(e) => vec![(e.goods, e.item)],
        Event::UnitConsumptionDeclared(e) => {
            vec![(GoodsKind::P, e.product), (GoodsKind::M, e.material)]
        }
        Event::MovementRecorded(e) => {
            let mut all: Vec<_> = effects(&e.effects);
            all.push((e.line.goods, e.item));
            all
        }
        Event::ConsumptionApplied(e) => effects(&e.effects),
        Event::MovementCorrected(e) => effects(&e.reversed),
        Event::OpeningRecorded(e) => vec![(GoodsKind::M, e.item)],
        Event::StocktakeRecorded(e) => vec![(e.goods, e.item)],
        Event::WorkOrderRecorded(e) => {
            let mut all = vec![(GoodsKind::P, e.product), (GoodsKind::M, e.material)];
            all.extend(e.scrap_item.map(|s| (GoodsKind::S, s)));
            all
        }
        Event::CycleClosed(e) => e.closing.iter().map(|c| (GoodsKind::M, c.item)).collect(),
        Event::ReviewSubmitted(e) => match &e.item {
            Reviewable::Movement(l) => l.item.map(|i| (l.goods, i)).into_iter().collect(),
            Reviewable::Stocktake(s) => vec![(s.goods, s.item)],
            Reviewable::UnitConsumption(b) => {
                vec![(GoodsKind::P, b.product), (GoodsKind::M, b.material)]
            }
            Reviewable::Correction(_)
            | Reviewable::Settings { .. }
            | Reviewable::Reference { .. } => Vec::new(),
        },
        _ => Vec::new(),
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether an event is about the item: names it, or moves its stock (a finished-goods export
/// moves the materials of its BOM).
pub fn touches(event: &Event, f: ItemFilter) -> bool {
    touched(event)
        .into_iter()
        .any(|(goods, item)| matches(f, goods, item))
}
