"""The boilerplate vocabulary: phrases that mark text as not the article's.

Both cleaners read it: the HTML post-pass (``*_PARAGRAPH``), which judges
the paragraphs trafilatura kept as article text, and the text-mode cleaner
(``*_LINE`` and the labels), which sees every line of a page. The phrases
they share are written once below and each cleaner's patterns are built from
them; what else each knows is named where it differs. The post-pass's lists
are short, since trafilatura lets only a handful of kinds through, and a
prompt may open a paragraph of any length up to its limit ("Follow us on
..."); the text cleaner's lists are long, since it sees all of a page's
chrome, but most of its labels count only standing alone on a line ("Follow
us", "Related:").

Fragments escape their spaces (``\\ ``) so they mean the same in verbose
(``re.X``) and ordinary patterns.
"""

from __future__ import annotations

import re

# --------------------------------------------------------------------------
# Shared phrases
# --------------------------------------------------------------------------

#: Newsletter and follow prompts.
SIGN_UP = r"follow\ us|sign\ up|subscribe|newsletter"
#: Labels over links to other stories.
READ_ON = r"also\ read|read\ also|read\ more"
#: The comment form's prompt.
LEAVE_A_COMMENT = r"leave\ a\ (?:comment|reply)"
#: Words a photo credit or caption label starts with.
PHOTO = r"photo|image|picture|credit"
#: Words that open a byline.
BY = r"by|written\ by|reported\ by"
#: The letters of a name after its capital: "O'Brien", "Jean-Luc", "D\u2019Arcy", "St.".
NAME_LETTERS = r"[\w.'\u2019-]"
#: What the subject of an author biography works as.
NEWSROOM_ROLES = r"correspondent|reporter|journalist|writer|editor|columnist|researcher"

# --------------------------------------------------------------------------
# The HTML post-pass: paragraphs trafilatura keeps that are not article text
# --------------------------------------------------------------------------

#: Newsletter and tip prompts, photo credits, comment and cookie prompts.
PROMPT_PARAGRAPH = re.compile(
    rf"""^(?:
        (?:{SIGN_UP})\b
      | (?:got|have)\ a\ (?:news\ )?(?:tip|story)\b
      | (?:{PHOTO}|photograph)s?\s*(?:credit)?\s*:
      | (?:{LEAVE_A_COMMENT}|comments?\ \(\d+\)|we\ use\ cookies)\b
      | (?:about\ the\ author|the\ author,?\ )
    )""",
    re.I | re.X,
)
#: Teaser labels count only as a label ("Related: ...") or a heading with no
#: sentence end ("Most read in Lisbon"): "Related costs rose." is article text.
TEASER_PARAGRAPH = re.compile(
    rf"""^(?:{READ_ON}|related(?:\ (?:articles?|stories|coverage|content))?
        |recommended(?:\ for\ you)?|more\ from|most\ (?:popular|read|viewed)|trending(?:\ now)?)
        (?:\s*[:|\u2013\u2014-]|[^.!?]*$)""",
    re.I | re.X,
)
#: "Share this" is boilerplate as a button label, not in a sentence of the story.
SHARE_PARAGRAPH = re.compile(r"^share\ (?:this|on)\b[^.!?]{0,60}$", re.I)
#: "By Jane Doe" and nothing else.
BYLINE_PARAGRAPH = re.compile(
    rf"^(?i:{BY})\s+[A-Z]{NAME_LETTERS}*(?:\s+[A-Z]{NAME_LETTERS}*){{0,3}}$"
)
#: "... | Photo: Jane Doe" at the end of a caption.
CAPTION_CREDIT = re.compile(rf"\|\s*(?:{PHOTO})s?\s*:", re.I)
#: "Jane Doe is a reporter for ...": its names take no typographic apostrophe.
BIOGRAPHY_PARAGRAPH = re.compile(
    r"^[A-Z][\w.'-]+(?:\s[A-Z][\w.'-]+){1,3}\s+(?:is|was)\s+an?\s+(?:[\w-]+\s+){0,3}"
    rf"(?:{NEWSROOM_ROLES})\b"
)

# --------------------------------------------------------------------------
# The text cleaner: lines of a whole page
# --------------------------------------------------------------------------

