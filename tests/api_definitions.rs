//! The REST service's definitions endpoints (`/agents`, `/workflows`, `/links`, `/llm-configs`,
//! `/mcp-servers`) against `agentloom serve --http` on 127.0.0.1: create, read, change (versions
//! go up), delete, and every error path with its status, its message (the CLI's words), and
//! nothing stored changed.

#[path = "support/api_server.rs"]
mod api_server;
mod support;

use api_server::{Http, echo_service as service};
use serde_json::{Value, json};
use support::Sandbox;
use support::backends::Backend;

/// Sends `requests`, each expected to fail with `status` and a message containing its needle,
/// and checks that none of them changed a stored row.
fn refused(sandbox: &Sandbox, http: &Http, requests: &[(&str, &str, Value, u16, &str)]) {
    let before = sandbox.dump();
    for (method, path, body, status, needle) in requests {
        let reply = match *method {
            "POST" => http.post(path, body.clone()),
            "PUT" => http.put(path, body.clone()),
            "DELETE" => http.delete(path),
            _ => http.get(path),
        };
        reply.error(*status, needle);
    }
    assert_eq!(before, sandbox.dump(), "a refused request changed the database");
}

fn agents_are_created_read_changed_and_deleted(backend: Backend) {
    let (sandbox, _server, http) = service(backend);
    let created = http
        .post(
            "/agents",
            json!({"name": "writer", "kind": "basic", "llm": "echo", "instruction": "Write {{input}}",
                   "request_params": {"temperature": 0.2}}),
        )
        .expect(201);
    assert_eq!(created["name"], "writer");
    assert_eq!(created["kind"], "basic");
    assert_eq!(created["llm"], "echo");
    assert_eq!(created["version"], 1);
    assert_eq!(http.get("/agents/writer").expect(200), created);
    assert_eq!(http.get("/agents").expect(200), json!([created]));

    let changed = http.put("/agents/writer", json!({"description": "drafts"})).expect(200);
    assert_eq!(changed["description"], "drafts");
    assert_eq!(changed["instruction"], "Write {{input}}", "fields not given stay");
    assert_eq!(changed["version"], 2);
    let same = http.put("/agents/writer", json!({"description": "drafts"})).expect(200);
    assert_eq!(same["version"], 2, "an update that changes nothing keeps the version");
    let cleared = http.put("/agents/writer", json!({"llm": null})).expect(200);
    assert_eq!(cleared["llm"], Value::Null);

    http.post("/agents", json!({"name": "editor", "kind": "chain"})).expect(201);
    http.post("/links", json!({"parent": "editor", "child": "writer", "kind": "chains_to"}))
        .expect(201);
    let renamed = http.put("/agents/writer", json!({"name": "author"})).expect(200);
    assert_eq!(renamed["name"], "author");
    assert_eq!(http.get("/links?parent=editor").expect(200)[0]["child"], "author");

    refused(
        &sandbox,
        &http,
        &[
            (
                "POST",
                "/agents",
                json!({"name": "author", "kind": "basic"}),
                409,
                "agent \"author\" already exists",
            ),
            ("POST", "/agents", json!({"kind": "basic"}), 400, "name: required to create an agent"),
            ("POST", "/agents", json!({"name": "x"}), 400, "kind: required to create an agent"),
            (
                "POST",
                "/agents",
                json!({"name": "x", "kind": "wizard"}),
                400,
                "kind: unknown agent type \"wizard\"",
            ),
            (
                "POST",
                "/agents",
                json!({"name": "x", "kind": "basic", "use_history": "yes"}),
                400,
                "use_history: invalid type",
            ),
            (
                "POST",
                "/agents",
                json!({"name": "x", "kind": "basic", "instructions": "typo"}),
                400,
                "unknown field `instructions`",
            ),
            (
                "POST",
                "/agents",
                json!({"name": "my writer", "kind": "basic"}),
                400,
                "agent name \"my writer\" contains ' '",
            ),
            (
                "POST",
                "/agents",
                json!({"name": "x", "kind": "basic", "llm": "nope"}),
                404,
                "LLM config \"nope\" does not exist",
            ),
            (
                "POST",
                "/agents",
                json!({"name": "x", "kind": "chain", "options": {"cumulativ": true}}),
                400,
                "cumulativ",
            ),
            (
                "PUT",
                "/agents/ghost",
                json!({"description": "x"}),
                404,
                "agent \"ghost\" does not exist",
            ),
            (
                "PUT",
                "/agents/editor",
                json!({"kind": "router"}),
                400,
                "cannot become a router agent",
            ),
            (
                "PUT",
                "/agents/author",
                json!({"name": "editor"}),
                409,
                "agent \"editor\" already exists",
            ),
            (
                "PUT",
                "/agents/editor",
                json!({"llm_overrides": [{"purpose": "planning", "llm": "echo"}]}),
                400,
                "makes no planning calls",
            ),
            ("GET", "/agents/ghost", Value::Null, 404, "agent \"ghost\" does not exist"),
            (
                "DELETE",
                "/agents/author",
                Value::Null,
                409,
                "agent \"author\" is used by link editor -chains_to-> author",
            ),
            ("DELETE", "/agents/ghost", Value::Null, 404, "agent \"ghost\" does not exist"),
        ],
    );

    assert_eq!(http.delete("/agents/author?cascade=true").status, 204);
    http.get("/agents/author").error(404, "does not exist");
    assert_eq!(http.get("/links").expect(200), json!([]), "the cascade took its link");
    http.delete("/agents/editor?cascade=maybe").error(400, "cascade");
}

