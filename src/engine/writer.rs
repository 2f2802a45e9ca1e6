//! The one writer: a thread that owns the write connection and commits whatever the run tasks
//! send in batches (one transaction per batch, one savepoint per job), so that a fan-out of a
//! thousand agents or several runs at once never meet "database is locked".

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread;

use tokio::sync::{mpsc, oneshot};

use super::error::EngineError;
use crate::store::{
    Location, OwnerId, ProcessIdentity, Result as StoreResult, Store, StoreError, Writer,
};

/// What a job leaves to do once its batch is committed (or failed): hand over its result.
type Finish = Box<dyn FnOnce(Option<&str>) + Send>;

/// One unit of writing: runs inside a savepoint and returns its finisher.
type Job = Box<dyn FnOnce(&Writer<'_>) -> Finish + Send>;

/// How many jobs one transaction takes at most.
const MAX_BATCH: usize = 512;

/// Sends work to the writer thread; cheap to clone.
#[derive(Clone)]
pub struct WriterHandle {
    jobs: mpsc::UnboundedSender<Job>,
    /// Why the last batch that could not begin failed; its jobs were dropped unanswered.
    unstarted: Arc<Mutex<Option<String>>>,
    /// The file, when it is marked read-only.
    read_only: Option<PathBuf>,
}

impl WriterHandle {
    /// Starts the writer thread on its own connection to `path`, after registering this process
    /// (`program` says what it is) as an owner of runs on the file; returns the owner, `None` on a
    /// file marked read-only, where nothing runs.
    ///
    /// On a file marked read-only no job is sent: each is refused at once with an error naming
    /// the file, so a run fails before it starts instead of losing its batches.
    pub fn start(
        db: &Location,
        program: &str,
    ) -> Result<(WriterHandle, Option<OwnerId>), EngineError> {
        let mut store = Store::connect(db)?;
        let read_only = match db {
            Location::File(path) if store.is_read_only() => Some(path.clone()),
            _ => None,
        };
        let owner = match read_only {
            Some(_) => None,
            None => Some(store.write("registering this process as a run owner", |w| {
                w.register_owner(ProcessIdentity::current(), program)
            })?),
        };
        let (jobs, mut queue) = mpsc::unbounded_channel::<Job>();
        let unstarted = Arc::new(Mutex::new(None));
        let why = Arc::clone(&unstarted);
        thread::Builder::new()
            .name("agentloom-writer".into())
            .spawn(move || {
                while let Some(first) = queue.blocking_recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match queue.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    commit(&mut store, batch, &why);
                }
            })
            .map_err(|error| EngineError::WriterGone(error.to_string()))?;
        Ok((WriterHandle { jobs, unstarted, read_only }, owner))
    }

    /// Why a job was dropped unanswered: the error that kept its batch from beginning.
    fn why_dropped(&self) -> String {
        let why = self.unstarted.lock().ok().and_then(|why| why.clone());
        why.unwrap_or_else(|| "a batch was dropped".into())
    }

    /// The error every write gets when the file is read-only.
    pub fn refusal(&self) -> Option<StoreError> {
        let path = self.read_only.clone()?;
        Some(StoreError::ReadOnly { path, action: "running" })
    }

    /// Waits until everything sent so far is committed.
    pub async fn flush(&self) -> Result<(), EngineError> {
        self.call(|_| Ok(())).await
    }

    /// Runs `write` in the writer and waits until it is committed; returns what it returned.
    pub async fn call<T: Send + 'static>(
        &self,
        write: impl FnOnce(&Writer<'_>) -> StoreResult<T> + Send + 'static,
    ) -> Result<T, EngineError> {
        if let Some(refusal) = self.refusal() {
            return Err(refusal.into());
        }
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |writer| {
            let result = writer.within_savepoint(write);
            Box::new(move |commit_error| {
                let _ = reply.send(finished(result, commit_error));
            })
        });
        self.jobs.send(job).map_err(|_| EngineError::WriterGone("it has shut down".into()))?;
        let result = answer.await.map_err(|_| EngineError::WriterGone(self.why_dropped()))?;
        Ok(result?)
    }

    /// `call` for a plain thread, outside the async runtime: blocks until `write` is committed.
    pub fn call_blocking<T: Send + 'static>(
        &self,
        write: impl FnOnce(&Writer<'_>) -> StoreResult<T> + Send + 'static,
    ) -> Result<T, EngineError> {
        if let Some(refusal) = self.refusal() {
            return Err(refusal.into());
        }
        let (reply, answer) = std::sync::mpsc::channel();
        let job: Job = Box::new(move |writer| {
            let result = writer.within_savepoint(write);
            Box::new(move |commit_error| {
                let _ = reply.send(finished(result, commit_error));
            })
        });
        self.jobs.send(job).map_err(|_| EngineError::WriterGone("it has shut down".into()))?;
        let result = answer.recv().map_err(|_| EngineError::WriterGone(self.why_dropped()))?;
        Ok(result?)
    }

    /// Queues `write` without waiting; a failure is reported on standard error, as no caller waits for it.
    pub fn send(&self, write: impl FnOnce(&Writer<'_>) -> StoreResult<()> + Send + 'static) {
        if let Some(refusal) = self.refusal() {
            // Said once: on a read-only file every log record would say it again.
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| eprintln!("agentloom: records are not written: {refusal}"));
            return;
        }
        let job: Job = Box::new(move |writer| {
            let result = writer.within_savepoint(write);
            Box::new(move |commit_error| {
                if let Some(message) = commit_error {
                    eprintln!("agentloom: a record could not be written: {message}");
                } else if let Err(error) = result {
                    eprintln!("agentloom: a record could not be written: {error}");
                }
            })
        });
        if self.jobs.send(job).is_err() {
            eprintln!("agentloom: a record could not be written: the writer has shut down");
        }
    }
}

