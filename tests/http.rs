//! The HTTP API on a real index, asked two ways: the router in-process (`tower::ServiceExt`)
//! and a real server on a free local port (reqwest). Every answer, good or bad, is JSON.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use duty_search::search::MAX_QUERY_CHARS;
use duty_search::server::{app, AppState, CorsOrigin, CorsPolicy};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// How a request reaches the API.
#[derive(Debug, Clone, Copy)]
enum Via {
    /// The router, called in-process.
    Router,
    /// A real server listening on this address.
    Server(SocketAddr),
}

/// One answer of the API.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    body: Value,
}

fn state() -> AppState {
    AppState::new(common::engine())
}

/// Serves the API with the server that ships on a free local port, until the test's runtime
/// ends.
async fn server() -> SocketAddr {
    common::http::serve(state()).await
}

/// Both ways of reaching the API.
async fn both() -> [Via; 2] {
    [Via::Router, Via::Server(server().await)]
}

/// GETs `path` (which may hold raw Chinese when sent to the server) and checks that the
/// answer is JSON.
async fn get(via: Via, path: &str) -> Answer {
    send(via, Method::GET, path).await
}

/// A whole answer, whatever its type.
#[derive(Debug)]
struct Raw {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Raw {
    /// The value of header `name`, which must be ASCII when present.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("an ASCII header value"))
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("a UTF-8 body")
    }
}

/// Sends `method` to `path` with `headers` and returns the answer as it came.
async fn raw(via: Via, method: Method, path: &str, headers: &[(&str, &str)]) -> Raw {
    match via {
        Via::Router => {
            let mut request = Request::builder().method(method).uri(path);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let request = request.body(Body::empty()).expect("a valid request");
            oneshot(app(state()), request).await
        }
        Via::Server(address) => {
            let method = reqwest::Method::from_bytes(method.as_str().as_bytes()).expect("a method");
            let mut request =
                reqwest::Client::new().request(method, format!("http://{address}{path}"));
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let response = request
                .send()
                .await
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            Raw::of(response).await
        }
    }
}

impl Raw {
    /// The whole answer of a real server.
    async fn of(response: reqwest::Response) -> Raw {
        Raw {
            status: StatusCode::from_u16(response.status().as_u16()).expect("a status"),
            headers: response.headers().clone(),
            body: response.bytes().await.expect("a body").to_vec(),
        }
    }
}

/// POSTs `body` (JSON) to `path` and checks that the answer is JSON.
async fn post_json(via: Via, path: &str, body: &str) -> Answer {
    let answer = match via {
        Via::Router => {
            let request = Request::builder()
                .method(Method::POST)
                .uri(path)
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .expect("a valid request");
            oneshot(app(state()), request).await
        }
        Via::Server(address) => {
            let response = reqwest::Client::new()
                .post(format!("http://{address}{path}"))
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .unwrap_or_else(|e| panic!("POST {path}: {e}"));
            Raw::of(response).await
        }
    };
    let body = serde_json::from_slice(&answer.body)
        .unwrap_or_else(|e| panic!("{via:?} POST {path}: not JSON ({e}): {}", answer.text()));
    Answer {
        status: answer.status,
        body,
    }
}

/// Sends `request` to `router` in-process.
async fn oneshot(router: axum::Router, request: Request<Body>) -> Raw {
    let response = router.oneshot(request).await.expect("an answer");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes()
        .to_vec();
    Raw {
        status,
        headers,
        body,
    }
}

/// Sends `method` to `path` and checks that the answer is JSON.
async fn send(via: Via, method: Method, path: &str) -> Answer {
    let answer = raw(via, method.clone(), path, &[]).await;
    let (status, content_type) = (answer.status, answer.header("content-type"));
    assert!(
        content_type.is_some_and(|t| t.starts_with("application/json")),
        "{via:?} {method} {path}: {status}, content type {content_type:?}"
    );
    let body = serde_json::from_slice(&answer.body).unwrap_or_else(|e| {
        panic!(
            "{via:?} {method} {path}: not JSON ({e}): {}",
            String::from_utf8_lossy(&answer.body)
        )
    });
    Answer { status, body }
}

/// Percent-encodes a query parameter value.
fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The keys of a JSON object, sorted.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

