//! The search page, its iframe version and the widget in a real browser: Debian's headless
//! Chromium, driven through chromedriver (started here on a free port) by fantoccini, against the
//! real service on the shared index, served by the server that ships. A missing Chromium fails
//! these tests; it never skips them (`scripts/test.sh` installs it).
//!
//! Each run writes screenshots under `target/screenshots/` for review.

mod common;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::response::Html;
use axum::routing::get;
use axum::Router;
use common::free_port;
use common::process::wait_until_serving;
use duty_search::server::{AppState, CorsOrigin, CorsPolicy};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde::Deserialize;
use serde_json::{json, Value};
use tempfile::TempDir;

/// Debian's Chromium.
const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's chromedriver (package `chromium-driver`).
const CHROMEDRIVER: &str = "chromedriver";
/// How long the page may take to show what a test waits for.
const PATIENCE: Duration = Duration::from_secs(20);

/// A chromedriver process, killed when the test ends, with the browser profile it uses.
struct Driver {
    process: Child,
    url: String,
    profile: TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Starts chromedriver on a free port and waits until it answers.
async fn driver() -> Driver {
    assert!(
        Path::new(CHROMIUM).exists(),
        "Chromium is missing at {CHROMIUM}: the browser tests need Debian's chromium and \
         chromium-driver (`apt-get install -y chromium chromium-driver`; scripts/test.sh \
         installs them)"
    );
    let port = free_port();
    let process = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "chromedriver does not start ({e}): the browser tests need Debian's \
                 chromium-driver (`apt-get install -y chromium chromium-driver`; \
                 scripts/test.sh installs it)"
            )
        });
    let profile = tempfile::Builder::new()
        .prefix("duty-search-chromium-")
        .tempdir()
        .expect("a browser profile directory");
    let mut driver = Driver {
        process,
        url: format!("http://127.0.0.1:{port}"),
        profile,
    };
    let status = format!("{}/status", driver.url);
    wait_until_serving(&mut driver.process, &status, || "chromedriver".to_string()).await;
    driver
}

