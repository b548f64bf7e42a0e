//! Recording a movement (one verification-list line), applying what waited for its unit
//! consumption, and correcting a recorded movement.

use super::*;

pub(super) fn record_movement(
    state: &Ledger,
    line: &MovementLine,
) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, &line.account)?;
    if let Some(kind) = line.mode.book_kind() {
        if kind != b.header.kind {
            return Err(Refusal::ModeOfOtherBookKind {
                account: line.account.clone(),
                mode: line.mode,
                kind: b.header.kind,
            });
        }
    }
    let class = line
        .mode
        .effect(line.dir, line.goods)
        .ok_or_else(|| Refusal::ModeCombination {
            mode: line.mode,
            what: format!("dir {} and goods {}", line.dir, line.goods),
            allowed: line.mode.allowed_combinations().join(" or "),
        })?;
    if line.ref_.trim().is_empty() || line.ref_.chars().count() > 64 {
        return Err(Refusal::bad(
            "ref",
            "the list number (ref) has 1 to 64 characters",
        ));
    }
    if line.line == 0 {
        return Err(Refusal::bad(
            "line",
            "list lines are numbered from 1 (GdsSeqno); line 0 is not a line",
        ));
    }
    positive("qty", line.qty)?;
    for (col, v) in [
        ("unit_price", line.unit_price),
        ("freight", line.freight),
        ("insurance", line.insurance),
    ] {
        if let Some(v) = v {
            not_negative(col, v)?;
        }
    }
    let key = (line.ref_.clone(), line.line);
    if let Some(same) = b.lines.compare(line) {
        if same || recorded_in_other_words(b, line) {
            return Ok(vec![]);
        }
        return Err(Refusal::RefLineConflict {
            account: line.account.clone(),
            ref_: line.ref_.clone(),
            line: line.line,
        });
    }
    let item = resolve_item(b, line)?;
    check_in_life(b, line.date, || format!("{}/{}", line.ref_, line.line))?;
    check_not_written_off(b, line.date, || format!("{}/{}", line.ref_, line.line))?;
    if matches!(line.mode, TradeMode::M0657 | TradeMode::M0258) {
        match &line.peer_account {
            None => return Err(Refusal::bad(
                "peer_account",
                "a remaining-material carry-over (0657/0258) names the other book (peer_account)",
            )),
            Some(p) if p == &line.account => {
                return Err(Refusal::bad(
                    "peer_account",
                    "a carry-over goes to another book, not to itself",
                ))
            }
            Some(_) => {}
        }
    }
    let mut awaiting = false;
    let effects = match class {
        MovementClass::Material(column, sign) => vec![Effect {
            target: Target::Material { item, column },
            qty: if sign == Sign::Plus {
                line.qty
            } else {
                -line.qty
            },
        }],
        MovementClass::Finished(column, sign) => {
            let version = line.bom_version.unwrap_or(0);
            match finished_effects(b, item, version, line.qty, column, sign)? {
                Some(effects) => effects,
                // A domestic sale is taxed by the 15th of the next month and cannot be valued
                // without its unit consumption: it never waits (DOMAIN.md §8).
                None if b.settings.uc_timing == UcTiming::BeforeReport
                    && column != crate::model::trade_mode::Column::DomesticSold =>
                {
                    awaiting = true;
                    vec![]
                }
                None => {
                    return Err(Refusal::UnitConsumptionNotDeclared {
                        account: line.account.clone(),
                        product: item,
                        version,
                    })
                }
            }
        }
        MovementClass::ScrapOut => vec![Effect {
            target: Target::Scrap { item },
            qty: -line.qty,
        }],
        MovementClass::OutwardSent | MovementClass::OutwardReturned => {
            let name = line
                .subcontractor
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    Refusal::bad(
                        "subcontractor",
                        "outward processing (OWP) names the subcontractor",
                    )
                })?;
            let sent = class == MovementClass::OutwardSent;
            if sent && line.goods == GoodsKind::M {
                let held: Decimal = b
                    .subcontractors
                    .iter()
                    .filter(|((_, g, i), _)| *g == GoodsKind::M && *i == item)
                    .map(|(_, s)| s.at(line.date))
                    .sum();
                let on_book = b
                    .materials
                    .get(&item)
                    .map(|m| m.balance_at(line.date))
                    .unwrap_or_default();
                if held + line.qty > on_book {
                    return Err(Refusal::WouldGoNegative {
                        what: format!("the balance of material {item} left at the factory"),
                        unit: b.unit_of(GoodsKind::M, item),
                        date: line.date,
                        available: (on_book - held).max(Decimal::ZERO).normalize(),
                        requested: line.qty.normalize(),
                    });
                }
            }
            vec![Effect {
                target: Target::Subcontractor {
                    name: name.to_string(),
                    goods: line.goods,
                    item,
                },
                qty: if sent { line.qty } else { -line.qty },
            }]
        }
    };
    check_not_negative(b, line.date, &effects)?;
    if b.header.kind == crate::model::trade_mode::BookKind::Supplied
        && crate::state::lines::is_domestic_sale(line)
    {
        check_supplied_sale_priced(b, line, &effects)?;
    }

    let (mut cif, mut cif_usd) = (None, None);
    let against_cap = line.mode.counts_against_cap(line.dir, line.goods);
    // A carry-in declared with its price is valued too: it is the material's import price
    // for later domestic sales (DOMAIN.md §3), though it does not count against the cap.
    let priced_carry_in = class
        == MovementClass::Material(crate::model::trade_mode::Column::CarriedIn, Sign::Plus)
        && line.unit_price.is_some()
        && line.currency.is_some();
    if against_cap || priced_carry_in {
        let registered = b.item(GoodsKind::M, item);
        let price = line
            .unit_price
            .or(registered.and_then(|i| i.price))
            .ok_or_else(|| {
                Refusal::bad(
                    "unit_price",
                    "an import needs its unit price for the customs value (or register the item with a price)",
                )
            })?;
        let currency = line
            .currency
            .clone()
            .or(registered.and_then(|i| i.currency.clone()))
            .ok_or_else(|| Refusal::bad("currency", "an import needs the currency of its price"))?;
        let too_large = |column| crate::reports::duty::too_large(line, column);
        let goods_value = line
            .qty
            .checked_mul(price)
            .ok_or_else(|| too_large("unit_price"))?;
        let value = cif_value(
            line.incoterm.unwrap_or_default(),
            goods_value,
            line.freight,
            line.insurance,
        )?
        .ok_or_else(|| too_large("freight"))?;
        let usd = to_usd(state, value, &currency, line.date)?.ok_or_else(|| too_large("qty"))?;
        let cycle = b.cycle_containing(line.date);
        let used = match b.settings.cap_basis {
            _ if !against_cap => Decimal::ZERO,
            CapBasis::Cumulative => b
                .cap_used_usd
                .get(&cycle.number)
                .copied()
                .unwrap_or_default(),
            CapBasis::Outstanding => outstanding_usd(b, line.date).ok_or_else(|| {
                Refusal::bad(
                    "qty",
                    format!(
                        "the bonded value on hand of book {} is too large to compute in USD",
                        line.account
                    ),
                )
            })?,
        };
        let would_be = used.checked_add(usd).ok_or_else(|| too_large("qty"))?;
        if against_cap && would_be > b.header.capacity_usd {
            return Err(Refusal::CapacityExceeded {
                cap_usd: b.header.capacity_usd.normalize(),
                used_usd: crate::model::money::round_cents(used).normalize(),
                line_usd: crate::model::money::round_cents(usd).normalize(),
                would_be_usd: crate::model::money::round_cents(would_be).normalize(),
                cycle_start: cycle.start,
            });
        }
        cif = Some(value);
        cif_usd = Some(usd);
    }

    let generation = b.generations.get(&key).copied().unwrap_or(0);
    Ok(vec![Decided {
        id: movement_id(&line.account, &line.ref_, line.line, generation),
        event: Event::MovementRecorded(MovementRecorded {
            line: line.clone(),
            item,
            effects,
            awaiting_unit_consumption: awaiting,
            cif,
            cif_usd,
        }),
    }])
}

