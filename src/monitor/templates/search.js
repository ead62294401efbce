// Client-side search over every digest of the archive (monitor). No server needed: the
// index is search-index.json (fetched over http) or search-index.js (pages opened from
// disk, where fetch() of a file is not allowed). Results are built with DOM text nodes
// only, so no text from a feed can become markup.
(function () {
  "use strict";
  var form = document.getElementById("search");
  var input = document.getElementById("search-input");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  if (!form || !input || !status || !list) return;
  var LIMIT = 50;
  var index = null;
  var digestHref = {};

  function fold(s) {
    return s.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }

  // The query: quoted phrases stay whole, other words are matched at a word's start.
  function parse(q) {
    var phrases = [], words = [], m, re = /"([^"]+)"|(\S+)/g;
    while ((m = re.exec(q)) !== null) {
      if (m[1]) phrases.push(fold(m[1]).replace(/\s+/g, " ").trim());
      else fold(m[2]).split(/[^\p{L}\p{N}]+/u).forEach(function (w) { if (w) words.push(w); });
    }
    return { phrases: phrases.filter(Boolean), words: words };
  }

  function prepare(data) {
    (data.digests || []).forEach(function (d) { digestHref[d.d] = d.u; });
    (data.entries || []).forEach(function (e) {
      var all = [e.x, e.t, e.src || ""].join(" ");
      e._text = fold(all).replace(/\s+/g, " ");
      e._words = " " + fold(all).replace(/[^\p{L}\p{N}]+/gu, " ") + " ";
    });
    return data;
  }

  function load(done) {
    if (index) return done(null);
    if (location.protocol === "http:" || location.protocol === "https:") {
      fetch("search-index.json", { credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status);
          return r.json();
        })
        .then(function (data) { index = prepare(data); done(null); })
        .catch(function (err) { done(err); });
    } else {
      var s = document.createElement("script");
      s.src = "search-index.js";
      s.onload = function () {
        if (window.MONITOR_SEARCH_INDEX) { index = prepare(window.MONITOR_SEARCH_INDEX); done(null); }
        else done(new Error("empty index"));
      };
      s.onerror = function () { done(new Error("search-index.js could not be loaded")); };
      document.head.appendChild(s);
    }
  }

  function matches(e, q) {
    for (var i = 0; i < q.phrases.length; i++) if (e._text.indexOf(q.phrases[i]) < 0) return false;
    for (var j = 0; j < q.words.length; j++) if (e._words.indexOf(" " + q.words[j]) < 0) return false;
    return true;
  }

  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  // Appends `text` to `node`, wrapping the query's terms in <mark>.
  function highlight(node, text, q) {
    var terms = q.phrases.concat(q.words).filter(function (t) { return t.length > 1; });
    if (!terms.length) { node.appendChild(document.createTextNode(text)); return; }
    var re = new RegExp("(" + terms.map(escapeRe).join("|") + ")", "giu");
    var last = 0, m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) node.appendChild(document.createTextNode(text.slice(last, m.index)));
      var mark = document.createElement("mark");
      mark.textContent = m[0];
      node.appendChild(mark);
      last = m.index + m[0].length;
      if (m[0].length === 0) re.lastIndex++;
    }
    if (last < text.length) node.appendChild(document.createTextNode(text.slice(last)));
  }

  function link(href, text) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  function safe(url) { return /^https?:\/\//i.test(url || "") ? url : ""; }

  function show(query) {
    while (list.firstChild) list.removeChild(list.firstChild);
    var q = parse(query);
    if (!q.phrases.length && !q.words.length) { status.textContent = ""; return; }
    var hits = index.entries.filter(function (e) { return matches(e, q); });
    // Newest first; within a day, points before story titles.
    hits.sort(function (a, b) {
      if (a.d !== b.d) return a.d < b.d ? 1 : -1;
      return (a.k === "point" ? 0 : 1) - (b.k === "point" ? 0 : 1);
    });
    status.textContent = hits.length
      ? hits.length + " result" + (hits.length === 1 ? "" : "s") + " for " + query +
        (hits.length > LIMIT ? " (the newest " + LIMIT + " shown)" : "")
      : "Nothing found for " + query + ".";
    hits.slice(0, LIMIT).forEach(function (e) {
      var li = document.createElement("li");
      li.className = "result";
      var head = document.createElement("div");
      head.className = "small";
      head.appendChild(link(digestHref[e.d] || "index.html", e.d));
      head.appendChild(document.createTextNode(" · "));
      head.appendChild(link("stories/" + e.s + ".html", e.t));
      li.appendChild(head);
      if (e.k === "point") {
        var p = document.createElement("div");
        if (e.l) {
          var strong = document.createElement("strong");
          strong.textContent = e.l;
          p.appendChild(strong);
          p.appendChild(document.createTextNode(" – "));
        }
        highlight(p, e.x, q);
        p.appendChild(document.createTextNode(" ("));
        var url = safe(e.u);
        if (url) {
          var a = link(url, e.src || url);
          a.rel = "noopener noreferrer nofollow";
          p.appendChild(a);
        } else {
          p.appendChild(document.createTextNode(e.src || ""));
        }
        p.appendChild(document.createTextNode(")"));
        li.appendChild(p);
      }
      list.appendChild(li);
    });
  }

  function run(query) {
    status.textContent = "Searching…";
    load(function (err) {
      if (err) { status.textContent = "Search is unavailable: " + err.message; return; }
      show(query);
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var query = input.value.trim();
    try {
      history.replaceState(null, "", query ? "?q=" + encodeURIComponent(query) + "#search" : "#search");
    } catch (e) { /* some file:// contexts refuse it; the search still runs */ }
    run(query);
  });

  var initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; run(initial.trim()); }
})();
