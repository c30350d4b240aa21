//! The interface's words in each language: one [`Messages`] catalogue per language, chosen by
//! the `penholder_lang` cookie (the switch in every page's header) or else by the browser's
//! `Accept-Language`.
//!
//! A catalogue is a struct, not a map: a language that lacks a message does not compile. To add
//! a language, add a constant like [`FRENCH`] and a line to [`Lang`]. The document's own text is
//! never translated here (it is in the language its authors wrote it in).

/// A language of the interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The BCP 47 tag (`lang` attributes, the cookie).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|lang| lang.tag() == primary)
    }

    /// The language the interface names itself with, in that language (for the switch).
    pub fn own_name(self) -> &'static str {
        self.messages().language_name
    }

    pub fn messages(self) -> &'static Messages {
        match self {
            Lang::En => &ENGLISH,
            Lang::Fr => &FRENCH,
        }
    }

    /// The best language for an `Accept-Language` header (RFC 9110 §12.5.4: the highest
    /// weight wins, the first listed among equals); English when none is offered.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(Lang, u32)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default();
            let weight = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .map_or(1000, |q| (q.clamp(0.0, 1.0) * 1000.0) as u32);
            if weight == 0 {
                continue;
            }
            if let Some(lang) = Lang::parse(tag)
                && best.is_none_or(|(_, w)| weight > w)
            {
                best = Some((lang, weight));
            }
        }
        best.map_or(Lang::En, |(lang, _)| lang)
    }
}

