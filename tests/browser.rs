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

/// A new headless Chromium session on `driver`, 1280×900, with the browser preferences `prefs`.
async fn session_with(driver: &Driver, prefs: Value) -> Client {
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
        "goog:chromeOptions": { "binary": CHROMIUM, "args": args, "prefs": prefs },
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
    in_browser_with(json!({}), test).await;
}

/// Runs `test` in a fresh browser with the preferences `prefs`, closed however the test ends.
async fn in_browser_with<F, Fut>(prefs: Value, test: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let driver = driver().await;
    let client = session_with(&driver, prefs).await;
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
            format!("镇配合职责：{}", item.town_duties),
            format!("上级部门职责：{}", item.department_duties),
            format!("链接：{base}/items/{}", item.id),
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

/// A chromedriver DevTools command (`Emulation.setEmulatedMedia`…), for what WebDriver itself
/// cannot set: print media and the dark colour scheme.
#[derive(Debug)]
struct DevTools(&'static str, Value);

impl fantoccini::wd::WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({"cmd": self.0, "params": self.1});
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

/// Emulates a media type (`print`, or `""` for the screen) and the colour scheme.
async fn emulate(client: &Client, media: &str, scheme: &str) {
    let features = json!([{"name": "prefers-color-scheme", "value": scheme}]);
    client
        .issue_cmd(DevTools(
            "Emulation.setEmulatedMedia",
            json!({"media": media, "features": features}),
        ))
        .await
        .expect("the media are emulated");
}

/// Where the first card's title and owner end, and the viewport's height.
const FIRST_CARD_BOTTOMS: &str = "const card = document.querySelector('.ds-card');
     return card && {
         title: card.querySelector('.ds-title').getBoundingClientRect().bottom,
         owner: card.querySelector('.ds-owner').getBoundingClientRect().bottom,
         top: card.querySelector('.ds-title').getBoundingClientRect().top,
         viewport: window.innerHeight,
     };";

#[tokio::test]
async fn a_pasted_long_message_is_told_in_short_and_its_first_card_is_in_view() {
    let base = service(&[]).await;
    let message: String = "领导您好，我是金星镇某村村民，我们村口那户人家养的大狼狗一直不拴，上周把放学的孩子咬伤了，\
        打了疫苗花了好几百，找过村委会也没用。另外村里的垃圾好久没人清运，堆在路边臭得很，夏天蚊蝇乱飞。"
        .chars()
        .cycle()
        .take(300)
        .collect();
    let api: Value = reqwest::Client::new()
        .post(format!("{base}/api/search"))
        .json(&json!({"q": message, "limit": 20, "explain": true}))
        .send()
        .await
        .expect("an API answer")
        .json()
        .await
        .expect("JSON");
    in_browser(|client| async move {
        client
            .set_window_size(1280, 720)
            .await
            .expect("a 1280×720 window");
        client
            .goto(&format!("{base}/"))
            .await
            .expect("the page opens");
        search_box(&client)
            .await
            .send_keys(&message)
            .await
            .expect("typing");
        let page = wait_for_answer(&client, None, &message).await;
        assert!(!page.cards.is_empty(), "{page:#?}");
        assert!(
            page.status.contains("（共 300 字）") && page.status.chars().count() < 60,
            "the status names the query in short: {}",
            page.status
        );
        // The expansions of the concepts weighing most in the best hit first.
        let weight = |concept: &Value| {
            api["hits"][0]["explanation"]["concepts"]
                .as_array()
                .expect("the best hit's concepts")
                .iter()
                .find(|c| c["concept"] == *concept)
                .and_then(|c| c["weight"].as_f64())
                .unwrap_or(0.0)
        };
        let mut expansions: Vec<&Value> = api["interpretation"]["expansions"]
            .as_array()
            .expect("expansions")
            .iter()
            .collect();
        expansions.sort_by(|a, b| weight(&b["from"]).total_cmp(&weight(&a["from"])));
        let mut also: Vec<String> = Vec::new();
        for expansion in expansions {
            for term in expansion["to"].as_array().expect("terms") {
                let term = term.as_str().expect("a term").to_string();
                if !also.contains(&term) {
                    also.push(term);
                }
            }
        }
        assert!(also.len() > 5, "the message is expanded widely: {also:?}");
        let told: Value = client
            .execute(
                "return {
                     announced: document.querySelector('.ds-announcer').textContent,
                     live: document.querySelector('.ds-status').getAttribute('aria-live'),
                     terms: document.querySelector('.ds-also').textContent,
                     more: !document.querySelector('.ds-also-more').hidden,
                 };",
                vec![],
            )
            .await
            .expect("the page is read");
        assert!(
            told["announced"]
                .as_str()
                .is_some_and(|a| a.starts_with("找到") && !a.contains("村")),
            "a screen reader hears the count only: {told}"
        );
        assert_eq!(told["live"], Value::Null, "the status line is not read out");
        assert_eq!(
            told["terms"],
            format!("也搜索了：{}", also[..5].join("、")),
            "the first few expansions"
        );
        assert_eq!(told["more"], true, "and 更多");
        let bottoms = wait_for(&client, "the first card", FIRST_CARD_BOTTOMS, vec![]).await;
        let viewport = bottoms["viewport"].as_f64().expect("a height");
        for part in ["title", "owner"] {
            let bottom = bottoms[part].as_f64().expect("a position");
            assert!(
                bottom <= viewport,
                "the first card's {part} ends at {bottom} in a {viewport} px window"
            );
        }
        screenshot(&client, "long-message").await;

        // Near the limit the box counts; a paste it had to cut is told.
        let counted: Value = client
            .execute(
                "const input = document.querySelector('.ds-input');
                 input.value = '燃'.repeat(1900);
                 input.dispatchEvent(new Event('input', {bubbles: true}));
                 const near = document.querySelector('.ds-counter').textContent;
                 input.value = '';
                 const data = new DataTransfer();
                 data.setData('text/plain', '气'.repeat(2100));
                 input.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true}));
                 input.value = '气'.repeat(2000);
                 input.dispatchEvent(new Event('input', {bubbles: true}));
                 return {near, cut: document.querySelector('.ds-counter').textContent,
                         limit: input.maxLength};",
                vec![],
            )
            .await
            .expect("the box is filled");
        assert_eq!(counted["limit"], 2000, "the box takes what the API takes");
        assert_eq!(counted["near"], "1900 / 2000 字");
        assert!(
            counted["cut"].as_str().is_some_and(|c| c.contains("已截去末尾 100 字")),
            "{counted}"
        );
    })
    .await;
}

