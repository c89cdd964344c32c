//! Agencies: the province's departments (sở), boards (ban), mass organisations
//! (đoàn thể) and people's committees (ủy ban nhân dân). Officials belong to one.

pub mod entity;
pub mod graphql;
pub mod rules;
