"""The interactive docs page at ``/docs``: one small self-contained HTML page, no CDN.

Why self-written rather than Swagger UI: the page must work with no network beyond the API
itself (no CDN, nothing vendored that is large); this one is a few kilobytes of HTML and
script that reads ``/openapi.json``, lists every operation with a form for its parameters
and body, and sends the request with the bearer token typed in (kept in the page only, never
in storage). A strict Content-Security-Policy allows only this page's own script and same-origin
requests. Off in production (settings.py).

Example:
    >>> b"/openapi.json" in PAGE and b"<script" in PAGE
    True
"""

from __future__ import annotations

__all__ = ["CSP", "PAGE"]

#: sent with this page only: its own inline script and style, fetches to this origin, nothing
#: else (no remote script, no framing, no form posts elsewhere)
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>API docs</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:2rem;max-width:70rem}
details{border:1px solid #ccc;border-radius:4px;margin:.4rem 0;padding:.4rem}
summary{cursor:pointer}code.m{display:inline-block;width:4.5rem;font-weight:bold}
label{display:block;margin:.2rem 0}input,textarea{font:inherit;width:30rem}
pre{background:#f4f4f4;padding:.5rem;overflow:auto;max-height:24rem}
</style></head><body>
<h1 id="title">API</h1>
<label>Bearer token <input id="token" type="password" autocomplete="off"></label>
<div id="ops">Loading /openapi.json ...</div>
<script>
"use strict";
const el = (tag, props, ...kids) => {
  const node = Object.assign(document.createElement(tag), props || {});
  for (const kid of kids) node.append(kid);
  return node;
};
async function send(method, path, params, form, out) {
  let url = path;
  const query = new URLSearchParams();
  const headers = {};
  for (const p of params) {
    const value = form.elements[p.in + ":" + p.name].value;
    if (value === "") continue;
    if (p.in === "path") url = url.replace("{" + p.name + "}", encodeURIComponent(value));
    else if (p.in === "query") query.append(p.name, value);
    else if (p.in === "header") headers[p.name] = value;
  }
  const token = document.getElementById("token").value;
  if (token) headers["Authorization"] = "Bearer " + token;
  const init = {method, headers};
  if (form.elements.body) {
    headers["Content-Type"] = "application/json";
    init.body = form.elements.body.value;
  }
  const qs = query.toString();
  const reply = await fetch(url + (qs ? "?" + qs : ""), init);
  const etag = reply.headers.get("ETag");
  out.textContent = reply.status + " " + reply.statusText + (etag ? "  ETag: " + etag : "")
    + "\\n\\n" + await reply.text();
}
async function main() {
  const doc = await (await fetch("/openapi.json")).json();
  document.getElementById("title").textContent = doc.info.title;
  const ops = document.getElementById("ops");
  ops.textContent = "";
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const params = op.parameters || [];
      const form = el("form");
      for (const p of params) {
        form.append(el("label", {textContent: p.in + " " + p.name + (p.required ? " *" : "") + " "},
          el("input", {name: p.in + ":" + p.name})));
      }
      if (op.requestBody) form.append(el("label", {textContent: "JSON body"},
        el("textarea", {name: "body", rows: 6, value: "{}"})));
      const out = el("pre");
      form.append(el("button", {type: "submit", textContent: "Send"}));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        send(method.toUpperCase(), path, params, form, out).catch((e) => out.textContent = e);
      });
      ops.append(el("details", {},
        el("summary", {}, el("code", {className: "m", textContent: method.toUpperCase()}),
          el("code", {textContent: path}), " " + (op.summary || "")), form, out));
    }
  }
}
main().catch((e) => { document.getElementById("ops").textContent = "cannot load: " + e; });
</script></body></html>
"""
