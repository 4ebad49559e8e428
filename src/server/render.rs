//! Server-rendered HTML: the search page's form and results for a browser that runs no
//! JavaScript (`/?q=…`), and the page of one item (`/items/{id}`). Every text goes through the
//! library's [`escape`]; the only markup taken from the engine is its highlights, which are
//! escaped text with `<mark>` around matches. The markup uses the classes the script's cards
//! use, so one stylesheet serves both.

use std::fmt::Write;

use crate::corpus::{Item, ListKind};
use crate::search::{escape, Confidence, Hit, SearchRequest, SearchResponse};

/// The list filter's options: machine name and badge, as the script's chips name them.
const LISTS: [(&str, &str); 3] = [
    ("basic", "基本履职"),
    ("coop", "配合履职"),
    ("withdrawn", "上级部门收回"),
];

/// The badge of a list, as on the script's cards.
fn badge(list: ListKind) -> &'static str {
    LISTS
        .iter()
        .find(|(key, _)| *key == list.as_str())
        .map_or("", |(_, badge)| badge)
}

/// The label of a confidence, as on the script's cards.
fn confidence_label(confidence: Confidence) -> &'static str {
    match confidence {
        Confidence::High => "把握大",
        Confidence::Medium => "可参考",
        Confidence::Low => "把握小",
    }
}

/// The search form of the page, filled with `request`'s query and filters: a plain GET form,
/// which the script replaces with its own when it runs.
pub fn search_form(request: Option<&SearchRequest>) -> String {
    let query = request.map_or("", |r| r.query.as_str());
    let list = request.and_then(|r| r.list).map(ListKind::as_str);
    let department = request.and_then(|r| r.department.as_deref()).unwrap_or("");
    let mut html = String::new();
    let _ = write!(
        html,
        "<form class=\"ds-form ds-static-form\" method=\"get\" action=\"/\" role=\"search\" \
         aria-label=\"职责事项搜索\">\
         <label class=\"ds-label\" for=\"ds-q-static\">查一件事归谁管</label>\
         <div class=\"ds-box\"><input id=\"ds-q-static\" class=\"ds-input\" type=\"search\" \
         name=\"q\" value=\"{}\" maxlength=\"2000\" \
         placeholder=\"关键词、部门或诉求，如：燃气、婚姻登记\">\
         <button class=\"ds-submit\" type=\"submit\">搜索</button></div>\
         <div class=\"ds-fields\"><label class=\"ds-field\"><span>清单</span>\
         <select class=\"ds-select\" name=\"list\"><option value=\"\">全部清单</option>",
        escape(query)
    );
    for (key, label) in LISTS {
        let selected = if list == Some(key) { " selected" } else { "" };
        let _ = write!(html, "<option value=\"{key}\"{selected}>{label}</option>");
    }
    let _ = write!(
        html,
        "</select></label><label class=\"ds-field\"><span>部门</span>\
         <input class=\"ds-department\" type=\"search\" name=\"department\" value=\"{}\" \
         placeholder=\"如：民政局、城管\"></label></div>",
        escape(department)
    );
    if let Some(category) = request.and_then(|r| r.category.as_deref()) {
        let _ = write!(
            html,
            "<input type=\"hidden\" name=\"category\" value=\"{}\">",
            escape(category)
        );
    }
    html.push_str("</form>");
    html
}

/// The answer to `request` as the page shows it: a status line, the cards, and the nearest
/// duties or a link to the next page.
pub fn search_results(request: &SearchRequest, response: &SearchResponse) -> String {
    let mut html = String::new();
    if response.total == 0 {
        let _ = write!(
            html,
            "<p class=\"ds-status\">没有找到与“{}”相关的职责事项</p>",
            escape(&short_query(&request.query))
        );
        if !response.suggestions.is_empty() {
            html.push_str(
                "<div class=\"ds-empty\"><p>清单里没有直接对应的事项。相近的事项有：</p>\
                 <ul class=\"ds-examples\">",
            );
            for suggestion in &response.suggestions {
                let _ = write!(
                    html,
                    "<li><a class=\"ds-example\" href=\"/?q={}\">{}</a></li>",
                    url_encoded(suggestion),
                    escape(suggestion)
                );
            }
            html.push_str("</ul></div>");
        }
        return html;
    }
    let _ = write!(
        html,
        "<p class=\"ds-status\">找到 {} 项与“{}”相关的职责</p>",
        response.total,
        escape(&short_query(&request.query))
    );
    if response
        .hits
        .iter()
        .all(|hit| hit.confidence == Confidence::Low)
    {
        html.push_str(
            "<p class=\"ds-doubt\">可能都不相关：这些结果得分都很低，请换一种说法再查。</p>",
        );
    }
    html.push_str("<h2 class=\"ds-results-heading\">搜索结果</h2><ol class=\"ds-results\">");
    for hit in &response.hits {
        html.push_str(&card(hit));
    }
    html.push_str("</ol>");
    let next = request.offset + response.hits.len();
    if next < response.total {
        let mut link = format!("/?q={}", url_encoded(&request.query));
        for (name, value) in [
            ("list", request.list.map(ListKind::as_str)),
            ("category", request.category.as_deref()),
            ("department", request.department.as_deref()),
        ] {
            if let Some(value) = value {
                let _ = write!(link, "&{name}={}", url_encoded(value));
            }
        }
        let _ = write!(
            html,
            "<p class=\"ds-pages\"><a class=\"ds-more\" href=\"{}&offset={next}\">下一页（还有 {} 项）</a></p>",
            escape(&link),
            response.total - next
        );
    }
    html
}

