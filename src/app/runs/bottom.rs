//! The bottom panel: tabs for the problems of the open workflow and for runs (messages, logs, run
//! history, trace, comparison).

use eframe::egui;

use super::compare::compare_ui;
use super::history::history_ui;
use super::logs::logs_ui;
use super::messages::messages_ui;
use super::trace::trace_ui;
use crate::app::AgentLoomApp;

/// The tabs of the bottom panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Problems,
    Messages,
    Logs,
    Runs,
    Trace,
    Compare,
}

impl Tab {
    const ALL: [Tab; 6] =
        [Tab::Problems, Tab::Messages, Tab::Logs, Tab::Runs, Tab::Trace, Tab::Compare];

    fn title(self) -> &'static str {
        match self {
            Tab::Problems => "Problems",
            Tab::Messages => "Messages",
            Tab::Logs => "Logs",
            Tab::Runs => "Runs",
            Tab::Trace => "Trace",
            Tab::Compare => "Compare",
        }
    }
}

pub fn bottom_panel(app: &mut AgentLoomApp, ui: &mut egui::Ui) {
    egui::Panel::bottom("bottom").resizable(true).default_size(260.0).min_size(120.0).show(
        ui,
        |ui| {
            ui.horizontal(|ui| {
                for tab in Tab::ALL {
                    let title = match tab {
                        Tab::Problems => {
                            format!("Problems ({})", app.snapshot.canvas_problems().len())
                        }
                        Tab::Runs => format!("Runs ({})", app.runs.history.len()),
                        _ => tab.title().to_owned(),
                    };
                    ui.selectable_value(&mut app.runs.tab, tab, title);
                }
            });
            ui.separator();
            match app.runs.tab {
                Tab::Problems => crate::app::panels::problems_ui(app, ui),
                Tab::Messages => messages_ui(&app.runs, ui),
                Tab::Logs => logs_ui(&mut app.runs, ui),
                Tab::Runs => history_ui(&mut app.runs, ui),
                Tab::Trace => trace_ui(&mut app.runs, ui),
                Tab::Compare => compare_ui(&mut app.runs, ui),
            }
        },
    );
}
