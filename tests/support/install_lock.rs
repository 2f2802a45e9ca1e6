//! A lock file that lets one test binary install a peer (npm, PyPI) while the others wait:
//! created with `create_new`, removed on drop, broken when a killed install left it behind.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

/// A lock file created with `create_new`, so one test binary installs while the others wait;
/// removed on drop.
pub struct InstallLock {
    path: PathBuf,
}

impl InstallLock {
    /// Takes the lock at `path` for installing `what`, waiting up to `wait` for another holder and
    /// breaking a lock older than `stale`.
    pub fn acquire(
        path: &Path,
        what: &str,
        wait: Duration,
        stale: Duration,
    ) -> Result<InstallLock, String> {
        let deadline = Instant::now() + wait;
        loop {
            match OpenOptions::new().write(true).create_new(true).open(path) {
                Ok(mut file) => {
                    let _ = writeln!(file, "{}", std::process::id());
                    return Ok(InstallLock { path: path.to_owned() });
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    if is_stale(path, stale) {
                        let _ = fs::remove_file(path);
                        continue;
                    }
                    if Instant::now() > deadline {
                        return Err(format!(
                            "waited {} s for another install of {what} to finish; remove {} \
                             if no test is running",
                            wait.as_secs(),
                            path.display()
                        ));
                    }
                    thread::sleep(Duration::from_millis(200));
                }
                Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
            }
        }
    }
}

/// Whether the lock at `path` was left by an install that died long ago.
fn is_stale(path: &Path, stale: Duration) -> bool {
    File::open(path)
        .and_then(|f| f.metadata())
        .and_then(|m| m.modified())
        .ok()
        .and_then(|modified| SystemTime::now().duration_since(modified).ok())
        .is_some_and(|age| age > stale)
}

impl Drop for InstallLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}
