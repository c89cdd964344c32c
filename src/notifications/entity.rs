//! The `notifications`, `notification_preferences` and `scheduled_runs` tables.

use sea_orm::{entity::prelude::*, sea_query::StringLen};
use serde::{Deserialize, Serialize};

/// What a notification tells.
#[derive(
    DeriveActiveEnum, EnumIter, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum NotificationKind {
    #[sea_orm(string_value = "ITEM_ACCEPTED")]
    ItemAccepted,
    #[sea_orm(string_value = "ITEM_REJECTED")]
    ItemRejected,
    #[sea_orm(string_value = "ITEM_ASSIGNED")]
    ItemAssigned,
    #[sea_orm(string_value = "ITEM_ANSWERED")]
    ItemAnswered,
    #[sea_orm(string_value = "FEEDBACK_GIVEN")]
    FeedbackGiven,
    #[sea_orm(string_value = "ITEM_RESOLVED")]
    ItemResolved,
    #[sea_orm(string_value = "DIALOGUE_SCHEDULED")]
    DialogueScheduled,
    #[sea_orm(string_value = "DIALOGUE_CHANGED")]
    DialogueChanged,
    #[sea_orm(string_value = "DIALOGUE_CANCELLED")]
    DialogueCancelled,
    #[sea_orm(string_value = "DIALOGUE_REMINDER")]
    DialogueReminder,
    #[sea_orm(string_value = "DEADLINE_DIGEST")]
    DeadlineDigest,
}

impl NotificationKind {
    /// The category an account's e-mail preference is kept by.
    pub fn category(self) -> Category {
        use NotificationKind::*;
        match self {
            ItemAccepted | ItemRejected | ItemAssigned | ItemAnswered | FeedbackGiven
            | ItemResolved => Category::Agenda,
            DialogueScheduled | DialogueChanged | DialogueCancelled | DialogueReminder => {
                Category::Dialogue
            }
            DeadlineDigest => Category::Digest,
        }
    }
}

/// What an account may turn e-mail off for.
#[derive(
    DeriveActiveEnum, EnumIter, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Category {
    /// Agenda items through their lifecycle.
    #[sea_orm(string_value = "AGENDA")]
    Agenda,
    /// Dialogues scheduled, changed, cancelled, and reminders.
    #[sea_orm(string_value = "DIALOGUE")]
    Dialogue,
    /// The daily digest of items due soon and overdue.
    #[sea_orm(string_value = "DIGEST")]
    Digest,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Agenda, Category::Dialogue, Category::Digest];

    pub fn code(self) -> &'static str {
        match self {
            Category::Agenda => "AGENDA",
            Category::Dialogue => "DIALOGUE",
            Category::Digest => "DIGEST",
        }
    }

    pub fn from_code(code: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The category's name in the e-mail's Vietnamese text.
    pub fn label(self) -> &'static str {
        match self {
            Category::Agenda => "kiến nghị",
            Category::Dialogue => "đối thoại",
            Category::Digest => "bản tin hạn xử lý hằng ngày",
        }
    }
}

/// Where a notification's e-mail stands.
#[derive(
    DeriveActiveEnum, EnumIter, Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DeliveryStatus {
    /// Waiting for its (next) attempt.
    #[sea_orm(string_value = "QUEUED")]
    Queued,
    /// Claimed by a worker, being sent.
    #[sea_orm(string_value = "SENDING")]
    Sending,
    #[sea_orm(string_value = "SENT")]
    Sent,
    /// Given up after the configured attempts; an admin may retry it.
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

crate::positional! {
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
    #[sea_orm(table_name = "notifications")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The recipient.
        pub account_id: i64,
        pub kind: NotificationKind,
        pub category: Category,
        /// The object it is about, as a reference (`AgendaItem:42`).
        pub subject_id: Option<String>,
        pub title: String,
        /// Plain text, as the e-mail's text part.
        pub body: String,
        /// The e-mail's HTML part.
        pub html: String,
        pub created_at: DateTimeUtc,
        pub read_at: Option<DateTimeUtc>,
        /// Set when the notification goes out by e-mail too.
        pub email_to: Option<String>,
        pub email_status: Option<DeliveryStatus>,
        pub attempts: i32,
        pub next_attempt_at: Option<DateTimeUtc>,
        /// A claimed e-mail whose worker vanished is claimable again after this.
        pub claimed_until: Option<DateTimeUtc>,
        /// The claim of the worker sending it.
        pub claim: Option<String>,
        pub last_error: Option<String>,
        pub sent_at: Option<DateTimeUtc>,
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// An account's e-mail preference for one category (absent: e-mail on).
pub mod preference {
    use sea_orm::entity::prelude::*;

    use super::Category;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "notification_preferences")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub category: Category,
        pub email: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

crate::text_enum_cells!(NotificationKind, Category, DeliveryStatus);