/// Every message of the interface, in one language.
pub struct Messages {
    pub language_name: &'static str,
    pub app_name: &'static str,
    pub skip_to_content: &'static str,
    pub language: &'static str,
    pub signed_in_as: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub sign_in_intro: &'static str,
    pub paste_token: &'static str,
    pub paste_token_hint: &'static str,
    pub link_intro: &'static str,
    pub link_button: &'static str,
    pub processes: &'static str,
    pub no_processes: &'static str,
    pub documents: &'static str,
    pub version: &'static str,
    pub rounds: &'static str,
    pub round: &'static str,
    pub base_version: &'static str,
    pub opens: &'static str,
    pub deadline: &'static str,
    pub state: &'static str,
    pub state_planned: &'static str,
    pub state_open: &'static str,
    pub state_closed: &'static str,
    pub state_consolidated: &'static str,
    pub draft: &'static str,
    pub your_proposals: &'static str,
    pub no_proposals: &'static str,
    pub propose: &'static str,
    pub amend: &'static str,
    pub amend_help: &'static str,
    pub insert_after: &'static str,
    pub insert_help: &'static str,
    pub delete: &'static str,
    pub delete_help: &'static str,
    pub comment: &'static str,
    pub justification: &'static str,
    pub proposed_text: &'static str,
    pub new_paragraph_text: &'static str,
    pub comment_text: &'static str,
    pub submit_amendment: &'static str,
    pub submit_insertion: &'static str,
    pub submit_deletion: &'static str,
    pub submit_comment: &'static str,
    pub preview: &'static str,
    pub preview_help: &'static str,
    pub inserted_by: &'static str,
    pub deleted_by: &'static str,
    pub receipt: &'static str,
    pub receipt_intro: &'static str,
    pub revision: &'static str,
    pub received_at: &'static str,
    pub receipt_hash: &'static str,
    pub items: &'static str,
    pub back_to_round: &'static str,
    pub withdraw: &'static str,
    pub kind_amend: &'static str,
    pub kind_insert: &'static str,
    pub kind_delete: &'static str,
    pub kind_comment: &'static str,
    pub round_closed_note: &'static str,
    pub read_only_note: &'static str,
    pub error_title: &'static str,
    pub error_back: &'static str,
    pub times_utc: &'static str,
    pub overview: &'static str,
    pub overview_of: &'static str,
    pub submissions: &'static str,
    pub delegation: &'static str,
    pub last_received: &'static str,
    pub not_submitted: &'static str,
    pub everyone_submitted: &'static str,
    pub sealed_note: &'static str,
    pub late_attempts: &'static str,
    pub no_late_attempts: &'static str,
    pub late_hidden: &'static str,
    pub tried_at: &'static str,
    pub by_whom: &'static str,
    pub compilation: &'static str,
    pub compilation_of: &'static str,
    pub compilation_intro: &'static str,
    pub decide_change: &'static str,
    pub decision: &'static str,
    pub in_force: &'static str,
    pub undecided: &'static str,
    pub accept: &'static str,
    pub accept_alternative: &'static str,
    pub reject: &'static str,
    pub defer: &'static str,
    pub reword: &'static str,
    pub reword_text: &'static str,
    pub note: &'static str,
    pub record_decision: &'static str,
    pub decisions_when: &'static str,
    pub consolidate: &'static str,
    pub consolidate_intro: &'static str,
    pub new_version_label: &'static str,
    pub accept_uncontested: &'static str,
    pub upload: &'static str,
    pub upload_intro: &'static str,
    pub upload_text: &'static str,
    pub upload_text_hint: &'static str,
    pub upload_button: &'static str,
    pub dispositions: &'static str,
    pub dispositions_of: &'static str,
    pub proposal: &'static str,
    pub outcome: &'static str,
    pub downloads: &'static str,
    pub versions: &'static str,
    pub published: &'static str,
    pub read_version: &'static str,
    pub redline: &'static str,
    pub redline_between: &'static str,
    pub from_version: &'static str,
    pub to_version: &'static str,
    pub show_redline: &'static str,
    pub legend: &'static str,
    pub no_changes: &'static str,
    pub part: &'static str,
    pub of_parts: &'static str,
    pub go_to_part: &'static str,
    pub show_part: &'static str,
    pub previous_part: &'static str,
    pub next_part: &'static str,
    pub reference_short: &'static str,
    /// The state of the text (statuses, brackets, reservations, coalitions): `crate::state`.
    pub text_state: &'static crate::state::StateMessages,
    /// The workbench's words: drafts, Word files, outcomes (`crate::workbench`).
    pub workbench: crate::workbench::WorkbenchMessages,
    /// The reviewers' views (filtered redlines, synoptic, concordance, search).
    pub views: crate::views::ViewsMessages,
    /// The ISO comment-template fields of a proposal ([`crate::iso`]).
    pub iso: crate::iso::IsoMessages,
    /// The captions render writes around the document's text (legends, proposals), in this
    /// language.
    pub captions: &'static penholder_render::Captions,
}

