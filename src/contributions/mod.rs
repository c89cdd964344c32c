//! The ledger: support pledged by enterprises and agencies to communes, confirmed
//! by officials and disbursed in parts, to the đồng. Money is whole đồng in `i64`;
//! every total is computed by the database (`crate::reports`).

pub mod disbursement;
pub mod entity;
pub mod filter;
pub mod graphql;
pub mod rules;
