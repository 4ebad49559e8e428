//! Parsing `/api/search` parameters by hand, from a query string (GET) or a JSON object (POST),
//! so every bad value gets a message saying what is wrong and what is expected. Unknown
//! parameters are ignored; a repeated one counts once (first).

use serde_json::Value;

use super::error::ApiError;
use crate::corpus::ListKind;
use crate::search::{SearchRequest, MAX_LIMIT};

/// Builds the search request from a raw query string.
pub fn search_request(raw: &str) -> Result<SearchRequest, ApiError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    request_of(&pairs)
}

/// Builds the search request from a JSON body: an object with the query string's parameters
/// (`{"q": "…", "limit": 5, "list": "coop"}`), numbers and booleans as themselves or as text.
pub fn search_request_json(body: &[u8]) -> Result<SearchRequest, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    let Value::Object(object) = value else {
        return Err(ApiError::bad_request(
            "the body must be a JSON object such as {\"q\": \"燃气\"}",
        ));
    };
    let pairs: Vec<(String, String)> = object
        .into_iter()
        .filter_map(|(key, value)| {
            let text = match value {
                Value::String(text) => text,
                Value::Number(number) => number.to_string(),
                Value::Bool(flag) => flag.to_string(),
                Value::Null => return None,
                other => other.to_string(),
            };
            Some((key, text))
        })
        .collect();
    request_of(&pairs)
}

/// The search request of these parameters.
fn request_of(pairs: &[(String, String)]) -> Result<SearchRequest, ApiError> {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_string())
    };
    let query = get("q").ok_or_else(|| ApiError::bad_request("missing q: add ?q=燃气"))?;
    let limit = match get("limit") {
        None => 10,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "limit must be an integer between 1 and {MAX_LIMIT}, got {text:?}"
                ))
            })?,
    };
    let offset = match get("offset") {
        None => 0,
        Some(text) => text.parse::<usize>().map_err(|_| {
            ApiError::bad_request(format!(
                "offset must be a non-negative integer, got {text:?}"
            ))
        })?,
    };
    let list = match get("list").filter(|l| !l.is_empty()) {
        None => None,
        Some(name) => Some(ListKind::parse(&name).ok_or_else(|| {
            ApiError::bad_request(format!(
                "unknown list {name:?}; expected basic, coop or withdrawn"
            ))
        })?),
    };
    let explain = match get("explain").as_deref() {
        None | Some("" | "false" | "0") => false,
        Some("true" | "1") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "explain must be true or false, got {other:?}"
            )))
        }
    };
    let request = SearchRequest {
        query,
        limit,
        offset,
        list,
        category: get("category").filter(|c| !c.is_empty()),
        department: get("department").filter(|d| !d.is_empty()),
        town: get("town").filter(|t| !t.is_empty()),
        explain,
    };
    request.validate()?;
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_filters() {
        let request = search_request("q=%E7%87%83%E6%B0%94&list=coop&unknown=1").unwrap();
        assert_eq!(request.query, "燃气");
        assert_eq!((request.limit, request.offset), (10, 0));
        assert_eq!(request.list, Some(ListKind::Coop));
        assert!(!request.explain);
        assert!(search_request("q=a&explain=true").unwrap().explain);
    }

    #[test]
    fn a_json_body_gives_the_same_request() {
        let body =
            br#"{"q": "\u71c3\u6c14", "limit": 5, "list": "coop", "explain": true, "x": [1]}"#;
        let request = search_request_json(body).unwrap();
        assert_eq!(request.query, "燃气");
        assert_eq!((request.limit, request.list), (5, Some(ListKind::Coop)));
        assert!(request.explain);
        let same = search_request("q=%E7%87%83%E6%B0%94&limit=5&list=coop&explain=true").unwrap();
        assert_eq!(request, same);
        for body in [
            &b"{"[..],
            b"[]",
            b"\"q\"",
            br#"{"q": ""}"#,
            br#"{"q": "a", "limit": 0}"#,
        ] {
            assert!(
                search_request_json(body).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn bad_values_are_refused() {
        for raw in [
            "",
            "q=",
            "q=a&limit=0",
            "q=a&limit=x",
            "q=a&offset=-1",
            "q=a&list=other",
            "q=a&explain=yes",
        ] {
            assert!(search_request(raw).is_err(), "{raw}");
        }
    }
}
