//! The answer of `agentloom run` as it streams to standard output. A model call that fails after
//! streaming and is retried retracts its text; standard output must still equal the recorded
//! answer, so a call's text is held until the call ends. On a terminal it is also shown as it
//! comes, and a retraction says on standard error that the text above is dropped.

use std::collections::HashMap;
use std::io::Write;

/// Text of the model calls still going, by span, and what reached standard output.
pub(super) struct StreamedAnswer {
    /// Whether text is shown as it comes (standard output is a terminal).
    live: bool,
    held: HashMap<i64, String>,
    /// Whether any text was printed.
    pub(super) printed: bool,
    /// Whether the last text printed did not end its line.
    pub(super) mid_line: bool,
}

impl StreamedAnswer {
    pub(super) fn new(live: bool) -> StreamedAnswer {
        StreamedAnswer { live, held: HashMap::new(), printed: false, mid_line: false }
    }

    /// A batch of text of the call `span_id`.
    pub(super) fn text(&mut self, span_id: i64, text: &str) {
        self.held.entry(span_id).or_default().push_str(text);
        if self.live {
            self.print(text);
        }
    }

    /// The call `span_id` is retried or its answer cut: what it streamed is not the answer.
    pub(super) fn retract(&mut self, span_id: i64) {
        let dropped = self.held.remove(&span_id).is_some_and(|text| !text.is_empty());
        if self.live && dropped {
            self.mid_line = false;
            eprintln!(
                "\n↻ the text above is dropped: the model call is retried, or its answer was cut"
            );
        }
    }

    /// The call `span_id` ended: its text is final when it `succeeded`.
    pub(super) fn finish(&mut self, span_id: i64, succeeded: bool) {
        if let Some(text) = self.held.remove(&span_id)
            && succeeded
            && !self.live
        {
            self.print(&text);
        }
    }

    fn print(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let mut stdout = std::io::stdout();
        let _ = stdout.write_all(text.as_bytes());
        let _ = stdout.flush();
        self.printed = true;
        self.mid_line = !text.ends_with('\n');
    }
}
