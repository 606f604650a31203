"""Serve every map script, style sheet and icon from the app itself (never a CDN), for intranets without internet.

Contents come from the pinned ``folium-offline`` package (``offlinefolium.elements._res``: CDN URL → file text),
so the app (``mode="static"``: files under Streamlit's ``static/vendor/``) and standalone HTML exports
(``mode="inline"``: contents in the page header) use the very same bytes.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

from branca.element import CssLink, Element, Figure, JavascriptLink
from offlinefolium.elements import _res as _RESOURCES

from core.atomic import write_if_changed

VENDOR = "vendor"
#: Relative to the st_folium component iframe (``<base>/component/<name>/index.html``), this reaches
#: ``<base>/app/static/vendor`` — works under any ``server.baseUrlPath``.
COMPONENT_BASE_URL = "../../app/static/vendor"

#: What folium.Map loads by default but this map never uses (no awesome markers, no bootstrap widgets).
_UNUSED_MAP_DEFAULTS = {
    "jquery", "bootstrap", "awesome_markers",
    "bootstrap_css", "glyphicons_css", "awesome_markers_font_css", "awesome_markers_css", "awesome_rotate_css",
}
#: Elements whose presence means the awesome-marker / bootstrap defaults are needed after all.
_NEEDS_MAP_DEFAULTS = ("Icon", "BeautifyIcon")

# MiniMap's CSS points at images/toggle.{svg,png} next to it; a tiny arrow drawn inline replaces them.
_TOGGLE_SVG = (
    "data:image/svg+xml;charset=utf-8,"
    + urllib.parse.quote(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 18 18">'
        '<path d="M4 4 L14 14 M14 7 L14 14 L7 14" fill="none" stroke="#555" stroke-width="2"/></svg>'
    )
)
_LOCAL_IMAGES = {"images/toggle.svg": _TOGGLE_SVG, "images/toggle.png": _TOGGLE_SVG}
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
_CSS_IMPORT = re.compile(r"@import\s+(url\()?\s*['\"]?(https?:)?//[^;]*;")
_FILE_LIKE = re.compile(r"^[\w.\-/]+\.[A-Za-z0-9]+([?#].*)?$")


def vendor_name(url: str) -> str:
    """Stable local file name for a CDN URL: short hash (unique) + the URL's file name (readable)."""
    path = urllib.parse.urlparse(url).path.rstrip("/")
    base = re.sub(r"[^\w.\-@]", "_", path.rsplit("/", 1)[-1]) or "resource"
    if not base.endswith((".js", ".css")):
        base += ".css" if url.endswith(".css") else ".js"
    return f"{hashlib.sha1(url.encode()).hexdigest()[:8]}-{base}"


def _offline_css(css: str) -> str:
    """Drop CDN imports and rewrite url()s that would hit the network or a missing file."""
    css = _CSS_IMPORT.sub("", css)

    def fix(match):
        target = match.group(2).strip()
        if target.startswith(("http:", "https:", "//")):
            return 'url("data:,")'
        if target in _LOCAL_IMAGES:
            return f'url("{_LOCAL_IMAGES[target]}")'
        if _FILE_LIKE.match(target):
            return 'url("data:,")'
        return match.group(0)  # data: URIs, #fragments, %23 SVG refs

    return _CSS_URL.sub(fix, css)


def resource_text(url: str) -> str:
    """The offline text of a CDN resource (CSS made network-free); KeyError if folium-offline lacks it."""
    text = _RESOURCES[url]
    return _offline_css(text) if url.endswith(".css") else text


def _walk(element):
    """Yield an element and all its descendants."""
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def _pruned(elements):
    """Per element, its (js, css) lists with the unused folium.Map defaults removed."""
    keep_all = any(type(e).__name__ in _NEEDS_MAP_DEFAULTS for e in elements)
    out = {}
    for e in elements:
        js = list(getattr(e, "default_js", []) or [])
        css = list(getattr(e, "default_css", []) or [])
        if not keep_all and type(e).__name__ == "Map":
            js = [p for p in js if p[0] not in _UNUSED_MAP_DEFAULTS]
            css = [p for p in css if p[0] not in _UNUSED_MAP_DEFAULTS]
        out[id(e)] = (e, js, css)
    return out


