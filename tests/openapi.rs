//! `GET /openapi.json` against the running server: every route the router serves is described,
//! and the real answers of each described route (successes and errors) fit the schema the
//! description declares for their status and content type, so the description cannot drift
//! from what the server sends.

mod common;

use std::collections::BTreeSet;

use duty_search::feedback::FeedbackStore;
use duty_search::search::LiveIndex;
use duty_search::server::{AdminToken, AppState, FeedbackIntake, LiveEngine};
use serde_json::{json, Value};

const TOKEN: &str = "openapi-test-admin-token";

/// Checks `value` against `schema` (the subset of JSON Schema utoipa writes: `$ref`, `allOf`,
/// `oneOf`, `type`, `enum`, `properties`, `required`, `additionalProperties`, `items`,
/// `minimum`, `maximum`), resolving references in `document`. An object schema with
/// `properties` is closed: a field it does not name is drift too. Returns what does not fit.
fn violations(document: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let mut found = Vec::new();
    check(document, schema, value, at, true, &mut found);
    found
}

fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("a local reference");
            let target = document
                .pointer(pointer)
                .unwrap_or_else(|| panic!("the description has no {reference}"));
            resolve(document, target)
        }
        None => schema,
    }
}

/// The properties an object schema names, through `allOf` and references.
fn named_properties(document: &Value, schema: &Value, names: &mut BTreeSet<String>) {
    let schema = resolve(document, schema);
    if let Some(properties) = schema["properties"].as_object() {
        names.extend(properties.keys().cloned());
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        named_properties(document, part, names);
    }
}

fn check(
    document: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    closed: bool,
    found: &mut Vec<String>,
) {
    let schema = resolve(document, schema);
    if let Some(parts) = schema["allOf"].as_array() {
        for part in parts {
            check(document, part, value, at, false, found);
        }
        let mut names = BTreeSet::new();
        named_properties(document, schema, &mut names);
        if let Some(object) = value.as_object() {
            for key in object.keys().filter(|key| !names.contains(*key)) {
                found.push(format!("{at}.{key}: not in the description"));
            }
        }
        return;
    }
    if let Some(options) = schema["oneOf"].as_array() {
        let fitting = options
            .iter()
            .filter(|option| violations(document, option, value, at).is_empty())
            .count();
        if fitting != 1 {
            found.push(format!(
                "{at}: fits {fitting} of the oneOf options: {value}"
            ));
        }
        return;
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(name) => vec![name.as_str()],
            Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
            other => panic!("{at}: an unexpected type {other}"),
        };
        let fits = types.iter().any(|name| match *name {
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            "null" => value.is_null(),
            other => panic!("{at}: an unexpected type {other}"),
        });
        if !fits {
            found.push(format!("{at}: {value} is not {types:?}"));
            return;
        }
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            found.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    if let (Some(least), Some(number)) = (schema["minimum"].as_f64(), value.as_f64()) {
        if number < least {
            found.push(format!("{at}: {number} is below {least}"));
        }
    }
    if let (Some(most), Some(number)) = (schema["maximum"].as_f64(), value.as_f64()) {
        if number > most {
            found.push(format!("{at}: {number} is above {most}"));
        }
    }
    if let Some(items) = schema.get("items") {
        for (index, item) in value.as_array().into_iter().flatten().enumerate() {
            check(
                document,
                items,
                item,
                &format!("{at}[{index}]"),
                true,
                found,
            );
        }
    }
    let Some(object) = value.as_object() else {
        return;
    };
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().expect("a property name");
        if !object.contains_key(name) {
            found.push(format!("{at}.{name}: required but missing"));
        }
    }
    let properties = schema["properties"].as_object();
    for (key, field) in object {
        match properties.and_then(|properties| properties.get(key)) {
            Some(property) => check(
                document,
                property,
                field,
                &format!("{at}.{key}"),
                true,
                found,
            ),
            None => match schema.get("additionalProperties") {
                Some(Value::Bool(true)) => {}
                Some(extra @ Value::Object(_)) => {
                    check(document, extra, field, &format!("{at}.{key}"), true, found)
                }
                _ if closed && properties.is_some() => {
                    found.push(format!("{at}.{key}: not in the description"))
                }
                _ => {}
            },
        }
    }
}

