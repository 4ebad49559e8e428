//! The shape of a resident's letter (`letter.txt`), the topics outside the lists (`scope.txt`)
//! and the intents of messages and items (`intents.txt`): word lists, each read by
//! [`word_sections`], that query analysis and the index read by.

use std::path::Path;

use super::phrases::Phrases;
use super::source::{word_sections, LexiconError};

/// What marks a letter's clauses and words (see `corpus/lexicon/letter.txt`).
#[derive(Debug, Clone, Default)]
pub struct LetterShape {
    /// Words of a clause that asks for something.
    pub request: Phrases,
    /// Words of a clause that states a harm.
    pub harm: Phrases,
    /// Words a self-introduction begins with.
    pub intro: Phrases,
    /// The writer's setting: 小区, 物业, 村委会…
    pub setting: Phrases,
    /// Parts of an address after a place or a number: 村, 组, 号楼…
    pub address: Phrases,
    /// Anonymised names: X, 某某…
    pub placeholder: Phrases,
    /// Words after which the word before names a place: 门口, 旁边, 家属院…
    pub locative: Phrases,
}

/// The kinds of `letter.txt`, in [`LetterShape`]'s order.
const LETTER_KINDS: [&str; 7] = [
    "request",
    "harm",
    "intro",
    "setting",
    "address",
    "placeholder",
    "locative",
];

impl LetterShape {
    /// Loads `letter.txt`; a missing file is an empty shape (every message reads as one
    /// clause about its matter).
    pub fn load(path: &Path) -> Result<LetterShape, LexiconError> {
        let [request, harm, intro, setting, address, placeholder, locative]: [Vec<String>; 7] =
            word_sections(path, &LETTER_KINDS, false)?
                .try_into()
                .expect("one list per kind");
        Ok(LetterShape {
            request: Phrases::new(request),
            harm: Phrases::new(harm),
            intro: Phrases::new(intro),
            setting: Phrases::new(setting),
            address: Phrases::new(address),
            placeholder: Phrases::new(placeholder),
            locative: Phrases::new(locative),
        })
    }
}

/// Loads the topics outside the lists (`scope.txt`); a missing file names none.
pub fn load_scope(path: &Path) -> Result<Phrases, LexiconError> {
    let [outside]: [Vec<String>; 1] = word_sections(path, &["outside"], false)?
        .try_into()
        .expect("one list per kind");
    Ok(Phrases::new(outside))
}

/// What a message asks for and what an item does (see `corpus/lexicon/intents.txt`).
#[derive(Debug, Clone, Default)]
pub struct Intents {
    /// Words of a message asking to get something.
    pub apply: Phrases,
    /// Words of a message reporting abuse or fraud.
    pub report: Phrases,
    /// Words of a service duty.
    pub service: Phrases,
    /// Words of an enforcement duty.
    pub enforcement: Phrases,
}

/// What an item does, by the words of its title: a message's intent steers between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// It grants, registers or serves (受理, 发放, 办理…).
    Service,
    /// It punishes, claws back or enforces (处罚, 追缴, 查处…).
    Enforcement,
    /// Neither.
    Other,
}

impl Action {
    /// The name the index stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Service => "service",
            Action::Enforcement => "enforcement",
            Action::Other => "other",
        }
    }
}

impl Intents {
    /// The action of an item titled `title` (normalized): enforcement when its title has an
    /// enforcement word, else service when it has a service word.
    pub fn action_of(&self, title: &str) -> Action {
        if self.enforcement.any_in(title) {
            Action::Enforcement
        } else if self.service.any_in(title) {
            Action::Service
        } else {
            Action::Other
        }
    }

    /// Loads `intents.txt`; a missing file steers nothing.
    pub fn load(path: &Path) -> Result<Intents, LexiconError> {
        let [apply, report, service, enforcement]: [Vec<String>; 4] =
            word_sections(path, &["apply", "report", "service", "enforcement"], false)?
                .try_into()
                .expect("one list per kind");
        Ok(Intents {
            apply: Phrases::new(apply),
            report: Phrases::new(report),
            service: Phrases::new(service),
            enforcement: Phrases::new(enforcement),
        })
    }
}
