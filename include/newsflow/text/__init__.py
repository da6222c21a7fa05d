"""From a raw page to an article's text and metadata (HTML and plain text)."""