pub const ENGLISH: Messages = Messages {
    language_name: "English",
    app_name: "penholder",
    skip_to_content: "Skip to content",
    language: "Language",
    signed_in_as: "Signed in as",
    sign_in: "Sign in",
    sign_out: "Sign out",
    sign_in_intro: "Open the sign-in link you were sent, or paste the access token you were given. It is exchanged for a session of this browser; the token is not kept in it.",
    paste_token: "Access token",
    paste_token_hint: "A long text of three parts separated by dots.",
    link_intro: "This sign-in link works once. Continue to sign in on this browser.",
    link_button: "Continue and sign in",
    processes: "Negotiations",
    no_processes: "There is no negotiation you may read.",
    documents: "Documents",
    version: "Version",
    rounds: "Rounds of written feedback",
    round: "Round",
    base_version: "On version",
    opens: "Opens",
    deadline: "Deadline",
    state: "State",
    state_planned: "planned",
    state_open: "open",
    state_closed: "closed",
    state_consolidated: "consolidated",
    draft: "The draft",
    your_proposals: "Your delegation's submission",
    no_proposals: "Your delegation has submitted nothing in this round yet.",
    propose: "Propose a change to",
    amend: "Amend",
    amend_help: "Edit the text in place; the changes are shown word by word.",
    insert_after: "Insert a new paragraph after",
    insert_help: "The text of the new paragraph.",
    delete: "Delete",
    delete_help: "Propose that this paragraph be deleted.",
    comment: "Comment",
    justification: "Justification (optional)",
    proposed_text: "Proposed text of",
    new_paragraph_text: "New paragraph after",
    comment_text: "Comment on",
    submit_amendment: "Submit the amendment",
    submit_insertion: "Submit the new paragraph",
    submit_deletion: "Submit the deletion",
    submit_comment: "Submit the comment",
    preview: "Your changes",
    preview_help: "Inserted words are underlined, deleted words struck through.",
    inserted_by: "inserted, proposed by",
    deleted_by: "deleted, proposed by",
    receipt: "Receipt",
    receipt_intro: "Your delegation's submission was received and stored. Keep this receipt: it identifies exactly what was received.",
    revision: "Revision",
    received_at: "Received at",
    receipt_hash: "Receipt (SHA-256 of the submission)",
    items: "Proposals",
    back_to_round: "Back to the round",
    withdraw: "Withdraw",
    kind_amend: "Amendment",
    kind_insert: "New paragraph",
    kind_delete: "Deletion",
    kind_comment: "Comment",
    round_closed_note: "This round takes no submissions now.",
    read_only_note: "You may read this round; your role does not submit in it.",
    error_title: "This could not be done",
    error_back: "Back to the start",
    times_utc: "Times are in UTC.",
    overview: "Overview",
    overview_of: "Overview of round",
    submissions: "Submissions",
    delegation: "Delegation",
    last_received: "Last received",
    not_submitted: "Delegations that have not submitted",
    everyone_submitted: "Every delegation has submitted.",
    sealed_note: "The other delegations' submissions stay sealed to you until the round closes.",
    late_attempts: "Attempts after the deadline",
    no_late_attempts: "Nobody tried to submit after the deadline.",
    late_hidden: "Your role does not read the audit log, where late attempts are kept.",
    tried_at: "Tried at",
    by_whom: "By",
    compilation: "Compilation",
    compilation_of: "Compilation of round",
    compilation_intro: "Every proposal at its place, attributed to the delegations behind it; clashing proposals side by side.",
    decide_change: "Decide change",
    decision: "Decision",
    in_force: "Decision in force",
    undecided: "Not decided yet.",
    accept: "Accept",
    accept_alternative: "Accept alternative",
    reject: "Reject",
    defer: "Defer",
    reword: "Reword (the chairmanship's own wording)",
    reword_text: "The chairmanship's wording (for a reword)",
    note: "Note (optional)",
    record_decision: "Record the decision on",
    decisions_when: "Decisions are taken once the round has closed, until it is consolidated.",
    consolidate: "Consolidate and publish the next version",
    consolidate_intro: "The decisions are applied to the base version; the result is published as the next version, with every change attributed.",
    new_version_label: "Label of the new version",
    accept_uncontested: "Also accept the uncontested changes left undecided",
    upload: "Upload a revised text",
    upload_intro: "A text revised elsewhere becomes the next version: its paragraphs are matched to the current version's, so attribution survives.",
    upload_text: "The revised text (Markdown)",
    upload_text_hint: "Paste the whole text: numbered paragraphs, headings with #.",
    upload_button: "Publish the revised text",
    dispositions: "Dispositions",
    dispositions_of: "Dispositions of round",
    proposal: "Proposal",
    outcome: "Observations",
    downloads: "Downloads",
    versions: "Versions",
    published: "Published",
    read_version: "Read",
    redline: "Redline",
    redline_between: "Redline between two versions",
    from_version: "From version",
    to_version: "To version",
    show_redline: "Show the redline",
    legend: "Who asked for each change",
    no_changes: "No change between these versions.",
    part: "Part",
    of_parts: "of",
    go_to_part: "Go to part",
    show_part: "Show",
    previous_part: "Previous part",
    next_part: "Next part",
    reference_short: "Ref.",
    text_state: &crate::state::ENGLISH,
    workbench: crate::workbench::ENGLISH,
    views: crate::views::ENGLISH,
    iso: crate::iso::ENGLISH,
    captions: &penholder_render::captions::ENGLISH,
};