/// What a job returns once its batch is over: its own result, unless the batch failed to commit.
fn finished<T>(result: StoreResult<T>, commit_error: Option<&str>) -> StoreResult<T> {
    match commit_error {
        Some(message) => Err(StoreError::Invalid(message.to_owned())),
        None => result,
    }
}

/// Commits `batch` in one transaction. When the transaction cannot even begin, its jobs never
/// run: the reason goes to `unstarted` before they are dropped, for their callers to report.
fn commit(store: &mut Store, batch: Vec<Job>, unstarted: &Mutex<Option<String>>) {
    let mut finishers = Vec::with_capacity(batch.len());
    let mut pending = batch.into_iter();
    let outcome = store.write("recording a run", |writer| {
        for job in pending.by_ref() {
            finishers.push(job(writer));
        }
        Ok(())
    });
    let error = outcome.err().map(|e| e.to_string());
    if pending.len() > 0
        && let (Some(error), Ok(mut why)) = (&error, unstarted.lock())
    {
        *why = Some(error.clone());
    }
    drop(pending);
    for finish in finishers {
        finish(error.as_deref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_batch_that_cannot_begin_tells_its_callers_why() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("locked.db");
        let (writer, _owner) = WriterHandle::start(&path.clone().into(), "test").expect("writer");
        let (held, release) = (std::sync::mpsc::channel(), std::sync::mpsc::channel::<()>());
        let mut other = Store::open(&path).expect("second connection");
        // Another writer holds the file's write lock past the busy timeout.
        let holder = thread::spawn(move || {
            other.write("holding the lock", |_| {
                let _ = held.0.send(());
                let _ = release.1.recv();
                Ok(())
            })
        });
        held.1.recv().expect("the lock is held");
        let error = writer.flush().await.expect_err("the file is locked");
        let _ = release.0.send(());
        holder.join().expect("holder").expect("the holder commits");
        let message = error.to_string();
        assert!(message.contains("database is locked"), "{message}");
        assert!(!message.contains("a batch was dropped"), "{message}");
    }
}
