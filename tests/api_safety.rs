//! The REST service's guards, against `agentloom serve --http`: loopback unless a bearer token is
//! configured, 401 for every request without the token, a request body limit (413), bad JSON as
//! a 400 naming the field, and JSON errors for unknown routes and methods.

#[path = "support/api_server.rs"]
mod api_server;
mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use api_server::{ApiServer, Http};
use serde_json::json;
use support::Sandbox;

const TOKEN_VAR: &str = "AGENTLOOM_TEST_API_TOKEN";
const TOKEN: &str = "correct-horse-battery-staple";

#[test]
fn an_address_other_than_loopback_needs_a_token() {
    let sandbox = Sandbox::empty();
    sandbox
        .run(&["serve", "--http", "--bind", "0.0.0.0:0"])
        .fails_with("refusing to listen on 0.0.0.0:0 without a token");
    sandbox
        .command(&["serve", "--http", "--bind", "127.0.0.1:0", "--token-env", TOKEN_VAR])
        .env_remove(TOKEN_VAR)
        .output()
        .map(support::Run::from)
        .expect("run")
        .fails_with("--token-env AGENTLOOM_TEST_API_TOKEN: the environment variable AGENTLOOM_TEST_API_TOKEN is not set");
    sandbox.run(&["serve"]).fails_with("--http");

    // With a token, any address is allowed; 0.0.0.0 is reachable on 127.0.0.1.
    let server = ApiServer::start_with(
        &sandbox,
        &["--bind", "0.0.0.0:0", "--token-env", TOKEN_VAR],
        &[(TOKEN_VAR, TOKEN)],
    );
    let local = format!("http://127.0.0.1:{}", server.addr.port());
    Http::new(&local, Some(TOKEN)).get("/health").expect(200);
    Http::new(&local, None).get("/health").error(401, "needs a bearer token");
}

#[test]
fn every_request_without_the_token_is_refused() {
    let sandbox = Sandbox::empty();
    let server = ApiServer::start_with(
        &sandbox,
        &["--bind", "127.0.0.1:0", "--token-env", TOKEN_VAR],
        &[(TOKEN_VAR, TOKEN)],
    );
    let anonymous = server.client();
    let wrong = Http::new(&server.base(), Some("correct-horse-battery-stapler"));
    let agent = json!({"name": "a", "kind": "basic"});
    for http in [&anonymous, &wrong] {
        for reply in [
            http.get("/health"),
            http.get("/openapi.json"),
            http.get("/agents"),
            http.post("/agents", agent.clone()),
            http.delete("/agents/a"),
            http.get("/no/such/route"),
        ] {
            reply.error(401, "send Authorization: Bearer <token>");
        }
    }
    let reply = anonymous.send(reqwest::Method::GET, "/agents", None, &[]);
    assert_eq!(reply.status, 401);
    let authorised = Http::new(&server.base(), Some(TOKEN));
    authorised.get("/agents").expect(200);
    authorised.post("/agents", agent).expect(201);
    assert_eq!(authorised.get("/agents").expect(200).as_array().map(Vec::len), Some(1));
}

#[test]
fn bad_bodies_are_refused_with_a_message_naming_the_problem() {
    let sandbox = Sandbox::empty();
    let server = ApiServer::start(&sandbox);
    let http = server.client();
    let post = |body: &str, headers: &[(&str, &str)]| {
        http.send(reqwest::Method::POST, "/agents", Some(body.to_owned()), headers)
    };
    post("{\"name\": \"a\",", &[]).error(400, "Failed to parse the request body as JSON");
    post("42", &[]).error(400, "invalid type: integer `42`");
    post("{\"name\": 7, \"kind\": \"basic\"}", &[]).error(400, "name: invalid type: integer `7`");
    post("{\"name\": \"a\", \"kind\": \"basic\", \"public\": \"no\"}", &[])
        .error(400, "public: invalid type: string \"no\", expected a boolean");
    post("{\"name\": \"a\", \"kind\": \"basic\", \"request_params\": []}", &[])
        .error(400, "request_params: invalid type: sequence");
    let plain =
        http.send(reqwest::Method::POST, "/sessions", None, &[("content-type", "text/plain")]);
    plain.error(415, "Content-Type");

    let (status, body) = announce_huge_body(&server, 2 * 1024 * 1024);
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("length limit"), "{body}");
    assert_eq!(http.get("/agents").expect(200), json!([]), "nothing was stored");
}

/// Announces a JSON body of `length` bytes to `POST /agents` and sends only its first bytes, as
/// a client streaming a large upload would; returns the status line's code and the answer's body.
/// (Sending it whole races the service closing the connection after its early answer.)
fn announce_huge_body(server: &ApiServer, length: usize) -> (u16, String) {
    let mut stream = TcpStream::connect(server.addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let head = format!(
        "POST /agents HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {length}\r\n\r\n{{\"name\": \"big\", \"instruction\": \"",
        server.addr
    );
    stream.write_all(head.as_bytes()).expect("send the head");
    stream.write_all(&[b'x'; 4096]).expect("send the start of the body");
    let mut answer = Vec::new();
    let mut buffer = [0; 4096];
    while let Ok(read) = stream.read(&mut buffer) {
        if read == 0 {
            break;
        }
        answer.extend_from_slice(&buffer[..read]);
        if String::from_utf8_lossy(&answer).contains("}") {
            break;
        }
    }
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or(answer);
    (status, body)
}

#[test]
fn unknown_routes_and_methods_answer_json() {
    let sandbox = Sandbox::empty();
    let server = ApiServer::start(&sandbox);
    let http = server.client();
    http.get("/nowhere").error(404, "no such endpoint: GET /nowhere");
    http.send(reqwest::Method::PATCH, "/agents", None, &[])
        .error(405, "PATCH is not allowed on /agents");
    http.get("/runs/not-a-number").error(400, "Cannot parse");
    let health = http.get("/health").expect(200);
    assert_eq!(health["status"], "ok");
    let document = http.get("/openapi.json").expect(200);
    assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{document}");
    for path in ["/agents", "/sessions/{id}/send", "/runs/{id}/cancel", "/human-input/{id}"] {
        assert!(document["paths"][path].is_object(), "{path} is not documented");
    }
}
