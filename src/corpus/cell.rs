//! Tidying table cells: one clean line per paragraph or numbered clause.
//!
//! The published tables mix plain text, `<p>` fragments left over from a web export and run-on
//! numbered clauses (`1.加强…； 2.协调…`). Tidying them once here lets the index, the snippets
//! and the department extraction all see the same clean text.

/// Marks that follow a clause number (`1.`, `1．`, `1、`).
const CLAUSE_MARKS: [char; 3] = ['.', '．', '、'];

/// Characters after which a clause number may start a new clause (besides whitespace).
const CLAUSE_ENDS: [char; 3] = ['；', ';', '。'];

/// HTML elements that separate paragraphs; every other tag is dropped without a break.
const BLOCK_TAGS: [&str; 2] = ["p", "br"];

/// Tidies one table cell: strips HTML tags (paragraphs become lines), puts every numbered
/// clause on its own line, trims every line and drops empty ones, joining the lines with `\n`.
pub(crate) fn tidy(cell: &str) -> String {
    break_clauses(&strip_tags(cell))
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The byte length of the clause number that `text` starts with (`1.`, `12．`, `3、`), so callers
/// can recognise or skip it. A decimal (`1.5`) or a longer number (`2024.`) is not a clause number.
pub(crate) fn clause_number_len(text: &str) -> Option<usize> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=2).contains(&digits) {
        return None;
    }
    let mark = text[digits..]
        .chars()
        .next()
        .filter(|c| CLAUSE_MARKS.contains(c))?;
    let len = digits + mark.len_utf8();
    if text[len..].starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some(len)
}

/// Inserts a line break before every clause number that follows whitespace or a sentence end.
fn break_clauses(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut previous = None;
    for (index, c) in text.char_indices() {
        let after_boundary =
            previous.is_some_and(|p: char| p.is_whitespace() || CLAUSE_ENDS.contains(&p));
        if after_boundary && clause_number_len(&text[index..]).is_some() {
            out.push('\n');
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

/// Removes HTML tags, replacing paragraph-level ones with a line break.
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let candidate = &rest[start..];
        match tag(candidate) {
            Some((len, name)) => {
                if BLOCK_TAGS
                    .iter()
                    .any(|block| name.eq_ignore_ascii_case(block))
                {
                    out.push('\n');
                }
                rest = &candidate[len..];
            }
            None => {
                out.push('<');
                rest = &candidate[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Recognises an HTML tag at the start of `text` (`<p>`, `</p>`, `<br/>`, `<p class="x">`),
/// returning its byte length and element name; a lone `<` is not a tag.
fn tag(text: &str) -> Option<(usize, &str)> {
    let body = text.strip_prefix('<')?;
    let name_start = usize::from(body.starts_with('/'));
    let name_len = body[name_start..]
        .bytes()
        .take_while(u8::is_ascii_alphanumeric)
        .count();
    let name = &body[name_start..name_start + name_len];
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let after_name = &body[name_start + name_len..];
    if !after_name.starts_with(|c: char| c == '>' || c == '/' || c.is_ascii_whitespace()) {
        return None;
    }
    let close = after_name.find(['>', '<', '\n'])?;
    if !after_name[close..].starts_with('>') {
        return None;
    }
    Some((1 + name_start + name_len + close + 1, name))
}

#[cfg(test)]
mod tests {
    use super::{clause_number_len, tidy};

    #[test]
    fn plain_text_is_only_trimmed() {
        assert_eq!(tidy("  负责公文处理。 "), "负责公文处理。");
        assert_eq!(tidy(""), "");
        assert_eq!(tidy(" \t "), "");
    }

    #[test]
    fn paragraphs_become_lines() {
        let cell = "<p>1.负责本辖区的管理工作；</p> <p>2.对危险房屋进行处置；</p>";
        assert_eq!(
            tidy(cell),
            "1.负责本辖区的管理工作；\n2.对危险房屋进行处置；"
        );
    }

    #[test]
    fn a_single_paragraph_loses_its_tags() {
        assert_eq!(tidy("<p>开展食品安全宣传。</p>"), "开展食品安全宣传。");
    }

    #[test]
    fn other_tags_are_dropped_and_break_tags_break() {
        assert_eq!(tidy("<P class=\"x\">甲<b>乙</b><br/>丙</P>"), "甲乙\n丙");
    }

    #[test]
    fn angle_brackets_that_are_not_tags_stay() {
        assert_eq!(tidy("a < b，<5> 与 <中文>"), "a < b，<5> 与 <中文>");
        assert_eq!(tidy("未闭合<p"), "未闭合<p");
    }

    #[test]
    fn numbered_clauses_after_semicolons_start_lines() {
        let cell = "1.加强燃气安全宣传； 2.协调各社区配合入户检查。";
        assert_eq!(
            tidy(cell),
            "1.加强燃气安全宣传；\n2.协调各社区配合入户检查。"
        );
        assert_eq!(tidy("甲;2.乙;3．丙"), "甲;\n2.乙;\n3．丙");
    }

    #[test]
    fn clauses_after_a_full_stop_or_space_start_lines() {
        assert_eq!(
            tidy("总则。10、细则 11、附则"),
            "总则。\n10、细则\n11、附则"
        );
    }

    #[test]
    fn a_lead_in_before_the_first_clause_keeps_its_own_line() {
        let cell = "利通区民政局： 1. 做好宣传工作； 2. 对散埋乱葬点进行迁移治理。";
        assert_eq!(
            tidy(cell),
            "利通区民政局：\n1. 做好宣传工作；\n2. 对散埋乱葬点进行迁移治理。"
        );
    }

    #[test]
    fn numbers_inside_words_and_decimals_stay() {
        for text in [
            "落实24小时值班值守",
            "对违规领取80岁以上高龄津贴的追缴",
            "做好12345热线平台诉求办理",
            "增长 1.5倍",
            "第3、4项",
            "所辖县(区)互联网统一出口",
            "2024.1起施行",
            "共 100.公顷",
        ] {
            assert_eq!(tidy(text), text);
        }
    }

    #[test]
    fn clause_numbers_are_one_or_two_digits_and_a_mark() {
        assert_eq!(clause_number_len("1.加强"), Some(2));
        assert_eq!(clause_number_len("12．加强"), Some(2 + '．'.len_utf8()));
        assert_eq!(clause_number_len("3、加强"), Some(1 + '、'.len_utf8()));
        assert_eq!(clause_number_len("1."), Some(2));
        assert_eq!(clause_number_len("1.5倍"), None);
        assert_eq!(clause_number_len("123.加强"), None);
        assert_eq!(clause_number_len("24小时"), None);
        assert_eq!(clause_number_len("加强"), None);
    }
}