pub(super) fn apply_pending(state: &Ledger, account: &BookNo) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, account)?;
    if b.awaiting.is_empty() {
        return Ok(vec![]);
    }
    let mut scratch = state.clone();
    let mut out = Vec::new();
    for key in &b.awaiting {
        let Some(rec) = b.lines.whole(&key.0, key.1) else {
            continue;
        };
        let line = &rec.line;
        let Some(MovementClass::Finished(column, sign)) = line.mode.effect(line.dir, line.goods)
        else {
            continue;
        };
        let current = book(&scratch, account)?;
        let Some(effects) = finished_effects(
            current,
            rec.item,
            line.bom_version.unwrap_or(0),
            line.qty,
            column,
            sign,
        )?
        else {
            continue;
        };
        check_not_negative(current, line.date, &effects)?;
        let event = Event::ConsumptionApplied(ConsumptionApplied {
            account: account.clone(),
            ref_: key.0.clone(),
            line: key.1,
            date: line.date,
            effects,
        });
        let id = next_id(&scratch, &event);
        scratch.evolve(id, &event);
        out.push(Decided { id, event });
    }
    Ok(out)
}

pub(super) fn correct(state: &Ledger, input: &CorrectionInput) -> Result<Vec<Decided>, Refusal> {
    let b = book(state, &input.account)?;
    if input.reason.trim().is_empty() {
        return Err(Refusal::bad("reason", "a correction says why (reason)"));
    }
    let key = (input.ref_.clone(), input.line);
    // The same correction again (same line, same reason) is a repeat of an input already
    // applied: nothing to do, whether or not the line was recorded anew since. A second
    // correction of a re-recorded line gives its own reason.
    if b.last_corrections.get(&key).map(String::as_str) == Some(input.reason.trim()) {
        return Ok(vec![]);
    }
    let Some(rec) = b.lines.get(&input.ref_, input.line) else {
        return Err(Refusal::NothingToCorrect {
            account: input.account.clone(),
            ref_: input.ref_.clone(),
            line: input.line,
        });
    };
    check_not_written_off(b, rec.date, || {
        format!("the correction of {}/{}", input.ref_, input.line)
    })?;
    let reversed: Vec<Effect> = b
        .lines
        .effects(rec.id)
        .into_iter()
        .map(|e| Effect {
            target: e.target,
            qty: -e.qty,
        })
        .collect();
    check_not_negative(b, rec.date, &reversed)?;
    let generation = b.generations.get(&key).copied().unwrap_or(0);
    Ok(vec![Decided {
        id: correction_id(&input.account, &input.ref_, input.line, generation),
        event: Event::MovementCorrected(MovementCorrected {
            account: input.account.clone(),
            ref_: input.ref_.clone(),
            line: input.line,
            reason: input.reason.trim().to_string(),
            corrects: rec.event_id,
            date: rec.date,
            reversed,
        }),
    }])
}

