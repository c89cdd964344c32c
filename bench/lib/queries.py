"""The benchmark's requests, in our schema and in PostGraphile's."""

CONTRIBUTION_FIELDS = """id pledgedAmount disbursedAmount status pledgedOn
      commune { name }
      contributor { __typename ... on Enterprise { name } ... on Agency { name } }"""

# Q1: the ledger's first page, 100 contributions with commune and contributor names.
Q1 = {"query": f"""query Q1 {{
  contributions(first: 100) {{
    nodes {{ {CONTRIBUTION_FIELDS} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""}

# The same with 10, to compare statements per request across page sizes.
Q1_SMALL = {"query": Q1["query"].replace("first: 100", "first: 10")}

# PostGraphile: the same rows, in the same order (newest pledge first), and the
# contributor as its two nullable relations.
Q1_PEER = {"query": """query Q1 {
  allContributions(first: 100, orderBy: [PLEDGED_ON_DESC, ROW_ID_DESC]) {
    nodes { id pledgedAmount disbursedAmount status pledgedOn
      communeByCommuneId { name }
      enterprisByEnterpriseId { name }
      agencyByAgencyId { name } }
    pageInfo { hasNextPage endCursor }
  }
}"""}

# Q2: 50 communes (by name) with their contribution totals.
Q2 = {"query": """query Q2 {
  communes(first: 50) {
    nodes { id code name special contributionTotals { count pledged disbursed outstanding } }
    pageInfo { hasNextPage endCursor }
  }
}"""}

Q2_PEER = {"query": """query Q2 {
  allCommunes(first: 50, orderBy: [SEARCH_TEXT_ASC, ROW_ID_ASC]) {
    nodes { id code name special contributionTotals { count pledged disbursed outstanding } }
    pageInfo { hasNextPage endCursor }
  }
}"""}

# Q2 for PostGraphile reading the totals the database keeps per commune, as ours does.
Q2_PEER_KEPT = {"query": Q2_PEER["query"].replace("contributionTotals", "contributionTotals: keptContributionTotals")}

# Q3: totals by commune over the whole ledger.
Q3 = {"query": """query Q3 {
  contributionSummary(groupBy: COMMUNE) { key label totals { count pledged disbursed outstanding } }
}"""}

# Q4: a page of 100 after a cursor, in a given order.
Q4_QUERY = f"""query Q4($after: String, $orderBy: ContributionOrder) {{
  contributions(first: 100, after: $after, orderBy: $orderBy) {{
    nodes {{ {CONTRIBUTION_FIELDS} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""

# Q5: the least a GraphQL request can ask.
Q5 = {"query": "{ __typename }"}

# Sign-in.
LOGIN = ("mutation($input: LoginInput!) { login(input: $input) { token userErrors { code message } } }")

# Cheap, validation-only checks that the generated rows read back as the server means them.
CHECKS = [
    ("search by folded name", {"query": '{ communes(first: 5, filter: {search: "xa dong"}) { totalCount nodes { name } } }'},
     lambda d: d["communes"]["totalCount"] > 0),
    ("programme overview", {"query": "{ programmeOverview { specialCommunes specialCommunesAtNewRuralStandard "
                                     "twinnedSpecialCommunes partners contributions { count pledged } dialoguesHeld "
                                     "agendaItems agendaItemsAnswered agendaItemsOverdue } }"},
     lambda d: d["programmeOverview"]["specialCommunes"] > 0 and d["programmeOverview"]["agendaItemsOverdue"] > 0),
    ("dialogues with registrations", {"query": "{ dialogues(first: 20) { totalCount nodes { title status registeredCount "
                                               "capacity communes { name } } } }"},
     lambda d: d["dialogues"]["totalCount"] > 0),
    ("published agenda items with answers", {"query": "{ agendaItems(first: 20, filter: {statuses: [RESOLVED]}) "
                                                      "{ totalCount nodes { title status version history { toStatus } "
                                                      "answer { onTime answeredBy { name } } } } }"},
     lambda d: d["agendaItems"]["totalCount"] > 0),
    ("enterprises and twinnings", {"query": "{ communes(first: 20, filter: {special: true}) { nodes { name newRuralLevel "
                                            "twinnings { kind partner { __typename ... on Enterprise { name taxCode } "
                                            "... on Agency { name } } } } } }"},
     lambda d: any(c["twinnings"] for c in d["communes"]["nodes"])),
    ("contribution with disbursements", {"query": "{ contributions(first: 20, filter: {statuses: [FULFILLED]}) "
                                                  "{ nodes { pledgedAmount disbursedAmount disbursements { amount reference } } } }"},
     lambda d: all(n["disbursements"] and sum(int(x["amount"]) for x in n["disbursements"]) == int(n["pledgedAmount"])
                   for n in d["contributions"]["nodes"])),
]

# Reads of the soak, beside the writes of M1.
SOAK_READS = [
    Q1,
    Q2,
    {"query": "{ programmeOverview { specialCommunes contributions { count pledged disbursed } agendaItemsOverdue } }"},
    {"query": "{ contributionSummary(groupBy: KIND) { key label totals { count pledged } } }"},
    {"query": "{ dialogues(first: 20) { nodes { title status startsAt registeredCount communes { name } } } }"},
    {"query": "{ agendaItems(first: 50) { nodes { title status category submittedAt answer { onTime } } } }"},
    {"query": '{ communes(first: 20, filter: {search: "son"}) { totalCount nodes { name contributionTotals { pledged } } } }'},
    {"query": "{ enterprises(first: 50) { nodes { name taxCode sector } } }"},
]
