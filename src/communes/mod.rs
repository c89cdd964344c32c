//! Communes, wards and townships (xã, phường, thị trấn): the registry's places, the
//! programme's special (đặc thù) communes among them, with their level under the
//! national new-rural-area programme (nông thôn mới).

pub mod entity;
pub mod filter;
pub mod graphql;
pub mod rules;
