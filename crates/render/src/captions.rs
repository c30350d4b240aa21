//! The words the HTML views write around a document's own text — the legends, the captions of
//! a compilation's proposals, the status of a redlined paragraph — in the reader's language.
//! The document's text is never translated; the files (HTML, Word, Markdown, Akoma Ntoso) the
//! API serves keep English captions, and the web front hands in the captions of its interface
//! language ([`crate::Context::captions`]).
//!
//! A language is a constant of [`Captions`]: one that lacks a caption does not compile.

/// Every caption, in one language. Fields ending in `_html` are HTML fragments (escaped here,
/// written as they are); the others are text, escaped where they are written.
#[derive(Debug, PartialEq, Eq)]
pub struct Captions {
    /// The key of the legend of delegations: what `ins`, `del` and a contested change look
    /// like.
    pub key_html: &'static str,
    /// The legend of paragraph statuses and reservations.
    pub state_legend_html: &'static str,
    /// The legend of open brackets.
    pub brackets_legend_html: &'static str,
    pub new_paragraph_proposed: &'static str,
    pub alternatives_for_a_new_paragraph: &'static str,
    pub on_the_whole_paragraph: &'static str,
    /// "Proposed: <del>delete this paragraph</del>".
    pub proposed_deletion_html: &'static str,
    /// "Proposed text: ", before a node's full new text.
    pub proposed_text: &'static str,
    pub insertion_here: &'static str,
    /// "Instead of", before the words a contested change replaces.
    pub instead_of: &'static str,
    pub delete_the_paragraph: &'static str,
    pub delete_these_words: &'static str,
    /// "one wording", before the variants of one family of alternatives.
    pub one_wording: &'static str,
    /// "proposed", before an alternative's date.
    pub proposed_on: &'static str,
    pub justification: &'static str,
    /// "Change", "supported by": a coalition's support of a change's alternative.
    pub change: &'static str,
    pub supported_by: &'static str,
    /// "Hidden characters in the proposal of", "item", "they can hide or reorder text".
    pub hidden_characters_of: &'static str,
    pub item: &'static str,
    pub hidden_characters_why: &'static str,
    /// A redlined paragraph as a whole: moved (from), new, deleted, renumbered.
    pub moved: &'static str,
    pub from: &'static str,
    pub new_paragraph: &'static str,
    pub deleted_paragraph: &'static str,
    pub renumbered: &'static str,
    /// "Open bracket", before a bracket's alternatives beside a redlined paragraph.
    pub open_bracket: &'static str,
}

pub const ENGLISH: Captions = Captions {
    key_html: "<ins>inserted</ins> <del>deleted</del> <span class=\"contested\">contested</span> \u{2014} the letters after a change name the delegations behind it.",
    state_legend_html: "<p class=\"state-legend\">Paragraph status: \
<span class=\"status status-open\">open</span> \
<span class=\"status status-agreed_ad_ref\">agreed ad ref.</span> \
<span class=\"status status-agreed\">agreed</span> \
<span class=\"status status-adopted\">adopted</span>. Reservations: \
<span class=\"reservation\">SR</span> scrutiny, <span class=\"reservation\">GR</span> general, \
<span class=\"reservation\">PR</span> parliamentary, <span class=\"reservation\">LR</span> \
linguistic, with the delegation that entered it.</p>",
    brackets_legend_html: "<p class=\"brackets-legend\">Brackets: <span class=\"bracket\">\
[wording of this version] / [alternative (proposers)]</span> marks a change left open at the \
last consolidation; the first wording stands until the chair resolves it.</p>",
    new_paragraph_proposed: "New paragraph proposed:",
    alternatives_for_a_new_paragraph: "Alternatives for a new paragraph here",
    on_the_whole_paragraph: "On the whole paragraph",
    proposed_deletion_html: "Proposed: <del>delete this paragraph</del>",
    proposed_text: "Proposed text: ",
    insertion_here: "Insertion here",
    instead_of: "Instead of",
    delete_the_paragraph: "delete the paragraph",
    delete_these_words: "delete these words",
    one_wording: "one wording",
    proposed_on: "proposed",
    justification: "Justification",
    change: "Change",
    supported_by: "supported by",
    hidden_characters_of: "Hidden characters in the proposal of",
    item: "item",
    hidden_characters_why: "they can hide or reorder text.",
    moved: "Moved",
    from: "from",
    new_paragraph: "New",
    deleted_paragraph: "Deleted",
    renumbered: "Renumbered",
    open_bracket: "Open bracket",
};