/// A real answer: its status, content type and body.
struct Answer {
    status: u16,
    content_type: String,
    body: String,
}

async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().expect("ASCII").to_string())
        .unwrap_or_default();
    let body = response.text().await.expect("a body");
    Answer {
        status,
        content_type,
        body,
    }
}

/// Checks a real answer of `method` `route` against what the description declares for its
/// status: that status is described, with the answer's content type, and a JSON body fits the
/// schema.
fn assert_described(document: &Value, method: &str, route: &str, answer: &Answer) {
    let what = format!("{} {route} → {}", method.to_uppercase(), answer.status);
    let responses = &document["paths"][route][method]["responses"];
    assert!(responses.is_object(), "{what}: the route is not described");
    let described = &responses[answer.status.to_string()];
    assert!(
        described.is_object(),
        "{what}: this status is not described: {responses}"
    );
    let media = answer
        .content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    let content = described["content"]
        .as_object()
        .unwrap_or_else(|| panic!("{what}: no content described"));
    let schema = match content.get(media) {
        Some(entry) => &entry["schema"],
        None => {
            assert!(
                content.contains_key("application/octet-stream"),
                "{what}: {media} is not described: {:?}",
                content.keys().collect::<Vec<_>>()
            );
            return;
        }
    };
    if media == "application/json" {
        let body: Value = serde_json::from_str(&answer.body)
            .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {}", answer.body));
        let wrong = violations(document, schema, &body, "$");
        assert!(wrong.is_empty(), "{what}: {wrong:#?}");
    } else {
        assert_eq!(schema["type"], "string", "{what}");
    }
}

