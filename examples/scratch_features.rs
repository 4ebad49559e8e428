use duty_search::eval::load_judgments;
use duty_search::search::{Engine, SearchRequest};
fn main() {
    let engine = Engine::open(std::path::Path::new("index")).unwrap();
    for file in std::env::args().skip(1) {
        for j in load_judgments(std::path::Path::new(&file)).unwrap() {
            let mut r = SearchRequest::new(&j.query).unwrap();
            r.explain = true;
            r.limit = 10;
            let resp = engine.search(&r).unwrap();
            let plan = engine.analyze(&j.query);
            let roles: Vec<String> = plan.concepts.iter().map(|c| format!("{:?}", c.role)).collect();
            let hits: Vec<serde_json::Value> = resp.hits.iter().map(|h| {
                let e = h.explanation.as_ref().unwrap();
                serde_json::json!({"id": h.id, "score": h.score, "ev": e.evidence, "cov": e.coverage,
                  "grade": j.rel.get(&h.id).copied().unwrap_or(0),
                  "concepts": e.concepts.iter().enumerate().map(|(i, c)| serde_json::json!([c.concept, c.importance, c.weight, roles[i], c.matched.as_ref().map(|m| m.evidence).unwrap_or(0.0), plan.concepts[i].alternatives.len(), plan.concepts[i].tag])).collect::<Vec<_>>(),
                  "matched": e.concepts.iter().enumerate().filter(|(_, c)| c.matched.is_some()).map(|(i, c)| serde_json::json!({"c": c.concept, "role": roles[i], "w": c.weight, "via": c.matched.as_ref().unwrap().via.name(), "ev": c.matched.as_ref().unwrap().evidence})).collect::<Vec<_>>()})
            }).collect();
            println!("{}", serde_json::json!({"qid": j.qid, "kind": j.kind, "oos": j.rel.is_empty(), "n": plan.concepts.len(), "letter": plan.letter, "roles": roles, "hits": hits, "q": j.query}));
        }
    }
}
