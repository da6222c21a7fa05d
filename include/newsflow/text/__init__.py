"""From a raw page to an article's text and metadata (HTML and plain text).

``extract`` decodes a page, tells HTML from text and runs trafilatura plus a
post-pass or ``plaintext`` (the text-mode cleaner); ``lexicon`` holds the
boilerplate phrases both cleaners know, ``metadata`` an HTML page's date and
the language, ``dates`` the one rule that turns a written date into a date,
``words`` the word measures and the scripts written without spaces,
``characters`` the code points an article is stored in (NFC, none invisible).
"""