#[tokio::test]
async fn every_route_is_described_and_answers_as_described() {
    let (dir, corpus, index) = common::corpus::indexed_lean_copy("duty-search-openapi-");
    let live = LiveIndex::open(&corpus, &index, None).expect("the copy opens");
    let state = AppState {
        admin_token: Some(AdminToken::new(TOKEN).expect("a token")),
        feedback: Some(FeedbackIntake::new(
            FeedbackStore::new(&dir.path().join("data")),
            60,
        )),
        ..AppState::new(LiveEngine::new(live))
    };
    let base = format!("http://{}", common::http::serve(state).await);
    let client = reqwest::Client::new();
    let description = answer(client.get(format!("{base}/openapi.json"))).await;
    assert_eq!(description.status, 200);
    let document: Value = serde_json::from_str(&description.body).expect("JSON");
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.")),
        "an OpenAPI 3 document: {}",
        document["openapi"]
    );

    let described: BTreeSet<String> = document["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .cloned()
        .collect();
    let served: BTreeSet<String> = [
        "/",
        "/embed",
        "/items/{id}",
        "/widget.js",
        "/assets/{name}",
        "/api/search",
        "/api/items/{id}",
        "/healthz",
        "/metrics",
        "/openapi.json",
        "/admin/reindex",
        "/api/feedback",
        "/admin/feedback",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(
        described, served,
        "the routes described are the routes served"
    );

    let get = |path: &str| client.get(format!("{base}{path}"));
    let post = |path: &str| client.post(format!("{base}{path}"));
    let checks: Vec<(&str, &str, reqwest::RequestBuilder, u16)> = vec![
        (
            "get",
            "/api/search",
            get("/api/search?q=%E7%87%83%E6%B0%94&explain=true"),
            200,
        ),
        (
            "get",
            "/api/search",
            get("/api/search?q=%E8%80%83%E9%A9%BE%E7%85%A7"),
            200,
        ),
        (
            "get",
            "/api/search",
            get("/api/search?q=%E7%87%83%E6%B0%94&limit=0"),
            400,
        ),
        ("get", "/api/search", get("/api/search"), 400),
        (
            "post",
            "/api/search",
            post("/api/search")
                .json(&json!({"q": "楼道里有人给电动车飞线充电", "limit": 5, "explain": true})),
            200,
        ),
        (
            "post",
            "/api/search",
            post("/api/search")
                .header("content-type", "application/json")
                .body("[]"),
            400,
        ),
        (
            "post",
            "/api/search",
            post("/api/search").json(&json!({"q": "燃".repeat(40_000)})),
            413,
        ),
        ("get", "/api/items/{id}", get("/api/items/coop-7-4"), 200),
        ("get", "/api/items/{id}", get("/api/items/basic-1-1"), 200),
        ("get", "/api/items/{id}", get("/api/items/nothing-9-9"), 404),
        ("get", "/healthz", get("/healthz"), 200),
        ("get", "/metrics", get("/metrics"), 200),
        ("get", "/openapi.json", get("/openapi.json"), 200),
        ("post", "/admin/reindex", post("/admin/reindex"), 401),
        (
            "post",
            "/admin/reindex",
            post("/admin/reindex").bearer_auth("a-wrong-token-of-length"),
            403,
        ),
        (
            "post",
            "/admin/reindex",
            post("/admin/reindex").bearer_auth(TOKEN),
            200,
        ),
        (
            "post",
            "/api/feedback",
            post("/api/feedback").json(
                &json!({"query": "燃气灶漏气", "item_id": "coop-1-1", "shown": ["coop-1-1"]}),
            ),
            201,
        ),
        (
            "post",
            "/api/feedback",
            post("/api/feedback")
                .json(&json!({"query": "燃气灶漏气", "item_id": "nothing-9-9", "shown": []})),
            400,
        ),
        (
            "post",
            "/api/feedback",
            post("/api/feedback").body("{}"),
            415,
        ),
        ("get", "/admin/feedback", get("/admin/feedback"), 401),
        (
            "get",
            "/admin/feedback",
            get("/admin/feedback").bearer_auth("a-wrong-token-of-length"),
            403,
        ),
        (
            "get",
            "/admin/feedback",
            get("/admin/feedback").bearer_auth(TOKEN),
            200,
        ),
        ("get", "/", get("/"), 200),
        ("get", "/", get("/?q=%E7%87%83%E6%B0%94"), 200),
        (
            "get",
            "/",
            get("/?q=%E7%87%83%E6%B0%94&limit=0&list=other"),
            400,
        ),
        ("get", "/items/{id}", get("/items/coop-7-4"), 200),
        ("get", "/items/{id}", get("/items/nothing-9-9"), 404),
        ("get", "/embed", get("/embed"), 200),
        ("get", "/widget.js", get("/widget.js"), 200),
        ("get", "/assets/{name}", get("/assets/duty-search.css"), 200),
        ("get", "/assets/{name}", get("/assets/nothing.js"), 404),
    ];
    let mut seen = BTreeSet::new();
    for (method, route, request, status) in checks {
        let real = answer(request).await;
        assert_eq!(real.status, status, "{method} {route}: {}", real.body);
        assert_described(&document, method, route, &real);
        seen.insert(route.to_string());
    }
    assert_eq!(seen, served, "every route's real answer was checked");
}

/// The checker itself finds drift: a field the description does not name, a missing one, a
/// wrong type, a value outside an enum.
#[test]
fn the_checker_refuses_what_the_description_does_not_say() {
    let document = json!({"components": {"schemas": {
        "Kind": {"type": "string", "enum": ["a", "b"]},
        "Thing": {"type": "object", "required": ["kind", "count"], "properties": {
            "kind": {"$ref": "#/components/schemas/Kind"},
            "count": {"type": "integer", "minimum": 0},
            "note": {"type": ["string", "null"]},
        }},
    }}});
    let schema = json!({"$ref": "#/components/schemas/Thing"});
    let fits = json!({"kind": "a", "count": 2, "note": null});
    assert_eq!(
        violations(&document, &schema, &fits, "$"),
        Vec::<String>::new()
    );
    for wrong in [
        json!({"kind": "a", "count": 2, "extra": 1}),
        json!({"kind": "a"}),
        json!({"kind": "c", "count": 2}),
        json!({"kind": "a", "count": -1}),
        json!({"kind": "a", "count": "2"}),
    ] {
        assert!(
            !violations(&document, &schema, &wrong, "$").is_empty(),
            "{wrong} passed"
        );
    }
}