def _is_remote(url: str) -> bool:
    """True for http(s) and protocol-relative URLs."""
    return url.startswith(("http:", "https:", "//"))


def offline(fig_or_map, mode: str = "static", base_url: str = COMPONENT_BASE_URL):
    """Point every element's scripts/styles at local copies (static) or embed them (inline); returns the input.

    Sets instance-level ``default_js``/``default_css`` on each element (folium's class lists stay untouched),
    which both folium's renderer and streamlit-folium's ``js_links``/``css_links`` collection read.
    """
    if mode not in ("static", "inline"):
        raise ValueError(f"unknown mode {mode!r}")
    root = fig_or_map.get_root()
    _forget_rendered_links(root)
    for element, js, css in _pruned(list(_walk(root))).values():
        if not hasattr(element, "default_js"):
            continue
        if mode == "static":
            element.default_js = [(n, _local(u, base_url)) for n, u in js]
            element.default_css = [(n, _local(u, base_url)) for n, u in css]
        else:
            if not isinstance(root, Figure):
                raise ValueError("inline mode needs the map inside a branca Figure")
            for name, url in js:
                body = resource_text(url).replace("</script", "<\\/script") if _is_remote(url) else None
                tag = f"<script>{body}</script>" if body is not None else f'<script src="{url}"></script>'
                root.header.add_child(Element(tag), name=name)
            for name, url in css:
                tag = f"<style>{resource_text(url)}</style>" if _is_remote(url) else f'<link rel="stylesheet" href="{url}"/>'
                root.header.add_child(Element(tag), name=name)
            element.default_js, element.default_css = [], []
    return fig_or_map


def _forget_rendered_links(root) -> None:
    """Remove CDN links a previous render already put in the page header."""
    header = getattr(root, "header", None)
    if header is None:
        return
    for name, child in list(header._children.items()):
        if isinstance(child, (JavascriptLink, CssLink)) and _is_remote(child.url):
            del header._children[name]


def _local(url: str, base_url: str) -> str:
    """Local URL for a CDN resource; fails loudly when folium-offline does not ship it."""
    if not _is_remote(url):
        return url
    if url not in _RESOURCES:
        raise KeyError(f"folium-offline 未包含该资源，离线环境无法加载: {url}")
    return f"{base_url.rstrip('/')}/{vendor_name(url)}"


def vendor_files() -> dict[str, str]:
    """Every file ``materialise_vendor`` writes: local name → text (all resources folium-offline ships)."""
    return {vendor_name(url): resource_text(url) for url in _RESOURCES}


def materialise_vendor(static_dir: Path) -> list[Path]:
    """Write all offline scripts/styles into ``static_dir/vendor`` (idempotent, atomic); returns their paths."""
    target = Path(static_dir) / VENDOR
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in sorted(vendor_files().items()):
        path = target / name
        write_if_changed(path, text.encode("utf-8"))
        paths.append(path)
    return paths


class _UrlCollector(HTMLParser):
    """Collect resource URLs from tags and inline styles of an HTML page."""

    _ATTRS = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src", "embed": "src"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        wanted = self._ATTRS.get(tag)
        if wanted and attrs.get(wanted):
            self.urls.append(attrs[wanted])
        if attrs.get("style"):
            self.urls.extend(m.group(2) for m in _CSS_URL.finditer(attrs["style"]))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls.extend(m.group(2) for m in _CSS_URL.finditer(data))
            self.urls.extend(re.findall(r"@import\s+['\"]([^'\"]+)", data))


def external_urls(html: str) -> list[str]:
    """http(s) URLs a page would fetch via script/link/img/iframe tags or CSS (tile templates in JS excluded)."""
    parser = _UrlCollector()
    parser.feed(html)
    return [u for u in dict.fromkeys(parser.urls) if _is_remote(u.strip())]