/// A new headless Chromium session on `driver`, 1280×900.
async fn session(driver: &Driver) -> Client {
    let args = [
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-background-networking".into(),
        "--no-first-run".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-dev-shm-usage".into(),
        "--lang=zh-CN".into(),
        "--window-size=1280,900".into(),
        format!("--user-data-dir={}", driver.profile.path().display()),
    ];
    let capabilities = json!({
        "browserName": "chrome",
        "unhandledPromptBehavior": "ignore",
        "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!("a JSON object")
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .unwrap_or_else(|e| panic!("no Chromium session through chromedriver: {e}"))
}

/// Runs `test` in a fresh browser and closes the browser however the test ends.
async fn in_browser<F, Fut>(test: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let driver = driver().await;
    let client = session(&driver).await;
    let outcome = tokio::spawn(test(client.clone())).await;
    let _ = client.close().await;
    drop(driver);
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

/// The service on the shared index, allowing pages of `origins` to call it.
async fn service(origins: &[String]) -> String {
    let state = AppState {
        cors: CorsPolicy::new(
            origins
                .iter()
                .map(|o| o.parse::<CorsOrigin>().expect("an origin"))
                .collect(),
        ),
        ..AppState::new(common::engine())
    };
    format!("http://{}", common::http::serve(state).await)
}

/// The search API's answer to `query`, as JSON.
async fn api_search(base: &str, query: &[(&str, &str)]) -> Value {
    reqwest::Client::new()
        .get(format!("{base}/api/search"))
        .query(query)
        .send()
        .await
        .expect("an API answer")
        .json()
        .await
        .expect("JSON")
}

/// Runs `script` (with `args`) until it returns something other than null, false or an empty
/// array, and returns that; fails naming `what` after [`PATIENCE`].
async fn wait_for(client: &Client, what: &str, script: &str, args: Vec<Value>) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let value = client
            .execute(script, args.clone())
            .await
            .unwrap_or_else(|e| panic!("{what}: the script failed: {e}"));
        let empty = value.as_array().is_some_and(Vec::is_empty);
        if !value.is_null() && value != Value::Bool(false) && !empty {
            return value;
        }
        if Instant::now() > deadline {
            let page = page_state(client, None).await;
            panic!("waited {PATIENCE:?} for {what}; the page shows {page:#?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Where the search box lives: the document, or the shadow root of the widget's element.
const ROOT: &str = "const root = arguments[0] \
     ? (document.querySelector(arguments[0]) || {}).shadowRoot : document;";

/// One result card as shown.
#[derive(Debug, Deserialize)]
struct Card {
    id: String,
    list: String,
    badge: String,
    category: String,
    title: String,
    marks: Vec<String>,
    owner: String,
    expanded: bool,
    confidence: String,
}

/// What the search box shows (in the widget under `widget`, else on the page).
#[derive(Debug, Deserialize)]
struct PageState {
    status: String,
    expansions: Option<String>,
    message: String,
    error: Option<String>,
    suggestions: Vec<String>,
    chips: Vec<Chip>,
    categories: Vec<String>,
    cards: Vec<Card>,
}

/// A list chip: its list (empty for 全部), its count and whether it is on.
#[derive(Debug, Deserialize, PartialEq, Eq)]
struct Chip {
    list: String,
    count: u64,
    pressed: bool,
}

/// Reads what the box shows, on the page or in the widget under `widget`.
async fn page_state(client: &Client, widget: Option<&str>) -> PageState {
    let script = format!(
        "{ROOT}
        if (!root) return null;
        const text = (selector) => {{
            const node = root.querySelector(selector);
            return node && !node.hidden ? node.textContent : null;
        }};
        const all = (selector) => Array.from(root.querySelectorAll(selector));
        return {{
            status: text('.ds-status') || '',
            expansions: text('.ds-expansions'),
            message: text('.ds-message') || '',
            error: text('.ds-error'),
            suggestions: all('.ds-empty .ds-example').map((b) => b.textContent),
            chips: all('.ds-chip').map((chip) => ({{
                list: chip.dataset.list,
                count: Number(chip.dataset.count),
                pressed: chip.getAttribute('aria-pressed') === 'true',
            }})),
            categories: all('.ds-select option').map((option) => option.value).filter(Boolean),
            cards: all('.ds-card').map((card) => ({{
                id: card.dataset.id,
                list: card.dataset.list,
                badge: card.querySelector('.ds-badge').textContent,
                category: card.querySelector('.ds-category').textContent,
                title: card.querySelector('.ds-title').textContent,
                marks: Array.from(card.querySelectorAll('.ds-title mark')).map((m) => m.textContent),
                owner: card.querySelector('.ds-owner-text').textContent,
                expanded: card.classList.contains('ds-expanded'),
                confidence: card.querySelector('.ds-confidence').className.replace(/.*ds-confidence-/, ''),
            }})),
        }};"
    );
    let value = client
        .execute(&script, vec![json!(widget)])
        .await
        .expect("the page state script runs");
    serde_json::from_value(value).expect("the page state")
}

/// Waits until the box shows an answer to `query`: cards, a no-results state or an error.
async fn wait_for_answer(client: &Client, widget: Option<&str>, query: &str) -> PageState {
    let script = format!(
        "{ROOT}
        if (!root) return false;
        const box = root.querySelector('.ds');
        return Boolean(box && box.getAttribute('data-answered') === arguments[1]
            && !box.hasAttribute('aria-busy'));"
    );
    wait_for(
        client,
        &format!("an answer to {query:?}"),
        &script,
        vec![json!(widget), json!(query)],
    )
    .await;
    page_state(client, widget).await
}

/// Presses `keys` (one WebDriver key each) on whatever has the focus.
async fn press(client: &Client, keys: &[char]) {
    let mut actions = KeyActions::new("keyboard".into());
    for &key in keys {
        actions = actions
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
    }
    client
        .perform_actions(actions)
        .await
        .expect("the keys are pressed");
}

/// The `data-id` of the focused card, or the focused element's class when it is no card.
async fn focused(client: &Client) -> String {
    let value = client
        .execute(
            "const node = document.activeElement;
             return node.dataset.id || node.className;",
            vec![],
        )
        .await
        .expect("the focus is read");
    value.as_str().unwrap_or_default().to_string()
}

/// The query of the page's URL, decoded.
async fn url_params(client: &Client) -> Vec<(String, String)> {
    let url = client.current_url().await.expect("the current URL");
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Writes a screenshot of the window to `target/screenshots/{name}.png`.
async fn screenshot(client: &Client, name: &str) -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory");
    let directory = target.join("screenshots");
    std::fs::create_dir_all(&directory).expect("a screenshots directory");
    let path = directory.join(format!("{name}.png"));
    let png = client.screenshot().await.expect("a screenshot");
    std::fs::write(&path, png).expect("the screenshot is written");
    path
}

/// The search input of the page.
async fn search_box(client: &Client) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(".ds-input"))
        .await
        .expect("the search box")
}

#[tokio::test]
async fn typing_a_keyword_shows_its_duty_first_with_owners_and_list() {
    let base = service(&[]).await;
    let gas = common::engine()
        .item("coop-1-1")
        .expect("lookup")
        .expect("coop-1-1 exists");
    in_browser(|client| async move {
        client
            .goto(&format!("{base}/"))
            .await
            .expect("the page opens");
        let input = search_box(&client).await;
        assert_eq!(
            focused(&client).await,
            "ds-input",
            "the box has the focus on load"
        );
        input.send_keys("燃气").await.expect("typing");
        let page = wait_for_answer(&client, None, "燃气").await;

        let first = page.cards.first().expect("a first card");
        assert_eq!(first.id, "coop-1-1", "{page:#?}");
        assert!(first.title.starts_with("燃气安全监管"), "{}", first.title);
        assert_eq!(first.marks, ["燃气"], "the title's highlight");
        assert_eq!(first.badge, "配合履职");
        assert_eq!(first.list, "coop");
        assert_eq!(first.category, gas.category);
        assert_eq!(first.owner, gas.owner_statement());
        for owner in &gas.owner {
            assert!(
                first.owner.contains(owner.as_str()),
                "{owner} in {}",
                first.owner
            );
        }
        let api = api_search(&base, &[("q", "燃气"), ("limit", "20")]).await;
        let ids: Vec<&str> = page.cards.iter().map(|c| c.id.as_str()).collect();
        let api_ids: Vec<&str> = api["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .map(|hit| hit["id"].as_str().expect("an id"))
            .collect();
        assert_eq!(ids, api_ids, "the cards are the API's hits, in order");
        assert!(
            page.status.contains(&api["total"].to_string()),
            "{}",
            page.status
        );

        // The query is in the URL and the title.
        assert_eq!(url_params(&client).await, [("q".into(), "燃气".into())]);
        let title = client.title().await.expect("a title");
        assert!(title.contains("燃气"), "{title}");

        client
            .set_window_size(1280, 1400)
            .await
            .expect("a taller window");
        let path = screenshot(&client, "search").await;
        assert!(path.metadata().is_ok_and(|m| m.len() > 10_000), "{path:?}");
    })
    .await;
}

/// A pasted letter longer than a link should carry is searched with a POST, and each card
/// says how far it can be trusted, as the API does.
#[tokio::test]
async fn a_pasted_letter_is_searched_and_every_card_shows_its_confidence() {
    let base = service(&[]).await;
    let letter: String =
        "尊敬的领导您好，我是金星镇某村三组的村民，我们组通往主路的那条砂石路好几年没人管了，\
        一下雨就成泥塘，娃娃上学裤腿全是泥，三轮车也陷进去好几回。找过村主任，说没钱要等项目。\
        另外村口的路灯坏了一大半，晚上黑黢黢的，前两天一个老人骑电动车在那摔了。"
            .repeat(3);
    let api: Value = reqwest::Client::new()
        .post(format!("{base}/api/search"))
        .json(&json!({"q": letter, "limit": 20}))
        .send()
        .await
        .expect("an API answer")
        .json()
        .await
        .expect("JSON");
    in_browser(|client| async move {
        client
            .goto(&format!("{base}/"))
            .await
            .expect("the page opens");
        client
            .execute(
                "const input = document.querySelector('.ds-input');
                 input.value = arguments[0];
                 input.dispatchEvent(new Event('input', { bubbles: true }));",
                vec![json!(letter)],
            )
            .await
            .expect("the letter is pasted");
        let page = wait_for_answer(&client, None, &letter).await;
        let hits = api["hits"].as_array().expect("hits");
        assert!(!hits.is_empty(), "{api}");
        let shown: Vec<(&str, &str)> = page
            .cards
            .iter()
            .map(|card| (card.id.as_str(), card.confidence.as_str()))
            .collect();
        let answered: Vec<(&str, &str)> = hits
            .iter()
            .map(|hit| {
                (
                    hit["id"].as_str().expect("an id"),
                    hit["confidence"].as_str().expect("a confidence"),
                )
            })
            .collect();
        assert_eq!(
            shown, answered,
            "the cards are the API's hits, with their confidence"
        );
        assert_eq!(shown[0].1, "high", "the best hit is as sure as any");
        assert_eq!(page.error, None);
    })
    .await;
}

#[tokio::test]
async fn the_keyboard_reaches_every_result_and_a_card_copies_its_summary() {
    let base = service(&[]).await;
    in_browser(|client| async move {
        client
            .goto(&format!("{base}/?q=%E7%87%83%E6%B0%94"))
            .await
            .expect("the page opens");
        let page = wait_for_answer(&client, None, "燃气").await;
        let ids: Vec<String> = page.cards.iter().map(|c| c.id.clone()).collect();
        assert!(ids.len() >= 2, "{ids:?}");

        // `/` comes back to the box from anywhere but a text field.
        client
            .execute("document.activeElement.blur()", vec![])
            .await
            .expect("blur");
        press(&client, &['/']).await;
        assert_eq!(focused(&client).await, "ds-input");
        let typed: Value = client
            .execute("return document.querySelector('.ds-input').value", vec![])
            .await
            .expect("the box's value");
        assert_eq!(typed, "燃气", "`/` is not typed into the box");

        press(&client, &[Key::Down.into()]).await;
        assert_eq!(focused(&client).await, ids[0]);
        press(&client, &[Key::Down.into()]).await;
        assert_eq!(focused(&client).await, ids[1]);

        // Enter expands the focused card (its long texts show whole), and again folds it.
        let toggle_state = "return document.activeElement.querySelector('.ds-toggle')
                .getAttribute('aria-expanded')";
        let cut: Value = client
            .execute(
                "const toggle = document.activeElement.querySelector('.ds-toggle');
                 return Boolean(toggle && !toggle.hidden);",
                vec![],
            )
            .await
            .expect("the toggle");
        assert_eq!(cut, true, "{} has long texts, cut at this width", ids[1]);
        press(&client, &[Key::Enter.into()]).await;
        let after = page_state(&client, None).await;
        assert!(after.cards[1].expanded, "Enter expands");
        let expanded = client.execute(toggle_state, vec![]).await.expect("state");
        assert_eq!(expanded, "true");
        press(&client, &[Key::Enter.into()]).await;
        assert!(
            !page_state(&client, None).await.cards[1].expanded,
            "Enter folds"
        );

        press(&client, &[Key::Up.into()]).await;
        assert_eq!(focused(&client).await, ids[0]);
        press(&client, &[Key::Up.into()]).await;
        assert_eq!(focused(&client).await, "ds-input");

        // The copy button puts a plain-text summary on the clipboard.
        client
            .execute(
                "Object.defineProperty(navigator, 'clipboard', {
                     configurable: true,
                     value: { writeText: async (text) => { window.copied = text; } },
                 });",
                vec![],
            )
            .await
            .expect("a clipboard stand-in");
        client
            .find(Locator::Css(".ds-card .ds-copy"))
            .await
            .expect("a copy button")
            .click()
            .await
            .expect("copy");
        let copied = wait_for(
            &client,
            "the copied summary",
            "return window.copied",
            vec![],
        )
        .await;
        let item = common::engine()
            .item(&ids[0])
            .expect("lookup")
            .expect("the first hit exists");
        let copied = copied.as_str().expect("text");
        for line in [
            format!("事项：{}", item.title),
            format!("清单：{}", item.list_label()),
            format!("责任：{}", item.owner_statement()),
            format!("镇职责：{}", item.town_duties),
        ] {
            assert!(copied.contains(&line), "{line:?} not in {copied:?}");
        }
        assert!(!copied.contains('<'), "plain text: {copied:?}");
    })
    .await;
}

#[tokio::test]
async fn a_list_chip_narrows_the_results_and_counts_as_the_api_does() {
    let base = service(&[]).await;
    let facets = api_search(&base, &[("q", "安全")]).await["facets"].take();
    let lists = facets["list"].clone();
    let count = move |list: &str| lists[list].as_u64().unwrap_or(0);
    let all: u64 = ["basic", "coop", "withdrawn"]
        .iter()
        .map(|l| count(l))
        .sum();
    assert!(
        count("coop") > 0 && count("coop") < all,
        "安全 spans lists: {facets}"
    );
    in_browser(|client| async move {
        client
            .goto(&format!("{base}/"))
            .await
            .expect("the page opens");
        search_box(&client)
            .await
            .send_keys("安全")
            .await
            .expect("typing");
        let page = wait_for_answer(&client, None, "安全").await;
        let expected = |pressed: &str| {
            [
                ("", all),
                ("basic", count("basic")),
                ("coop", count("coop")),
                ("withdrawn", count("withdrawn")),
            ]
            .map(|(list, count)| Chip {
                list: list.into(),
                count,
                pressed: list == pressed,
            })
        };
        assert_eq!(
            page.chips,
            expected(""),
            "the chips count as the API's facets"
        );
        let mut categories: Vec<String> = facets["category"]
            .as_object()
            .expect("category facets")
            .keys()
            .cloned()
            .collect();
        let mut shown = page.categories.clone();
        categories.sort();
        shown.sort();
        assert_eq!(shown, categories, "the category filter offers the facets");

        // 20 cards a page; 显示更多 appends the next page.
        assert_eq!(page.cards.len() as u64, all.min(20));
        if all > 20 {
            client
                .find(Locator::Css(".ds-more"))
                .await
                .expect("the 显示更多 button")
                .click()
                .await
                .expect("click");
            let want = api_search(&base, &[("q", "安全"), ("limit", "40")]).await;
            let want: Vec<&str> = want["hits"]
                .as_array()
                .expect("hits")
                .iter()
                .map(|hit| hit["id"].as_str().expect("an id"))
                .collect();
            wait_for(
                &client,
                "the second page appended",
                "const ids = Array.from(document.querySelectorAll('.ds-card'))
                     .map((card) => card.dataset.id);
                 return ids.join() === arguments[0];",
                vec![json!(want.join(","))],
            )
            .await;
        }

        client
            .find(Locator::Css(".ds-chip[data-list='coop']"))
            .await
            .expect("the 配合履职 chip")
            .click()
            .await
            .expect("click");
        wait_for(
            &client,
            "only coop cards",
            "const cards = Array.from(document.querySelectorAll('.ds-card'));
             return cards.length > 0 && cards.every((card) => card.dataset.list === 'coop');",
            vec![],
        )
        .await;
        let page = page_state(&client, None).await;
        assert_eq!(page.chips, expected("coop"), "counts stay, the chip is on");
        assert_eq!(page.cards.len() as u64, count("coop").min(20));
        assert!(
            page.status.contains(&format!("找到 {} 项", count("coop"))),
            "{}",
            page.status
        );
        let params = url_params(&client).await;
        assert!(
            params.contains(&("list".into(), "coop".into())),
            "{params:?}"
        );

        // A category narrows further; back and forward step through the filters.
        let category = page.cards[0].category.clone();
        client
            .find(Locator::Css(".ds-select"))
            .await
            .expect("the category filter")
            .select_by_value(&category)
            .await
            .expect("a category is chosen");
        wait_for(
            &client,
            "cards of one category",
            "const cards = Array.from(document.querySelectorAll('.ds-card'));
             return new URLSearchParams(location.search).get('category') === arguments[0]
                 && cards.length > 0
                 && cards.every((card) =>
                     card.querySelector('.ds-category').textContent === arguments[0]);",
            vec![json!(category)],
        )
        .await;
        client.back().await.expect("back");
        client.back().await.expect("back");
        let page = wait_for_answer(&client, None, "安全").await;
        wait_for(
            &client,
            "every list again",
            "return document.querySelector('.ds-chip[data-list=\"\"]')
                 .getAttribute('aria-pressed') === 'true';",
            vec![],
        )
        .await;
        assert!(
            url_params(&client).await.iter().all(|(k, _)| k == "q"),
            "{page:#?}"
        );

        // A department narrows to the items naming it.
        let department = client
            .find(Locator::Css(".ds-department"))
            .await
            .expect("the department filter");
        department.send_keys("民政局").await.expect("typing");
        department.send_keys(&Key::Enter).await.expect("Enter");
        let want = api_search(
            &base,
            &[("q", "安全"), ("department", "民政局"), ("limit", "20")],
        )
        .await;
        let want: Vec<&str> = want["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .map(|hit| hit["id"].as_str().expect("an id"))
            .collect();
        assert!(!want.is_empty(), "安全 has items of 民政局");
        let shown = wait_for(
            &client,
            "the department's items",
            "const ids = Array.from(document.querySelectorAll('.ds-card'))
                 .map((card) => card.dataset.id);
             return new URLSearchParams(location.search).get('department') === '民政局'
                 && ids.join() === arguments[0] && ids;",
            vec![json!(want.join(","))],
        )
        .await;
        assert_eq!(shown.as_array().map(Vec::len), Some(want.len()));
    })
    .await;
}

#[tokio::test]
async fn markup_in_the_query_shows_as_text_and_runs_nothing() {
    let base = service(&[]).await;
    let attack = "<img src=x onerror=alert(1)>";
    in_browser(|client| async move {
        let watch = "window.alerts = [];
             window.alert = (message) => window.alerts.push(String(message));
             window.violations = [];
             document.addEventListener('securitypolicyviolation',
                 (event) => window.violations.push(event.violatedDirective));";
        let check = |client: Client, how: &'static str| async move {
            let page = wait_for_answer(&client, None, attack).await;
            let shown = format!("{}{}", page.status, page.message);
            assert!(
                shown.contains(attack),
                "{how}: the query shows as text: {shown:?}"
            );
            let found: Value = client
                .execute(
                    "return {
                         images: document.querySelectorAll('img').length,
                         alerts: window.alerts,
                         violations: window.violations,
                     };",
                    vec![],
                )
                .await
                .expect("the page is inspected");
            assert_eq!(found["images"], 0, "{how}: an injected element");
            assert_eq!(found["alerts"], json!([]), "{how}: a script ran");
            assert_eq!(
                found["violations"],
                json!([]),
                "{how}: something inline was tried"
            );
            assert!(
                client.get_alert_text().await.is_err(),
                "{how}: an alert is open"
            );
        };

        client
            .goto(&format!("{base}/"))
            .await
            .expect("the page opens");
        client.execute(watch, vec![]).await.expect("watchers");
        search_box(&client)
            .await
            .send_keys(attack)
            .await
            .expect("typing");
        check(client.clone(), "typed").await;

        let encoded: String = form_urlencoded::byte_serialize(attack.as_bytes()).collect();
        client
            .goto(&format!("{base}/?q={encoded}"))
            .await
            .expect("the page opens");
        client.execute(watch, vec![]).await.expect("watchers");
        check(client.clone(), "from the URL").await;
        let title = client.title().await.expect("a title");
        assert!(title.contains(attack), "{title}");
    })
    .await;
}

#[tokio::test]
async fn a_shared_link_opens_on_its_results_and_history_steps_back() {
    let base = service(&[]).await;
    in_browser(|client| async move {
        client
            .goto(&format!("{base}/?q=%E5%A9%9A%E5%A7%BB%E7%99%BB%E8%AE%B0"))
            .await
            .expect("the page opens");
        let page = wait_for_answer(&client, None, "婚姻登记").await;
        let first = page.cards.first().expect("a card");
        assert_eq!(first.id, "withdrawn-2-4", "{page:#?}");
        assert_eq!(first.badge, "上级部门收回");
        assert!(first.owner.contains("利通区民政局"), "{}", first.owner);

        // A second search (typed, then Enter) is a new history entry.
        let input = search_box(&client).await;
        input.clear().await.expect("clear");
        input.send_keys("燃气").await.expect("typing");
        input.send_keys(&Key::Enter).await.expect("Enter");
        let page = wait_for_answer(&client, None, "燃气").await;
        assert_eq!(page.cards[0].id, "coop-1-1");
        assert_eq!(url_params(&client).await, [("q".into(), "燃气".into())]);

        client.back().await.expect("back");
        let page = wait_for_answer(&client, None, "婚姻登记").await;
        assert_eq!(page.cards[0].id, "withdrawn-2-4");
        assert_eq!(url_params(&client).await, [("q".into(), "婚姻登记".into())]);
        client.forward().await.expect("forward");
        let page = wait_for_answer(&client, None, "燃气").await;
        assert_eq!(page.cards[0].id, "coop-1-1");
    })
    .await;
}

#[tokio::test]
async fn nothing_found_offers_the_nearest_duties_and_expansions_are_told() {
    let base = service(&[]).await;
    let far = api_search(&base, &[("q", "天气预报")]).await;
    let synonym = api_search(&base, &[("q", "电瓶车")]).await;
    in_browser(|client| async move {
        client
            .goto(&format!("{base}/?q=%E5%A4%A9%E6%B0%94%E9%A2%84%E6%8A%A5"))
            .await
            .expect("the page opens");
        let page = wait_for_answer(&client, None, "天气预报").await;
        assert!(page.cards.is_empty(), "{page:#?}");
        assert!(page.status.contains("没有找到"), "{}", page.status);
        let suggestions: Vec<String> = far["suggestions"]
            .as_array()
            .expect("suggestions")
            .iter()
            .map(|s| s.as_str().expect("a title").to_string())
            .collect();
        assert_eq!(page.suggestions, suggestions, "the API's suggestions");
        if let Some(nearest) = suggestions.first() {
            client
                .find(Locator::Css(".ds-empty .ds-example"))
                .await
                .expect("a suggestion")
                .click()
                .await
                .expect("click");
            let page = wait_for_answer(&client, None, nearest).await;
            assert!(!page.cards.is_empty(), "a suggestion finds its duty");
        }

        client
            .goto(&format!("{base}/?q=%E7%94%B5%E7%93%B6%E8%BD%A6"))
            .await
            .expect("the page opens");
        let page = wait_for_answer(&client, None, "电瓶车").await;
        let mut also: Vec<&str> = Vec::new();
        for expansion in synonym["interpretation"]["expansions"]
            .as_array()
            .expect("expansions")
        {
            for term in expansion["to"].as_array().expect("terms") {
                let term = term.as_str().expect("a term");
                if !also.contains(&term) {
                    also.push(term);
                }
            }
        }
        assert!(!also.is_empty(), "电瓶车 is expanded: {synonym}");
        assert_eq!(
            page.expansions,
            Some(format!("也搜索了：{}", also.join("、")))
        );
    })
    .await;
}

#[tokio::test]
async fn the_page_fits_a_phone() {
    let base = service(&[]).await;
    in_browser(|client| async move {
        client.set_window_size(390, 844).await.expect("a phone-sized window");
        client
            .goto(&format!(
                "{base}/?q=%E6%A5%BC%E9%81%93%E9%87%8C%E6%9C%89%E4%BA%BA%E7%BB%99%E7%94%B5%E5%8A%A8%E8%BD%A6%E9%A3%9E%E7%BA%BF%E5%85%85%E7%94%B5"
            ))
            .await
            .expect("the page opens");
        let page = wait_for_answer(&client, None, "楼道里有人给电动车飞线充电").await;
        assert!(!page.cards.is_empty(), "{page:#?}");
        let widths: Value = client
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await
            .expect("the widths");
        let (content, window) = (
            widths[0].as_u64().expect("a width"),
            widths[1].as_u64().expect("a width"),
        );
        assert!(window <= 400, "a phone-wide window: {widths}");
        assert!(content <= window, "no sideways scrolling: {widths}");
        screenshot(&client, "search-phone").await;
    })
    .await;
}

/// A host page on another site: the example portal page, pointing at the service at `api`,
/// served on `listener` until the test's runtime ends. The portal is not the service, so plain
/// `axum::serve` serves it. Returns its origin.
fn portal(listener: tokio::net::TcpListener, api: &str) -> String {
    let page = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/intranet.html"),
    )
    .expect("examples/intranet.html");
    assert!(
        page.contains("http://127.0.0.1:8080/widget.js"),
        "the example's widget"
    );
    let page = page.replace("http://127.0.0.1:8080", api);
    let router = Router::new().route("/intranet.html", get(move || async move { Html(page) }));
    let origin = format!("http://{}", listener.local_addr().expect("a bound address"));
    tokio::spawn(async move {
        axum::serve(listener, router)
            .await
            .expect("the portal serves");
    });
    origin
}

