//! Who may do what: the whole authorization policy of the API, as data.
//!
//! A request is judged on four things: the [`Action`] (one per endpoint), the caller's [`Role`],
//! the caller's [`Relation`] to what is acted on (its own delegation, a group it belongs to,
//! another delegation of the process, or no part in the process at all) and the [`Phase`] of
//! the round concerned. [`RULES`] is an ordered list; the first rule that matches gives the
//! [`Verdict`]; when none matches the action's own denial applies. The verdict separates
//! *forbidden* (403: this caller may never do this here) from *wrong state* (409: not now,
//! because of where the round is).
//!
//! Handlers only compute the four inputs and call [`decide`]; nothing else in the server makes
//! an authorization choice. [`table`] enumerates every cell, so the documentation
//! (`docs/permissions.md`) and a table-driven test come from this one source.

use crate::caller::Role;
use penholder_core::negotiation::RoundState;

/// One thing a caller can ask for; each endpoint maps to exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    ListProcesses,
    CreateProcess,
    ReadProcess,
    PutDelegation,
    CreateDocument,
    /// Read the versions, text, redlines or blame of a document without classification.
    ReadPublicDocument,
    /// The same for a document classified `LIMITE`.
    ReadLimiteDocument,
    UploadVersion,
    CreateRound,
    ReadRound,
    OpenRound,
    CloseRound,
    ExtendDeadline,
    PutSubmission,
    ListSubmissions,
    /// Read one delegation's submission (and its revisions).
    ReadSubmission,
    ReadCompilation,
    ReadDecisions,
    PutDecision,
    Consolidate,
    ReadDispositions,
    /// What became of one delegation's proposals.
    ReadOutcomes,
    ReadAudit,
    /// Set a paragraph's status (open, agreed ad ref., agreed), reopening it included.
    SetParagraphStatus,
    /// Adopt a document's whole text.
    AdoptDocument,
    /// Enter a reservation on a paragraph, in a delegation's name.
    EnterReservation,
    /// Withdraw a delegation's reservation.
    WithdrawReservation,
    /// Agree, as a member of a group, to the group's common text (its latest submission).
    AgreeGroupText,
    /// Dissociate, as a member of a group, from one of the group's items.
    DissociateFromItem,
    /// Co-sponsor another delegation's proposal, in the caller's delegation's name.
    CosponsorProposal,
    /// Read the process's events (the server-sent event stream).
    ReadEvents,
    /// Create, list and delete the process's webhook subscriptions and read their deliveries.
    ManageWebhooks,
}

