-- Contribution totals of a commune as a PostGraphile computed column
-- (Commune.contributionTotals), with the server's meaning: contributions that are
-- not cancelled. Only for benchmark databases.
DROP FUNCTION IF EXISTS communes_contribution_totals(communes);
DROP FUNCTION IF EXISTS communes_kept_contribution_totals(communes);
DROP TYPE IF EXISTS contribution_totals;
CREATE TYPE contribution_totals AS (count integer, pledged bigint, disbursed bigint, outstanding bigint);
CREATE FUNCTION communes_contribution_totals(c communes) RETURNS contribution_totals AS $$
  SELECT count(*)::integer,
         coalesce(sum(pledged_amount), 0)::bigint,
         coalesce(sum(disbursed_amount), 0)::bigint,
         coalesce(sum(pledged_amount - disbursed_amount), 0)::bigint
  FROM contributions WHERE commune_id = c.id AND status <> 'CANCELLED'
$$ LANGUAGE sql STABLE;

-- The same totals read from what the server reads them from: the row the
-- database keeps per commune (`commune_totals`, kept by triggers on the ledger;
-- each sum in whole billions and the rest). Commune.keptContributionTotals.
CREATE FUNCTION communes_kept_contribution_totals(c communes) RETURNS contribution_totals AS $$
  SELECT coalesce(max(t.contribution_count), 0)::integer,
         coalesce(max(t.pledged_billions * 1000000000 + t.pledged_rest), 0)::bigint,
         coalesce(max(t.disbursed_billions * 1000000000 + t.disbursed_rest), 0)::bigint,
         coalesce(max((t.pledged_billions - t.disbursed_billions) * 1000000000
                      + t.pledged_rest - t.disbursed_rest), 0)::bigint
  FROM commune_totals t WHERE t.commune_id = c.id
$$ LANGUAGE sql STABLE;
