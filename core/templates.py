"""HTML, scripts and style sheets live in files next to their package (`<package>/templates/*.j2`,
`<package>/static/*.js|*.css`), never in Python strings; this is the one way they are read and rendered.

Templates are Jinja2 with autoescape on and undefined names refused: every value is escaped where it reaches
HTML unless it is our own trusted markup (`trusted`). Data handed to a script goes in as JSON in a
`<script type="application/json">` element (`{{ data|tojson }}` escapes `<`, `>`, `&` and `'`, so no `</script>` or
`<!--` can come out of it) and is read with `JSON.parse(element.textContent)`.
"""

from __future__ import annotations

import functools
from importlib.resources import files

import jinja2
from markupsafe import Markup


@functools.cache
def environment(package: str) -> jinja2.Environment:
    """The Jinja2 environment of a package's `templates/` folder: autoescape, StrictUndefined."""
    env = jinja2.Environment(loader=jinja2.PackageLoader(package, "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=False)
    # Chinese stays readable in the page (and half the size); `<`, `>`, `&`, `'` are still escaped by |tojson
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}
    env.globals["static"] = lambda name, owner=package: trusted(static_text(owner, name))
    return env


def render(package: str, name: str, /, **context) -> str:
    """Render `<package>/templates/<name>` with `context` (values escaped unless `trusted`)."""
    return environment(package).get_template(name).render(**context)


def template_source(package: str, name: str) -> str:
    """The text of `<package>/templates/<name>` unrendered (for a folium element, which renders it with its own Jinja2)."""
    return environment(package).loader.get_source(environment(package), name)[0]


@functools.cache
def static_text(package: str, name: str) -> str:
    """The text of `<package>/static/<name>` (a script or style sheet shipped with the code)."""
    return (files(package) / "static" / name).read_text(encoding="utf-8")


def style_element(package: str, name: str) -> str:
    """`<package>/static/<name>` as a <style> element, for pages put together by Streamlit (st.html)."""
    return f"<style>\n{static_text(package, name)}</style>\n"


def trusted(text: str) -> Markup:
    """Our own markup, script or style text (never user input), put into a template as it is.

    A script element ends at the first `</script`: one inside a script's own text (Leaflet's) is written `<\\/script`.
    """
    return Markup(text.replace("</script", "<\\/script"))