#[tokio::test]
async fn the_widget_works_from_an_allowed_portal_and_is_refused_elsewhere() {
    let (allowed_listener, other_listener) = (
        common::http::listener().await,
        common::http::listener().await,
    );
    let allowed = format!(
        "http://{}",
        allowed_listener.local_addr().expect("a bound address")
    );
    let base = service(std::slice::from_ref(&allowed)).await;
    assert_eq!(portal(allowed_listener, &base), allowed);
    let other = portal(other_listener, &base);

    // The CORS headers themselves.
    for (origin, expected) in [(&allowed, Some(allowed.as_str())), (&other, None)] {
        let answer = reqwest::Client::new()
            .get(format!("{base}/api/search"))
            .query(&[("q", "燃气")])
            .header("origin", origin.as_str())
            .send()
            .await
            .expect("an API answer");
        let header = answer
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().expect("ASCII").to_string());
        assert_eq!(header.as_deref(), expected, "Origin: {origin}");
    }

    in_browser(|client| async move {
        const WIDGET: &str = "#duty-search";
        client
            .goto(&format!("{allowed}/intranet.html"))
            .await
            .expect("the portal opens");
        let host = client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(WIDGET))
            .await
            .expect("the widget's element");
        wait_for(
            &client,
            "the widget's box, styled",
            &format!(
                "{ROOT}
                 const input = root && root.querySelector('.ds-input');
                 return Boolean(input && input.offsetHeight > 0
                     && getComputedStyle(input).fontSize === '17px');"
            ),
            vec![json!(WIDGET)],
        )
        .await;
        let input = host
            .shadow_root()
            .await
            .expect("the widget's shadow root")
            .find(Locator::Css(".ds-input"))
            .await
            .expect("the widget's box");
        input.send_keys("燃气").await.expect("typing");
        let page = wait_for_answer(&client, Some(WIDGET), "燃气").await;
        assert_eq!(page.error, None);
        let first = page.cards.first().expect("a card through CORS");
        assert_eq!(first.id, "coop-1-1");
        assert_eq!(first.badge, "配合履职");
        assert_eq!(
            url_params(&client).await,
            [],
            "the widget leaves the host's URL alone"
        );

        // The iframe on the same portal page searches too.
        let frame = client
            .find(Locator::Css("iframe"))
            .await
            .expect("the example's iframe");
        frame.enter_frame().await.expect("into the iframe");
        search_box(&client)
            .await
            .send_keys("婚姻登记")
            .await
            .expect("typing");
        let page = wait_for_answer(&client, None, "婚姻登记").await;
        assert_eq!(page.cards[0].id, "withdrawn-2-4");
        client
            .enter_parent_frame()
            .await
            .expect("out of the iframe");
        screenshot(&client, "intranet").await;

        // The same page on an origin not on the list: the browser refuses the answers.
        client
            .goto(&format!("{other}/intranet.html"))
            .await
            .expect("the other portal opens");
        let host = client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(WIDGET))
            .await
            .expect("the widget's element");
        let input = loop {
            match host.shadow_root().await {
                Ok(root) => break root.find(Locator::Css(".ds-input")).await.expect("the box"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        input.send_keys("燃气").await.expect("typing");
        let page = wait_for_answer(&client, Some(WIDGET), "燃气").await;
        assert!(page.cards.is_empty(), "{page:#?}");
        let error = page.error.expect("the widget's error state");
        assert!(error.contains("无法连接"), "{error}");
    })
    .await;
}

