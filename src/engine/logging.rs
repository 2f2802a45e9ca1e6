//! A tracing layer that writes events to the logs table, tagged with the session, run, span and
//! agent of the engine span they happen in, so that what any code logs during a run (the engine,
//! genai, later rmcp) lands next to the run. Every secret the process resolved is scrubbed from
//! an event's message and fields before the row is written.

use std::fmt::Write as _;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::writer::WriterHandle;
use crate::llm::scrub_secrets;
use crate::model::LogLevel;
use crate::store::NewLog;

/// Writes tracing events at `min_level` or above into the logs table.
pub struct DbLogLayer {
    writer: WriterHandle,
    min_level: Level,
}

impl DbLogLayer {
    pub(super) fn new(writer: WriterHandle, min_level: Level) -> DbLogLayer {
        DbLogLayer { writer, min_level }
    }
}

/// The ids an engine span carries (`run_id`, `span_id`, `session_id`, `agent`).
#[derive(Debug, Clone, Default)]
struct Ids {
    session_id: Option<i64>,
    run_id: Option<i64>,
    span_id: Option<i64>,
    agent: Option<String>,
}

impl Visit for Ids {
    fn record_i64(&mut self, field: &Field, value: i64) {
        match field.name() {
            "session_id" => self.session_id = Some(value),
            "run_id" => self.run_id = Some(value),
            "span_id" => self.span_id = Some(value),
            _ => {}
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.record_i64(field, value as i64);
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "agent" {
            self.agent = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

/// An event's message and its other fields.
#[derive(Default)]
struct Fields {
    message: String,
    data: serde_json::Map<String, serde_json::Value>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.data.insert(field.name().to_owned(), scrub_secrets(value).into_owned().into());
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.data.insert(field.name().to_owned(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.data.insert(field.name().to_owned(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.data.insert(field.name().to_owned(), value.into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let text = format!("{value:?}");
            self.data.insert(field.name().to_owned(), scrub_secrets(&text).into_owned().into());
        }
    }
}

fn level_of(level: &Level) -> LogLevel {
    match *level {
        Level::TRACE => LogLevel::Trace,
        Level::DEBUG => LogLevel::Debug,
        Level::INFO => LogLevel::Info,
        Level::WARN => LogLevel::Warn,
        Level::ERROR => LogLevel::Error,
    }
}

impl<S> Layer<S> for DbLogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut ids = Ids::default();
        attributes.record(&mut ids);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(ids);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if *event.metadata().level() > self.min_level {
            return;
        }
        let mut ids = Ids::default();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope {
                if let Some(found) = span.extensions().get::<Ids>() {
                    ids.session_id = ids.session_id.or(found.session_id);
                    ids.run_id = ids.run_id.or(found.run_id);
                    ids.span_id = ids.span_id.or(found.span_id);
                    ids.agent = ids.agent.clone().or_else(|| found.agent.clone());
                }
            }
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let log = NewLog {
            level: level_of(event.metadata().level()),
            target: event.metadata().target().to_owned(),
            message: scrub_secrets(&fields.message).into_owned(),
            data: (!fields.data.is_empty()).then_some(serde_json::Value::Object(fields.data)),
            session_id: ids.session_id,
            run_id: ids.run_id,
            span_id: ids.span_id,
            agent: ids.agent,
        };
        self.writer.send(move |w| w.write_log(&log));
    }
}