/// A supplied book's domestic sale must be valued when it is declared (DOMAIN.md §8): a
/// materials line carries the price of identical goods (`unit_price` + `currency`); the
/// materials of a finished-goods line are valued from the book's `prices`, each needing a price
/// dated on or before the sale.
fn check_supplied_sale_priced(
    b: &Book,
    line: &MovementLine,
    effects: &[Effect],
) -> Result<(), Refusal> {
    match line.goods {
        GoodsKind::M => {
            if line.unit_price.is_none() {
                return Err(Refusal::bad(
                    "unit_price",
                    format!(
                        "{}/{}: a domestic sale from supplied-materials book {} is valued at the price of identical goods: give it (unit_price and currency)",
                        line.ref_, line.line, line.account
                    ),
                ));
            }
            if line.currency.is_none() {
                return Err(Refusal::bad(
                    "currency",
                    format!(
                        "{}/{}: give the currency of the identical-goods unit_price",
                        line.ref_, line.line
                    ),
                ));
            }
        }
        GoodsKind::P => {
            for e in effects {
                if let Target::Material { item, .. } = e.target {
                    if b.price_on(item, line.date).is_none() {
                        return Err(Refusal::bad(
                            "item",
                            format!(
                                "{}/{}: material {item} of this finished-goods domestic sale has no identical-goods price dated on or before {}; load a prices file (account,item,date,unit_price,currency) for it first",
                                line.ref_, line.line, line.date
                            ),
                        ));
                    }
                }
            }
        }
        GoodsKind::S => {}
    }
    Ok(())
}

/// Whether `line`, which differs from the line recorded under its list and line number as
/// written, is that line said another way: naming its item where the first file gave its part
/// (an INV101 read back names the item, and the part only where it is not the item's first),
/// or stating the book's default
/// country, port or transport where the first left them to the book (or the other way round).
fn recorded_in_other_words(b: &Book, line: &MovementLine) -> bool {
    let mut variants = vec![line.clone()];
    // An INV101 read back names the item, and its part only where it is not the item's first.
    let first_part = line
        .item
        .and_then(|i| b.item(line.goods, i))
        .and_then(|r| r.parts.first().cloned());
    let part = line.part.clone().or(first_part);
    if line.item.is_some() && part.is_some() {
        variants.push(MovementLine {
            item: None,
            part: part.clone(),
            ..line.clone()
        });
        variants.push(MovementLine {
            part: None,
            ..line.clone()
        });
        variants.push(MovementLine {
            part,
            ..line.clone()
        });
    }
    // Each of country, port and transport may be stated or left to the book: every mix.
    let defaults = &b.settings.messages;
    let mut toggled: Vec<MovementLine> = Vec::new();
    for v in &variants {
        for mask in 1u8..8 {
            let mut fields = v.list.as_deref().cloned().unwrap_or_default();
            for (bit, (value, default)) in [
                (&mut fields.country, &defaults.country),
                (&mut fields.port, &defaults.port),
                (&mut fields.transport, &defaults.transport),
            ]
            .into_iter()
            .enumerate()
            {
                if mask & (1 << bit) == 0 {
                    continue;
                }
                *value = match (value.take(), default) {
                    (Some(v), Some(d)) if &v == d => None,
                    (None, Some(d)) => Some(d.clone()),
                    (v, _) => v,
                };
            }
            toggled.push(MovementLine {
                list: fields.boxed(),
                ..v.clone()
            });
        }
    }
    variants
        .iter()
        .skip(1)
        .chain(&toggled)
        .any(|v| b.lines.compare(v) == Some(true))
}