#: Phrases that mark a line as boilerplate wherever it occurs.
BOILER_LINE = re.compile(
    rf"^(?:{READ_ON}|read more about|see also|related|more|watch|listen|"
    rf"recommended|suggested|click here|{SIGN_UP}|follow|share|tweet|"
    r"advertisement|advertising|sponsored|ad|cookies?|tags?|topics?|filed under|"
    r"posted in|categories|category|source|sources|image|photo|video|next|previous|prev|"
    r"next article|previous article|print|email|e-mail|comments?|reply|log ?in|sign ?in|"
    r"register|menu|search|home|skip to (?:main )?content|back to top|loading\.*)"
    r"(?:\s*[:|»>\-\u2013—]\s*.*|\s*)$"
    r"|\ball rights reserved\b|^©|^copyright\b"
    r"|\byour email address will not be published\b|\brequired fields are marked\b"
    r"|\bpost with no comments\b|\bno comments yet\b|\bbe the first to comment\b"
    r"|\bregistered trademarks? of\b|\bsubject to copyright\b|\bno part may be reproduced\b"
    r"|^the information (?:provided|contained) (?:on|in) this (?:web ?site|site|page)\b"
    r"|^stay (?:up to date|informed|connected|in touch)\b|\bno thanks\b"
    r"|\bsuccess?fully subscribed\b|\bactivation link\b"
    r"|\bsupport (?:us|our (?:work|journalism|reporting)|independent journalism)\b"
    r"|\bmake a (?:donation|contribution)\b|\bbecome a (?:member|subscriber|patron)\b"
    r"|^(?:citation|cite this(?: article)?)\s*:"
    r"|\blet us know (?:in the comments|what you think|your thoughts)\b"
    r"|\b(?:share|leave) your (?:thoughts|comments|views)\b|\bcomment below\b"
    r"|\bin the comments? (?:section )?below\b"
    r"|\b(?:sign up|subscribe) (?:for|to) (?:our|the)\b[^.]{0,40}\bnewsletter"
    r"|\bnewsletter\b.{0,60}\b(?:inbox|sign up|subscribe)\b"
    r"|\bprivacy policy\b.{0,40}\bterms\b|\bterms of (?:use|service)\b"
    r"|\b(?:javascript|your browser) (?:is )?(?:disabled|not supported)\b"
    r"|^(?:facebook|twitter|linkedin|whatsapp|pinterest|reddit|telegram|instagram|youtube|"
    r"google\+?|google plus|rss|email|print|copy link|flipboard|tumblr)$",
    re.I,
)
#: Consent banners run long, so they are matched at any length.
CONSENT_LINE = re.compile(
    r"\bwe use cookies\b|\buses? cookies\b|\bcookie (?:policy|settings|preferences)\b"
    r"|\baccept (?:all )?cookies\b|\bby continuing to (?:browse|use)\b|\bcookies?\b.*\bcookies?\b",
    re.I,
)
#: Photo captions and credits.
CAPTION_LINE = re.compile(
    rf"\|\s*(?:{PHOTO}|pic|source|foto)s?\s*:"
    rf"|^(?:{PHOTO}|pic|file photo|photograph|illustration|foto|bild)s?"
    r"(?:\s+credit)?\s*[:\uff1a]"
    r"|\((?:photo|image|picture|pic|file photo|foto)s?\b[^)]*\)\s*$"
    r"|^\((?:photo|image|credit)"
    r"|(?:photo|image|picture)s?\s*(?:credit|courtesy)\b"
    r"|credit:\s*\S|^(?:image|photo|picture|slide) \d+ (?:of|/) \d+$|^\d+\s*of\s*\d+\D"
    r"|\((?:AP|AFP|Reuters|EPA|Getty|Getty Images|Shutterstock)(?: Photo)?(?:/[^)]*)?\)$"
    r"|\(\s*[A-Z][A-Z .'\u2019-]+/[A-Z][A-Z .'\u2019/-]+\s*\)?$"
    r"|\b(?:getty images|shutterstock|ap photo|afp photo|reuters/|epa-efe|istock(?:photo)?)"
    r"\b[^.]{0,40}$",
    re.I,
)

# Labels that end the article: what follows is teasers, comments or footer.
# Hard labels (comments, "most popular", "you may also like") cut the article
# region; soft ones ("Related", "Tags") only weigh against it.
_HARD_TAIL = (
    r"most (?:popular|read|viewed|shared|commented|emailed)\b.*|"
    r"trending(?: now| stories| articles)?|"
    r"you (?:may|might|will) also (?:like|enjoy|be interested in)|"
    r"recommended(?: for you| stories| articles| reading)?|read (?:this )?next|up next|"
    r"more (?:great |top |popular )?(?:[\w.&'\u2019-]+ ){0,2}(?:stories|news|articles|videos)|"
    rf"what to read next|{LEAVE_A_COMMENT}|post a comment|add a comment|"
    r"(?:top rated |reader |user |latest )?comments?|"
    r"\d+ (?:comments?|responses?|replies|thoughts)\b.*|responses? to\b.*|"
    r"(?:read|view|show|see|load) (?:all )?comments|join the (?:conversation|discussion)|"
    r"sponsored(?: content| stories| links)?|around the web|from the web|"
    r"promoted(?: stories| content)?|share this(?: article| story| post)?|"
    r"popular(?: posts| stories| now| articles)?|sources?|references|about this article|"
    r"like this article\??"
)
#: A line that is only an end label, hard or soft.
TAIL_LABEL = re.compile(
    rf"^(?:{_HARD_TAIL}|related(?: articles| stories| posts| news| content| topics)?|"
    r"latest(?: news| stories| posts)?|more(?: from| in| on)?(?: [\w.&'\u2019-]+){1,2}|"
    r"top stories|don'?t miss|editor'?s picks?|about the author|tags?|topics?)\s*:?$",
    re.I,
)
#: A line that is only a hard end label.
HARD_TAIL_LABEL = re.compile(rf"^(?:{_HARD_TAIL})\s*:?$", re.I)
#: "12 thoughts on “A Long Headline ...”" opens a comment thread at any length.
COMMENT_HEAD = re.compile(
    r"^\d+ (?:thoughts|responses?|comments?|replies) (?:on|to)\b|^(?:one|two|three) "
    r"(?:thoughts?|responses?|comments?|replies) (?:on|to)\b",
    re.I,
)
#: What a comment thread prints around each comment: "jane says:", "2 days ago", "Reply".
COMMENT_META = re.compile(
    r"\b(?:says|said|wrote|writes|replied)\s*:$"
    r"|^\d+ (?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?) ago\b"
    r"|^(?:at )?\d{1,2}:\d\d(?::\d\d)?\s*(?:[ap]\.?m\.?)?$"
    r"|^(?:reply|report|like|quote|flag|permalink|upvote|downvote|share)(?:\s*\(\d+\))?$"
    r"|^rating:|^\d+ (?:votes?|likes?|points?|replies)$|^(?:reply|log in to reply)\b"
    r"|^(?:read more|continue reading|read (?:the )?full (?:story|article)|more)\W*$",
    re.I,
)