/// A query of more than 40 characters as its first 20 and its length, so a pasted letter does
/// not fill the status line (as the script shows it).
pub fn short_query(query: &str) -> String {
    const LONG: usize = 40;
    const SHOWN: usize = 20;
    let count = query.chars().count();
    if count <= LONG {
        query.to_string()
    } else {
        let head: String = query.chars().take(SHOWN).collect();
        format!("{head}…（共 {count} 字）")
    }
}

/// One hit as a card, its texts highlighted as the engine marked them.
fn card(hit: &Hit) -> String {
    let field = |name: &str, text: &str| {
        hit.highlights
            .get(name)
            .cloned()
            .unwrap_or_else(|| escape(text))
    };
    let confidence = match hit.confidence {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    };
    let mut html = String::new();
    let _ = write!(
        html,
        "<li class=\"ds-item\"><article class=\"ds-card ds-card-{list} ds-card-{confidence}\" \
         data-id=\"{id}\" data-list=\"{list}\">\
         <div class=\"ds-card-head\"><span class=\"ds-badge ds-badge-{list}\">{badge}</span>\
         <span class=\"ds-category\">{category}</span>\
         <span class=\"ds-confidence ds-confidence-{confidence}\">{label}</span>\
         <span class=\"ds-id\">{id}</span></div>\
         <h3 class=\"ds-title\"><a href=\"/items/{id}\">{title}</a></h3>\
         <p class=\"ds-owner\"><span class=\"ds-owner-label\">责任</span>\
         <span class=\"ds-owner-text\">{owner}</span></p>",
        list = hit.list.as_str(),
        id = escape(&hit.id),
        badge = badge(hit.list),
        category = escape(&hit.category),
        label = confidence_label(hit.confidence),
        title = field("title", &hit.title),
        owner = escape(&hit.owner_statement),
    );
    for (name, heading, text) in duty_sections(
        hit.list,
        &hit.title,
        &hit.town_duties,
        &hit.department_duties,
    ) {
        let _ = write!(
            html,
            "<section class=\"ds-duty\"><h4>{heading}</h4><p class=\"ds-text\">{}</p></section>",
            field(name, text)
        );
    }
    html.push_str("</article></li>");
    html
}

/// A hit's or item's duty texts worth showing beside its title, with the headings the document
/// gives them: none for a basic item, whose duty text is its title.
fn duty_sections<'a>(
    list: ListKind,
    title: &str,
    town_duties: &'a str,
    department_duties: &'a str,
) -> Vec<(&'static str, &'static str, &'a str)> {
    let mut sections = Vec::new();
    if !department_duties.trim().is_empty() {
        let heading = match list {
            ListKind::Withdrawn => "承接部门及履职方式",
            ListKind::Basic | ListKind::Coop => "上级部门职责",
        };
        sections.push(("department_duties", heading, department_duties));
    }
    if !town_duties.trim().is_empty() && town_duties.trim() != title.trim() {
        sections.push(("town_duties", "乡镇配合职责", town_duties));
    }
    sections
}

/// The page of one item: every field, under the headings the document gives them, where the
/// document lists it, and who owns it.
pub fn item_page(item: &Item) -> String {
    let mut html = String::new();
    let _ = write!(
        html,
        "<article class=\"ds-record ds-card-{list}\" data-id=\"{id}\">\
         <p class=\"ds-record-place\"><span class=\"ds-badge ds-badge-{list}\">{badge}</span> \
         <span>{district}{town}{heading}</span> · <span>{category}</span> · <span>序号 {seq}</span></p>\
         <h1 class=\"ds-record-title\">{title}</h1>\
         <dl class=\"ds-record-fields\">\
         <dt>责任</dt><dd class=\"ds-record-owner\">{owner}</dd>",
        list = item.list.as_str(),
        id = escape(&item.id),
        badge = badge(item.list),
        district = escape(&item.district),
        town = escape(&item.town),
        heading = item.list.heading(),
        category = escape(&item.numbered_category()),
        seq = item.seq,
        title = escape(&item.title),
        owner = escape(&item.owner_statement()),
    );
    if !item.departments.is_empty() {
        let heading = match item.list {
            ListKind::Withdrawn => "承接部门",
            ListKind::Basic | ListKind::Coop => "对应上级部门",
        };
        let _ = write!(
            html,
            "<dt>{heading}</dt><dd>{}</dd>",
            escape(&item.departments.join("、"))
        );
    }
    for (_, heading, text) in duty_sections(
        item.list,
        &item.title,
        &item.town_duties,
        &item.department_duties,
    ) {
        let _ = write!(
            html,
            "<dt>{heading}</dt><dd class=\"ds-record-text\">{}</dd>",
            escape(text)
        );
    }
    let _ = write!(
        html,
        "<dt>编号</dt><dd>{id}</dd>\
         <dt>永久链接</dt><dd><a class=\"ds-permalink\" href=\"/items/{id}\">/items/{id}</a></dd>\
         </dl>\
         <p class=\"ds-record-actions\">\
         <button class=\"ds-ticket\" type=\"button\" data-ds-ticket=\"{id}\" hidden>复制到工单</button>\
         <a class=\"ds-back\" href=\"/\">返回搜索</a></p></article>",
        id = escape(&item.id),
    );
    html
}

/// The body of the 404 page of an unknown item id.
pub fn missing_item(id: &str) -> String {
    format!(
        "<article class=\"ds-record\"><h1 class=\"ds-record-title\">没有这个事项</h1>\
         <p>清单里没有编号为“{}”的事项。</p>\
         <p><a class=\"ds-back\" href=\"/\">返回搜索</a></p></article>",
        escape(id)
    )
}

/// The page's message when a search could not be answered: what is wrong, in the server's
/// words.
pub fn search_error(message: &str) -> String {
    format!(
        "<div class=\"ds-error\" role=\"alert\"><p>查询失败：{}</p></div>",
        escape(message)
    )
}

fn url_encoded(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
