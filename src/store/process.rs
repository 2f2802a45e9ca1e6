//! Who this process is (host, pid, when it started) and whether a process a run owner names is
//! still alive on this host: a dead pid here is gone at once; elsewhere only the lease can tell.

use std::sync::OnceLock;

/// A process as a run owner row names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessIdentity {
    pub host: String,
    pub pid: u32,
    /// When the process started, as the OS tells it (boot and clock ticks on Linux); `None` where
    /// the OS does not say, and then a live pid is taken at its word.
    pub start: Option<String>,
}

/// What this host can tell about a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    Alive,
    /// It exited, or its pid now belongs to a later process.
    Gone,
    /// It runs on another host: only its lease can say.
    Unknown,
}

impl ProcessIdentity {
    /// This process.
    pub fn current() -> &'static ProcessIdentity {
        static CURRENT: OnceLock<ProcessIdentity> = OnceLock::new();
        CURRENT.get_or_init(|| {
            let pid = std::process::id();
            ProcessIdentity { host: host_name(), pid, start: start_of(pid) }
        })
    }

    /// Whether the process `other` still runs, as far as this host can tell.
    pub fn liveness_of(&self, other: &ProcessIdentity) -> Liveness {
        if other.host != self.host {
            return Liveness::Unknown;
        }
        if other.pid == self.pid && other.start == self.start {
            return Liveness::Alive;
        }
        if !pid_exists(other.pid) || is_zombie(other.pid) {
            return Liveness::Gone;
        }
        match (&other.start, start_of(other.pid)) {
            (Some(recorded), Some(now)) if *recorded != now => Liveness::Gone,
            _ => Liveness::Alive,
        }
    }
}

/// This machine's name.
fn host_name() -> String {
    #[cfg(unix)]
    let name = nix::unistd::gethostname().ok().and_then(|name| name.into_string().ok());
    #[cfg(not(unix))]
    let name = std::env::var("COMPUTERNAME").ok();
    name.filter(|name| !name.is_empty()).unwrap_or_else(|| "localhost".to_owned())
}

/// Whether a process with this pid exists (a signal 0 reaches it, or it belongs to another user).
#[cfg(unix)]
fn pid_exists(pid: u32) -> bool {
    use nix::errno::Errno;
    use nix::sys::signal::kill;
    use nix::unistd::Pid;
    let Ok(pid) = i32::try_from(pid) else { return false };
    !matches!(kill(Pid::from_raw(pid), None), Err(Errno::ESRCH))
}

#[cfg(not(unix))]
fn pid_exists(_pid: u32) -> bool {
    true
}

/// Whether process `pid` has exited and only waits for its parent to reap it (Linux).
fn is_zombie(pid: u32) -> bool {
    stat_fields(pid).is_some_and(|fields| fields.first().is_some_and(|state| *state == "Z"))
}

/// The fields of /proc/PID/stat after the command name (which may hold spaces and parentheses):
/// the state first. `None` off Linux or when the process is gone.
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    Some(after_name.split_whitespace().map(str::to_owned).collect())
}

/// When process `pid` started: the boot it started in and its start time in clock ticks since
/// that boot (fields of /proc), so that a pid given again to a later process, even after a
/// reboot, reads differently. `None` off Linux.
fn start_of(pid: u32) -> Option<String> {
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    // Field 22 of /proc/PID/stat, the 20th after the command name.
    let ticks = stat_fields(pid)?.into_iter().nth(19)?;
    Some(format!("{}:{ticks}", boot.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_this_process_alive_and_a_finished_one_gone() {
        let me = ProcessIdentity::current();
        assert_eq!(me.liveness_of(me), Liveness::Alive);
        let mut child = std::process::Command::new("true").spawn().expect("spawn");
        let pid = child.id();
        let recorded = ProcessIdentity { pid, start: start_of(pid), ..me.clone() };
        // Exited but not yet reaped: a zombie is gone too.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !is_zombie(pid) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(me.liveness_of(&recorded), Liveness::Gone, "a zombie");
        child.wait().expect("wait");
        assert_eq!(me.liveness_of(&recorded), Liveness::Gone);
        let elsewhere = ProcessIdentity { host: "another-host".into(), ..recorded };
        assert_eq!(me.liveness_of(&elsewhere), Liveness::Unknown);
    }

    #[test]
    fn a_pid_given_to_a_later_process_is_not_the_owner() {
        let me = ProcessIdentity::current();
        let earlier = ProcessIdentity { start: Some("another boot:1".into()), ..me.clone() };
        if me.start.is_some() {
            assert_eq!(me.liveness_of(&ProcessIdentity { pid: me.pid, ..earlier }), Liveness::Gone);
        }
    }
}