fn ids(body: &Value) -> Vec<&str> {
    body["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|hit| hit["id"].as_str().expect("an id"))
        .collect()
}

/// Asserts a JSON error answer with `status` whose message names `parameter` as a word.
fn assert_error(answer: &Answer, status: StatusCode, parameter: &str, what: &str) {
    assert_eq!(answer.status, status, "{what}: {}", answer.body);
    assert_eq!(keys(&answer.body), ["error"], "{what}: {}", answer.body);
    let message = answer.body["error"].as_str().expect("an error message");
    assert!(
        message
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .any(|word| word == parameter),
        "{what}: the error {message:?} does not mention {parameter}"
    );
}

fn is_string_array(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|items| items.iter().all(Value::is_string))
}

#[tokio::test]
async fn search_answers_with_the_documented_shape() {
    for via in both().await {
        let path = match via {
            Via::Router => "/api/search?q=%E7%87%83%E6%B0%94",
            Via::Server(_) => "/api/search?q=燃气",
        };
        let answer = get(via, path).await;
        assert_eq!(answer.status, StatusCode::OK, "{via:?}: {}", answer.body);
        let body = &answer.body;
        for key in [
            "query",
            "total",
            "took_ms",
            "hits",
            "facets",
            "interpretation",
            "suggestions",
        ] {
            assert!(body.get(key).is_some(), "{via:?}: no {key} in {body}");
        }
        assert_eq!(body["query"], "燃气");
        let total = body["total"].as_u64().expect("total is a count");
        assert!(total > 0);
        assert!(body["took_ms"].as_f64().is_some_and(|ms| ms >= 0.0));
        let hits = body["hits"].as_array().expect("hits is an array");
        assert!(!hits.is_empty() && hits.len() as u64 <= total.min(10));
        for hit in hits {
            for key in [
                "id",
                "list",
                "list_label",
                "category",
                "title",
                "town_duties",
                "department_duties",
            ] {
                assert!(hit[key].is_string(), "{via:?}: hit {key} in {hit}");
            }
            assert!(
                ["basic", "coop", "withdrawn"].contains(&hit["list"].as_str().unwrap()),
                "{hit}"
            );
            assert!(is_string_array(&hit["owner"]), "{hit}");
            assert!(is_string_array(&hit["departments"]), "{hit}");
            assert!(hit["score"].is_number(), "{hit}");
            let highlights = hit["highlights"].as_object().expect("highlights object");
            assert!(highlights.values().all(Value::is_string), "{hit}");
        }
        assert!(hits.iter().any(|hit| hit["highlights"]
            .as_object()
            .unwrap()
            .values()
            .any(|h| h.as_str().unwrap().contains("<mark>燃气</mark>"))));
        assert_eq!(
            keys(&body["facets"]),
            ["category", "department", "list", "town"]
        );
        let list_counts: u64 = body["facets"]["list"]
            .as_object()
            .expect("list facet object")
            .values()
            .map(|count| count.as_u64().expect("a count"))
            .sum();
        assert_eq!(list_counts, total);
        assert!(body["facets"]["category"].is_object());
        let interpretation = &body["interpretation"];
        assert!(
            is_string_array(&interpretation["terms"]),
            "{interpretation}"
        );
        assert!(interpretation["expansions"].is_array(), "{interpretation}");
        assert!(is_string_array(&body["suggestions"]));
    }
}

#[tokio::test]
async fn percent_encoded_chinese_is_decoded() {
    let complaint = "楼道里有人给电动车飞线充电，物业也不管，太危险了";
    for via in both().await {
        for query in ["婚姻登记", complaint, "燃气 安全"] {
            let answer = get(via, &format!("/api/search?q={}", encode(query))).await;
            assert_eq!(answer.status, StatusCode::OK, "{via:?} {query}");
            assert_eq!(answer.body["query"], query, "{via:?}");
            assert!(!ids(&answer.body).is_empty(), "{via:?} {query}: no hit");
        }
        let spaced = get(via, "/api/search?q=%E7%87%83%E6%B0%94+%E5%AE%89%E5%85%A8").await;
        assert_eq!(spaced.body["query"], "燃气 安全", "{via:?}");
    }
}

