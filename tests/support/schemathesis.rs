//! schemathesis from PyPI as a test peer: installed on first use into a virtual environment under
//! the target directory from `tests/peers/schemathesis-requirements.txt` (every package pinned),
//! once across concurrent test binaries (`install_lock.rs`).

#![allow(dead_code)]

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use super::support::install_lock::InstallLock;

/// How long an install (or waiting for another test binary's) may take.
const INSTALL_DEADLINE: Duration = Duration::from_secs(600);
/// A lock file older than this is left over from a killed install.
const STALE_LOCK: Duration = Duration::from_secs(900);

/// The pinned requirements.
fn requirements() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/schemathesis-requirements.txt")
}

/// Where the virtual environment lives: inside the target directory, shared by test binaries.
fn venv_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("peers").join("schemathesis-venv")
}

/// The `st` command of the installed schemathesis, installing it first if needed. Done once per
/// test process.
pub fn installed_st() -> PathBuf {
    static ST: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    ST.get_or_init(install).clone().unwrap_or_else(|why| panic!("{why}"))
}

fn install() -> Result<PathBuf, String> {
    let pinned = fs::read_to_string(requirements())
        .map_err(|e| format!("cannot read {}: {e}", requirements().display()))?;
    let venv = venv_dir();
    let st = venv.join("bin").join("st");
    let marker = venv.join("installed-requirements.txt");
    let installed = || fs::read_to_string(&marker).is_ok_and(|done| done == pinned) && st.is_file();
    if installed() {
        return Ok(st);
    }
    let parent = venv.parent().unwrap_or(&venv);
    fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let lock = parent.join("schemathesis.install.lock");
    let _lock = InstallLock::acquire(&lock, "schemathesis", INSTALL_DEADLINE, STALE_LOCK)?;
    if !installed() {
        let _ = fs::remove_dir_all(&venv);
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv), "python3 -m venv")?;
        run(
            Command::new(venv.join("bin").join("pip"))
                .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
                .arg(requirements()),
            "pip install -r tests/peers/schemathesis-requirements.txt",
        )?;
        fs::write(&marker, &pinned)
            .map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
    }
    Ok(st)
}

fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let output = command.stdin(Stdio::null()).output().map_err(|e| match e.kind() {
        ErrorKind::NotFound => {
            format!("`{what}`: python3 is not on PATH; the schemathesis test needs Python >= 3.10")
        }
        _ => format!("cannot run `{what}`: {e}"),
    })?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "`{what}` failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}