#[tokio::test]
async fn every_card_says_how_sure_and_why_and_copying_keeps_the_status_and_the_focus() {
    let base = service(&[]).await;
    in_browser(|client| async move {
        client
            .goto(&format!("{base}/?q=%E7%87%83%E6%B0%94"))
            .await
            .expect("the page opens");
        let page = wait_for_answer(&client, None, "燃气").await;
        assert!(!page.cards.is_empty(), "{page:#?}");
        let cards: Value = client
            .execute(
                "return Array.from(document.querySelectorAll('.ds-card')).map((card) => ({
                     label: card.querySelector('.ds-confidence').textContent,
                     why: (card.querySelector('.ds-why') || {}).textContent || '',
                     link: card.querySelector('.ds-title a').getAttribute('href'),
                     id: card.dataset.id,
                 }));",
                vec![],
            )
            .await
            .expect("the cards are read");
        for card in cards.as_array().expect("cards") {
            assert!(
                ["把握大", "可参考", "把握小"].contains(&card["label"].as_str().unwrap_or("")),
                "a confidence label in words: {card}"
            );
            assert!(
                card["why"]
                    .as_str()
                    .is_some_and(|w| w.starts_with("匹配：燃气")),
                "why it matched: {card}"
            );
            let id = card["id"].as_str().expect("an id");
            assert!(
                card["link"]
                    .as_str()
                    .is_some_and(|l| l.ends_with(&format!("/items/{id}"))),
                "the card links to its page: {card}"
            );
        }

        // 复制: a toast, the status stays and the focus stays on the button, also where the
        // clipboard API is missing (a plain-http intranet host) and a selection copies.
        let status = page.status.clone();
        client
            .execute(
                "Object.defineProperty(navigator, 'clipboard', {configurable: true, value: undefined});",
                vec![],
            )
            .await
            .expect("no clipboard API");
        client
            .find(Locator::Css(".ds-card .ds-copy"))
            .await
            .expect("a copy button")
            .click()
            .await
            .expect("click");
        let toast = wait_for(
            &client,
            "the copy toast",
            "const toast = document.querySelector('.ds-toast');
             return toast && !toast.hidden && toast.textContent;",
            vec![],
        )
        .await;
        assert!(
            toast.as_str().is_some_and(|t| t.starts_with("已复制")),
            "{toast}"
        );
        assert_eq!(page_state(&client, None).await.status, status);
        assert_eq!(focused(&client).await, "ds-copy", "the focus stays on 复制");

        // An out-of-scope question: no cards, or only unsure ones under 可能都不相关.
        client
            .goto(&format!(
                "{base}/?q={}",
                form_urlencoded::byte_serialize("我想考驾照，去哪里报名比较便宜".as_bytes())
                    .collect::<String>()
            ))
            .await
            .expect("the page opens");
        let page = wait_for_answer(&client, None, "我想考驾照，去哪里报名比较便宜").await;
        let doubt: Value = client
            .execute(
                "const doubt = document.querySelector('.ds-doubt');
                 return !doubt.hidden && doubt.textContent;",
                vec![],
            )
            .await
            .expect("the warning is read");
        if page.cards.is_empty() {
            assert_eq!(doubt, Value::Bool(false), "{page:#?}");
        } else {
            assert!(
                page.cards.iter().all(|c| c.confidence == "low"),
                "{page:#?}"
            );
            assert!(
                doubt
                    .as_str()
                    .is_some_and(|d| d.starts_with("可能都不相关")),
                "{doubt}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn an_item_page_shows_every_field_copies_a_ticket_and_prints_without_controls() {
    let base = service(&[]).await;
    let item = common::engine()
        .item("coop-7-4")
        .expect("lookup")
        .expect("coop-7-4 exists");
    let missing = reqwest::get(format!("{base}/items/coop-99-99"))
        .await
        .expect("an answer");
    assert_eq!(missing.status().as_u16(), 404);
    assert!(missing.headers()["content-type"]
        .to_str()
        .is_ok_and(|t| t.starts_with("text/html")));
    assert!(missing
        .text()
        .await
        .expect("a page")
        .contains("没有这个事项"));
    in_browser(|client| async move {
        client
            .goto(&format!("{base}/items/coop-7-4"))
            .await
            .expect("the page opens");
        let button = client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(".ds-ticket:not([hidden])"))
            .await
            .expect("复制到工单, shown by the script");
        let text = |s: &str| s.split_whitespace().collect::<String>();
        let page = text(
            &client
                .find(Locator::Css(".ds-record"))
                .await
                .expect("the record")
                .text()
                .await
                .expect("its text"),
        );
        let heading = client
            .find(Locator::Css("h1"))
            .await
            .expect("a heading")
            .text()
            .await
            .expect("its text");
        assert_eq!(text(&heading), text(&item.title));
        for field in [
            item.owner_statement(),
            item.departments.join("、"),
            item.department_duties.clone(),
            item.town_duties.clone(),
            item.numbered_category(),
            format!("{}{}配合履职事项清单", item.district, item.town),
            format!("序号{}", item.seq),
            "/items/coop-7-4".to_string(),
        ] {
            assert!(page.contains(&text(&field)), "{field} on the page: {page}");
        }
        screenshot(&client, "item").await;

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
        button.click().await.expect("click");
        let copied = wait_for(&client, "the ticket", "return window.copied", vec![]).await;
        let copied = copied.as_str().expect("text");
        for line in [
            format!("事项：{}", item.title),
            format!("清单：{}（{}）", item.list_label(), item.category),
            format!("责任：{}", item.owner_statement()),
            format!("镇配合职责：{}", item.town_duties),
            format!("上级部门职责：{}", item.department_duties),
            format!("链接：{base}/items/coop-7-4"),
        ] {
            assert!(copied.contains(&line), "{line:?} not in {copied:?}");
        }
        let toast = wait_for(
            &client,
            "the ticket toast",
            "const toast = document.querySelector('.ds-toast');
             return toast && !toast.hidden && toast.textContent;",
            vec![],
        )
        .await;
        assert!(
            toast.as_str().is_some_and(|t| t.starts_with("已复制")),
            "{toast}"
        );
        assert_eq!(
            focused(&client).await,
            "ds-ticket",
            "the focus stays on the button"
        );

        emulate(&client, "print", "light").await;
        let printed: Value = client
            .execute(
                "const shown = (node) => node.getClientRects().length > 0;
                 return {
                     print: matchMedia('print').matches,
                     buttons: Array.from(document.querySelectorAll('button')).filter(shown)
                         .map((b) => b.textContent),
                     fields: Array.from(document.querySelectorAll('.ds-record dd'))
                         .filter((dd) => !shown(dd)).length,
                     toggles: document.body.innerText.includes('展开全文'),
                 };",
                vec![],
            )
            .await
            .expect("the printed page is read");
        assert_eq!(printed["print"], true, "{printed}");
        assert_eq!(
            printed["buttons"],
            json!([]),
            "no controls on paper: {printed}"
        );
        assert_eq!(printed["fields"], 0, "every field on paper: {printed}");
        assert_eq!(printed["toggles"], false, "no 展开全文 on paper: {printed}");
    })
    .await;
}