#[tokio::test]
async fn filters_and_paging_are_applied() {
    for via in both().await {
        let all = get(via, "/api/search?q=%E5%AE%89%E5%85%A8&limit=100").await;
        let coop = get(via, "/api/search?q=%E5%AE%89%E5%85%A8&list=coop&limit=100").await;
        assert_eq!(coop.status, StatusCode::OK);
        assert!(!ids(&coop.body).is_empty());
        assert!(coop.body["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|hit| hit["list"] == "coop"));
        assert_eq!(coop.body["total"], all.body["facets"]["list"]["coop"]);
        assert_eq!(coop.body["facets"], all.body["facets"]);

        let page = get(via, "/api/search?q=%E5%AE%89%E5%85%A8&limit=3&offset=2").await;
        assert_eq!(ids(&page.body), ids(&all.body)[2..5]);
        assert_eq!(page.body["total"], all.body["total"]);
    }
}

#[tokio::test]
async fn an_item_is_answered_whole() {
    let item = common::engine()
        .item("coop-7-4")
        .expect("lookup")
        .expect("coop-7-4 exists");
    for via in both().await {
        let answer = get(via, "/api/items/coop-7-4").await;
        assert_eq!(answer.status, StatusCode::OK, "{via:?}: {}", answer.body);
        let mut body = answer.body;
        assert_eq!(body["list_label"], "配合履职事项");
        assert_eq!(body["owner_statement"], item.owner_statement());
        assert_eq!(body["departments"].as_array().map(Vec::len), Some(3));
        let object = body.as_object_mut().unwrap();
        object.remove("list_label");
        object.remove("owner_statement");
        assert_eq!(body, serde_json::to_value(&item).unwrap(), "{via:?}");
    }
}

#[tokio::test]
async fn an_unknown_item_is_a_json_404() {
    for via in both().await {
        let answer = get(via, "/api/items/unknown").await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{via:?}");
        assert_eq!(keys(&answer.body), ["error"]);
        assert!(answer.body["error"]
            .as_str()
            .is_some_and(|m| m.contains("unknown")));
    }
}

#[tokio::test]
async fn health_reports_the_index() {
    let info = common::engine().info().clone();
    for via in both().await {
        let answer = get(via, "/healthz").await;
        assert_eq!(answer.status, StatusCode::OK, "{via:?}");
        assert_eq!(answer.body["status"], "ok");
        assert_eq!(answer.body["items"], common::ITEMS);
        assert_eq!(answer.body["built_at"], info.built_at_text.as_str());
        assert!(answer.body["built_at"]
            .as_str()
            .is_some_and(|t| !t.is_empty()));
    }
}

#[tokio::test]
async fn bad_requests_are_json_400s_naming_the_parameter() {
    let long = "燃".repeat(MAX_QUERY_CHARS + 1);
    let long = format!("/api/search?q={}", encode(&long));
    let cases = [
        ("/api/search", "q"),
        ("/api/search?limit=5", "q"),
        ("/api/search?q=", "q"),
        ("/api/search?q=%20%20", "q"),
        (long.as_str(), "q"),
        ("/api/search?q=%E7%87%83%E6%B0%94&limit=0", "limit"),
        ("/api/search?q=%E7%87%83%E6%B0%94&limit=101", "limit"),
        ("/api/search?q=%E7%87%83%E6%B0%94&limit=abc", "limit"),
        ("/api/search?q=%E7%87%83%E6%B0%94&limit=-1", "limit"),
        ("/api/search?q=%E7%87%83%E6%B0%94&offset=-1", "offset"),
        ("/api/search?q=%E7%87%83%E6%B0%94&offset=abc", "offset"),
        ("/api/search?q=%E7%87%83%E6%B0%94&list=other", "list"),
    ];
    for via in both().await {
        for (path, parameter) in cases {
            let answer = get(via, path).await;
            assert_error(
                &answer,
                StatusCode::BAD_REQUEST,
                parameter,
                &format!("{via:?} GET {path}"),
            );
        }
    }
    // The longest query accepted fits in the default request target limit.
    let longest = format!("/api/search?q={}", encode(&"燃".repeat(MAX_QUERY_CHARS)));
    for via in both().await {
        assert_eq!(get(via, &longest).await.status, StatusCode::OK, "{via:?}");
    }
}

#[tokio::test]
async fn unknown_parameters_are_ignored() {
    for via in both().await {
        let plain = get(via, "/api/search?q=%E7%87%83%E6%B0%94").await;
        let extra = get(
            via,
            "/api/search?q=%E7%87%83%E6%B0%94&page=2&sort=date&foo=%E5%AE%89",
        )
        .await;
        assert_eq!(extra.status, StatusCode::OK, "{via:?}: {}", extra.body);
        assert_eq!(ids(&extra.body), ids(&plain.body));
        assert_eq!(extra.body["total"], plain.body["total"]);
    }
}

#[tokio::test]
async fn an_unknown_route_is_a_json_404() {
    for via in both().await {
        for path in [
            "/nope",
            "/api/search/more",
            "/api/items",
            "/api",
            "/embed/more",
            "/assets/nope.js",
            "/assets",
        ] {
            let answer = get(via, path).await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{via:?} GET {path}");
            assert_eq!(keys(&answer.body), ["error"], "{via:?} GET {path}");
        }
    }
}

#[tokio::test]
async fn a_long_message_posted_as_json_is_answered_as_its_get() {
    let letter = "尊敬的领导您好，我是金星镇某村三组村民，我们组通往主路的那条路一下雨就成泥塘，\
                  娃娃上学裤腿全是泥，找过村主任说没钱。另外村口的垃圾箱满了好几天没人拉，\
                  都堆到地上了，夏天苍蝇特别多。恳请镇上尽快修一下路，把垃圾也清一清，谢谢！";
    let longest: String = letter.chars().cycle().take(MAX_QUERY_CHARS).collect();
    for via in both().await {
        let body = serde_json::json!({"q": letter, "limit": 5, "explain": true}).to_string();
        let posted = post_json(via, "/api/search", &body).await;
        assert_eq!(posted.status, StatusCode::OK, "{via:?}: {}", posted.body);
        let got = get(
            via,
            &format!("/api/search?q={}&limit=5&explain=true", encode(letter)),
        )
        .await;
        assert_eq!(ids(&posted.body), ids(&got.body), "{via:?}");
        assert!(!ids(&posted.body).is_empty(), "{via:?}: {}", posted.body);
        assert!(posted.body["hits"][0]["explanation"]["concepts"].is_array());
        let body = serde_json::json!({"q": longest}).to_string();
        assert_eq!(
            post_json(via, "/api/search", &body).await.status,
            StatusCode::OK
        );
        for (body, parameter) in [
            ("{", "JSON"),
            ("[\"燃气\"]", "object"),
            ("{\"limit\": 5}", "q"),
            ("{\"q\": \"燃气\", \"limit\": 500}", "limit"),
            (
                &serde_json::json!({"q": format!("{longest}燃")}).to_string()[..],
                "q",
            ),
        ] {
            let answer = post_json(via, "/api/search", body).await;
            assert_error(
                &answer,
                StatusCode::BAD_REQUEST,
                parameter,
                &format!("{via:?} POST"),
            );
        }
    }
}

#[tokio::test]
async fn a_wrong_method_is_a_json_405() {
    for via in both().await {
        for (path, methods) in [
            (
                "/api/search?q=%E7%87%83%E6%B0%94",
                &[Method::PUT, Method::DELETE][..],
            ),
            ("/api/items/coop-7-4", &[Method::POST, Method::DELETE][..]),
            ("/healthz", &[Method::POST, Method::DELETE][..]),
        ] {
            for method in methods {
                let answer = send(via, method.clone(), path).await;
                assert_eq!(
                    answer.status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{via:?} {method} {path}"
                );
                assert_eq!(keys(&answer.body), ["error"], "{via:?} {method} {path}");
            }
        }
        // The message names the methods the route answers.
        for (method, path, allowed) in [
            (Method::GET, "/admin/reindex", "only POST is allowed here"),
            (
                Method::DELETE,
                "/api/search",
                "only GET and POST are allowed here",
            ),
            (Method::POST, "/healthz", "only GET is allowed here"),
        ] {
            let answer = send(via, method.clone(), path).await;
            assert_eq!(
                answer.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            let message = answer.body["error"].as_str().unwrap_or_default();
            assert!(
                message.ends_with(allowed),
                "{via:?} {method} {path}: {message}"
            );
        }
    }
}

#[tokio::test]
async fn options_on_an_unknown_path_is_404_and_on_a_route_a_preflight() {
    for via in both().await {
        for headers in [
            &[][..],
            &[
                ("origin", "http://portal.example"),
                ("access-control-request-method", "GET"),
            ][..],
        ] {
            let answer = raw(via, Method::OPTIONS, "/nope", headers).await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{via:?} {headers:?}");
            let answer = raw(via, Method::OPTIONS, "/api/search", headers).await;
            assert_eq!(answer.status, StatusCode::OK, "{via:?} {headers:?}");
        }
    }
}

#[tokio::test]
async fn a_metrics_token_when_configured_guards_metrics() {
    let token = "metrics-token-0123456789";
    let guarded = AppState {
        metrics_token: Some(duty_search::server::AdminToken::new(token).expect("a token")),
        ..state()
    };
    let metrics = |authorization: Option<String>| {
        let mut request = Request::builder().uri("/metrics");
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        oneshot(
            app(guarded.clone()),
            request.body(Body::empty()).expect("a request"),
        )
    };
    assert_eq!(metrics(None).await.status, StatusCode::UNAUTHORIZED);
    let wrong = metrics(Some("Bearer wrong-token-0123456789".into())).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let right = metrics(Some(format!("Bearer {token}"))).await;
    assert_eq!(right.status, StatusCode::OK);
    assert!(
        right.text().contains("duty_search_index_documents 261"),
        "{}",
        right.text()
    );
    // Without a token configured, /metrics is open.
    let open = oneshot(
        app(state()),
        Request::builder()
            .uri("/metrics")
            .body(Body::empty())
            .expect("a request"),
    )
    .await;
    assert_eq!(open.status, StatusCode::OK);
}

/// The pages: the search page empty and with results rendered on the server, the iframe
/// version, an item's page.
const PAGES: [&str; 4] = ["/", "/?q=%E7%87%83%E6%B0%94", "/embed", "/items/coop-7-4"];

/// The directives of a Content-Security-Policy, by name.
fn directives(policy: &str) -> Vec<(&str, Vec<&str>)> {
    policy
        .split(';')
        .filter_map(|directive| {
            let mut words = directive.split_whitespace();
            Some((words.next()?, words.collect()))
        })
        .collect()
}

/// The values of every `name="…"` attribute in `html`.
fn attribute_values<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let needle = format!(" {name}=\"");
    html.match_indices(&needle)
        .map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            &rest[..rest.find('"').expect("a closed attribute")]
        })
        .collect()
}

