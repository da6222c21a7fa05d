-- newsflow SQL cookbook: questions analysts ask, one query each, over the
-- catalog's tables and analyst views. Dates are relative to the latest date
-- in the data (not today), so every query answers on any warehouse, including
-- a backfilled archive. Each entry is run by tests/unit/warehouse/test_views.py.

-- name: mentioned-with-xi-jinping-this-month
-- question: Who is mentioned with Xi Jinping most this month?
WITH latest AS (SELECT max(date) AS day FROM entities)
SELECT CASE WHEN c.a = 'Xi Jinping' THEN c.b ELSE c.a END AS entity,
       CASE WHEN c.a = 'Xi Jinping' THEN c.label_b ELSE c.label_a END AS label,
       sum(c.articles) AS articles,
       sum(c.sentences) AS same_sentence
FROM entity_cooccurrence AS c, latest
WHERE 'Xi Jinping' IN (c.a, c.b)
  AND date_trunc('month', c.date) = date_trunc('month', latest.day)
GROUP BY ALL
ORDER BY articles DESC, same_sentence DESC, entity
LIMIT 20;

-- name: same-story-sources
-- question: Which sources covered the same story in the last 7 days?
SELECT cluster_id, first_date, articles, sources, titles
FROM story_clusters
WHERE len(sources) > 1
  AND first_date > (SELECT max(date) FROM articles) - INTERVAL 7 DAY
ORDER BY len(sources) DESC, articles DESC, first_date, cluster_id;

-- name: entity-trend-per-day
-- question: How did mentions of the five most-mentioned people develop day by day over the last 7 days?
WITH recent AS (
    SELECT * FROM entity_daily
    WHERE label = 'PERSON' AND date > (SELECT max(date) FROM entities) - INTERVAL 7 DAY
), top AS (
    SELECT canonical FROM recent GROUP BY canonical
    ORDER BY sum(mentions) DESC, canonical LIMIT 5
)
SELECT date, canonical, sum(mentions) AS mentions, sum(unique_stories) AS stories
FROM recent JOIN top USING (canonical)
GROUP BY date, canonical
ORDER BY canonical, date;

-- name: top-organisations-per-source-last-7-days
-- question: Which organisations does each source mention most in the last 7 days (top 5, stories counted once)?
WITH per_source AS (
    SELECT source, canonical AS organisation, sum(unique_stories) AS stories,
           sum(mentions) AS mentions
    FROM entity_daily
    WHERE label = 'ORG' AND date > (SELECT max(date) FROM entities) - INTERVAL 7 DAY
    GROUP BY source, canonical
)
SELECT source, organisation, stories, mentions
FROM per_source
QUALIFY row_number() OVER (
    PARTITION BY source ORDER BY stories DESC, mentions DESC, organisation
) <= 5
ORDER BY source, stories DESC, mentions DESC, organisation;

-- name: reject-reasons-by-source
-- question: What did not become an article, per source, and why (with an example page)?
SELECT source, stage, reason, count(*) AS pages, min(raw_ref) AS example
FROM rejects
GROUP BY source, stage, reason
ORDER BY source, pages DESC, stage, reason;

-- name: duplicate-rate-per-source
-- question: Which share of each source's articles repeat a story seen earlier (syndicated or copied)?
SELECT source, sum(articles) AS articles, sum(duplicates) AS duplicates,
       round(sum(duplicates) / nullif(sum(articles), 0), 3) AS duplicate_rate
FROM source_daily
GROUP BY source
ORDER BY duplicate_rate DESC NULLS LAST, source;

-- name: articles-per-language
-- question: How many articles are there per language, and how many of them have entities?
SELECT coalesce(language, 'unknown') AS language, count(*) AS articles,
       count(*) FILTER (WHERE ner_model IS NOT NULL) AS with_ner,
       sum(entity_count) AS entities
FROM articles
GROUP BY ALL
ORDER BY articles DESC, language;

-- name: new-entities-latest-day
-- question: Which people, organisations and places appear on the latest day that were never mentioned before?
WITH latest AS (SELECT max(date) AS day FROM entities)
SELECT e.canonical, e.label, count(DISTINCT e.article_id) AS articles,
       list(DISTINCT e.source ORDER BY e.source) AS sources
FROM entities AS e, latest
WHERE e.date = latest.day AND e.label IN ('PERSON', 'ORG', 'GPE')
  AND NOT EXISTS (
      SELECT 1 FROM entities AS before
      WHERE before.canonical = e.canonical AND before.date < latest.day
  )
GROUP BY e.canonical, e.label
ORDER BY articles DESC, e.canonical;

-- name: articles-without-published-date
-- question: Which sources publish articles without a date we can read, and how many?
SELECT source, count(*) AS articles,
       count(*) FILTER (WHERE published_at IS NULL) AS without_date,
       round(count(*) FILTER (WHERE published_at IS NULL) / count(*), 3) AS share
FROM articles
GROUP BY source
ORDER BY share DESC, source;

-- name: people-mentioned-together-across-sources
-- question: Which people are mentioned together by the most sources?
SELECT a, b, count(DISTINCT source) AS sources, sum(articles) AS articles,
       sum(sentences) AS same_sentence
FROM entity_cooccurrence
WHERE label_a = 'PERSON' AND label_b = 'PERSON'
GROUP BY a, b
ORDER BY sources DESC, articles DESC, a, b
LIMIT 20;

-- name: people-and-the-names-they-go-by
-- question: Which people do articles name in more than one way, and in which?
SELECT canonical, aliases, mentions, articles, sources, first_date, last_date
FROM entity_names
WHERE label = 'PERSON' AND len(aliases) > 1
ORDER BY mentions DESC, canonical
LIMIT 20;

-- name: places-by-country-per-week
-- question: Which countries' places were mentioned most, week by week?
SELECT date_trunc('week', date) AS week, country_code,
       count(*) AS mentions, count(DISTINCT canonical) AS places,
       count(DISTINCT article_id) AS articles
FROM entities
WHERE country_code IS NOT NULL
GROUP BY ALL
ORDER BY week DESC, mentions DESC, country_code;

-- name: search-then-count-per-source-and-day
-- question: How many articles about ports did each source publish per day (full-text search)?
SELECT source, date, count(*) AS articles, round(max(score), 2) AS best_score,
       arg_max(title, score) AS best_title
FROM search.search_articles('port', max_results := 100000)
GROUP BY source, date
ORDER BY date DESC, articles DESC, source;
