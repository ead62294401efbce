"""Publish: a digest put out — rendered to Markdown, HTML, text and JSON from templates,
written atomically, the Atom feed, the archive site, and delivery by e-mail and webhook."""