#[tokio::test]
async fn pages_are_html_under_a_policy_forbidding_inline_script() {
    for via in both().await {
        for path in PAGES {
            let page = raw(via, Method::GET, path, &[]).await;
            assert_eq!(page.status, StatusCode::OK, "{via:?} {path}");
            assert!(
                page.header("content-type")
                    .is_some_and(|t| t.starts_with("text/html")),
                "{via:?} {path}: {:?}",
                page.header("content-type")
            );
            let policy = page
                .header("content-security-policy")
                .unwrap_or_else(|| panic!("{via:?} {path}: no Content-Security-Policy"));
            let directives = directives(policy);
            let get = |name: &str| {
                directives
                    .iter()
                    .find(|(directive, _)| *directive == name)
                    .map(|(_, values)| values.clone())
                    .unwrap_or_else(|| panic!("{path}: no {name} in {policy}"))
            };
            assert_eq!(get("default-src"), ["'none'"], "{policy}");
            assert_eq!(get("script-src"), ["'self'"], "{policy}");
            assert_eq!(get("style-src"), ["'self'"], "{policy}");
            assert_eq!(get("connect-src"), ["'self'"], "{policy}");
            assert!(!policy.contains("unsafe"), "{path}: {policy}");
            // The page may not be framed; the iframe version only by the server's own pages
            // and the allowed origins (none here).
            let framing = directives
                .iter()
                .find(|(name, _)| *name == "frame-ancestors");
            if path == "/embed" {
                assert_eq!(
                    framing,
                    Some(&("frame-ancestors", vec!["'self'"])),
                    "{path}: {policy}"
                );
            } else {
                assert_eq!(
                    framing,
                    Some(&("frame-ancestors", vec!["'none'"])),
                    "{path}"
                );
            }

            // Nothing inline the policy would refuse, nothing from elsewhere.
            let html = page.text();
            assert!(html.starts_with("<!doctype html>"), "{path}");
            assert!(html.contains("lang=\"zh-CN\""), "{path}");
            assert_eq!(
                html.matches("<script").count(),
                html.matches("<script src=\"/").count(),
                "{path}: an inline script"
            );
            assert!(!html.contains("<style"), "{path}: an inline style sheet");
            for attribute in [" style=", " onload=", " onclick=", " onerror="] {
                assert!(!html.contains(attribute), "{path}: {attribute}");
            }
            for url in attribute_values(&html, "src")
                .into_iter()
                .chain(attribute_values(&html, "href"))
            {
                assert!(url.starts_with('/'), "{path} loads {url} from elsewhere");
            }
        }
    }
}