#[tokio::test]
async fn without_javascript_the_page_is_a_form_answered_by_the_server() {
    let base = service(&[]).await;
    let gas = common::engine()
        .item("coop-1-1")
        .expect("lookup")
        .expect("coop-1-1 exists");
    let no_script = json!({"profile.managed_default_content_settings.javascript": 2});
    in_browser_with(no_script, |client| async move {
        client
            .goto(&format!("{base}/?q=%E7%87%83%E6%B0%94"))
            .await
            .expect("the page opens");
        let card = client
            .find(Locator::Css(".ds-card[data-id=\"coop-1-1\"]"))
            .await
            .expect("the 燃气安全监管 card, rendered by the server");
        let title = card
            .find(Locator::Css(".ds-title"))
            .await
            .expect("a title")
            .text()
            .await
            .expect("its text");
        assert!(title.starts_with("燃气安全监管"), "{title}");
        let mark = card
            .find(Locator::Css(".ds-title mark"))
            .await
            .expect("the highlight")
            .text()
            .await
            .expect("its text");
        assert_eq!(mark, "燃气");
        let owner = card
            .find(Locator::Css(".ds-owner-text"))
            .await
            .expect("the owners")
            .text()
            .await
            .expect("their text");
        assert_eq!(owner, gas.owner_statement());
        let badge = card
            .find(Locator::Css(".ds-badge"))
            .await
            .expect("a badge")
            .text()
            .await
            .expect("its text");
        assert_eq!(badge, "配合履职");
        assert!(
            client.find(Locator::Css(".ds-filters")).await.is_err(),
            "the script did not run"
        );

        // The plain form searches again.
        let input = client
            .find(Locator::Css("form[method=get] input[name=q]"))
            .await
            .expect("the form's box");
        input.clear().await.expect("clear");
        input.send_keys("婚姻登记").await.expect("typing");
        input.send_keys(&Key::Enter).await.expect("Enter");
        client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(".ds-card[data-id=\"withdrawn-2-4\"]"))
            .await
            .expect("the form's answer");
        assert_eq!(
            url_params(&client).await[0],
            ("q".into(), "婚姻登记".into())
        );
    })
    .await;
}