/// A clerk confirms a duty with one click on its card and names the right duty after 「都不对」
/// through the picker; each click is acknowledged in a toast and stored as a confirmation with
/// the query and the ids shown. The iframe page and the widget on an allowed portal have the
/// same buttons, and the widget's click is stored too, cross-origin.
#[tokio::test]
async fn a_clerk_confirms_a_duty_with_one_click_and_names_the_right_one_in_the_picker() {
    let data = common::temp_dir("duty-search-browser-feedback-");
    let store = duty_search::feedback::FeedbackStore::new(data.path());
    let listener = common::http::listener().await;
    let portal_origin = format!("http://{}", listener.local_addr().expect("a bound address"));
    let state = AppState {
        cors: CorsPolicy::new(vec![portal_origin.parse().expect("an origin")]),
        feedback: Some(duty_search::server::FeedbackIntake::new(store.clone(), 60)),
        ..AppState::new(common::engine())
    };
    let base = format!("http://{}", common::http::serve(state).await);
    portal(listener, &base);
    let confirmations = store.clone();
    in_browser(|client| async move {
        const TOAST: &str = "{ROOT} const toast = root && root.querySelector('.ds-toast'); \
             return toast && !toast.hidden && toast.textContent.includes(arguments[1]) \
             ? toast.textContent : null;";
        let toast = |widget: Option<&'static str>, says: &'static str| {
            let client = client.clone();
            async move {
                wait_for(
                    &client,
                    &format!("a toast saying {says}"),
                    &TOAST.replace("{ROOT}", ROOT),
                    vec![json!(widget), json!(says)],
                )
                .await
            }
        };
        client
            .goto(&format!("{base}/?q=%E7%87%83%E6%B0%94"))
            .await
            .expect("the page opens");
        let page = wait_for_answer(&client, None, "燃气").await;
        let shown: Vec<String> = page.cards.iter().map(|card| card.id.clone()).collect();
        let first = client
            .find(Locator::Css(".ds-card .ds-confirm"))
            .await
            .expect("a 就是这条 button on the first card");
        assert_eq!(first.text().await.expect("its text"), "✓ 就是这条");
        first.click().await.expect("one click");
        toast(None, "已记录").await;
        assert_eq!(first.text().await.expect("its text"), "✓ 已确认");
        screenshot(&client, "confirmed").await;

        client
            .find(Locator::Css(".ds-none-fits"))
            .await
            .expect("都不对")
            .click()
            .await
            .expect("one click");
        toast(None, "都不对").await;
        client
            .find(Locator::Css(".ds-pick-input"))
            .await
            .expect("the picker")
            .send_keys("婚姻登记")
            .await
            .expect("typing");
        let pick = client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(".ds-pick"))
            .await
            .expect("a duty to pick");
        let picked = pick.attr("data-id").await.expect("its id").expect("an id");
        pick.click().await.expect("one click");
        toast(None, "正确的事项").await;

        let stored = confirmations
            .with_status("pending")
            .expect("the store reads");
        let got: Vec<(&str, Option<&str>, &[String])> = stored
            .iter()
            .map(|s| (s.query.as_str(), s.item_id.as_deref(), s.shown.as_slice()))
            .collect();
        assert_eq!(
            got,
            [
                ("燃气", Some(shown[0].as_str()), shown.as_slice()),
                ("燃气", None, shown.as_slice()),
                ("燃气", Some(picked.as_str()), shown.as_slice()),
            ]
        );

        client
            .goto(&format!("{base}/embed?q=%E7%87%83%E6%B0%94"))
            .await
            .expect("the iframe page opens");
        wait_for_answer(&client, None, "燃气").await;
        let buttons = client
            .find_all(Locator::Css(".ds-card .ds-confirm"))
            .await
            .expect("the buttons");
        assert_eq!(buttons.len(), shown.len(), "every card of /embed has it");

        const WIDGET: &str = "#duty-search";
        client
            .goto(&format!("{portal_origin}/intranet.html"))
            .await
            .expect("the portal opens");
        let host = client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(WIDGET))
            .await
            .expect("the widget's element");
        let root = loop {
            match host.shadow_root().await {
                Ok(root) => break root,
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        let input = loop {
            match root.find(Locator::Css(".ds-input")).await {
                Ok(input) => break input,
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        input.send_keys("燃气").await.expect("typing");
        wait_for_answer(&client, Some(WIDGET), "燃气").await;
        root.find(Locator::Css(".ds-card .ds-confirm"))
            .await
            .expect("the widget's 就是这条")
            .click()
            .await
            .expect("one click");
        toast(Some(WIDGET), "已记录").await;
        let stored = confirmations
            .with_status("pending")
            .expect("the store reads");
        assert_eq!(
            stored.len(),
            4,
            "the widget's confirmation is stored, cross-origin"
        );
    })
    .await;
}