impl Action {
    pub const ALL: [Action; 32] = [
        Action::ListProcesses,
        Action::CreateProcess,
        Action::ReadProcess,
        Action::PutDelegation,
        Action::CreateDocument,
        Action::ReadPublicDocument,
        Action::ReadLimiteDocument,
        Action::UploadVersion,
        Action::CreateRound,
        Action::ReadRound,
        Action::OpenRound,
        Action::CloseRound,
        Action::ExtendDeadline,
        Action::PutSubmission,
        Action::ListSubmissions,
        Action::ReadSubmission,
        Action::ReadCompilation,
        Action::ReadDecisions,
        Action::PutDecision,
        Action::Consolidate,
        Action::ReadDispositions,
        Action::ReadOutcomes,
        Action::ReadAudit,
        Action::SetParagraphStatus,
        Action::AdoptDocument,
        Action::EnterReservation,
        Action::WithdrawReservation,
        Action::AgreeGroupText,
        Action::DissociateFromItem,
        Action::CosponsorProposal,
        Action::ReadEvents,
        Action::ManageWebhooks,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Action::ListProcesses => "list processes",
            Action::CreateProcess => "create a process",
            Action::ReadProcess => "read a process",
            Action::PutDelegation => "add a delegation",
            Action::CreateDocument => "create a document",
            Action::ReadPublicDocument => "read a public document",
            Action::ReadLimiteDocument => "read a LIMITE document",
            Action::UploadVersion => "upload a revised version",
            Action::CreateRound => "create a round",
            Action::ReadRound => "read a round",
            Action::OpenRound => "open a round",
            Action::CloseRound => "close a round",
            Action::ExtendDeadline => "extend a deadline",
            Action::PutSubmission => "write a submission",
            Action::ListSubmissions => "list submissions",
            Action::ReadSubmission => "read a submission",
            Action::ReadCompilation => "read the compilation",
            Action::ReadDecisions => "read the decisions",
            Action::PutDecision => "decide on a change",
            Action::Consolidate => "consolidate a round",
            Action::ReadDispositions => "read the dispositions",
            Action::ReadOutcomes => "read a delegation's outcomes",
            Action::ReadAudit => "read the audit log",
            Action::SetParagraphStatus => "set a paragraph's status",
            Action::AdoptDocument => "adopt a text",
            Action::EnterReservation => "enter a reservation",
            Action::WithdrawReservation => "withdraw a reservation",
            Action::AgreeGroupText => "agree to a group's common text",
            Action::DissociateFromItem => "dissociate from a group's item",
            Action::CosponsorProposal => "co-sponsor a proposal",
            Action::ReadEvents => "read the process's events",
            Action::ManageWebhooks => "manage webhooks",
        }
    }

    /// The endpoints that perform this action (method and path template).
    pub fn endpoints(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Action::ListProcesses => &[("GET", "/v1/processes")],
            Action::CreateProcess => &[("POST", "/v1/processes")],
            Action::ReadProcess => &[
                ("GET", "/v1/processes/{p}"),
                ("GET", "/v1/processes/{p}/delegations"),
            ],
            Action::PutDelegation => &[("PUT", "/v1/processes/{p}/delegations/{code}")],
            Action::CreateDocument => &[("POST", "/v1/processes/{p}/documents")],
            Action::ReadPublicDocument | Action::ReadLimiteDocument => &[
                ("GET", "/v1/processes/{p}/documents/{d}"),
                ("GET", "/v1/processes/{p}/documents/{d}/versions/{n}"),
                ("GET", "/v1/processes/{p}/documents/{d}/versions/{n}/blame"),
                ("GET", "/v1/processes/{p}/documents/{d}/redline"),
                ("GET", "/v1/processes/{p}/documents/{d}/status"),
                ("GET", "/v1/processes/{p}/documents/{d}/reservations"),
            ],
            Action::UploadVersion => &[
                ("POST", "/v1/processes/{p}/documents/{d}/versions"),
                ("PUT", "/v1/processes/{p}/documents/{d}/symbol"),
            ],
            Action::CreateRound => &[("POST", "/v1/processes/{p}/rounds")],
            Action::ReadRound => &[
                ("GET", "/v1/processes/{p}/rounds"),
                ("GET", "/v1/processes/{p}/rounds/{r}"),
            ],
            Action::OpenRound => &[("POST", "/v1/processes/{p}/rounds/{r}/open")],
            Action::CloseRound => &[("POST", "/v1/processes/{p}/rounds/{r}/close")],
            Action::ExtendDeadline => &[("POST", "/v1/processes/{p}/rounds/{r}/extend")],
            Action::PutSubmission => &[("PUT", "/v1/processes/{p}/rounds/{r}/submissions/{d}")],
            Action::ListSubmissions => &[("GET", "/v1/processes/{p}/rounds/{r}/submissions")],
            Action::ReadSubmission => &[
                ("GET", "/v1/processes/{p}/rounds/{r}/submissions/{d}"),
                (
                    "GET",
                    "/v1/processes/{p}/rounds/{r}/submissions/{d}/revisions",
                ),
                (
                    "GET",
                    "/v1/processes/{p}/rounds/{r}/submissions/{d}/revisions/{n}",
                ),
            ],
            Action::ReadCompilation => &[("GET", "/v1/processes/{p}/rounds/{r}/compilation")],
            Action::ReadDecisions => &[("GET", "/v1/processes/{p}/rounds/{r}/decisions")],
            Action::PutDecision => &[("PUT", "/v1/processes/{p}/rounds/{r}/decisions/{change}")],
            Action::Consolidate => &[
                ("POST", "/v1/processes/{p}/rounds/{r}/consolidate"),
                (
                    "POST",
                    "/v1/processes/{p}/documents/{d}/versions (with a round)",
                ),
            ],
            Action::ReadDispositions => &[("GET", "/v1/processes/{p}/rounds/{r}/dispositions")],
            Action::ReadOutcomes => &[("GET", "/v1/processes/{p}/rounds/{r}/outcomes/{d}")],
            Action::ReadAudit => &[("GET", "/v1/processes/{p}/audit")],
            Action::SetParagraphStatus => {
                &[("PUT", "/v1/processes/{p}/documents/{d}/status/{node}")]
            }
            Action::AdoptDocument => &[("POST", "/v1/processes/{p}/documents/{d}/adopt")],
            Action::EnterReservation => &[("POST", "/v1/processes/{p}/documents/{d}/reservations")],
            Action::WithdrawReservation => &[(
                "POST",
                "/v1/processes/{p}/documents/{d}/reservations/{n}/withdraw",
            )],
            Action::AgreeGroupText => {
                &[("POST", "/v1/processes/{p}/rounds/{r}/submissions/{d}/agree")]
            }
            Action::DissociateFromItem => &[(
                "POST",
                "/v1/processes/{p}/rounds/{r}/submissions/{d}/items/{n}/dissociate",
            )],
            Action::CosponsorProposal => &[(
                "POST",
                "/v1/processes/{p}/rounds/{r}/submissions/{d}/items/{n}/cosponsor",
            )],
            Action::ReadEvents => &[("GET", "/v1/processes/{p}/events")],
            Action::ManageWebhooks => &[
                ("POST", "/v1/processes/{p}/webhooks"),
                ("GET", "/v1/processes/{p}/webhooks"),
                ("DELETE", "/v1/processes/{p}/webhooks/{n}"),
                ("GET", "/v1/processes/{p}/webhooks/{n}/deliveries"),
            ],
        }
    }

    /// Whether the action is about one delegation's record (so own/group/other matter), rather
    /// than about the process as a whole (where only member/non-member matters).
    pub fn targets_delegation(self) -> bool {
        matches!(
            self,
            Action::PutSubmission
                | Action::ReadSubmission
                | Action::ReadOutcomes
                | Action::EnterReservation
                | Action::WithdrawReservation
                | Action::AgreeGroupText
                | Action::DissociateFromItem
                | Action::CosponsorProposal
        )
    }

    /// Whether the action is about a round (so its phase matters).
    pub fn about_round(self) -> bool {
        matches!(
            self,
            Action::OpenRound
                | Action::CloseRound
                | Action::ExtendDeadline
                | Action::PutSubmission
                | Action::ListSubmissions
                | Action::ReadSubmission
                | Action::ReadCompilation
                | Action::ReadDecisions
                | Action::PutDecision
                | Action::Consolidate
                | Action::ReadDispositions
                | Action::ReadOutcomes
                | Action::AgreeGroupText
                | Action::DissociateFromItem
                | Action::CosponsorProposal
        )
    }

    /// Whether the action is scoped to a process at all (membership matters).
    pub fn in_process(self) -> bool {
        !matches!(self, Action::ListProcesses | Action::CreateProcess)
    }

    /// Why the action is refused when no rule allows it.
    pub fn denial(self) -> &'static str {
        match self {
            Action::ListProcesses | Action::ReadProcess | Action::ReadPublicDocument => {
                "any authenticated caller may do this"
            }
            Action::CreateProcess => "only an admin creates processes",
            Action::PutDelegation => "only an admin adds delegations to a process",
            Action::CreateDocument => {
                "only an admin, or the chair or secretariat of the process, creates documents"
            }
            Action::ReadLimiteDocument => {
                "the document is LIMITE: only the process's delegations may read it (a reviewer \
                 reads it when the process lists the reviewer's body, participation `reviewer`, \
                 and the token names that body as its delegation)"
            }
            Action::UploadVersion | Action::CreateRound => {
                "only the chair or the secretariat of the process may do this"
            }
            Action::ReadRound => "only the process's delegations and admins read its rounds",
            Action::OpenRound | Action::CloseRound | Action::ExtendDeadline => {
                "only the chair or the secretariat of the process opens, closes or extends rounds"
            }
            Action::PutSubmission => {
                "only a delegate writes a submission, and only its own delegation's"
            }
            Action::ListSubmissions | Action::ReadSubmission => {
                "only the process's delegations read its submissions"
            }
            Action::ReadCompilation | Action::ReadDecisions => {
                "only the process's delegations read the compilation and decisions"
            }
            Action::PutDecision | Action::Consolidate => {
                "only the chair or the secretariat of the process decides and consolidates"
            }
            Action::ReadDispositions | Action::ReadOutcomes => {
                "only the process's delegations read the dispositions and outcomes"
            }
            Action::ReadAudit => {
                "only an admin, or the chair or secretariat of the process, reads the audit log"
            }
            Action::SetParagraphStatus | Action::AdoptDocument => {
                "only the chair or the secretariat of the process sets a paragraph's status or \
                 adopts the text"
            }
            Action::EnterReservation | Action::WithdrawReservation => {
                "only a delegate enters or withdraws a reservation, and only its own delegation's"
            }
            Action::AgreeGroupText | Action::DissociateFromItem => {
                "only a delegate of one of the group's members agrees to the group's common text \
                 or dissociates from its items, in its own delegation's name"
            }
            Action::CosponsorProposal => {
                "only a delegate co-sponsors a proposal, in its own delegation's name"
            }
            Action::ReadEvents => "only the process's delegations and admins read its events",
            Action::ManageWebhooks => {
                "only an admin, or the chair or secretariat of the process, manages its webhooks"
            }
        }
    }
}

