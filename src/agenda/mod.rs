//! Agenda items (khó khăn, vướng mắc, kiến nghị): a difficulty or recommendation an
//! enterprise raises, tracked through acceptance, assignment to an agency with a
//! deadline, the answer and the enterprise's feedback, with every step in its history.

pub mod answer;
pub mod entity;
pub mod event;
pub mod filter;
pub mod graphql;
pub mod lifecycle;
pub mod rules;
