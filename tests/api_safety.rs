//! The REST service's guards, against `agentloom serve --http`: loopback unless a bearer token is
//! configured, 401 for every request without the token (its scheme in any case), a request body
//! limit (413), bad JSON as a 400 naming the field, JSON errors for unknown routes and methods,
//! 421 for other hosts and 403 for other sites' pages (DNS rebinding), and a time limit on
//! reading request headers.

#[path = "support/api_server.rs"]
mod api_server;
mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

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

/// The service on 127.0.0.1 requiring [`TOKEN`].
fn token_service(sandbox: &Sandbox) -> ApiServer {
    ApiServer::start_with(
        sandbox,
        &["--bind", "127.0.0.1:0", "--token-env", TOKEN_VAR],
        &[(TOKEN_VAR, TOKEN)],
    )
}

#[test]
fn every_request_without_the_token_is_refused() {
    let sandbox = Sandbox::empty();
    let server = token_service(&sandbox);
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

/// Sends `GET path` with the header lines `headers` (each ending in CRLF) over a raw connection;
/// returns the status code and the body.
fn raw_get(server: &ApiServer, path: &str, headers: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(server.addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let request = format!("GET {path} HTTP/1.1\r\n{headers}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read the answer");
    let status = answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or(answer);
    (status, body)
}

/// The `error` of a JSON error body.
fn error_of(body: &str) -> String {
    let body: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    body["error"].as_str().unwrap_or_else(|| panic!("no error in {body}")).to_owned()
}

#[test]
fn other_hosts_and_other_sites_pages_are_refused() {
    let sandbox = Sandbox::empty();
    let server = ApiServer::start(&sandbox);
    let port = server.addr.port();
    let evil = format!("evil.example:{port}");

    let (status, body) = raw_get(&server, "/health", &format!("Host: {evil}\r\n"));
    assert_eq!(status, 421, "{body}");
    let error = error_of(&body);
    assert!(error.contains(&format!("host \"{evil}\"")), "{error}");
    assert!(error.contains("--allow-host evil.example"), "{error}");
    let (status, body) = raw_get(&server, "/agents", "");
    assert_eq!(status, 421, "a request without a Host: {body}");

    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        let (status, body) = raw_get(&server, "/health", &format!("Host: {host}\r\n"));
        assert_eq!(status, 200, "{host}: {body}");
        let same_site = format!("Host: {host}\r\nOrigin: http://{host}\r\n");
        assert_eq!(raw_get(&server, "/health", &same_site).0, 200, "{host}");
    }
    let local = format!("Host: 127.0.0.1:{port}\r\n");
    for origin in [format!("http://{evil}"), "null".to_owned()] {
        let (status, body) = raw_get(&server, "/health", &format!("{local}Origin: {origin}\r\n"));
        assert_eq!(status, 403, "{origin}: {body}");
        assert!(error_of(&body).contains("cross-site request refused"), "{body}");
    }

    let allowing = ApiServer::start_with(
        &sandbox,
        &["--bind", "127.0.0.1:0", "--allow-host", "evil.example"],
        &[],
    );
    let evil = format!("evil.example:{}", allowing.addr.port());
    let headers = format!("Host: {evil}\r\nOrigin: http://{evil}\r\n");
    let (status, body) = raw_get(&allowing, "/health", &headers);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn the_bearer_scheme_is_case_insensitive() {
    let sandbox = Sandbox::empty();
    let server = token_service(&sandbox);
    let host = format!("Host: {}\r\n", server.addr);
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let headers = format!("{host}Authorization: {scheme} {TOKEN}\r\n");
        let (status, body) = raw_get(&server, "/agents", &headers);
        assert_eq!(status, 200, "{scheme}: {body}");
    }
    let (status, _) =
        raw_get(&server, "/agents", &format!("{host}Authorization: Basic {TOKEN}\r\n"));
    assert_eq!(status, 401);
}

#[test]
fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let sandbox = Sandbox::empty();
    let server = ApiServer::start(&sandbox);
    let mut stream = TcpStream::connect(server.addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let started = Instant::now();
    stream.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n").expect("send part of a head");
    let mut answer = Vec::new();
    let closed = stream.read_to_end(&mut answer);
    let waited = started.elapsed();
    assert!(
        closed.is_ok()
            || closed.as_ref().is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
        "{closed:?}"
    );
    assert!(waited < Duration::from_secs(15), "held open for {waited:?}");
    // The service goes on answering others.
    server.client().get("/health").expect(200);
}

#[test]
fn a_read_only_file_is_served_for_reading_and_the_service_stops_cleanly() {
    let sandbox = Sandbox::seeded();
    let mut permissions = std::fs::metadata(&sandbox.db).expect("metadata").permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&sandbox.db, permissions).expect("make read-only");
    let mut server = ApiServer::start(&sandbox);
    let http = server.client();
    http.get("/workflows").expect(200);
    http.post("/sessions", json!({"target": "writing_chain"})).error(403, "the file is read-only");
    let status = server.terminate();
    assert!(status.success(), "{status}: {}", server.log());
}