#[tokio::test]
async fn the_full_page_link_keeps_the_search_and_the_department_filter_takes_nicknames() {
    let listener = common::http::listener().await;
    let allowed = format!("http://{}", listener.local_addr().expect("a bound address"));
    let base = service(std::slice::from_ref(&allowed)).await;
    portal(listener, &base);
    let example = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/intranet.html"),
    )
    .expect("examples/intranet.html");
    assert!(
        example.contains("allow=\"clipboard-write\""),
        "the example's iframe may copy"
    );
    let want = api_search(
        &base,
        &[("q", "安全"), ("department", "城管"), ("limit", "20")],
    )
    .await;
    let want: Vec<String> = want["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|hit| hit["id"].as_str().expect("an id").to_string())
        .collect();
    assert!(!want.is_empty(), "城管 is understood by the filter");
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
        let input = loop {
            match host.shadow_root().await {
                Ok(root) => break root.find(Locator::Css(".ds-input")).await.expect("the box"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        input.send_keys("燃气").await.expect("typing");
        wait_for_answer(&client, Some(WIDGET), "燃气").await;
        let link = wait_for(
            &client,
            "the widget's full-page link with the query",
            &format!(
                "{ROOT}
                 const link = root.querySelector('.ds-open');
                 return new URL(link.href).searchParams.get('q') === '燃气' && link.href;"
            ),
            vec![json!(WIDGET)],
        )
        .await;
        assert!(
            link.as_str()
                .is_some_and(|l| l.starts_with(&format!("{base}/?"))),
            "{link}"
        );

        // The iframe's link carries the filters too.
        client
            .goto(&format!("{base}/embed?q=%E5%AE%89%E5%85%A8&list=coop"))
            .await
            .expect("the embed page opens");
        wait_for_answer(&client, None, "安全").await;
        wait_for(
            &client,
            "the iframe's full-page link with the query and the list",
            "const link = new URL(document.querySelector('.ds-open').href);
             return link.pathname === '/' && link.searchParams.get('q') === '安全'
                 && link.searchParams.get('list') === 'coop';",
            vec![],
        )
        .await;

        client
            .goto(&format!("{base}/?q=%E5%AE%89%E5%85%A8"))
            .await
            .expect("the page opens");
        wait_for_answer(&client, None, "安全").await;
        let offered = wait_for(
            &client,
            "the departments of the answer",
            "return Array.from(document.querySelectorAll('datalist option'))
                 .map((option) => option.value);",
            vec![],
        )
        .await;
        assert!(
            offered.as_array().is_some_and(|o| o.len() > 3),
            "the facet's departments: {offered}"
        );
        let department = client
            .find(Locator::Css(".ds-department"))
            .await
            .expect("the department filter");
        department.send_keys("城管").await.expect("typing");
        department.send_keys(&Key::Enter).await.expect("Enter");
        wait_for(
            &client,
            "the items of 城管",
            "const ids = Array.from(document.querySelectorAll('.ds-card'))
                 .map((card) => card.dataset.id);
             return new URLSearchParams(location.search).get('department') === '城管'
                 && ids.join() === arguments[0];",
            vec![json!(want.join(","))],
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn at_phone_width_targets_are_large_headings_in_order_and_dark_mode_is_dark() {
    let base = service(&[]).await;
    in_browser(|client| async move {
        client
            .set_window_size(390, 844)
            .await
            .expect("a phone-sized window");
        client
            .goto(&format!("{base}/?q=%E7%87%83%E6%B0%94"))
            .await
            .expect("the page opens");
        wait_for_answer(&client, None, "燃气").await;
        let measured: Value = client
            .execute(
                "const shown = (node) => node.getClientRects().length > 0;
                 const small = Array.from(document.querySelectorAll(
                         '.ds button, .ds input, .ds select, .ds a'))
                     .filter((node) => shown(node) && !node.closest('.ds-title'))
                     .filter((node) => node.getBoundingClientRect().height < 44)
                     .map((node) => `${node.className} ${node.getBoundingClientRect().height}`);
                 const levels = Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6'))
                     .map((h) => Number(h.tagName[1]));
                 return {small, levels};",
                vec![],
            )
            .await
            .expect("the page is measured");
        assert_eq!(
            measured["small"],
            json!([]),
            "touch targets of 44 px: {measured}"
        );
        let levels: Vec<u64> = measured["levels"]
            .as_array()
            .expect("levels")
            .iter()
            .map(|l| l.as_u64().expect("a level"))
            .collect();
        assert_eq!(levels.first(), Some(&1), "{levels:?}");
        for pair in levels.windows(2) {
            assert!(
                pair[1] <= pair[0] + 1,
                "a heading level skipped: {levels:?}"
            );
        }
        screenshot(&client, "phone").await;

        emulate(&client, "", "dark").await;
        let background: Value = client
            .execute(
                "return getComputedStyle(document.body).backgroundColor;",
                vec![],
            )
            .await
            .expect("the background");
        assert_eq!(background, "rgb(13, 17, 23)", "dark mode");
        screenshot(&client, "dark").await;
    })
    .await;
}

#[tokio::test]
async fn recent_searches_are_kept_in_the_browser_and_can_be_cleared() {
    let base = service(&[]).await;
    in_browser(|client| async move {
        client
            .goto(&format!("{base}/"))
            .await
            .expect("the page opens");
        let input = search_box(&client).await;
        for query in ["燃气", "低保"] {
            input.clear().await.expect("clear");
            input.send_keys(query).await.expect("typing");
            input.send_keys(&Key::Enter).await.expect("Enter");
            wait_for_answer(&client, None, query).await;
        }
        client
            .goto(&format!("{base}/"))
            .await
            .expect("the page opens again");
        let recent = wait_for(
            &client,
            "the recent searches",
            "return Array.from(document.querySelectorAll('.ds-recent .ds-example'))
                 .map((button) => button.dataset.query);",
            vec![],
        )
        .await;
        assert_eq!(recent, json!(["低保", "燃气"]), "newest first");
        client
            .find(Locator::Css(".ds-recent-clear"))
            .await
            .expect("the clear button")
            .click()
            .await
            .expect("click");
        let left: Value = client
            .execute(
                "return [document.querySelectorAll('.ds-recent').length,
                         localStorage.getItem('duty-search:recent')];",
                vec![],
            )
            .await
            .expect("the page is read");
        assert_eq!(left, json!([0, null]));
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

/// A card whose duty matched through a phrasing staff confirmed says so in its 「匹配：…」 line.
#[tokio::test]
async fn a_card_matched_through_a_confirmed_phrasing_says_so() {
    const TOILETS: &str = "basic-11-1";
    let dir = common::temp_dir("duty-search-browser-examples-");
    let mut examples = duty_search::index::Examples::default();
    examples.add(
        TOILETS,
        "镇上街边的公共厕所天一黑就锁门，晚上出摊的人想上厕所都没地方，希望能延长开放时间",
    );
    duty_search::index::build(&common::corpus_dir(), dir.path(), &examples)
        .expect("the corpus builds");
    let engine = duty_search::search::Engine::open(dir.path()).expect("the index opens");
    let state = AppState::new(std::sync::Arc::new(engine));
    let base = format!("http://{}", common::http::serve(state).await);
    let reworded = "金星镇中心街的公厕晚上七点就锁门了，我们在街上摆夜市的人上厕所都没地方去，能不能延长一下开放时间";
    in_browser(|client| async move {
        client
            .goto(&format!("{base}/"))
            .await
            .expect("the page opens");
        search_box(&client)
            .await
            .send_keys(reworded)
            .await
            .expect("typing");
        let page = wait_for_answer(&client, None, reworded).await;
        assert_eq!(
            page.cards.first().map(|c| c.id.as_str()),
            Some(TOILETS),
            "{page:#?}"
        );
        let lines: Value = client
            .execute(
                "return Array.from(document.querySelectorAll('.ds-card')).map((card) =>
                     (card.querySelector('.ds-why') || {}).textContent || '');",
                vec![],
            )
            .await
            .expect("the cards are read");
        let lines: Vec<&str> = lines
            .as_array()
            .expect("a list")
            .iter()
            .map(|line| line.as_str().unwrap_or_default())
            .collect();
        assert!(
            lines[0].starts_with("匹配：") && lines[0].contains("与已确认的来件相似"),
            "{lines:?}"
        );
        assert!(
            lines[1..]
                .iter()
                .all(|line| !line.contains("与已确认的来件相似")),
            "only the duty with the confirmed phrasing: {lines:?}"
        );
    })
    .await;
}