#[tokio::test]
async fn the_pages_files_and_the_widget_are_served_with_their_types() {
    let html = raw(Via::Router, Method::GET, "/", &[]).await.text();
    let mut files: Vec<&str> = attribute_values(&html, "src");
    files.extend(
        attribute_values(&html, "href")
            .into_iter()
            .filter(|url| url.starts_with("/assets/")),
    );
    files.sort_unstable();
    assert_eq!(
        files,
        [
            "/assets/duty-search.css",
            "/assets/duty-search.js",
            "/assets/favicon.svg"
        ]
    );
    let script = raw(Via::Router, Method::GET, "/assets/duty-search.js", &[]).await;
    for via in both().await {
        for (path, expected) in [
            ("/assets/duty-search.js", "application/javascript"),
            ("/widget.js", "application/javascript"),
            ("/assets/duty-search.css", "text/css"),
            ("/assets/favicon.svg", "image/svg+xml"),
        ] {
            let file = raw(via, Method::GET, path, &[]).await;
            assert_eq!(file.status, StatusCode::OK, "{via:?} {path}");
            let content_type = file.header("content-type").unwrap_or_default();
            assert!(
                content_type.starts_with(expected),
                "{via:?} {path}: {content_type}"
            );
            assert!(!file.body.is_empty(), "{via:?} {path}");
        }
        let widget = raw(via, Method::GET, "/widget.js", &[]).await;
        assert_eq!(widget.body, script.body, "the widget is the page's script");
    }
    // The script builds every element from text; it never has markup parsed.
    let source = script.text();
    for call in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "DOMParser",
        "createContextualFragment",
    ] {
        assert!(!source.contains(call), "the script uses {call}");
    }
}

