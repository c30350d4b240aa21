//! The front's pages as maud templates: one layout (landmarks, a skip link, the language
//! switch, the signed-in person and sign-out) and one function per page. maud escapes every
//! value interpolated with `(…)`; the only unescaped HTML is what `penholder_render` produced
//! (itself escaped there), placed with `PreEscaped` in `delegation`.

use crate::i18n::{Lang, Messages};
use axum::http::StatusCode;
use maud::{DOCTYPE, Markup, html};
use penholder_core::negotiation::RoundState;
use penholder_negotiation::session::Session;

/// What the layout shows of who is signed in, and the token its sign-out form carries.
pub struct Chrome<'a> {
    pub lang: Lang,
    pub session: Option<&'a Session>,
    /// This page's path (the language switch comes back to it).
    pub path: &'a str,
}

/// The page frame: header with the product name and the person, navigation, main content.
pub fn layout(chrome: &Chrome<'_>, title: &str, content: Markup) -> Markup {
    let m = chrome.lang.messages();
    html! {
        (DOCTYPE)
        html lang=(chrome.lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " \u{2014} " (m.app_name) }
                link rel="stylesheet" href="/assets/web.css";
            }
            body {
                a.skip href="#main" { (m.skip_to_content) }
                header.site {
                    a.brand href="/" { (m.app_name) }
                    form.lang method="post" action="/language" {
                        label for="lang-switch" { (m.language) }
                        select id="lang-switch" name="lang" {
                            @for lang in Lang::ALL {
                                option value=(lang.tag()) lang=(lang.tag()) selected[lang == chrome.lang] { (lang.own_name()) }
                            }
                        }
                        input type="hidden" name="back" value=(chrome.path);
                        button type="submit" { "OK" }
                    }
                    @if let Some(session) = chrome.session {
                        div.who {
                            span { (m.signed_in_as) " " strong { (session.caller.sub) } }
                            " (" (session.caller.role.as_str())
                            @if let Some(code) = &session.caller.delegation { ", " (code) }
                            ")"
                            form method="post" action="/sign-out" {
                                input type="hidden" name="csrf" value=(session.csrf);
                                button type="submit" { (m.sign_out) }
                            }
                        }
                    }
                }
                main id="main" tabindex="-1" {
                    (content)
                }
                footer.site { p { (m.times_utc) } }
            }
        }
    }
}

pub fn sign_in_page(lang: Lang, csrf: &str) -> Markup {
    let m = lang.messages();
    let chrome = Chrome {
        lang,
        session: None,
        path: "/sign-in",
    };
    layout(
        &chrome,
        m.sign_in,
        html! {
            h1 { (m.sign_in) }
            p { (m.sign_in_intro) }
            form.card method="post" action="/sign-in" {
                input type="hidden" name="csrf" value=(csrf);
                label for="token" { (m.paste_token) }
                p.hint id="token-hint" { (m.paste_token_hint) }
                textarea id="token" name="token" rows="4" required aria-describedby="token-hint" autocomplete="off" spellcheck="false" {}
                button type="submit" { (m.sign_in) }
            }
        },
    )
}

pub fn link_page(lang: Lang, csrf: &str, token: &str) -> Markup {
    let m = lang.messages();
    let chrome = Chrome {
        lang,
        session: None,
        path: "/sign-in",
    };
    layout(
        &chrome,
        m.sign_in,
        html! {
            h1 { (m.sign_in) }
            p { (m.link_intro) }
            form.card method="post" action="/sign-in/link" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="token" value=(token);
                button type="submit" autofocus { (m.link_button) }
            }
        },
    )
}

pub fn error_page(lang: Lang, status: StatusCode, detail: &str) -> Markup {
    let m = lang.messages();
    let chrome = Chrome {
        lang,
        session: None,
        path: "/",
    };
    layout(
        &chrome,
        m.error_title,
        html! {
            h1 { (m.error_title) }
            p.problem role="alert" {
                strong { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) } ": " (detail)
            }
            p { a href="/" { (m.error_back) } }
        },
    )
}

/// A round's state in words.
pub fn state_name(m: &Messages, state: RoundState) -> &'static str {
    match state {
        RoundState::Planned => m.state_planned,
        RoundState::Open => m.state_open,
        RoundState::Closed => m.state_closed,
        RoundState::Consolidated => m.state_consolidated,
    }
}

/// A moment as people read it: `2024-06-27 18:00 UTC` (machine-readable in `<time>`).
pub fn moment(millis: i64) -> Markup {
    let when = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    let machine = penholder_render::rfc3339(millis);
    html! { time datetime=(machine) { (when.format(&format).unwrap_or_default()) } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_in_page_in_french() {
        insta::assert_snapshot!(sign_in_page(Lang::Fr, "CSRF-TOKEN").into_string());
    }

    #[test]
    fn an_error_page_escapes_its_detail() {
        let page = error_page(
            Lang::En,
            StatusCode::UNPROCESSABLE_ENTITY,
            "<script>alert(1)</script> is not a node",
        )
        .into_string();
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; is not a node"));
        assert!(!page.contains("<script>"));
        assert!(page.contains("role=\"alert\""));
        assert!(page.contains("<main id=\"main\""));
    }

    #[test]
    fn moments_are_written_in_utc_with_a_machine_readable_time() {
        let written = moment(1_719_511_200_000).into_string();
        assert_eq!(
            written,
            "<time datetime=\"2024-06-27T18:00:00Z\">2024-06-27 18:00 UTC</time>"
        );
    }
}
