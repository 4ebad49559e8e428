fn main() {
    let s = duty_search::analysis::Segmenter::new(["电瓶车"]);
    for text in std::env::args().skip(1) {
        let (_, words) = s.tagged_words(&text);
        println!("{}", words.iter().map(|w| format!("{}/{}", w.text, w.tag)).collect::<Vec<_>>().join(" "));
    }
}
