//! Twinning (kết nghĩa) and being in charge (phụ trách): an enterprise twinned with a
//! commune, or an agency in charge of one. History stays: ending sets `endedOn`.

pub mod entity;
pub mod graphql;
pub mod rules;
