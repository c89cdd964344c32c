//! The programme's figures: contribution totals and summaries, the programme
//! overview, and how agencies answer. Reports read across the domains by design
//! (communes, twinnings, the ledger, dialogues, agenda items), so they live here
//! rather than in any one of them. Every figure is computed by the database with
//! COUNT / SUM / GROUP BY, built with sea-query; nothing loads rows into Rust to
//! count them.

pub mod exports;
pub mod figures;
pub mod graphql;
pub mod programme;
pub mod totals;