fn workflows_are_created_read_changed_and_deleted(backend: Backend) {
    let (sandbox, _server, http) = service(backend);
    http.post("/agents", json!({"name": "helper", "kind": "basic", "llm": "echo"})).expect(201);
    let created = http
        .post("/workflows", json!({"name": "help", "root": "helper", "description": "Helps"}))
        .expect(201);
    assert_eq!(created["root"], "helper");
    assert_eq!(created["webhook_url"], Value::Null);
    let hooked =
        http.put("/workflows/help", json!({"webhook_url": "http://127.0.0.1:9/hook"})).expect(200);
    assert_eq!(hooked["webhook_url"], "http://127.0.0.1:9/hook");
    assert_eq!(hooked["version"], 2);
    assert_eq!(http.put("/workflows/help", json!({"webhook_url": null})).expect(200)["version"], 3);
    assert_eq!(http.get("/workflows").expect(200).as_array().map(Vec::len), Some(1));

    refused(
        &sandbox,
        &http,
        &[
            (
                "POST",
                "/workflows",
                json!({"name": "help", "root": "helper"}),
                409,
                "workflow \"help\" already exists",
            ),
            (
                "POST",
                "/workflows",
                json!({"name": "w2"}),
                400,
                "root: required to create a workflow",
            ),
            (
                "POST",
                "/workflows",
                json!({"name": "w2", "root": "ghost"}),
                404,
                "agent \"ghost\" does not exist",
            ),
            (
                "PUT",
                "/workflows/help",
                json!({"webhook_url": "ftp://x"}),
                400,
                "webhook URL \"ftp://x\" must be an http:// or https:// URL",
            ),
            ("PUT", "/workflows/ghost", json!({}), 404, "workflow \"ghost\" does not exist"),
            ("DELETE", "/workflows/ghost", Value::Null, 404, "workflow \"ghost\" does not exist"),
        ],
    );
    assert_eq!(http.delete("/workflows/help").status, 204);
    http.get("/workflows/help").error(404, "workflow \"help\" does not exist");
    http.get("/agents/helper").expect(200);
}