/// The caller's relation to what is acted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Relation {
    /// The target delegation is the caller's own.
    Own,
    /// The target is a group (the EU) that lists the caller's delegation among its members.
    GroupMember,
    /// The caller's delegation takes part in the process (directly or through a group), and
    /// the target, if any, is another delegation's.
    OtherMember,
    /// The caller's delegation is not part of the process (or the token names none).
    NonMember,
}

impl Relation {
    pub const ALL: [Relation; 4] = [
        Relation::Own,
        Relation::GroupMember,
        Relation::OtherMember,
        Relation::NonMember,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Own => "own",
            Relation::GroupMember => "group member",
            Relation::OtherMember => "member",
            Relation::NonMember => "non-member",
        }
    }
}

/// Where the round concerned stands, at the server's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// The action is not about a round.
    NoRound,
    Planned,
    Open,
    Closed,
    Consolidated,
}

impl Phase {
    pub const ROUND: [Phase; 4] = [
        Phase::Planned,
        Phase::Open,
        Phase::Closed,
        Phase::Consolidated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::NoRound => "-",
            Phase::Planned => "planned",
            Phase::Open => "open",
            Phase::Closed => "closed",
            Phase::Consolidated => "consolidated",
        }
    }
}

impl From<RoundState> for Phase {
    fn from(state: RoundState) -> Phase {
        match state {
            RoundState::Planned => Phase::Planned,
            RoundState::Open => Phase::Open,
            RoundState::Closed => Phase::Closed,
            RoundState::Consolidated => Phase::Consolidated,
        }
    }
}

