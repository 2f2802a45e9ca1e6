//! Two designers on one database (a SQLite file, a PostgreSQL server): each one's canvas shows an
//! agent the other drops from the palette within a second, and each one's undo takes back their
//! own edit, never the other's.

#![cfg(feature = "gui")]

#[path = "support/app_window.rs"]
mod app_window;
mod support;

use std::time::{Duration, Instant};

use agentloom::store::{Location, Store};
use app_window::{Window, open_as, texts};
use eframe::egui::accesskit::Role;
use eframe::egui::pos2;
use egui_kittest::kittest::Queryable;
use support::backends::Backend;

fn exists(db: &Location, agent: &str) -> bool {
    let store = Store::connect(db).expect("store");
    store.read(|r| r.find_agent(agent)).expect("read").is_some()
}

/// Whether `window`'s canvas shows a node titled `agent`.
fn shows(window: &Window, agent: &str) -> bool {
    window
        .harness
        .query_all_by(|node| node.role() == Role::Label && texts(node).iter().any(|t| t == agent))
        .next()
        .is_some()
}

/// Steps both windows until `done`, for at most `limit`; returns how long it took.
fn step_until(
    windows: &mut [&mut Window],
    limit: Duration,
    what: &str,
    done: impl Fn(&[&mut Window]) -> bool,
) -> Duration {
    let started = Instant::now();
    while !done(windows) {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        for window in windows.iter_mut() {
            window.harness.step();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    started.elapsed()
}

fn two_designers_see_each_others_edits_and_undo_their_own(backend: Backend) {
    let db = backend.fresh();
    let mut store = Store::connect(&db.location).expect("store");
    agentloom::interchange::seed_examples(&mut store).expect("examples");
    drop(store);
    let mut ann = open_as(&db.location, "writing_chain", "ann@one");
    let mut bob = open_as(&db.location, "writing_chain", "bob@two");

    ann.drag_from_palette("chain", pos2(700.0, 80.0));
    let location = db.location.clone();
    step_until(&mut [&mut ann, &mut bob], Duration::from_secs(10), "Ann's drop is stored", |_| {
        exists(&location, "chain_1")
    });
    let seen = step_until(&mut [&mut ann, &mut bob], Duration::from_secs(1), "Bob sees it", |w| {
        shows(w[1], "chain_1")
    });
    eprintln!("Bob saw Ann's agent {seen:?} after it was stored");

    bob.drag_from_palette("router", pos2(700.0, 420.0));
    step_until(&mut [&mut ann, &mut bob], Duration::from_secs(10), "Bob's drop is stored", |_| {
        exists(&location, "router_1")
    });
    step_until(&mut [&mut ann, &mut bob], Duration::from_secs(1), "Ann sees it", |w| {
        shows(w[0], "router_1")
    });

    // Ann's undo takes back her agent, though Bob's edit came later.
    ann.harness.get_by_label("Undo").click();
    step_until(&mut [&mut ann, &mut bob], Duration::from_secs(10), "Ann's undo", |_| {
        !exists(&location, "chain_1")
    });
    assert!(exists(&location, "router_1"), "Ann's undo took back Bob's edit");
    step_until(&mut [&mut ann, &mut bob], Duration::from_secs(1), "Bob sees the undo", |w| {
        !shows(w[1], "chain_1") && shows(w[1], "router_1")
    });
}

on_both_backends!(two_designers_see_each_others_edits_and_undo_their_own);