# A name token of a byline: capitalised (accented capitals too), or a particle.
_NAME_TOKEN = rf"(?:[A-Z\u00c0-\u00de]{NAME_LETTERS}*|de|da|del|van|von|der|bin|al|le|la)"
#: A byline, in the languages the stop-word lists know; ``name`` may run on
#: into what follows it on the line ("By Jane Doe November 18, 2026").
_BYLINE_LABEL = rf"(?i:{BY}|words\ by|story\ by|posted\ by|author:?|text:?|von|par|por)"
BYLINE_LINE = re.compile(
    rf"^{_BYLINE_LABEL}\s+(?P<name>[A-Z\u00c0-\u00de]{NAME_LETTERS}*(?:\s+{_NAME_TOKEN}){{0,4}})",
)
#: The label of a byline alone on its line, the names on the next ("Written by").
BYLINE_LABEL_LINE = re.compile(rf"^{_BYLINE_LABEL}\s*:?$")
#: The label of an author box ("Written by", "Article written by:", "Author:"),
#: up to the byline it opens: it names the page's author wherever it stands,
#: where a bare "By" may credit a photo, a quote or a comment.
AUTHOR_BOX_WORDS = r"(?:written|words|story)\s+by\b|author\s*:"
AUTHOR_BOX_LABEL = re.compile(rf"^(?:(?:article|post)\s+)?(?={AUTHOR_BOX_WORDS})", re.I)
#: "The author, Jane Doe, is ...": a biography that names its subject.
BIO_AUTHOR = re.compile(r"^the (?:author|writer),\s+(?P<name>[^,]{3,60}),\s+(?:is|was)\b", re.I)
#: What a biography says its subject is or does, right after the name
#: ("Ann Okafor writes about housing", "Okafor is ...").
DESCRIBING_VERB = r"(?:is|was|has|writes|covers|reports|lives|joined)"
_ROLE = (
    rf"(?:{NEWSROOM_ROLES}|contributor|author|educator|blogger|analyst|freelancer|"
    r"photographer|producer|host|founder)"
)
#: An author biography or contact line: "Jane Doe is a freelance writer ...",
#: "She can be reached at ...".
BIOGRAPHY_LINE = re.compile(
    r"^(?i:the (?:author|writer)\b|about the author\b)"
    r"|\b(?:can|may) be (?:reached|contacted) at\b"
    r"|\bfollow (?:him|her|them) on\b|\bemail (?:him|her|them|the (?:author|writer)) at\b"
    rf"|^[A-Z]{NAME_LETTERS}+(?:\s+[A-Z]{NAME_LETTERS}+){{0,3}}(?:\s+\([^)]{{2,40}}\))?\s+"
    r"(?:is|was)\s+(?:an?|the)\s+(?:[\w-]+\s+){0,6}" + _ROLE + r"s?\b",
)

#: Short words teaser cards capitalise ("Debt In Africa To Grow") and a
#: page's own headings, in sentence or standard title case, do not.
CAPPED_SMALL_WORDS = frozenset(("In", "To", "Of", "On", "At", "By", "For", "And", "Or"))
#: Words a Title Case headline may leave in lower case.
HEADLINE_SMALL_WORDS = frozenset(
    ("a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "at", "by", "with", "from", "is")
)

# --------------------------------------------------------------------------
# Sentence ends
# --------------------------------------------------------------------------

#: How a sentence-like paragraph of an HTML article ends.
SENTENCE_END = re.compile(r"[.!?:;\"'\u201d\u2019)]$")
#: How a sentence-like line of a text page ends: CJK full stops and quotes,
#: guillemets, ellipses and brackets too, but not an ASCII apostrophe.
TERMINAL = re.compile(r"[.!?…:;。\uff01\uff1f」』\"”\u2019»)\]]$")