/// The outcome of [`decide`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// 403: this caller may not do this, whatever the time.
    Forbidden(&'static str),
    /// 409: allowed to this caller, but not while the round is where it is.
    WrongState(&'static str),
}

/// One line of the policy: if the action, role, relation and phase are among those listed,
/// the verdict applies.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub action: Action,
    pub roles: &'static [Role],
    pub relations: &'static [Relation],
    pub phases: &'static [Phase],
    pub verdict: Verdict,
}

const ANY_ROLE: &[Role] = &Role::ALL;
const CHAIR: &[Role] = &[Role::Chair, Role::Secretariat];
const READERS: &[Role] = &[Role::Delegate, Role::Observer, Role::Reviewer];
const ANY_RELATION: &[Relation] = &Relation::ALL;
const MEMBER: &[Relation] = &[Relation::Own, Relation::GroupMember, Relation::OtherMember];
const ANY_PHASE: &[Phase] = &[
    Phase::NoRound,
    Phase::Planned,
    Phase::Open,
    Phase::Closed,
    Phase::Consolidated,
];
const BEFORE_CLOSE: &[Phase] = &[Phase::Planned, Phase::Open];
const AFTER_CLOSE: &[Phase] = &[Phase::Closed, Phase::Consolidated];

const fn rule(
    action: Action,
    roles: &'static [Role],
    relations: &'static [Relation],
    phases: &'static [Phase],
    verdict: Verdict,
) -> Rule {
    Rule {
        action,
        roles,
        relations,
        phases,
        verdict,
    }
}

use Verdict::{Allow, Forbidden, WrongState};

const SEALED: &str = "submissions are sealed: a delegation sees only its own (and its group's) until the round closes";
const CHAIR_STATE_DECIDE: &str = "decisions are taken on a closed round, before it is consolidated";

