-- Contribution totals of a commune as a PostGraphile computed column
-- (Commune.contributionTotals), with the server's meaning: contributions that are
-- not cancelled. Only for benchmark databases.
DROP FUNCTION IF EXISTS communes_contribution_totals(communes);
DROP TYPE IF EXISTS contribution_totals;
CREATE TYPE contribution_totals AS (count integer, pledged bigint, disbursed bigint, outstanding bigint);
CREATE FUNCTION communes_contribution_totals(c communes) RETURNS contribution_totals AS $$
  SELECT count(*)::integer,
         coalesce(sum(pledged_amount), 0)::bigint,
         coalesce(sum(disbursed_amount), 0)::bigint,
         coalesce(sum(pledged_amount - disbursed_amount), 0)::bigint
  FROM contributions WHERE commune_id = c.id AND status <> 'CANCELLED'
$$ LANGUAGE sql STABLE;
