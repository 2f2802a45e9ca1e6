//! Link rows between agents: read, create (refusing what the parent's kind cannot have or a cycle), update and delete.

use super::convert::to_json;
use super::db::{Row, params};
use super::error::{Result, StoreError};
use super::{Outcome, Reader, Writer};
use crate::model::{JsonObject, Link, LinkKind, check_link_properties, not_allowed_message};

const SELECT: &str = "SELECT l.id, p.name, c.name, l.link_type, l.sequence_order, l.properties, \
                      l.version, l.created_at, l.updated_at FROM agent_links l \
                      JOIN agents p ON p.id = l.parent_agent_id JOIN agents c ON c.id = l.child_agent_id";

const ORDER: &str = "ORDER BY p.name, l.link_type, l.sequence_order, c.name";

fn from_row(row: &Row<'_>) -> Result<Link> {
    Ok(Link {
        id: row.get(0)?,
        parent: row.get(1)?,
        child: row.get(2)?,
        kind: row.word(3)?,
        sequence_order: row.get(4)?,
        properties: row.json(5)?,
        version: row.get(6)?,
        created_at: row.get(7)?,
        updated_at: row.get(8)?,
    })
}

/// Which link a change is about: a parent and a child, narrowed by kind and order when there are several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSelector<'a> {
    pub parent: &'a str,
    pub child: &'a str,
    pub kind: Option<LinkKind>,
    pub order: Option<i64>,
}

impl Reader<'_> {
    /// Every link, by parent, kind, order and child.
    pub fn links(&self) -> Result<Vec<Link>> {
        self.all(&format!("{SELECT} {ORDER}"), (), from_row)
    }

    /// The links from the agent called `parent` to its children.
    pub fn links_of(&self, parent: &str) -> Result<Vec<Link>> {
        self.all(&format!("{SELECT} WHERE p.name = ?1 {ORDER}"), [parent], from_row)
    }

    /// The one link `selector` picks; an error names the choices when it picks none or several.
    pub fn link(&self, selector: &LinkSelector<'_>) -> Result<Link> {
        self.agent_id(selector.parent)?;
        self.agent_id(selector.child)?;
        let mut matches: Vec<Link> = self
            .links_of(selector.parent)?
            .into_iter()
            .filter(|l| l.child == selector.child)
            .filter(|l| selector.kind.is_none_or(|kind| l.kind == kind))
            .filter(|l| selector.order.is_none_or(|order| l.sequence_order == Some(order)))
            .collect();
        let described = format!("{} → {}", selector.parent, selector.child);
        match matches.len() {
            1 => Ok(matches.remove(0)),
            0 => Err(StoreError::NotFound { what: "link", name: described }),
            _ => Err(StoreError::Invalid(format!(
                "link {described} is ambiguous: {}; say which with --type and --order",
                matches.iter().map(describe).collect::<Vec<_>>().join(", ")
            ))),
        }
    }
}

fn describe(link: &Link) -> String {
    match link.sequence_order {
        Some(order) => format!("{} (order {order})", link.kind),
        None => link.kind.to_string(),
    }
}

impl Writer<'_> {
    /// Links `child` to `parent` as `kind`. An ordered kind without `order` goes last. Refused
    /// when the parent's kind cannot have such a child, when the link exists, or when it would
    /// close a cycle or otherwise contradict the graph.
    pub fn create_link(
        &self,
        parent: &str,
        child: &str,
        kind: LinkKind,
        order: Option<i64>,
        properties: &JsonObject,
    ) -> Result<i64> {
        let parent_agent = self.agent(parent)?;
        let child_id = self.agent_id(child)?;
        let subject = format!("link {parent} -{kind}-> {child}");
        let problems = check_link_properties(kind, properties);
        if !problems.is_empty() {
            return Err(StoreError::invalid(&subject, &problems));
        }
        if parent == child {
            return Err(StoreError::Invalid(format!(
                "{subject}: an agent cannot be its own child"
            )));
        }
        if !parent_agent.spec.kind.allows_child(kind) {
            let why = not_allowed_message(parent_agent.spec.kind, kind);
            return Err(StoreError::Invalid(format!(
                "{subject}: agent \"{parent}\" is a {}; {why}",
                parent_agent.spec.kind
            )));
        }
        if order.is_some_and(|o| o < 0) {
            return Err(StoreError::Invalid(format!("{subject}: order must be 0 or more")));
        }
        let order = match (kind.is_ordered(), order) {
            (true, None) => Some(self.next_order(parent_agent.id, kind)?),
            (_, order) => order,
        };
        let exists = self
            .links_of(parent)?
            .iter()
            .any(|l| l.child == child && l.kind == kind && l.sequence_order == order);
        if exists {
            return Err(StoreError::AlreadyExists {
                what: "link",
                name: format!("{parent} -{kind}-> {child}"),
            });
        }
        self.refuse_new_conflicts(|| {
            self.insert_link(parent_agent.id, child_id, kind, order, properties)
        })
    }

    /// Inserts a link row, with no check beyond the schema's.
    pub(super) fn insert_link(
        &self,
        parent: i64,
        child: i64,
        kind: LinkKind,
        order: Option<i64>,
        properties: &JsonObject,
    ) -> Result<i64> {
        self.insert(
            "INSERT INTO agent_links (parent_agent_id, child_agent_id, link_type, sequence_order, properties)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            params![parent, child, kind.as_str(), order, to_json(properties)?],
        )
    }

    /// Changes the order and properties of the link `id`.
    pub fn update_link(
        &self,
        id: i64,
        order: Option<i64>,
        properties: &JsonObject,
    ) -> Result<Outcome> {
        let version: i64 = self
            .first("SELECT version FROM agent_links WHERE id = ?1", [id], |row| row.get(0))?
            .ok_or_else(|| StoreError::NotFound { what: "link", name: format!("#{id}") })?;
        self.refuse_new_conflicts(|| {
            self.exec(
                "UPDATE agent_links SET sequence_order = ?2, properties = ?3 WHERE id = ?1",
                params![id, order, to_json(properties)?],
            )?;
            Ok(())
        })?;
        self.outcome_of_update("agent_links", id, version)
    }

    /// Deletes the link `selector` picks.
    pub fn delete_link(&self, selector: &LinkSelector<'_>) -> Result<Link> {
        let link = self.link(selector)?;
        self.exec("DELETE FROM agent_links WHERE id = ?1", [link.id])?;
        Ok(link)
    }

    fn next_order(&self, parent: i64, kind: LinkKind) -> Result<i64> {
        let next = self.first(
            "SELECT coalesce(max(sequence_order) + 1, 1) FROM agent_links WHERE parent_agent_id = ?1 AND link_type = ?2",
            params![parent, kind.as_str()],
            |row| row.get(0),
        )?;
        Ok(next.unwrap_or(1))
    }
}