fn links_are_created_read_changed_and_deleted(backend: Backend) {
    let (sandbox, _server, http) = service(backend);
    for (name, kind) in [("pipeline", "chain"), ("a", "basic"), ("b", "basic"), ("loop", "chain")] {
        http.post("/agents", json!({"name": name, "kind": kind, "llm": "echo"})).expect(201);
    }
    let first = http
        .post("/links", json!({"parent": "pipeline", "child": "a", "kind": "chains_to"}))
        .expect(201);
    assert_eq!(first["sequence_order"], 1);
    let second = http
        .post("/links", json!({"parent": "pipeline", "child": "b", "kind": "chains_to"}))
        .expect(201);
    assert_eq!(second["sequence_order"], 2);
    http.post("/links", json!({"parent": "loop", "child": "pipeline", "kind": "chains_to"}))
        .expect(201);
    let again = http
        .post("/links", json!({"parent": "pipeline", "child": "a", "kind": "chains_to"}))
        .expect(201);
    assert_eq!(again["sequence_order"], 3, "a chain may run a step twice");
    let id = first["id"].as_i64().expect("id");
    assert_eq!(http.get(&format!("/links/{id}")).expect(200), first);
    let moved = http.put(&format!("/links/{id}"), json!({"order": 4})).expect(200);
    assert_eq!(moved["sequence_order"], 4);
    assert_eq!(moved["version"], 2);

    refused(
        &sandbox,
        &http,
        &[
            (
                "POST",
                "/links",
                json!({"parent": "a", "child": "b", "kind": "chains_to"}),
                400,
                "agent \"a\" is a basic",
            ),
            (
                "POST",
                "/links",
                json!({"parent": "pipeline", "child": "pipeline", "kind": "chains_to"}),
                400,
                "an agent cannot be its own child",
            ),
            (
                "POST",
                "/links",
                json!({"parent": "pipeline", "child": "loop", "kind": "chains_to"}),
                409,
                "refused: the change would leave",
            ),
            (
                "POST",
                "/links",
                json!({"parent": "pipeline", "child": "ghost", "kind": "chains_to"}),
                404,
                "agent \"ghost\" does not exist",
            ),
            (
                "POST",
                "/links",
                json!({"parent": "pipeline", "child": "a"}),
                400,
                "missing field `kind`",
            ),
            ("PUT", &format!("/links/{id}"), json!({"order": -1}), 400, "order must be 0 or more"),
            ("PUT", "/links/999", json!({"order": 1}), 404, "link \"#999\" does not exist"),
            (
                "PUT",
                &format!("/links/{id}"),
                json!({"order": 3}),
                409,
                "link \"pipeline -chains_to-> a at order 3\" already exists",
            ),
            ("GET", "/links/999", Value::Null, 404, "link \"#999\" does not exist"),
            ("GET", "/links/x", Value::Null, 400, "Invalid URL"),
            ("GET", "/links?parent=ghost", Value::Null, 404, "agent \"ghost\" does not exist"),
        ],
    );
    assert_eq!(http.delete(&format!("/links/{id}")).status, 204);
    http.get(&format!("/links/{id}")).error(404, "does not exist");
    http.delete(&format!("/links/{id}")).error(404, "does not exist");
}

fn llm_configs_keep_only_key_references(backend: Backend) {
    let (sandbox, _server, http) = service(backend);
    let created = http
        .post(
            "/llm-configs",
            json!({"name": "gpt-4.1-mini", "provider": "openai", "model": "gpt-4.1-mini",
                   "api_key_ref": "env:OPENAI_API_KEY", "input_price_per_mtok": 0.4}),
        )
        .expect(201);
    assert_eq!(created["api_key_ref"], "env:OPENAI_API_KEY");
    let changed = http
        .put("/llm-configs/gpt-4.1-mini", json!({"base_url": "http://127.0.0.1:1/v1"}))
        .expect(200);
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["api_key_ref"], "env:OPENAI_API_KEY");
    http.post("/agents", json!({"name": "user", "kind": "basic", "llm": "gpt-4.1-mini"}))
        .expect(201);

    let pasted = "sk-proj-abcdefghijklmnopqrstuvwxyz";
    refused(
        &sandbox,
        &http,
        &[
            (
                "POST",
                "/llm-configs",
                json!({"name": "k", "provider": "openai", "model": "m", "api_key_ref": pasted}),
                400,
                "api_key_ref: \"sk-p…\" is not a secret reference",
            ),
            (
                "PUT",
                "/llm-configs/echo",
                json!({"api_key_ref": pasted}),
                400,
                "is not a secret reference",
            ),
            (
                "POST",
                "/llm-configs",
                json!({"name": "k", "provider": "openai", "model": ""}),
                400,
                "model must not be empty",
            ),
            (
                "PUT",
                "/llm-configs/gpt-4.1-mini",
                json!({"model": "\u{0}+>"}),
                400,
                "contains the control character '\\0'",
            ),
            (
                "POST",
                "/llm-configs",
                json!({"name": "k", "provider": "skynet", "model": "m"}),
                400,
                "unknown provider \"skynet\"",
            ),
            (
                "POST",
                "/llm-configs",
                json!({"name": "k", "provider": "openai"}),
                400,
                "model: required to create an LLM config",
            ),
            (
                "PUT",
                "/llm-configs/echo",
                json!({"input_price_per_mtok": -1.0}),
                400,
                "input price must be a non-negative number",
            ),
            (
                "DELETE",
                "/llm-configs/gpt-4.1-mini",
                Value::Null,
                409,
                "LLM config \"gpt-4.1-mini\" is used by agent \"user\"",
            ),
        ],
    );
    for request in [
        http.post(
            "/llm-configs",
            json!({"name": "k", "provider": "openai", "model": "m", "api_key_ref": pasted}),
        ),
        http.put("/llm-configs/echo", json!({"api_key_ref": pasted})),
    ] {
        assert!(!request.text.contains(pasted), "the key was echoed: {}", request.text);
    }
    assert!(!sandbox.dump().contains(pasted));
    assert_eq!(http.delete("/llm-configs/echo").status, 204);
}

