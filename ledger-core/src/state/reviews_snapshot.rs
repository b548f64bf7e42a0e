//! Users and a book's reviews in the snapshot (`state::snapshot`): every map as it is, as the
//! log's JSON (a few entries per review or user).

use std::collections::{BTreeMap, HashMap};

use super::{BookReviews, User, Users};
use crate::state::snapshot::wire::{Reader, Writer};
use crate::state::snapshot::SnapshotError;

/// A map's entries in key order: the same state always gives the same bytes.
fn sorted<K: Ord, V>(m: &HashMap<K, V>) -> Vec<(&K, &V)> {
    let mut v: Vec<(&K, &V)> = m.iter().collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

impl Users {
    pub(crate) fn write_snapshot(&self, w: &mut Writer) -> Result<(), SnapshotError> {
        w.len(self.by_name.len());
        for u in self.by_name.values() {
            w.str(&u.name);
            w.json(&u.role)?;
            w.str(&u.token_sha256);
            w.json(&u.books)?;
        }
        w.json(&sorted(&self.by_token))?;
        w.json(&sorted(&self.by_folded))
    }

    pub(crate) fn read_snapshot(r: &mut Reader<'_>) -> Result<Self, SnapshotError> {
        let n = r.len(17)?;
        let mut by_name = BTreeMap::new();
        for _ in 0..n {
            let name = r.str()?;
            let role = r.json()?;
            let token_sha256 = r.str()?;
            let books = r.json()?;
            let user = User {
                name: name.clone(),
                role,
                token_sha256,
                books,
            };
            by_name.insert(name, user);
        }
        let by_token: Vec<(String, String)> = r.json()?;
        let by_folded: Vec<(String, String)> = r.json()?;
        Ok(Users {
            by_name,
            by_token: by_token.into_iter().collect(),
            by_folded: by_folded.into_iter().collect(),
        })
    }
}

impl BookReviews {
    pub(crate) fn write_snapshot(&self, w: &mut Writer) -> Result<(), SnapshotError> {
        w.json(&self.pending.values().collect::<Vec<_>>())?;
        w.json(&sorted(&self.reserved))?;
        let mut closed: Vec<_> = self.closed.iter().collect();
        closed.sort_by_key(|(id, _)| **id);
        w.json(&closed)?;
        w.u64(self.submitted);
        Ok(())
    }

    pub(crate) fn read_snapshot(r: &mut Reader<'_>) -> Result<Self, SnapshotError> {
        let pending: Vec<super::Pending> = r.json()?;
        let reserved: Vec<(crate::events::commands::LineKey, uuid::Uuid)> = r.json()?;
        let closed: Vec<(uuid::Uuid, super::Closed)> = r.json()?;
        Ok(BookReviews {
            pending: pending.into_iter().map(|p| (p.id, p)).collect(),
            reserved: reserved.into_iter().collect::<HashMap<_, _>>(),
            closed: closed.into_iter().collect(),
            submitted: r.u64()?,
        })
    }
}
