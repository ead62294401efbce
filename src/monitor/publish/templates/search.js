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
  var folded = Object.create(null);
  var titles = new Map();
  var WORD_CHAR = /[\p{L}\p{N}]/u;
  var SPACE = /\s/;

  // One character as the search compares it: lower case, accents removed, final sigma as
  // sigma. Folding character by character keeps track of where each folded one came from,
  // so a match is marked on the very characters of the feed's text.
  function foldChar(c) {
    var f = folded[c];
    if (f === undefined) {
      f = c.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/\u03c2/g, "\u03c3");
      folded[c] = f;
    }
    return f;
  }

  // `s` folded, runs of white space as one space. With `map`, map[2k] and map[2k+1] are
  // where the k-th folded character starts and ends in `s`.
  function fold(s, map) {
    var out = "", space = false;
    for (var i = 0; i < s.length; ) {
      var n = s.codePointAt(i) > 0xffff ? 2 : 1;
      var c = s.slice(i, i + n);
      if (SPACE.test(c)) {
        if (!space) { out += " "; if (map) map.push(i, i + n); }
        else if (map) map[map.length - 1] = i + n;
        space = true;
      } else {
        space = false;
        var f = foldChar(c);
        for (var k = 0; k < f.length; k++) { out += f[k]; if (map) map.push(i, i + n); }
      }
      i += n;
    }
    return out;
  }

  // The query: quoted phrases match anywhere, other words at the start of a word.
  function parse(q) {
    var phrases = [], words = [], m, re = /"([^"]+)"|(\S+)/g;
    while ((m = re.exec(q)) !== null) {
      if (m[1]) phrases.push(fold(m[1]).trim());
      else fold(m[2]).split(/[^\p{L}\p{N}]+/u).forEach(function (w) { if (w) words.push(w); });
    }
    var terms = [];
    phrases.forEach(function (p) { if (p) terms.push({ text: p, word: false }); });
    words.forEach(function (w) { terms.push({ text: w, word: true }); });
    return terms;
  }

  // Where `term` occurs in the folded text `f`, as [start, end) pairs; `first` stops at one.
  function find(f, term, first) {
    var found = [], at = 0, i;
    while ((i = f.indexOf(term.text, at)) >= 0) {
      if (!term.word || i === 0 || !WORD_CHAR.test(f[i - 1])) {
        found.push(i, i + term.text.length);
        if (first) break;
      }
      at = i + 1;
    }
    return found;
  }

  function text(v) { return typeof v === "string" ? v : ""; }

  function prepare(data) {
    (data.digests || []).forEach(function (d) { digestHref[d.d] = d.u; });
    // Entries that would show nothing are left out: a point without text, a story without
    // a title.
    data.entries = (data.entries || []).filter(function (e) {
      return (e.k === "point" ? text(e.x) : text(e.t)).trim() !== "";
    });
    data.entries.forEach(function (e) {
      var t = text(e.t);
      if (!titles.has(t)) titles.set(t, fold(t));
      e._t = titles.get(t);
      if (e.k === "point") e._own = [fold(text(e.l)), fold(text(e.x)), fold(text(e.src))];
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

  function inAny(fields, term) {
    for (var i = 0; i < fields.length; i++) if (find(fields[i], term, true).length) return true;
    return false;
  }

  // A story matches by its title. A point matches when every term is in what its result
  // shows (lead, sentence, source, story title) and at least one is in the point itself:
  // a match on the title alone is the story's own result.
  function matches(e, terms) {
    var own = e.k === "point" ? e._own : [];
    var mine = false;
    for (var i = 0; i < terms.length; i++) {
      if (inAny(own, terms[i])) mine = true;
      else if (!inAny([e._t], terms[i])) return false;
    }
    return e.k === "point" ? mine : true;
  }

  // Appends `s` to `node`, the query's terms wrapped in <mark> (DOM nodes, never markup).
  function highlight(node, s, terms) {
    var map = [], f = fold(s, map), spans = [];
    terms.forEach(function (term) {
      var found = find(f, term, false);
      for (var i = 0; i < found.length; i += 2) {
        // up to where the next folded character starts: accents written apart stay inside
        var end = found[i + 1] < f.length ? map[2 * found[i + 1]] : s.length;
        spans.push([map[2 * found[i]], end]);
      }
    });
    spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var last = 0;
    spans.forEach(function (span) {
      if (span[1] <= last) return;
      var start = Math.max(span[0], last);
      if (start > last) node.appendChild(document.createTextNode(s.slice(last, start)));
      var mark = document.createElement("mark");
      mark.textContent = s.slice(start, span[1]);
      node.appendChild(mark);
      last = span[1];
    });
    if (last < s.length) node.appendChild(document.createTextNode(s.slice(last)));
  }

  function link(href) {
    var a = document.createElement("a");
    a.href = href;
    return a;
  }

  function safe(url) { return /^https?:\/\//i.test(url || "") ? url : ""; }

  function storyLink(e, terms) {
    var a = link("stories/" + e.s + ".html");
    if (text(e.t).trim()) highlight(a, e.t, terms);
    else a.textContent = "untitled story";
    return a;
  }

  function result(e, terms) {
    var li = document.createElement("li");
    li.className = "result";
    var head = document.createElement("div");
    head.className = "small";
    var day = link(digestHref[e.d] || "index.html");
    day.textContent = e.d;
    head.appendChild(day);
    head.appendChild(document.createTextNode(" · "));
    var body = document.createElement("div");
    if (e.k === "point") {
      head.appendChild(storyLink(e, terms));
      if (text(e.l)) {
        var strong = document.createElement("strong");
        highlight(strong, e.l, terms);
        body.appendChild(strong);
        body.appendChild(document.createTextNode(" – "));
      }
      highlight(body, e.x, terms);
      var src = text(e.src), url = safe(e.u);
      if (src || url) {
        body.appendChild(document.createTextNode(" ("));
        var where = url ? link(url) : document.createElement("span");
        if (url) where.rel = "noopener noreferrer nofollow";
        highlight(where, src || url, terms);
        body.appendChild(where);
        body.appendChild(document.createTextNode(")"));
      }
    } else {
      // matched on the title: the title itself is the result, its matching words marked
      head.appendChild(document.createTextNode("story title"));
      body.appendChild(storyLink(e, terms));
    }
    li.appendChild(head);
    li.appendChild(body);
    return li;
  }

  function show(query) {
    while (list.firstChild) list.removeChild(list.firstChild);
    var terms = parse(query);
    if (!terms.length) { status.textContent = ""; return; }
    var hits = index.entries.filter(function (e) { return matches(e, terms); });
    // A story's title is listed on its own only when no point of that story's day is: a
    // point's result shows the title too, with the same words marked.
    var shown = Object.create(null);
    hits.forEach(function (e) { if (e.k === "point") shown[e.d + " " + e.s] = true; });
    hits = hits.filter(function (e) { return e.k === "point" || !shown[e.d + " " + e.s]; });
    // Newest first; within a day, points before story titles.
    hits.sort(function (a, b) {
      if (a.d !== b.d) return a.d < b.d ? 1 : -1;
      return (a.k === "point" ? 0 : 1) - (b.k === "point" ? 0 : 1);
    });
    status.textContent = hits.length
      ? hits.length + " result" + (hits.length === 1 ? "" : "s") + " for " + query +
        (hits.length > LIMIT ? " (the newest " + LIMIT + " shown)" : "")
      : "Nothing found for " + query + ".";
    hits.slice(0, LIMIT).forEach(function (e) { list.appendChild(result(e, terms)); });
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