fn mcp_servers_refuse_literal_secrets(backend: Backend) {
    let (sandbox, _server, http) = service(backend);
    let stdio = http
        .post(
            "/mcp-servers",
            json!({"name": "files", "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
                   "env": {"API_TOKEN": "env:FILES_TOKEN"}}),
        )
        .expect(201);
    assert_eq!(stdio["transport"], "stdio");
    assert_eq!(stdio["origin"], "user");
    let remote = http
        .post("/mcp-servers", json!({"name": "web", "url": "http://127.0.0.1:9/mcp"}))
        .expect(201);
    assert_eq!(remote["transport"], "http");
    let changed = http.put("/mcp-servers/web", json!({"init_timeout_secs": 5.0})).expect(200);
    assert_eq!(changed["version"], 2);
    http.post("/agents", json!({"name": "reader", "kind": "basic", "mcp_servers": [{"server": "files", "allowed_tools": ["read_file"]}]}))
        .expect(201);

    refused(
        &sandbox,
        &http,
        &[
            (
                "POST",
                "/mcp-servers",
                json!({"name": "leak", "url": "http://127.0.0.1:9/mcp", "headers": {"Authorization": "Bearer abc"}}),
                400,
                "header Authorization looks like a secret",
            ),
            (
                "POST",
                "/mcp-servers",
                json!({"name": "none"}),
                400,
                "a stdio server needs a command",
            ),
            (
                "POST",
                "/mcp-servers",
                json!({"name": "both", "command": "x", "url": "http://127.0.0.1:9"}),
                400,
                "takes a URL, not a command",
            ),
            (
                "POST",
                "/mcp-servers",
                json!({"name": "files", "command": "x"}),
                409,
                "MCP server \"files\" already exists",
            ),
            (
                "PUT",
                "/mcp-servers/web",
                json!({"init_timeout_secs": 0}),
                400,
                "init timeout must be a positive number",
            ),
            (
                "DELETE",
                "/mcp-servers/files",
                Value::Null,
                409,
                "MCP server \"files\" is used by agent \"reader\"",
            ),
            ("GET", "/mcp-servers/ghost", Value::Null, 404, "MCP server \"ghost\" does not exist"),
        ],
    );
    assert_eq!(http.delete("/mcp-servers/files?cascade=true").status, 204);
    assert_eq!(http.get("/agents/reader").expect(200)["mcp_servers"], json!([]));
}

fn errors_use_the_same_words_as_the_cli(backend: Backend) {
    let (sandbox, _server, http) = service(backend);
    http.post("/agents", json!({"name": "solo", "kind": "basic"})).expect(201);
    http.post("/agents", json!({"name": "team", "kind": "chain"})).expect(201);
    let cases: [(&[&str], api_server::Reply); 4] = [
        (
            &["agent", "add", "bad name", "--type", "basic"],
            http.post("/agents", json!({"name": "bad name", "kind": "basic"})),
        ),
        (
            &["agent", "add", "solo", "--type", "basic"],
            http.post("/agents", json!({"name": "solo", "kind": "basic"})),
        ),
        (
            &["link", "add", "solo", "team", "--type", "chains_to"],
            http.post("/links", json!({"parent": "solo", "child": "team", "kind": "chains_to"})),
        ),
        (&["llm", "rm", "ghost"], http.delete("/llm-configs/ghost")),
    ];
    for (args, reply) in cases {
        let message = reply.json()["error"].as_str().expect("an error").to_owned();
        sandbox.run(args).fails_with(&message);
    }
}

on_both_backends!(
    agents_are_created_read_changed_and_deleted,
    workflows_are_created_read_changed_and_deleted,
    links_are_created_read_changed_and_deleted,
    llm_configs_keep_only_key_references,
    mcp_servers_refuse_literal_secrets,
    errors_use_the_same_words_as_the_cli,
);
