//! The agenda item lifecycle as a table: which move leads where from which status.

use super::entity::AgendaItemStatus::{self, *};

/// A move a mutation asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Accept,
    Reject,
    Assign,
    Answer,
    Satisfied,
    Unsatisfied,
    Resolve,
}

/// Where `step` leads from `from`, or `None` when the lifecycle forbids it.
pub fn next(from: AgendaItemStatus, step: Move) -> Option<AgendaItemStatus> {
    match (from, step) {
        (Submitted, Move::Accept) => Some(Accepted),
        (Submitted | Accepted, Move::Reject) => Some(Rejected),
        (Submitted | Accepted, Move::Assign) => Some(Assigned),
        (Assigned, Move::Answer) => Some(Answered),
        (Answered, Move::Satisfied | Move::Resolve) => Some(Resolved),
        (Answered, Move::Unsatisfied) => Some(Assigned),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable;

    use super::*;

    #[test]
    fn the_whole_table() {
        let moves = [
            Move::Accept,
            Move::Reject,
            Move::Assign,
            Move::Answer,
            Move::Satisfied,
            Move::Unsatisfied,
            Move::Resolve,
        ];
        let allowed: Vec<(AgendaItemStatus, Move, AgendaItemStatus)> = AgendaItemStatus::iter()
            .flat_map(|from| {
                moves
                    .iter()
                    .filter_map(move |m| next(from, *m).map(|to| (from, *m, to)))
            })
            .collect();
        assert_eq!(
            allowed,
            vec![
                (Submitted, Move::Accept, Accepted),
                (Submitted, Move::Reject, Rejected),
                (Submitted, Move::Assign, Assigned),
                (Accepted, Move::Reject, Rejected),
                (Accepted, Move::Assign, Assigned),
                (Assigned, Move::Answer, Answered),
                (Answered, Move::Satisfied, Resolved),
                (Answered, Move::Unsatisfied, Assigned),
                (Answered, Move::Resolve, Resolved),
            ]
        );
    }
}