pub const FRENCH: Messages = Messages {
    language_name: "Français",
    app_name: "penholder",
    skip_to_content: "Aller au contenu",
    language: "Langue",
    signed_in_as: "Connecté·e en tant que",
    sign_in: "Se connecter",
    sign_out: "Se déconnecter",
    sign_in_intro: "Ouvrez le lien de connexion reçu, ou collez le jeton d'accès qui vous a été remis. Il est échangé contre une session de ce navigateur ; le jeton n'y est pas conservé.",
    paste_token: "Jeton d'accès",
    paste_token_hint: "Un long texte en trois parties séparées par des points.",
    link_intro: "Ce lien de connexion ne fonctionne qu'une fois. Continuez pour vous connecter dans ce navigateur.",
    link_button: "Continuer et se connecter",
    processes: "Négociations",
    no_processes: "Aucune négociation ne vous est accessible.",
    documents: "Documents",
    version: "Version",
    rounds: "Tours de contributions écrites",
    round: "Tour",
    base_version: "Sur la version",
    opens: "Ouverture",
    deadline: "Date limite",
    state: "État",
    state_planned: "prévu",
    state_open: "ouvert",
    state_closed: "clos",
    state_consolidated: "consolidé",
    draft: "Le projet",
    your_proposals: "La contribution de votre délégation",
    no_proposals: "Votre délégation n'a encore rien soumis dans ce tour.",
    propose: "Proposer une modification de",
    amend: "Amender",
    amend_help: "Modifiez le texte sur place ; les changements sont montrés mot à mot.",
    insert_after: "Insérer un nouveau paragraphe après",
    insert_help: "Le texte du nouveau paragraphe.",
    delete: "Supprimer",
    delete_help: "Proposer la suppression de ce paragraphe.",
    comment: "Commenter",
    justification: "Justification (facultative)",
    proposed_text: "Texte proposé pour",
    new_paragraph_text: "Nouveau paragraphe après",
    comment_text: "Commentaire sur",
    submit_amendment: "Soumettre l'amendement",
    submit_insertion: "Soumettre le nouveau paragraphe",
    submit_deletion: "Soumettre la suppression",
    submit_comment: "Soumettre le commentaire",
    preview: "Vos modifications",
    preview_help: "Les mots insérés sont soulignés, les mots supprimés barrés.",
    inserted_by: "inséré, proposé par",
    deleted_by: "supprimé, proposé par",
    receipt: "Accusé de réception",
    receipt_intro: "La contribution de votre délégation a été reçue et enregistrée. Conservez cet accusé : il identifie exactement ce qui a été reçu.",
    revision: "Révision",
    received_at: "Reçue le",
    receipt_hash: "Accusé (SHA-256 de la contribution)",
    items: "Propositions",
    back_to_round: "Retour au tour",
    withdraw: "Retirer",
    kind_amend: "Amendement",
    kind_insert: "Nouveau paragraphe",
    kind_delete: "Suppression",
    kind_comment: "Commentaire",
    round_closed_note: "Ce tour ne reçoit pas de contributions en ce moment.",
    read_only_note: "Vous pouvez lire ce tour ; votre rôle n'y soumet pas.",
    error_title: "Cette action n'a pas pu aboutir",
    error_back: "Retour à l'accueil",
    times_utc: "Les heures sont en UTC.",
    overview: "Vue d'ensemble",
    overview_of: "Vue d'ensemble du tour",
    submissions: "Contributions",
    delegation: "Délégation",
    last_received: "Dernière réception",
    not_submitted: "Délégations qui n'ont rien soumis",
    everyone_submitted: "Toutes les délégations ont soumis.",
    sealed_note: "Les contributions des autres délégations vous restent scellées jusqu'à la clôture du tour.",
    late_attempts: "Tentatives après la date limite",
    no_late_attempts: "Personne n'a tenté de soumettre après la date limite.",
    late_hidden: "Votre rôle ne lit pas le journal d'audit, où les tentatives tardives sont conservées.",
    tried_at: "Tentée le",
    by_whom: "Par",
    compilation: "Compilation",
    compilation_of: "Compilation du tour",
    compilation_intro: "Chaque proposition à sa place, attribuée aux délégations qui la soutiennent ; les propositions concurrentes côte à côte.",
    decide_change: "Décider la modification",
    decision: "Décision",
    in_force: "Décision en vigueur",
    undecided: "Pas encore décidée.",
    accept: "Accepter",
    accept_alternative: "Accepter l'alternative",
    reject: "Rejeter",
    defer: "Reporter",
    reword: "Reformuler (texte de la présidence)",
    reword_text: "Le texte de la présidence (pour une reformulation)",
    note: "Note (facultative)",
    record_decision: "Enregistrer la décision sur",
    decisions_when: "Les décisions se prennent une fois le tour clos, jusqu'à sa consolidation.",
    consolidate: "Consolider et publier la version suivante",
    consolidate_intro: "Les décisions sont appliquées à la version de base ; le résultat est publié comme version suivante, chaque modification attribuée.",
    new_version_label: "Intitulé de la nouvelle version",
    accept_uncontested: "Accepter aussi les modifications non contestées restées sans décision",
    upload: "Déposer un texte révisé",
    upload_intro: "Un texte révisé ailleurs devient la version suivante : ses paragraphes sont appariés à ceux de la version en cours, l'attribution est conservée.",
    upload_text: "Le texte révisé (Markdown)",
    upload_text_hint: "Collez tout le texte : paragraphes numérotés, titres avec #.",
    upload_button: "Publier le texte révisé",
    dispositions: "Suites données",
    dispositions_of: "Suites données, tour",
    proposal: "Proposition",
    outcome: "Suite",
    downloads: "Téléchargements",
    versions: "Versions",
    published: "Publiée",
    read_version: "Lire",
    redline: "Version comparée",
    redline_between: "Version comparée de deux versions",
    from_version: "De la version",
    to_version: "À la version",
    show_redline: "Afficher la comparaison",
    legend: "Qui a demandé chaque modification",
    no_changes: "Aucune modification entre ces versions.",
    part: "Partie",
    of_parts: "sur",
    go_to_part: "Aller à la partie",
    show_part: "Afficher",
    previous_part: "Partie précédente",
    next_part: "Partie suivante",
    reference_short: "Réf.",
    text_state: &crate::state::FRENCH,
    workbench: crate::workbench::FRENCH,
    views: crate::views::FRENCH,
    iso: crate::iso::FRENCH,
    captions: &penholder_render::captions::FRENCH,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_heaviest_known_language() {
        assert_eq!(
            Lang::from_accept_language("fr-CH, fr;q=0.9, en;q=0.8"),
            Lang::Fr
        );
        assert_eq!(
            Lang::from_accept_language("de, en;q=0.5, fr;q=0.4"),
            Lang::En
        );
        assert_eq!(Lang::from_accept_language("en;q=0.2, fr;q=0.9"), Lang::Fr);
        assert_eq!(Lang::from_accept_language("fr;q=0, en"), Lang::En);
        assert_eq!(Lang::from_accept_language("de, ar"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
        assert_eq!(Lang::from_accept_language(";;,q=,fr;q=abc"), Lang::Fr);
    }

    #[test]
    fn every_language_names_itself_differently() {
        assert_eq!(Lang::En.own_name(), "English");
        assert_eq!(Lang::Fr.own_name(), "Français");
        assert_eq!(Lang::parse("FR-be"), Some(Lang::Fr));
        assert_eq!(Lang::parse("es"), None);
    }
}
