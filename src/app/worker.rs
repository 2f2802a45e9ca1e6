//! The worker thread that owns the window's write connection: edits go in over a channel, their
//! outcomes come back, and the window is asked to repaint. The UI thread never waits on SQLite writes.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread;

use super::edits::{Edit, apply};
use crate::store::{Location, Store};

/// What became of an edit.
pub type Outcome = Result<String, String>;

/// Sends edits to the worker and receives their outcomes.
pub struct Worker {
    edits: Sender<Edit>,
    outcomes: Receiver<Outcome>,
}

impl Worker {
    /// Starts a worker on its own connection to `db`, applying edits as `editor`; `wake` is
    /// called after each edit.
    pub fn start(
        db: &Location,
        editor: String,
        wake: impl Fn() + Send + 'static,
    ) -> Result<Worker, crate::store::StoreError> {
        let mut store = Store::connect(db)?;
        let (edits, inbox) = channel::<Edit>();
        let (outbox, outcomes) = channel::<Outcome>();
        thread::Builder::new()
            .name("agentloom-edits".into())
            .spawn(move || {
                for edit in inbox {
                    if outbox.send(apply(&mut store, &editor, edit)).is_err() {
                        break;
                    }
                    wake();
                }
            })
            .map_err(|e| {
                crate::store::StoreError::Invalid(format!("cannot start the edit worker: {e}"))
            })?;
        Ok(Worker { edits, outcomes })
    }

    /// Queues `edit`.
    pub fn send(&self, edit: Edit) {
        let _ = self.edits.send(edit);
    }

    /// Outcomes that arrived since the last call.
    pub fn outcomes(&self) -> Vec<Outcome> {
        self.outcomes.try_iter().collect()
    }
}