/// The policy, first match wins.
pub const RULES: &[Rule] = &[
    rule(
        Action::ListProcesses,
        ANY_ROLE,
        ANY_RELATION,
        ANY_PHASE,
        Allow,
    ),
    rule(
        Action::CreateProcess,
        &[Role::Admin],
        ANY_RELATION,
        ANY_PHASE,
        Allow,
    ),
    rule(
        Action::ReadProcess,
        ANY_ROLE,
        ANY_RELATION,
        ANY_PHASE,
        Allow,
    ),
    rule(
        Action::PutDelegation,
        &[Role::Admin],
        ANY_RELATION,
        ANY_PHASE,
        Allow,
    ),
    rule(
        Action::CreateDocument,
        &[Role::Admin],
        ANY_RELATION,
        ANY_PHASE,
        Allow,
    ),
    rule(Action::CreateDocument, CHAIR, MEMBER, ANY_PHASE, Allow),
    rule(
        Action::ReadPublicDocument,
        ANY_ROLE,
        ANY_RELATION,
        ANY_PHASE,
        Allow,
    ),
    rule(
        Action::ReadLimiteDocument,
        ANY_ROLE,
        MEMBER,
        ANY_PHASE,
        Allow,
    ),
    rule(Action::UploadVersion, CHAIR, MEMBER, ANY_PHASE, Allow),
    rule(Action::CreateRound, CHAIR, MEMBER, ANY_PHASE, Allow),
    rule(
        Action::ReadRound,
        &[Role::Admin],
        ANY_RELATION,
        ANY_PHASE,
        Allow,
    ),
    rule(Action::ReadRound, ANY_ROLE, MEMBER, ANY_PHASE, Allow),
    rule(Action::OpenRound, CHAIR, MEMBER, &[Phase::Planned], Allow),
    rule(
        Action::OpenRound,
        CHAIR,
        MEMBER,
        &[Phase::Open, Phase::Closed, Phase::Consolidated],
        WrongState("only a planned round can be opened"),
    ),
    rule(Action::CloseRound, CHAIR, MEMBER, BEFORE_CLOSE, Allow),
    rule(
        Action::CloseRound,
        CHAIR,
        MEMBER,
        AFTER_CLOSE,
        WrongState("the round is already closed"),
    ),
    rule(Action::ExtendDeadline, CHAIR, MEMBER, BEFORE_CLOSE, Allow),
    // Closed by hand or by its deadline, a round's submissions are unsealed: reopening it would
    // let a delegation resubmit with what it has since read of the others'.
    rule(
        Action::ExtendDeadline,
        CHAIR,
        MEMBER,
        &[Phase::Closed],
        WrongState(
            "the round has closed and its submissions are no longer sealed, so it cannot reopen; \
             create a new round for further feedback",
        ),
    ),
    rule(
        Action::ExtendDeadline,
        CHAIR,
        MEMBER,
        &[Phase::Consolidated],
        WrongState("the round is consolidated; its deadline can no longer move"),
    ),
    rule(
        Action::PutSubmission,
        &[Role::Delegate],
        &[Relation::Own],
        &[Phase::Open],
        Allow,
    ),
    rule(
        Action::PutSubmission,
        &[Role::Delegate],
        &[Relation::Own],
        &[Phase::Planned],
        WrongState("the round is not open yet"),
    ),
    rule(
        Action::PutSubmission,
        &[Role::Delegate],
        &[Relation::Own],
        AFTER_CLOSE,
        WrongState("the round takes no more submissions"),
    ),
    rule(
        Action::PutSubmission,
        &[Role::Delegate],
        &[Relation::GroupMember],
        ANY_PHASE,
        Forbidden(
            "a member does not write its group's submission: the group's own delegates (a \
             token of the group's delegation) submit for it; a member agrees to the common text \
             (POST …/submissions/{group}/agree) or dissociates from one of its items (POST \
             …/submissions/{group}/items/{n}/dissociate)",
        ),
    ),
    rule(
        Action::PutSubmission,
        &[Role::Delegate],
        &[
            Relation::GroupMember,
            Relation::OtherMember,
            Relation::NonMember,
        ],
        ANY_PHASE,
        Forbidden("a delegate writes only its own delegation's submission"),
    ),
    rule(
        Action::PutSubmission,
        &[Role::Observer, Role::Reviewer],
        ANY_RELATION,
        ANY_PHASE,
        Forbidden("observers and reviewers never write submissions"),
    ),
    rule(Action::ListSubmissions, ANY_ROLE, MEMBER, ANY_PHASE, Allow),
    rule(Action::ReadSubmission, CHAIR, MEMBER, ANY_PHASE, Allow),
    rule(
        Action::ReadSubmission,
        READERS,
        &[Relation::Own, Relation::GroupMember],
        ANY_PHASE,
        Allow,
    ),
    rule(
        Action::ReadSubmission,
        READERS,
        &[Relation::OtherMember],
        AFTER_CLOSE,
        Allow,
    ),
    rule(
        Action::ReadSubmission,
        READERS,
        &[Relation::OtherMember],
        BEFORE_CLOSE,
        Forbidden(SEALED),
    ),
    rule(Action::ReadCompilation, CHAIR, MEMBER, ANY_PHASE, Allow),
    rule(Action::ReadCompilation, READERS, MEMBER, AFTER_CLOSE, Allow),
    rule(
        Action::ReadCompilation,
        READERS,
        MEMBER,
        BEFORE_CLOSE,
        Forbidden("the compilation is sealed until the round closes"),
    ),
    rule(Action::ReadDecisions, CHAIR, MEMBER, ANY_PHASE, Allow),
    rule(Action::ReadDecisions, READERS, MEMBER, AFTER_CLOSE, Allow),
    rule(
        Action::ReadDecisions,
        READERS,
        MEMBER,
        BEFORE_CLOSE,
        Forbidden("decisions are taken after the round closes"),
    ),
    rule(Action::PutDecision, CHAIR, MEMBER, &[Phase::Closed], Allow),
    rule(
        Action::PutDecision,
        CHAIR,
        MEMBER,
        &[Phase::Planned, Phase::Open, Phase::Consolidated],
        WrongState(CHAIR_STATE_DECIDE),
    ),
    rule(Action::Consolidate, CHAIR, MEMBER, &[Phase::Closed], Allow),
    rule(
        Action::Consolidate,
        CHAIR,
        MEMBER,
        &[Phase::Planned, Phase::Open],
        WrongState("only a closed round can be consolidated"),
    ),
    rule(
        Action::Consolidate,
        CHAIR,
        MEMBER,
        &[Phase::Consolidated],
        WrongState("the round is already consolidated"),
    ),
    rule(Action::ReadDispositions, CHAIR, MEMBER, ANY_PHASE, Allow),
    rule(
        Action::ReadDispositions,
        READERS,
        MEMBER,
        &[Phase::Consolidated],
        Allow,
    ),
    rule(
        Action::ReadDispositions,
        READERS,
        MEMBER,
        &[Phase::Planned, Phase::Open, Phase::Closed],
        Forbidden("the dispositions are published with the consolidated version"),
    ),
    rule(Action::ReadOutcomes, CHAIR, MEMBER, ANY_PHASE, Allow),
    rule(
        Action::ReadOutcomes,
        READERS,
        MEMBER,
        &[Phase::Consolidated],
        Allow,
    ),
    rule(
        Action::ReadOutcomes,
        READERS,
        MEMBER,
        &[Phase::Planned, Phase::Open, Phase::Closed],
        Forbidden("the outcomes are published with the consolidated version"),
    ),
    rule(
        Action::ReadAudit,
        &[Role::Admin],
        ANY_RELATION,
        ANY_PHASE,
        Allow,
    ),
    rule(Action::ReadAudit, CHAIR, MEMBER, ANY_PHASE, Allow),
    rule(Action::SetParagraphStatus, CHAIR, MEMBER, ANY_PHASE, Allow),
    rule(Action::AdoptDocument, CHAIR, MEMBER, ANY_PHASE, Allow),
    rule(
        Action::EnterReservation,
        &[Role::Delegate],
        &[Relation::Own],
        ANY_PHASE,
        Allow,
    ),
    rule(
        Action::EnterReservation,
        &[Role::Delegate],
        &[
            Relation::GroupMember,
            Relation::OtherMember,
            Relation::NonMember,
        ],
        ANY_PHASE,
        Forbidden("a delegate enters reservations only in its own delegation's name"),
    ),
    rule(
        Action::WithdrawReservation,
        &[Role::Delegate],
        &[Relation::Own],
        ANY_PHASE,
        Allow,
    ),
    rule(
        Action::WithdrawReservation,
        &[Role::Delegate],
        &[
            Relation::GroupMember,
            Relation::OtherMember,
            Relation::NonMember,
        ],
        ANY_PHASE,
        Forbidden(
            "a reservation is withdrawn only by the delegation that entered it (another \
             delegation's is theirs to lift)",
        ),
    ),
    // Coalitions (issue 16, item 4). A group's common text is agreed before the deadline; a
    // member may dissociate from one of its items until the round is consolidated.
    rule(
        Action::AgreeGroupText,
        &[Role::Delegate],
        &[Relation::GroupMember],
        &[Phase::Open],
        Allow,
    ),
    rule(
        Action::AgreeGroupText,
        &[Role::Delegate],
        &[Relation::GroupMember],
        &[Phase::Planned],
        WrongState("the round is not open yet: there is no common text to agree to"),
    ),
    rule(
        Action::AgreeGroupText,
        &[Role::Delegate],
        &[Relation::GroupMember],
        AFTER_CLOSE,
        WrongState(
            "a group's common text is agreed before the round's deadline; a member that cannot \
             stand by an item now dissociates from it (POST …/items/{n}/dissociate)",
        ),
    ),
    rule(
        Action::AgreeGroupText,
        &[Role::Delegate],
        &[Relation::Own, Relation::OtherMember, Relation::NonMember],
        ANY_PHASE,
        Forbidden(NOT_A_MEMBER),
    ),
    rule(
        Action::DissociateFromItem,
        &[Role::Delegate],
        &[Relation::GroupMember],
        &[Phase::Open, Phase::Closed],
        Allow,
    ),
    rule(
        Action::DissociateFromItem,
        &[Role::Delegate],
        &[Relation::GroupMember],
        &[Phase::Planned],
        WrongState("the round is not open yet: the group has no items to dissociate from"),
    ),
    rule(
        Action::DissociateFromItem,
        &[Role::Delegate],
        &[Relation::GroupMember],
        &[Phase::Consolidated],
        WrongState(CONSOLIDATED),
    ),
    rule(
        Action::DissociateFromItem,
        &[Role::Delegate],
        &[Relation::Own, Relation::OtherMember, Relation::NonMember],
        ANY_PHASE,
        Forbidden(NOT_A_MEMBER),
    ),
    rule(
        Action::CosponsorProposal,
        &[Role::Delegate],
        &[Relation::OtherMember],
        &[Phase::Closed],
        Allow,
    ),
    rule(
        Action::CosponsorProposal,
        &[Role::Delegate],
        &[Relation::OtherMember],
        BEFORE_CLOSE,
        WrongState(
            "another delegation's proposals are sealed until the round closes: co-sponsor one \
             once the round has closed, before it is consolidated",
        ),
    ),
    rule(
        Action::CosponsorProposal,
        &[Role::Delegate],
        &[Relation::OtherMember],
        &[Phase::Consolidated],
        WrongState(CONSOLIDATED),
    ),
    rule(
        Action::CosponsorProposal,
        &[Role::Delegate],
        &[Relation::Own],
        ANY_PHASE,
        Forbidden("a delegation does not co-sponsor its own proposal"),
    ),
    rule(
        Action::CosponsorProposal,
        &[Role::Delegate],
        &[Relation::GroupMember],
        ANY_PHASE,
        Forbidden(
            "a group's items already count as supported by its members (unless a member \
             dissociates from one): there is nothing to co-sponsor",
        ),
    ),
    // Events tell what every reader of the process's rounds may read (never a sealed detail:
    // `events`), so they are read by the same.
    rule(
        Action::ReadEvents,
        &[Role::Admin],
        ANY_RELATION,
        ANY_PHASE,
        Allow,
    ),
    rule(Action::ReadEvents, ANY_ROLE, MEMBER, ANY_PHASE, Allow),
    rule(
        Action::ManageWebhooks,
        &[Role::Admin],
        ANY_RELATION,
        ANY_PHASE,
        Allow,
    ),
    rule(Action::ManageWebhooks, CHAIR, MEMBER, ANY_PHASE, Allow),
];

