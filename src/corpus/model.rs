//! The data model of a township's duty lists: the three lists, their items and who owns each.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Which of the three published lists an item stands in.
///
/// The list decides who owns the duty: the town itself (`Basic`), an upper department that the town
/// supports (`Coop`), or a department that took the duty back from the town (`Withdrawn`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ListKind {
    /// 基本履职事项清单: what the town does itself.
    Basic,
    /// 配合履职事项清单: an upper department leads, the town cooperates.
    Coop,
    /// 上级部门收回事项清单: taken back by an upper department; the town no longer does it.
    Withdrawn,
}

impl ListKind {
    /// All lists in document order.
    pub const ALL: [ListKind; 3] = [ListKind::Basic, ListKind::Coop, ListKind::Withdrawn];

    /// The stable machine name used in ids, the API and filters (`basic`, `coop`, `withdrawn`).
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Basic => "basic",
            ListKind::Coop => "coop",
            ListKind::Withdrawn => "withdrawn",
        }
    }

    /// The list's name as the document heads it (without the town prefix).
    pub fn heading(self) -> &'static str {
        match self {
            ListKind::Basic => "基本履职事项清单",
            ListKind::Coop => "配合履职事项清单",
            ListKind::Withdrawn => "上级部门收回事项清单",
        }
    }

    /// The short Chinese label shown to staff next to each hit.
    pub fn label(self) -> &'static str {
        match self {
            ListKind::Basic => "基本履职事项",
            ListKind::Coop => "配合履职事项",
            ListKind::Withdrawn => "上级部门收回事项",
        }
    }

    /// Parses the machine name, as given in an API filter.
    pub fn parse(name: &str) -> Option<ListKind> {
        ListKind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// One duty of one list, with everything needed to answer a query without re-reading the corpus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Item {
    /// `{list}-{category ordinal}-{seq}`, e.g. `coop-7-4`.
    pub id: String,
    /// The list the item stands in.
    pub list: ListKind,
    /// The category heading's name without numeral and count, e.g. `应急管理及消防`.
    pub category: String,
    /// The category's ordinal inside its list (一 = 1).
    pub category_ordinal: u32,
    /// The item's 序号 under its category.
    pub seq: u32,
    /// 事项名称. For the basic list this is the whole duty text.
    pub title: String,
    /// Departments named by the item: coop's 对应上级部门, withdrawn's receiving departments.
    pub departments: Vec<String>,
    /// What the departments do: coop's 上级部门职责, withdrawn's 承接部门及履职方式.
    pub department_duties: String,
    /// What the town does: coop's 乡镇配合职责; for the basic list, the duty text itself.
    pub town_duties: String,
    /// Who owns the duty, exactly as the document names them; empty when the document names nobody.
    pub owner: Vec<String>,
    /// The town, read from the document's list headings (e.g. `金星镇`).
    pub town: String,
    /// The district, read from the document's list headings (e.g. `利通区`).
    pub district: String,
    /// 1-based line of the item's row in the source document, for error messages and audits.
    pub line: usize,
}

impl Item {
    /// The Chinese label of the item's list.
    pub fn list_label(&self) -> &'static str {
        self.list.label()
    }

    /// The category as the document heads it, with its numeral (`七、应急管理及消防`).
    pub fn numbered_category(&self) -> String {
        format!(
            "{}、{}",
            super::numeral::format(self.category_ordinal),
            self.category
        )
    }

    /// Ownership stated plainly, as staff would say it; never invents an owner.
    pub fn owner_statement(&self) -> String {
        match self.list {
            ListKind::Basic => format!("{}负责", self.town),
            ListKind::Coop => format!("牵头部门：{}，{}配合", self.owner.join("、"), self.town),
            ListKind::Withdrawn if self.owner.is_empty() => {
                format!("无承接部门：{}", self.department_duties)
            }
            ListKind::Withdrawn => format!("已由{}承接", self.owner.join("、")),
        }
    }
}

/// A whole parsed document: one town's three lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Corpus {
    /// The town, e.g. `金星镇`.
    pub town: String,
    /// The district, e.g. `利通区`.
    pub district: String,
    /// Every item, in document order.
    pub items: Vec<Item>,
}
