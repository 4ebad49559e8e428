//! Synthetic corpora for scale benchmarks: many towns' documents derived from one real
//! document, each with its own town (and district) name, a sample of the items in a shuffled
//! order, and some list terms reworded with the lexicon's colloquial variants. The output is the
//! same text format as the published lists, so it exercises the real parser and indexer.

use std::path::Path;

/// Distinct-syllable characters for town names, so every generated town has its own pinyin key.
const NAME_CHARACTERS: [char; 40] = [
    '金', '星', '东', '塔', '古', '城', '扁', '担', '板', '桥', '马', '莲', '郭', '家', '高', '闸',
    '上', '桃', '山', '河', '白', '土', '岗', '清', '水', '红', '柳', '黄', '沙', '新', '庄', '明',
    '五', '里', '双', '井', '石', '龙', '凤', '田',
];
/// Districts the generated towns are spread over.
const DISTRICTS: [&str; 5] = ["利通区", "红寺堡区", "青铜峡市", "同心县", "盐池县"];
/// Share of items kept in each category (at least one is always kept).
const KEEP_PER_MILLE: u64 = 850;
/// Share of list terms replaced by a colloquial variant.
const REWORD_PER_MILLE: u64 = 200;

/// Writes `towns` synthetic documents derived from `source` into `out_dir` (created if needed),
/// named `town-00001.txt` …; the same `seed` gives the same corpus. `variants` pairs list terms
/// with colloquial words for them (from the synonym lexicon); `departments` reads the source's
/// owners.
pub fn write_towns(
    source: &str,
    departments: &super::DepartmentNames,
    variants: &[(String, String)],
    towns: usize,
    seed: u64,
    out_dir: &Path,
) -> std::io::Result<()> {
    let parsed = super::parse(source, departments).map_err(std::io::Error::other)?;
    std::fs::create_dir_all(out_dir)?;
    let mut random = SplitMix(seed);
    for index in 0..towns {
        let district = DISTRICTS[index % DISTRICTS.len()];
        let town = town_name(index / DISTRICTS.len());
        let text = source
            .replace(
                &format!("{}{}", parsed.district, parsed.town),
                &format!("{district}{town}"),
            )
            .replace(&parsed.town, &town);
        let text = sample_and_shuffle(&text, &mut random);
        let text = reword(&text, variants, &mut random);
        std::fs::write(out_dir.join(format!("town-{:05}.txt", index + 1)), text)?;
    }
    Ok(())
}

/// The `n`th generated town name: two characters and 镇 or 乡, distinct for n < 1,600 × 2.
fn town_name(n: usize) -> String {
    let count = NAME_CHARACTERS.len();
    let first = NAME_CHARACTERS[n % count];
    let second = NAME_CHARACTERS[(n / count + n % count + 1) % count];
    let suffix = if (n / (count * count)).is_multiple_of(2) {
        "镇"
    } else {
        "乡"
    };
    format!("{first}{second}{suffix}")
}

/// Keeps a sample of each category's item rows, shuffles them, renumbers them 1..n and
/// rewrites the category's declared count.
fn sample_and_shuffle(text: &str, random: &mut SplitMix) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        let Some(count_at) = declared_count(line) else {
            out.push(line.to_string());
            index += 1;
            continue;
        };
        let heading_at = out.len();
        out.push(line.to_string());
        index += 1;
        let mut rows: Vec<String> = Vec::new();
        let mut others: Vec<(usize, String)> = Vec::new();
        while index < lines.len() && declared_count(lines[index]).is_none() {
            let candidate = lines[index];
            if is_item_row(candidate) {
                rows.push(candidate.to_string());
            } else if !candidate.contains("清单") {
                others.push((rows.len(), candidate.to_string()));
            } else {
                break;
            }
            index += 1;
        }
        let kept = keep_some(rows, random);
        out[heading_at] = with_count(&out[heading_at], count_at, kept.len());
        let mut others = others.into_iter().peekable();
        for (seq, row) in kept.iter().enumerate() {
            while others.peek().is_some_and(|(at, _)| *at <= seq) {
                out.push(others.next().expect("peeked").1);
            }
            let cells = row.split_once('\t').map_or("", |(_, cells)| cells);
            out.push(format!("{}\t{cells}", seq + 1));
        }
        out.extend(others.map(|(_, line)| line));
    }
    out.join("\n")
}

fn keep_some(rows: Vec<String>, random: &mut SplitMix) -> Vec<String> {
    let mut kept: Vec<String> = Vec::with_capacity(rows.len());
    let mut dropped = Vec::new();
    for row in rows {
        if random.below(1000) < KEEP_PER_MILLE {
            kept.push(row);
        } else {
            dropped.push(row);
        }
    }
    if kept.is_empty() {
        kept.extend(dropped.into_iter().take(1));
    }
    for i in (1..kept.len()).rev() {
        let j = random.below(i as u64 + 1) as usize;
        kept.swap(i, j);
    }
    kept
}

/// Byte offset of `（` in a category heading such as `一、党的建设（24项）`.
fn declared_count(line: &str) -> Option<usize> {
    let trimmed = line.trim_end_matches('\t');
    let first = trimmed.chars().next()?;
    if !"一二三四五六七八九十".contains(first) || !trimmed.contains('、') {
        return None;
    }
    let open = trimmed.rfind('（')?;
    trimmed.ends_with("项）").then_some(open)
}

fn with_count(heading: &str, open: usize, count: usize) -> String {
    let tail = heading[open..].trim_start_matches(|c: char| c != '项');
    let tabs = &heading[heading.trim_end_matches('\t').len()..];
    format!(
        "{}（{count}{}{tabs}",
        &heading[..open],
        tail.trim_end_matches('\t')
    )
}

fn is_item_row(line: &str) -> bool {
    line.split_once('\t')
        .is_some_and(|(seq, _)| !seq.is_empty() && seq.chars().all(|c| c.is_ascii_digit()))
}

/// Replaces some occurrences of list terms by a colloquial variant.
fn reword(text: &str, variants: &[(String, String)], random: &mut SplitMix) -> String {
    let mut text = text.to_string();
    for (term, variant) in variants {
        if text.contains(term.as_str()) && random.below(1000) < REWORD_PER_MILLE {
            text = text.replacen(term.as_str(), variant, 1);
        }
    }
    text
}

/// splitmix64: a small, well-known deterministic generator, enough for sampling.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn town_names_and_keys_are_distinct() {
        let mut keys = std::collections::HashSet::new();
        for n in 0..800 {
            for district in DISTRICTS {
                let key = crate::index::town_key(district, &town_name(n));
                assert!(keys.insert(key.clone()), "{key} repeats");
            }
        }
    }

    #[test]
    fn headings_get_their_new_count() {
        let heading = "一、党的建设（24项）\t";
        let open = declared_count(heading).unwrap();
        assert_eq!(with_count(heading, open, 7), "一、党的建设（7项）\t");
        assert_eq!(declared_count("1\t一、不是标题（3项）"), None);
    }
}
