//! A transport wrapper that hands a server's progress and log notifications to the call they
//! belong to as soon as they are read, before the messages after them. rmcp handles each
//! notification in a task of its own, so a notification sent just before a call's answer could
//! otherwise reach the caller after the answer, when nobody listens any more.

use std::future::Future;

use rmcp::model::{JsonRpcMessage, JsonRpcNotification, ServerNotification};
use rmcp::service::{RoleClient, RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use serde_json::Value;

use super::client::Callers;
use super::types::ServerAsk;

/// `inner`, with every notification it receives shown to `callers` first.
pub struct Observed<T> {
    pub inner: T,
    pub callers: Callers,
}

impl<T: Transport<RoleClient>> Transport<RoleClient> for Observed<T> {
    type Error = T::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleClient>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        self.inner.send(item)
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleClient>> {
        let message = self.inner.receive().await?;
        if let JsonRpcMessage::Notification(notification) = &message {
            route(&self.callers, notification);
        }
        Some(message)
    }

    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.inner.close()
    }
}

/// Progress goes to the call whose token it names, a log message to the newest call.
fn route(callers: &Callers, notification: &JsonRpcNotification<ServerNotification>) {
    let Ok(wire) = serde_json::to_value(notification) else { return };
    let params = &wire["params"];
    match wire["method"].as_str() {
        Some("notifications/progress") => {
            if let Some(asks) = callers.for_token(&params["progressToken"]) {
                let _ = asks.send(ServerAsk::Progress {
                    progress: params["progress"].as_f64().unwrap_or_default(),
                    total: params["total"].as_f64(),
                    message: params["message"].as_str().map(str::to_owned),
                });
            }
        }
        Some("notifications/message") => {
            let level = params["level"].as_str().unwrap_or("info").to_owned();
            let logger = params["logger"].as_str().map(str::to_owned);
            let data = params.get("data").cloned().unwrap_or(Value::Null);
            match callers.newest() {
                Some(asks) => {
                    let _ = asks.send(ServerAsk::Log { level, logger, data });
                }
                None => tracing::info!(%level, %data, "MCP server log"),
            }
        }
        _ => {}
    }
}