const NOT_A_MEMBER: &str = "only a member of the group (a delegation the group lists among its \
     members) agrees to its common text or dissociates from its items, in its own name; \
     another delegation may co-sponsor a proposal instead (POST …/items/{n}/cosponsor, once the \
     round has closed)";
const CONSOLIDATED: &str = "the round is consolidated: what its proposals became is decided";

/// Judges one request.
pub fn decide(action: Action, role: Role, relation: Relation, phase: Phase) -> Verdict {
    RULES
        .iter()
        .find(|rule| {
            rule.action == action
                && rule.roles.contains(&role)
                && rule.relations.contains(&relation)
                && rule.phases.contains(&phase)
        })
        .map(|rule| rule.verdict)
        .unwrap_or(Verdict::Forbidden(action.denial()))
}

/// One cell of the permission table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    pub action: Action,
    pub role: Role,
    pub relation: Relation,
    pub phase: Phase,
    pub verdict: Verdict,
}

/// The relations that matter for an action.
pub fn relations_of(action: Action) -> &'static [Relation] {
    if action.targets_delegation() {
        &Relation::ALL
    } else if action.in_process() {
        &[Relation::OtherMember, Relation::NonMember]
    } else {
        &[Relation::NonMember]
    }
}

/// The phases that matter for an action.
pub fn phases_of(action: Action) -> &'static [Phase] {
    if action.about_round() {
        &Phase::ROUND
    } else {
        &[Phase::NoRound]
    }
}

