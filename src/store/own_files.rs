//! The files that make up the database (the file and its `-wal`, `-shm` and `-journal`), which
//! nothing but SQLite may open while a connection is open: an import may not read them and an
//! export may not write over them.

use std::path::{Path, PathBuf};

use super::Store;
use super::error::{Result, StoreError};

/// The suffixes SQLite adds to the database's name for the files beside it.
const COMPANIONS: [&str; 4] = ["", "-wal", "-shm", "-journal"];

impl Store {
    /// Refuses `path` for `action` (reading or writing a document) when it is one of this
    /// database's own files: opening one outside SQLite would drop the process's locks on the file,
    /// and writing one would destroy the database.
    pub fn refuse_own_file(&self, path: &Path, action: &str) -> Result<()> {
        let Some(file) = self.location().file() else {
            return Ok(());
        };
        let (Some(given), Some(database)) = (resolved(path), resolved(file)) else {
            return Ok(());
        };
        let own = COMPANIONS.iter().any(|suffix| {
            let mut name = database.as_os_str().to_owned();
            name.push(suffix);
            given.as_os_str() == name
        });
        if own {
            return Err(StoreError::Invalid(format!(
                "{}: this is the database's own file; {action} it would damage the database \
                 (give another path)",
                path.display()
            )));
        }
        Ok(())
    }
}

/// `path` with its folder resolved (links followed; by `stat`, never opening it), whether or not
/// the file itself exists yet.
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(real) = path.canonicalize() {
        return Some(real);
    }
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    Some(parent.canonicalize().ok()?.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_and_the_files_beside_it_are_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("own.db");
        let store = Store::open(&path).expect("store");
        for name in ["own.db", "own.db-wal", "own.db-shm", "own.db-journal"] {
            let error = store.refuse_own_file(&dir.path().join(name), "exporting to");
            let message = error.expect_err(name).to_string();
            assert!(message.contains("own file; exporting to it would damage"), "{message}");
        }
        let linked = dir.path().join("sub").join("..").join("own.db");
        std::fs::create_dir(dir.path().join("sub")).expect("sub");
        assert!(
            store.refuse_own_file(&linked, "importing").is_err(),
            "the same file by another path"
        );
        assert!(store.refuse_own_file(&dir.path().join("other.yaml"), "exporting to").is_ok());
    }
}
