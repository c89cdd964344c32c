//! Enterprises (doanh nghiệp): registered by anyone, verified by an official, and
//! identified by their tax code (mã số thuế).

pub mod entity;
pub mod filter;
pub mod graphql;
pub mod rules;
pub mod tax_code;