/// Every cell that matters: action × role × relation × phase, with its verdict.
pub fn table() -> Vec<Cell> {
    let mut cells = Vec::new();
    for action in Action::ALL {
        for role in Role::ALL {
            for &relation in relations_of(action) {
                for &phase in phases_of(action) {
                    cells.push(Cell {
                        action,
                        role,
                        relation,
                        phase,
                        verdict: decide(action, role, relation, phase),
                    });
                }
            }
        }
    }
    cells
}

/// The table as Markdown, one section per action (what `docs/permissions.md` holds).
pub fn permissions_markdown() -> String {
    let mut out = String::from(
        "# Permissions\n\nGenerated from `crates/negotiation/src/policy.rs` (`penholder_negotiation::policy::permissions_markdown`); do not edit by hand.\n\n\
         `allow` = permitted; `403` = forbidden for this caller; `409` = permitted to this caller but not in this round state.\n\
         *member* = the token's delegation takes part in the process; *own* = the submission is the caller's delegation's; \
         *group member* = the submission is a group's (the EU's) that lists the caller's delegation.\n\n\
         **The role is the one held in the process**, not the token's alone: powers need both \
         (`penholder_negotiation::access::role_in`). A `chair` token is the chair only where the \
         process lists its delegation with the function of chair or co-chair; a `secretariat` token \
         only where its delegation is the process's secretariat or chairs it. Anywhere else either \
         token reads as an `observer` of its delegation. Membership through a group grants no \
         chair's powers. A `delegate` of a delegation that takes part as an observer may comment \
         on the text but not propose changes to it (403 naming the first such item). A delegation \
         listed with participation `reviewer` (a Council working party) is a member that only \
         reads: any token of it holds the `reviewer` role there. A `reviewer` token without a \
         delegation is a non-member: it reads public documents only.\n\n\
         **A round that has closed never reopens**: its submissions are unsealed from the moment \
         its deadline passes or the chairmanship closes it, so its deadline can only be extended \
         while it is planned or open; further feedback goes to a new round.\n",
    );
    for action in Action::ALL {
        out.push_str(&format!("\n## {}\n\n", action.name()));
        for (method, path) in action.endpoints() {
            out.push_str(&format!("- `{method} {path}`\n"));
        }
        out.push('\n');
        let columns: Vec<(Relation, Phase)> = relations_of(action)
            .iter()
            .flat_map(|r| phases_of(action).iter().map(move |p| (*r, *p)))
            .collect();
        out.push_str("| role |");
        for (relation, phase) in &columns {
            if *phase == Phase::NoRound {
                out.push_str(&format!(" {} |", relation.as_str()));
            } else {
                out.push_str(&format!(" {}, {} |", relation.as_str(), phase.as_str()));
            }
        }
        out.push_str("\n|---|");
        out.push_str(&"---|".repeat(columns.len()));
        out.push('\n');
        for role in Role::ALL {
            out.push_str(&format!("| {role} |"));
            for (relation, phase) in &columns {
                let mark = match decide(action, role, *relation, *phase) {
                    Verdict::Allow => "allow",
                    Verdict::Forbidden(_) => "403",
                    Verdict::WrongState(_) => "409",
                };
                out.push_str(&format!(" {mark} |"));
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_reachable() {
        // A rule shadowed entirely by earlier rules is dead policy: a mistake waiting to be read.
        for (index, rule) in RULES.iter().enumerate() {
            let reachable = rule.roles.iter().any(|role| {
                rule.relations.iter().any(|relation| {
                    rule.phases.iter().any(|phase| {
                        RULES[..index].iter().all(|earlier| {
                            !(earlier.action == rule.action
                                && earlier.roles.contains(role)
                                && earlier.relations.contains(relation)
                                && earlier.phases.contains(phase))
                        })
                    })
                })
            });
            assert!(reachable, "rule {index} ({:?}) is shadowed", rule.action);
        }
    }

    #[test]
    fn the_rules_of_issue_4() {
        use Phase::*;
        use Relation::*;
        let allowed = |a, r, rel, p| decide(a, r, rel, p) == Verdict::Allow;
        // A delegate writes only its own delegation's submission, only while the round is open.
        assert!(allowed(Action::PutSubmission, Role::Delegate, Own, Open));
        assert!(matches!(
            decide(Action::PutSubmission, Role::Delegate, Own, Closed),
            Verdict::WrongState(_)
        ));
        assert!(matches!(
            decide(Action::PutSubmission, Role::Delegate, OtherMember, Open),
            Verdict::Forbidden(_)
        ));
        assert!(matches!(
            decide(Action::PutSubmission, Role::Delegate, GroupMember, Open),
            Verdict::Forbidden(_)
        ));
        // Observers, reviewers (and everyone but delegates) never write submissions.
        for role in [
            Role::Observer,
            Role::Reviewer,
            Role::Admin,
            Role::Chair,
            Role::Secretariat,
        ] {
            assert!(!allowed(Action::PutSubmission, role, Own, Open), "{role}");
        }
        // Only chair/secretariat open, close, decide, consolidate, upload.
        for action in [
            Action::OpenRound,
            Action::CloseRound,
            Action::PutDecision,
            Action::Consolidate,
            Action::UploadVersion,
        ] {
            for role in Role::ALL {
                let any = Phase::ROUND
                    .iter()
                    .chain([&NoRound])
                    .any(|p| allowed(action, role, OtherMember, *p));
                assert_eq!(
                    any,
                    matches!(role, Role::Chair | Role::Secretariat),
                    "{action:?} {role}"
                );
            }
        }
        // Only admins create processes.
        for role in Role::ALL {
            assert_eq!(
                allowed(Action::CreateProcess, role, NonMember, NoRound),
                role == Role::Admin
            );
        }
        // LIMITE: members only.
        for role in Role::ALL {
            assert!(!allowed(
                Action::ReadLimiteDocument,
                role,
                NonMember,
                NoRound
            ));
            assert!(allowed(
                Action::ReadLimiteDocument,
                role,
                OtherMember,
                NoRound
            ));
        }
        // Sealed submissions: own and group always, others after the close, the chair always.
        assert!(allowed(
            Action::ReadSubmission,
            Role::Delegate,
            GroupMember,
            Open
        ));
        assert!(!allowed(
            Action::ReadSubmission,
            Role::Delegate,
            OtherMember,
            Open
        ));
        assert!(allowed(
            Action::ReadSubmission,
            Role::Delegate,
            OtherMember,
            Closed
        ));
        assert!(allowed(
            Action::ReadSubmission,
            Role::Chair,
            OtherMember,
            Open
        ));
    }

    #[test]
    fn the_table_covers_every_action_and_role() {
        let cells = table();
        for action in Action::ALL {
            for role in Role::ALL {
                assert!(cells.iter().any(|c| c.action == action && c.role == role));
            }
        }
        let markdown = permissions_markdown();
        assert!(markdown.contains("## write a submission"));
        assert!(markdown.contains("| delegate |"));
    }
}