#[tokio::test]
async fn every_answer_says_nosniff() {
    for via in both().await {
        for (method, path) in [
            (Method::GET, "/api/search?q=%E7%87%83%E6%B0%94"),
            (Method::GET, "/api/search"),
            (Method::GET, "/api/items/coop-7-4"),
            (Method::GET, "/api/items/unknown"),
            (Method::GET, "/healthz"),
            (Method::GET, "/"),
            (Method::GET, "/embed"),
            (Method::GET, "/widget.js"),
            (Method::GET, "/assets/duty-search.css"),
            (Method::GET, "/assets/unknown"),
            (Method::GET, "/nope"),
            (Method::POST, "/api/search?q=%E7%87%83%E6%B0%94"),
            (Method::HEAD, "/"),
        ] {
            let answer = raw(via, method.clone(), path, &[]).await;
            assert_eq!(
                answer.header("x-content-type-options"),
                Some("nosniff"),
                "{via:?} {method} {path}: {}",
                answer.status
            );
        }
    }
}

/// The in-process answer of the service with `policy` to a GET of `path` from a page of `origin`.
async fn from_origin(policy: &CorsPolicy, method: Method, origin: &str) -> Raw {
    let state = AppState {
        cors: policy.clone(),
        ..state()
    };
    let mut request = Request::builder()
        .method(method.clone())
        .uri("/api/search?q=%E7%87%83%E6%B0%94")
        .header("origin", origin);
    if method == Method::OPTIONS {
        request = request.header("access-control-request-method", "GET");
    }
    oneshot(app(state), request.body(Body::empty()).expect("a request")).await
}

