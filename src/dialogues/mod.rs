//! Dialogues (đối thoại): the leadership's meetings with enterprises and citizens,
//! cluster briefings of communes (giao ban cụm xã) and voter meetings; enterprises
//! register for them within their capacity.

pub mod commune_link;
pub mod entity;
pub mod filter;
pub mod graphql;
pub mod registration;
pub mod rules;
