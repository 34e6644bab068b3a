"""Hostile markup for the "text is text" tests, and how to read what a screen really shows."""

from __future__ import annotations

from textual.app import App

# Every way a string can go wrong when read as markup: brackets that would be eaten as a
# style, an unbalanced closing tag (MarkupError), an action, a link, an unclosed tag.
PIECES = ("Paul [Intern]", "[/]", "[@click=app.quit]x[/]", "[link=https://x]y[/]", "[bold")
MARKUP = " ".join(PIECES)


def hostile(tag: str) -> str:
    """A text field's value: every piece of MARKUP, then a short tag that says which field it is.

    The markup comes first so that the narrowest table cell still shows `Paul [Intern]`.
    """
    return f"{MARKUP} {tag}"


def on_screen(app: App[None]) -> str:
    """What the current screen shows, widget by widget (toasts and the header too), spaces collapsed.

    The whole screen is rendered first, as a screenshot does: a widget that read its text
    as markup raises MarkupError here, or shows the text without its brackets below.
    """
    app.export_screenshot()
    texts = []
    for widget in app.screen.query("*"):
        if widget.is_on_screen and widget.size.area:
            lines = (widget.render_line(y).text for y in range(widget.size.height))
            texts.append(" ".join(" ".join(lines).split()))
    return " | ".join(text for text in texts if text)


def assert_shown(app: App[None], *expected: str) -> None:
    """Each of `expected` is on screen exactly as written (spaces collapsed), and the app still runs."""
    shown = on_screen(app)
    missing = [text for text in expected if " ".join(text.split()) not in shown]
    assert not missing, f"not on screen as written: {missing}\n--- screen ---\n{shown}"
    assert app.is_running and app.return_code is None