#[tokio::test]
async fn only_the_allowed_origins_may_call_the_api_from_their_pages() {
    let portal = "http://portal.example:8000";
    let other = "http://other.example:8000";
    let allow = |origins: &[&str]| {
        CorsPolicy::new(
            origins
                .iter()
                .map(|o| o.parse::<CorsOrigin>().expect("an origin"))
                .collect(),
        )
    };
    let listed = allow(&[portal, "https://intranet.example"]);

    let answer = from_origin(&listed, Method::GET, portal).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("access-control-allow-origin"), Some(portal));
    let answer = from_origin(&listed, Method::GET, other).await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "the browser, not the server, refuses"
    );
    assert_eq!(answer.header("access-control-allow-origin"), None);

    // A preflight is answered for a listed origin only.
    let preflight = from_origin(&listed, Method::OPTIONS, portal).await;
    assert_eq!(preflight.status, StatusCode::OK);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some(portal)
    );
    assert!(preflight
        .header("access-control-allow-methods")
        .is_some_and(|methods| methods.contains("GET") && methods.contains("POST")));
    assert!(
        preflight
            .header("access-control-allow-headers")
            .is_some_and(|headers| headers.contains("content-type")),
        "a long search posts JSON"
    );
    let preflight = from_origin(&listed, Method::OPTIONS, other).await;
    assert_eq!(preflight.header("access-control-allow-origin"), None);

    // By default no other origin is allowed; `*` allows every one.
    let none = AppState::new(common::engine()).cors;
    assert!(none.origins().is_empty());
    let answer = from_origin(&none, Method::GET, portal).await;
    assert_eq!(answer.header("access-control-allow-origin"), None);
    let answer = from_origin(&allow(&["*"]), Method::GET, other).await;
    assert_eq!(answer.header("access-control-allow-origin"), Some("*"));

    // /embed may be framed by the listed origins (and the server's own pages) only; with `*`,
    // by any page.
    let framing = |policy: &CorsPolicy| {
        let state = AppState {
            cors: policy.clone(),
            ..state()
        };
        let request = Request::builder().uri("/embed").body(Body::empty());
        async move {
            let page = oneshot(app(state), request.expect("a request")).await;
            let policy = page
                .header("content-security-policy")
                .expect("a policy")
                .to_string();
            policy
                .split(';')
                .map(str::trim)
                .find(|directive| directive.starts_with("frame-ancestors"))
                .map(str::to_string)
        }
    };
    assert_eq!(
        framing(&listed).await.as_deref(),
        Some("frame-ancestors 'self' http://portal.example:8000 https://intranet.example")
    );
    assert_eq!(framing(&allow(&["*"])).await, None);
}

/// What a person typed or asked for comes back in the server's pages escaped: in the form, the
/// status line, the title and a missing item's page.
#[tokio::test]
async fn the_server_rendered_pages_escape_the_query_and_the_id() {
    let attack = "<img src=x onerror=alert(1)>\"'&";
    let escaped = "&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;";
    let page = raw(
        Via::Router,
        Method::GET,
        &format!("/?q={}", encode(attack)),
        &[],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(!html.contains("<img"), "{html}");
    assert!(
        html.contains(&format!("value=\"{escaped}\"")),
        "the form keeps the query"
    );
    assert!(
        html.contains(&format!("<title>{escaped} - 职责事项查询</title>")),
        "{html}"
    );
    assert!(
        html.contains(&format!("“{escaped}”")),
        "the status line names it"
    );

    let missing = raw(
        Via::Router,
        Method::GET,
        &format!("/items/{}", encode("<b>x</b>")),
        &[],
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let html = missing.text();
    assert!(
        html.contains("&lt;b&gt;x&lt;/b&gt;") && !html.contains("<b>"),
        "{html}"
    );

    let bad = raw(
        Via::Router,
        Method::GET,
        "/?q=%E7%87%83%E6%B0%94&limit=0",
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.text().contains("查询失败：limit must be an integer"),
        "{}",
        bad.text()
    );
}