pub const FRENCH: Captions = Captions {
    key_html: "<ins>inséré</ins> <del>supprimé</del> <span class=\"contested\">contesté</span> \u{2014} les lettres après une modification nomment les délégations qui la portent.",
    state_legend_html: "<p class=\"state-legend\">Statut des paragraphes\u{a0}: \
<span class=\"status status-open\">ouvert</span> \
<span class=\"status status-agreed_ad_ref\">agréé ad ref.</span> \
<span class=\"status status-agreed\">agréé</span> \
<span class=\"status status-adopted\">adopté</span>. Réserves\u{a0}: \
<span class=\"reservation\">SR</span> d’examen, <span class=\"reservation\">GR</span> générale, \
<span class=\"reservation\">PR</span> parlementaire, <span class=\"reservation\">LR</span> \
linguistique, avec la délégation qui l’a émise.</p>",
    brackets_legend_html: "<p class=\"brackets-legend\">Crochets\u{a0}: <span class=\"bracket\">\
[libellé de cette version] / [variante (auteurs)]</span> marque une modification laissée \
ouverte lors de la dernière consolidation\u{a0}; le premier libellé vaut jusqu’à ce que la \
présidence tranche.</p>",
    new_paragraph_proposed: "Nouveau paragraphe proposé\u{a0}:",
    alternatives_for_a_new_paragraph: "Variantes pour un nouveau paragraphe ici",
    on_the_whole_paragraph: "Sur l’ensemble du paragraphe",
    proposed_deletion_html: "Proposé\u{a0}: <del>supprimer ce paragraphe</del>",
    proposed_text: "Texte proposé\u{a0}: ",
    insertion_here: "Insertion ici",
    instead_of: "Au lieu de",
    delete_the_paragraph: "supprimer le paragraphe",
    delete_these_words: "supprimer ces mots",
    one_wording: "un même libellé",
    proposed_on: "proposé le",
    justification: "Justification",
    change: "Modification",
    supported_by: "soutenue par",
    hidden_characters_of: "Caractères cachés dans la proposition de",
    item: "point",
    hidden_characters_why: "ils peuvent masquer ou réordonner le texte.",
    moved: "Déplacé",
    from: "depuis",
    new_paragraph: "Nouveau",
    deleted_paragraph: "Supprimé",
    renumbered: "Renuméroté",
    open_bracket: "Crochet ouvert",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_writes_every_caption() {
        for captions in [&ENGLISH, &FRENCH] {
            let fields = [
                captions.key_html,
                captions.state_legend_html,
                captions.brackets_legend_html,
                captions.new_paragraph_proposed,
                captions.alternatives_for_a_new_paragraph,
                captions.on_the_whole_paragraph,
                captions.proposed_deletion_html,
                captions.proposed_text,
                captions.insertion_here,
                captions.instead_of,
                captions.delete_the_paragraph,
                captions.delete_these_words,
                captions.one_wording,
                captions.proposed_on,
                captions.justification,
                captions.change,
                captions.supported_by,
                captions.hidden_characters_of,
                captions.item,
                captions.hidden_characters_why,
                captions.moved,
                captions.from,
                captions.new_paragraph,
                captions.deleted_paragraph,
                captions.renumbered,
                captions.open_bracket,
            ];
            assert!(fields.iter().all(|f| !f.trim().is_empty()));
        }
        assert_ne!(ENGLISH.key_html, FRENCH.key_html);
        assert_ne!(ENGLISH.state_legend_html, FRENCH.state_legend_html);
    }
}
