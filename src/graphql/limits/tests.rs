use std::{
    future::Future,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicUsize, Ordering},
    },
    task::{Context as TaskContext, Poll, Wake, Waker},
    time::{Duration, Instant},
};

use async_graphql::{
    EmptySubscription, Interface, Object, Request, Response, Schema, SimpleObject, Union,
    parser::parse_query, value,
};

use super::*;

// ----- the graphql-js introspection queries -----

/// graphql-js 16 `getIntrospectionQuery()` with its default options: descriptions
/// on; no `specifiedByURL`, `isRepeatable`, schema description or input value
/// deprecation. `TypeRef` nests `ofType` nine times.
const STANDARD_INTROSPECTION_QUERY: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types {
      ...FullType
    }
    directives {
      name
      description
      locations
      args {
        ...InputValue
      }
    }
  }
}

fragment FullType on __Type {
  kind
  name
  description
  fields(includeDeprecated: true) {
    name
    description
    args {
      ...InputValue
    }
    type {
      ...TypeRef
    }
    isDeprecated
    deprecationReason
  }
  inputFields {
    ...InputValue
  }
  interfaces {
    ...TypeRef
  }
  enumValues(includeDeprecated: true) {
    name
    description
    isDeprecated
    deprecationReason
  }
  possibleTypes {
    ...TypeRef
  }
}

fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
}

fragment TypeRef on __Type {
  kind
  name
  ofType {
    kind
    name
    ofType {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
"#;

/// The same from a later graphql-js 16 release (root types also ask for `kind`)
/// with every optional part switched on, as GraphiQL and some code generators
/// request it: schema description, `specifiedByURL`, `isRepeatable`, and input
/// value deprecation.
const FULL_INTROSPECTION_QUERY: &str = r#"
query IntrospectionQuery {
  __schema {
    description
    queryType { name kind }
    mutationType { name kind }
    subscriptionType { name kind }
    types {
      ...FullType
    }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) {
        ...InputValue
      }
    }
  }
}

fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL
  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) {
      ...InputValue
    }
    type {
      ...TypeRef
    }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) {
    ...InputValue
  }
  interfaces {
    ...TypeRef
  }
  enumValues(includeDeprecated: true) {
    name
    description
    isDeprecated
    deprecationReason
  }
  possibleTypes {
    ...TypeRef
  }
}

fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
  isDeprecated
  deprecationReason
}

fragment TypeRef on __Type {
  kind
  name
  ofType {
    kind
    name
    ofType {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
"#;

// ----- a small schema with every shape the estimate distinguishes -----

/// Counts resolver calls, to prove a refused request runs none.
#[derive(Clone, Default)]
struct Calls(Arc<AtomicUsize>);

impl Calls {
    fn hit(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

struct Item;

#[Object]
impl Item {
    async fn id(&self) -> i32 {
        1
    }

    async fn name(&self) -> String {
        "item".to_string()
    }

    async fn tags(&self) -> Vec<String> {
        Vec::new()
    }

    async fn owner(&self) -> Person {
        Person
    }

    async fn related(&self, first: Option<i32>, last: Option<i32>) -> Vec<Item> {
        let _ = (first, last);
        Vec::new()
    }
}

struct Person;

#[Object]
impl Person {
    async fn name(&self) -> String {
        "person".to_string()
    }

    async fn friends(&self) -> Vec<Person> {
        Vec::new()
    }

    async fn best_friend(&self) -> Option<Person> {
        Some(Person)
    }
}

#[derive(Union)]
enum SearchResult {
    Item(Item),
    Person(Person),
}

#[derive(Interface)]
#[graphql(field(name = "name", ty = "String"))]
enum Named {
    Item(Item),
    Person(Person),
}

#[derive(SimpleObject)]
struct ItemEdge {
    cursor: String,
    node: Item,
}

#[derive(SimpleObject)]
struct PageInfo {
    has_next_page: bool,
}

#[derive(SimpleObject)]
struct ItemConnection {
    edges: Vec<ItemEdge>,
    nodes: Vec<Item>,
    page_info: PageInfo,
    total_count: i32,
}

struct Query {
    calls: Calls,
}

#[Object]
impl Query {
    async fn version(&self) -> i32 {
        self.calls.hit();
        1
    }

    /// A paginated plain list.
    async fn items(&self, first: Option<i32>, last: Option<i32>) -> Vec<Item> {
        self.calls.hit();
        let _ = (first, last);
        vec![Item]
    }

    /// A paginated connection, as the API serves its lists.
    async fn item_connection(
        &self,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ItemConnection {
        self.calls.hit();
        let _ = (first, after, last, before);
        ItemConnection {
            edges: Vec::new(),
            nodes: Vec::new(),
            page_info: PageInfo {
                has_next_page: false,
            },
            total_count: 0,
        }
    }

    /// An unpaginated list of scalars.
    async fn tags(&self) -> Vec<String> {
        self.calls.hit();
        Vec::new()
    }

    /// An unpaginated list of objects.
    async fn people(&self) -> Vec<Person> {
        self.calls.hit();
        vec![Person]
    }

    /// A single nested object.
    async fn node(&self) -> Item {
        self.calls.hit();
        Item
    }

    async fn search(&self) -> Vec<SearchResult> {
        self.calls.hit();
        Vec::new()
    }

    async fn named(&self) -> Option<Named> {
        self.calls.hit();
        None
    }

    /// Objects by ID, as `Query.nodes` serves them.
    async fn nodes(&self, ids: Vec<String>) -> Vec<Option<Item>> {
        self.calls.hit();
        ids.iter().map(|_| None).collect()
    }
}

struct Mutation {
    calls: Calls,
}

#[Object]
impl Mutation {
    async fn create_items(&self) -> Vec<Item> {
        self.calls.hit();
        Vec::new()
    }
}

type TestSchema = Schema<Query, Mutation, EmptySubscription>;

/// A schema behind the gate, as the server runs one.
struct Gated {
    schema: TestSchema,
    gate: Gate,
}

fn schema(calls: &Calls, limits: QueryLimits) -> Gated {
    let gate = Gate::new::<Query, Mutation, EmptySubscription>(limits);
    let schema = Schema::build(
        Query {
            calls: calls.clone(),
        },
        Mutation {
            calls: calls.clone(),
        },
        EmptySubscription,
    )
    .limit_recursive_depth(gate.recursion_bound())
    .finish();
    Gated { schema, gate }
}

/// Drives a future on this thread; the schema needs no runtime of its own.
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = TaskContext::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::park(),
        }
    }
}

/// The registry the gate builds for the test schema's types.
fn registry() -> &'static Registry {
    static GATE: OnceLock<Gate> = OnceLock::new();
    &GATE
        .get_or_init(|| Gate::new::<Query, Mutation, EmptySubscription>(QueryLimits::default()))
        .registry
}

fn measure_with(query: &str, variables: &Variables, list_estimate: usize) -> Measurements {
    let doc = parse_query(query).unwrap();
    measure(&doc, registry(), variables, list_estimate)
}

/// The measurements of a document with a single operation, default estimate.
fn single(query: &str) -> (Measurements, Summary) {
    let measured = measure_with(query, &Variables::default(), 20);
    assert_eq!(measured.operations.len(), 1, "{query}");
    let operation = measured.operations[0];
    (measured, operation)
}

fn complexity(query: &str) -> usize {
    single(query).1.complexity
}

fn complexity_with(query: &str, variables: Variables) -> usize {
    let measured = measure_with(query, &variables, 20);
    assert_eq!(measured.operations.len(), 1, "{query}");
    measured.operations[0].complexity
}

fn depth(query: &str) -> usize {
    single(query).1.depth
}

fn check_default(query: &str) -> Result<(), LimitExceeded> {
    check_with(query, &QueryLimits::default())
}

fn check_with(query: &str, limits: &QueryLimits) -> Result<(), LimitExceeded> {
    let doc = parse_query(query).unwrap();
    check(&doc, registry(), &Variables::default(), limits)
}

fn breach(message: &str) -> Result<(), LimitExceeded> {
    Err(LimitExceeded {
        message: message.to_string(),
    })
}

fn vars(value: Value) -> Variables {
    Variables::from_value(value)
}

fn code_of(error: &ServerError) -> Option<&Value> {
    error
        .extensions
        .as_ref()
        .and_then(|extensions| extensions.get("code"))
}

// ----- configuration -----

#[test]
fn defaults_are_the_documented_numbers() {
    assert_eq!(
        QueryLimits::default(),
        QueryLimits {
            max_depth: 15,
            max_complexity: 5000,
            max_aliases: 30,
            max_fields: 200,
            max_directives_per_field: 10,
            max_directives: 50,
            list_estimate: 10,
        }
    );
}

#[test]
fn limits_deserialise_with_defaults_for_missing_keys() {
    let limits: QueryLimits =
        async_graphql::from_value(value!({ "max_depth": 3, "list_estimate": 7 })).unwrap();
    assert_eq!(
        limits,
        QueryLimits {
            max_depth: 3,
            list_estimate: 7,
            ..QueryLimits::default()
        }
    );
    let empty: QueryLimits = async_graphql::from_value(value!({})).unwrap();
    assert_eq!(empty, QueryLimits::default());
    let round_trip: QueryLimits =
        async_graphql::from_value(async_graphql::to_value(&limits).unwrap()).unwrap();
    assert_eq!(round_trip, limits);
}

#[test]
fn limit_exceeded_displays_its_message_and_converts_to_one_coded_error() {
    let breach = LimitExceeded {
        message: "query depth 17 exceeds the limit of 15".to_string(),
    };
    assert_eq!(breach.to_string(), "query depth 17 exceeds the limit of 15");
    let error = ServerError::from(breach);
    assert_eq!(error.message, "query depth 17 exceeds the limit of 15");
    assert_eq!(code_of(&error), Some(&Value::from("QUERY_TOO_COMPLEX")));
    assert!(error.locations.is_empty());
    assert!(error.path.is_empty());
}

// ----- the standard introspection query -----

#[test]
fn standard_introspection_query_passes_with_exact_measurements() {
    let (measured, operation) = single(STANDARD_INTROSPECTION_QUERY);
    assert_eq!(measured.field_selections, 64);
    assert_eq!(measured.aliases, 0);
    assert_eq!(measured.directives, 0);
    assert_eq!(measured.fragment_cycle, None);
    assert_eq!(
        operation,
        Summary {
            depth: 15,
            complexity: 217,
            introspection_passes: 1
        }
    );
    assert_eq!(check_default(STANDARD_INTROSPECTION_QUERY), Ok(()));
}

#[test]
fn full_options_introspection_query_passes_with_exact_measurements() {
    let (measured, operation) = single(FULL_INTROSPECTION_QUERY);
    assert_eq!(measured.field_selections, 72);
    assert_eq!(measured.aliases, 0);
    assert_eq!(measured.directives, 0);
    assert_eq!(
        operation,
        Summary {
            depth: 15,
            complexity: 229,
            introspection_passes: 1
        }
    );
    assert_eq!(check_default(FULL_INTROSPECTION_QUERY), Ok(()));
}

#[test]
fn introspection_one_level_deeper_than_standard_is_refused() {
    // One more `ofType` on the deepest path: field → args → type → ofType → TypeRef.
    let deeper = STANDARD_INTROSPECTION_QUERY.replacen(
        "type { ...TypeRef }",
        "type { ofType { ...TypeRef } }",
        1,
    );
    assert_ne!(deeper, STANDARD_INTROSPECTION_QUERY);
    assert_eq!(depth(&deeper), 16);
    assert_eq!(
        check_default(&deeper),
        breach("query depth 16 exceeds the limit of 15")
    );
}

#[test]
fn introspection_would_exceed_the_complexity_limit_if_lists_were_multiplied() {
    // Why introspection is costed 1 per field: the same shape outside
    // introspection (three nested unpaginated lists) is already over 5,000.
    let (_, operation) = single("{ people { friends { friends { name } } } }");
    assert_eq!(operation.complexity, (1 + (1 + (1 + 1) * 20) * 20) * 20);
    assert_eq!(operation.complexity, 16_420);
    // With the default estimate of 10 per list, four nested lists are over it.
    assert_eq!(
        check_default("{ people { friends { friends { friends { name } } } } }"),
        breach("query complexity 21110 exceeds the limit of 5000")
    );
}

// ----- depth -----

#[test]
fn depth_counts_fields_only_with_fragments_expanded() {
    assert_eq!(depth("{ version }"), 1);
    assert_eq!(depth("{ node { owner { name } } }"), 3);
    assert_eq!(
        depth("{ node { ... on Item { owner { ... { name } } } } }"),
        3
    );
    assert_eq!(
        depth(
            "{ node { ...A } } fragment A on Item { owner { ...B } } fragment B on Person { bestFriend { name } }"
        ),
        4
    );
    // The deepest branch wins, wherever it is.
    assert_eq!(
        depth("{ version node { id owner { bestFriend { name } } } tags }"),
        4
    );
}

#[test]
fn depth_at_the_limit_passes_and_one_more_fails() {
    let limits = QueryLimits {
        max_depth: 3,
        ..QueryLimits::default()
    };
    assert_eq!(check_with("{ node { owner { name } } }", &limits), Ok(()));
    assert_eq!(
        check_with("{ node { owner { bestFriend { name } } } }", &limits),
        breach("query depth 4 exceeds the limit of 3")
    );
    assert_eq!(
        check_with(
            "{ ...A } fragment A on Query { node { ... on Item { owner { bestFriend { name } } } } }",
            &limits
        ),
        breach("query depth 4 exceeds the limit of 3")
    );
}

#[test]
fn default_depth_limit_is_fifteen_levels() {
    let nested = |levels: usize| {
        // people { bestFriend { … name } }: `levels` fields on the longest path.
        let mut query = String::from("{ people { ");
        for _ in 0..levels - 2 {
            query.push_str("bestFriend { ");
        }
        query.push_str("name");
        for _ in 0..levels - 1 {
            query.push_str(" }");
        }
        query.push_str(" }");
        query
    };
    assert_eq!(depth(&nested(15)), 15);
    assert_eq!(check_default(&nested(15)), Ok(()));
    assert_eq!(depth(&nested(17)), 17);
    assert_eq!(
        check_default(&nested(17)),
        breach("query depth 17 exceeds the limit of 15")
    );
}

#[test]
fn fragment_cycles_are_refused_without_overflowing_the_stack() {
    let message = |fragment: &str| {
        format!(
            "query depth is unbounded because fragment `{fragment}` spreads itself, which exceeds the limit of 15"
        )
    };
    assert_eq!(
        check_default("{ ...A } fragment A on Query { ...A }"),
        Err(LimitExceeded {
            message: message("A")
        })
    );
    assert_eq!(
        check_default("{ ...A } fragment A on Query { version ...B } fragment B on Query { ...A }"),
        Err(LimitExceeded {
            message: message("A")
        })
    );
    assert_eq!(
        check_default(
            "{ node { ...A } } fragment A on Item { owner { ...B } } fragment B on Person { bestFriend { ...B } }"
        ),
        Err(LimitExceeded {
            message: message("B")
        })
    );
    let measured = measure_with(
        "{ ...A } fragment A on Query { ...A }",
        &Variables::default(),
        20,
    );
    assert_eq!(measured.fragment_cycle.as_deref(), Some("A"));
    assert!(measured.operations.is_empty());
}

#[test]
fn a_long_fragment_chain_is_handled_without_deep_recursion() {
    // 20,000 fragments, each spreading the next: the dependency walk is
    // iterative and each fragment is summarised once.
    let count = 20_000;
    let mut query = String::from("{ ...F0 }\n");
    for index in 0..count {
        if index + 1 < count {
            query.push_str(&format!(
                "fragment F{index} on Query {{ ...F{} }}\n",
                index + 1
            ));
        } else {
            query.push_str(&format!("fragment F{index} on Query {{ version }}\n"));
        }
    }
    let (measured, operation) = single(&query);
    assert_eq!(measured.field_selections, 1);
    assert_eq!(
        operation,
        Summary {
            depth: 1,
            complexity: 1,
            introspection_passes: 0
        }
    );
    let cyclic = query.replace("{ version }", "{ ...F0 }");
    assert_eq!(
        measure_with(&cyclic, &Variables::default(), 20)
            .fragment_cycle
            .as_deref(),
        Some("F0")
    );
}

#[test]
fn fragments_spread_many_times_are_costed_by_expansion_but_measured_quickly() {
    // Each fragment spreads the next one 8 times, 10 levels deep: 8^9 copies of
    // `version` once expanded, from a document of a few hundred bytes.
    let levels = 10;
    let mut query = String::from("{ ...F0 }\n");
    for index in 0..levels {
        if index + 1 < levels {
            let spreads = format!("...F{} ", index + 1).repeat(8);
            query.push_str(&format!("fragment F{index} on Query {{ {spreads}}}\n"));
        } else {
            query.push_str(&format!("fragment F{index} on Query {{ version }}\n"));
        }
    }
    let started = Instant::now();
    let (measured, operation) = single(&query);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(measured.field_selections, 1);
    assert_eq!(operation.depth, 1);
    assert_eq!(operation.complexity, 8usize.pow(9));
    assert_eq!(
        check_default(&query),
        breach("query complexity 134217728 exceeds the limit of 5000")
    );
}

// ----- complexity -----

#[test]
fn paginated_list_costs_its_page_size() {
    assert_eq!(complexity("{ items(first: 10) { id } }"), (1 + 1) * 10);
    assert_eq!(complexity("{ items(last: 7) { id name } }"), (1 + 2) * 7);
    // Both given: the larger one bounds the page.
    assert_eq!(
        complexity("{ items(first: 3, last: 9) { id } }"),
        (1 + 1) * 9
    );
    // Neither given: the default page size.
    assert_eq!(complexity("{ items { id } }"), (1 + 1) * 20);
    assert_eq!(complexity("{ items(first: null) { id } }"), (1 + 1) * 20);
    // An empty or negative page still resolves the field once.
    assert_eq!(complexity("{ items(first: 0) { id } }"), 1 + 1);
    assert_eq!(complexity("{ items(first: -5) { id } }"), 1 + 1);
}

#[test]
fn page_size_comes_from_variables_then_defaults() {
    let query = "query($n: Int) { items(first: $n) { id } }";
    assert_eq!(complexity_with(query, vars(value!({ "n": 50 }))), 100);
    assert_eq!(complexity_with(query, vars(value!({ "n": null }))), 40);
    assert_eq!(complexity_with(query, vars(value!({}))), 40);
    let defaulted = "query($n: Int = 7) { items(first: $n) { id } }";
    assert_eq!(complexity_with(defaulted, vars(value!({}))), 14);
    assert_eq!(complexity_with(defaulted, vars(value!({ "n": 3 }))), 6);
    // Variables reach fragments too.
    let in_fragment = "query($n: Int) { ...F } fragment F on Query { items(last: $n) { id } }";
    assert_eq!(complexity_with(in_fragment, vars(value!({ "n": 11 }))), 22);
    // A value that is not an Int is left to validation; the default page stands.
    assert_eq!(complexity_with(query, vars(value!({ "n": "many" }))), 40);
}

#[test]
fn unpaginated_lists_cost_the_list_estimate() {
    assert_eq!(complexity("{ tags }"), 20);
    assert_eq!(complexity("{ people { name } }"), (1 + 1) * 20);
    let measured = measure_with("{ people { name } }", &Variables::default(), 5);
    assert_eq!(measured.operations[0].complexity, (1 + 1) * 5);
}

#[test]
fn nested_costs_multiply() {
    // friends: (1 + 1) × 20 = 40; owner: 1 + 40; items: (1 + 41) × 10.
    assert_eq!(
        complexity("{ items(first: 10) { owner { friends { name } } } }"),
        420
    );
    assert_eq!(
        complexity("{ node { name owner { name } } }"),
        1 + 1 + (1 + 1)
    );
    // related: (1 + 1) × 3 = 6; fragment: 1 + 6; items: (1 + 7) × 2.
    assert_eq!(
        complexity(
            "{ items(first: 2) { ...ItemFields } } fragment ItemFields on Item { id related(first: 3) { id } }"
        ),
        16
    );
    // An inline fragment without a type condition keeps the enclosing type.
    assert_eq!(
        complexity("{ items(first: 2) { ... { related { id } } } }"),
        (1 + (1 + 1) * 20) * 2
    );
}

#[test]
fn connection_lists_are_charged_once_through_the_page_size() {
    // edges: 1 + (node: 1 + id) = 3, nodes: 1 + 1, pageInfo: 1 + 1, totalCount: 1;
    // itemConnection: (1 + 8) × 5.
    assert_eq!(
        complexity(
            "{ itemConnection(first: 5) { edges { cursor node { id } } nodes { id } pageInfo { hasNextPage } totalCount } }"
        ),
        (1 + (1 + 1 + (1 + 1)) + (1 + 1) + (1 + 1) + 1) * 5
    );
    assert_eq!(
        complexity("{ itemConnection { nodes { id } } }"),
        (1 + (1 + 1)) * 20
    );
    // Only the connection's own lists are page-bound: a list inside a node is not.
    assert_eq!(
        complexity("{ itemConnection(first: 2) { nodes { owner { friends { name } } } } }"),
        (1 + (1 + (1 + (1 + 1) * 20))) * 2
    );
    // The same through a fragment on the connection type.
    assert_eq!(
        complexity(
            "{ itemConnection(first: 5) { ...C } } fragment C on ItemConnection { nodes { id } }"
        ),
        (1 + (1 + 1)) * 5
    );
}

#[test]
fn unknown_fields_and_abstract_types_are_costed_leniently() {
    assert_eq!(complexity("{ nope }"), 1);
    assert_eq!(complexity("{ nope { alsoNope { stillNope } } }"), 3);
    assert_eq!(complexity("{ __typename }"), 1);
    // On a union, only type conditions reveal fields.
    assert_eq!(
        complexity("{ search { __typename ... on Item { id name } ... on Person { name } } }"),
        (1 + 1 + 2 + 1) * 20
    );
    assert_eq!(complexity("{ search { name } }"), (1 + 1) * 20);
    // On an interface, its own fields are known, and type conditions reach more.
    assert_eq!(
        complexity("{ named { name ... on Person { friends { name } } } }"),
        1 + 1 + (1 + 1) * 20
    );
    // A fragment on an unknown type costs 1 per field.
    assert_eq!(complexity("{ ...F } fragment F on Nothing { a { b } }"), 2);
}

#[test]
fn mutations_are_costed_from_the_mutation_root() {
    assert_eq!(complexity("mutation { createItems { id } }"), (1 + 1) * 20);
    // `createItems` does not exist on Query: costed as unknown there.
    assert_eq!(complexity("{ createItems { id } }"), 2);
    assert_eq!(complexity("subscription { anything { id } }"), 2);
}

#[test]
fn a_list_by_ids_costs_one_item_per_id() {
    let ids = |n: usize| {
        let list: Vec<String> = (0..n).map(|i| format!("\"{i}\"")).collect();
        format!("[{}]", list.join(", "))
    };
    assert_eq!(
        complexity(&format!("{{ nodes(ids: {}) {{ id name }} }}", ids(100))),
        (1 + 2) * 100
    );
    assert_eq!(complexity("{ nodes(ids: \"1\") { id } }"), 1 + 1);
    let many: Vec<Value> = (0..50).map(|i| Value::String(i.to_string())).collect();
    assert_eq!(
        complexity_with(
            "query($ids: [String!]!) { nodes(ids: $ids) { owner { name } } }",
            vars(value!({ "ids": many }))
        ),
        (1 + 2) * 50
    );
    // What a connection of the same size is refused, a list of IDs is refused too:
    // 100 ids of items each with a page of 49 related items.
    let query = format!(
        "{{ nodes(ids: {}) {{ related(first: 49) {{ id }} }} }}",
        ids(100)
    );
    assert_eq!(
        check_default(&query),
        breach("query complexity 9900 exceeds the limit of 5000")
    );
    assert_eq!(
        check_default("{ items(first: 100) { related(first: 49) { id } } }"),
        breach("query complexity 9900 exceeds the limit of 5000")
    );
}

#[test]
fn an_operation_selects_the_schema_once() {
    assert_eq!(check_default("{ __schema { queryType { name } } }"), Ok(()));
    // The same key twice merges into one answer.
    assert_eq!(
        check_default("{ __schema { queryType { name } } __schema { types { name } } }"),
        Ok(())
    );
    let aliased: String = (0..30)
        .map(|i| format!("s{i}: __schema {{ types {{ name }} }} "))
        .collect();
    assert_eq!(
        check_default(&format!("{{ {aliased} }}")),
        breach("an operation selects `__schema` 30 times, which exceeds the limit of 1")
    );
    // Through fragments and inline fragments too.
    assert_eq!(
        check_default(
            "{ ...A ... on Query { b: __schema { types { name } } } } \
             fragment A on Query { ...B } fragment B on Query { a: __schema { types { name } } }"
        ),
        breach("an operation selects `__schema` 2 times, which exceeds the limit of 1")
    );
    // Each operation of a document on its own.
    assert_eq!(
        check_default(
            "query A { __schema { types { name } } } query B { __schema { types { name } } }"
        ),
        Ok(())
    );
}

#[test]
fn complexity_at_the_limit_passes_and_above_fails() {
    // (((1 + 1) * 49) + 1) * 50 = 4950
    assert_eq!(
        check_default("{ items(first: 50) { related(first: 49) { id } } }"),
        Ok(())
    );
    assert_eq!(
        check_default("{ items(first: 51) { related(first: 49) { id } } }"),
        breach("query complexity 5049 exceeds the limit of 5000")
    );
    assert_eq!(
        check_default("{ items(first: 1000000) { related(first: 100) { id name } } }"),
        breach("query complexity 30100 exceeds the limit of 5000")
    );
}

#[test]
fn oversized_pages_are_charged_at_the_maximum_page() {
    // The resolver refuses first: 1000 with BAD_USER_INPUT; the limit must not
    // pre-empt that clearer error.
    assert_eq!(complexity("{ items(first: 1000) { id } }"), (1 + 1) * 100);
    assert_eq!(check_default("{ items(first: 2147483647) { id } }"), Ok(()));
    let nested = "{ items(first: 2147483647) { related(first: 2147483647) { related(first: 2147483647) { id } } } }";
    assert_eq!(complexity(nested), ((((1 + 1) * 100) + 1) * 100 + 1) * 100);
    // Beyond 64 bits the parser yields a Float, which is no page size (validation
    // refuses it): the default page stands.
    assert_eq!(
        complexity("{ items(first: 99999999999999999999) { id } }"),
        (1 + 1) * 20
    );
}

// ----- aliases, fields, directives -----

fn aliased(count: usize) -> String {
    let fields: String = (0..count)
        .map(|index| format!("a{index}: version "))
        .collect();
    format!("{{ {fields}}}")
}

#[test]
fn aliases_at_the_limit_pass_and_one_more_fails() {
    assert_eq!(single(&aliased(30)).0.aliases, 30);
    assert_eq!(check_default(&aliased(30)), Ok(()));
    assert_eq!(
        check_default(&aliased(31)),
        breach("query has 31 aliases, which exceeds the limit of 30")
    );
}

#[test]
fn aliases_in_a_fragment_count_once_however_often_it_is_spread() {
    let query = "{ ...F ...F items { ...F } } fragment F on Query { a: version b: version }";
    let (measured, _) = single(query);
    assert_eq!(measured.aliases, 2);
    assert_eq!(measured.field_selections, 3);
}

#[test]
fn field_selections_are_counted_as_written() {
    let (measured, _) =
        single("{ version version node { id id } ...F ...F } fragment F on Query { tags }");
    // version ×2, node, id ×2, and tags once where defined.
    assert_eq!(measured.field_selections, 6);

    let fields = |count: usize| format!("{{ {}}}", "version ".repeat(count));
    assert_eq!(single(&fields(200)).0.field_selections, 200);
    assert_eq!(check_default(&fields(200)), Ok(()));
    assert_eq!(
        check_default(&fields(201)),
        breach("query has 201 field selections, which exceeds the limit of 200")
    );
}

#[test]
fn field_selections_span_every_operation_and_fragment() {
    let query = "query A { version } query B { tags node { id } } fragment F on Query { version } fragment G on Item { id }";
    let measured = measure_with(query, &Variables::default(), 20);
    assert_eq!(measured.field_selections, 6);
    assert_eq!(measured.operations.len(), 2);
}

#[test]
fn directives_on_one_field_are_limited() {
    let with = |count: usize| format!("{{ version {} }}", "@include(if: true) ".repeat(count));
    assert_eq!(
        single(&with(10)).0.busiest_field,
        Some(("version".to_string(), 10))
    );
    assert_eq!(check_default(&with(10)), Ok(()));
    assert_eq!(
        check_default(&with(11)),
        breach("field `version` has 11 directives, which exceeds the limit of 10 per field")
    );
    // The field is named by its response key.
    assert_eq!(
        check_default(&format!(
            "{{ v: version {} }}",
            "@skip(if: false) ".repeat(11)
        )),
        breach("field `v` has 11 directives, which exceeds the limit of 10 per field")
    );
}

#[test]
fn directives_in_the_whole_document_are_limited() {
    // 5 fields with 10 each = 50, then one more anywhere (here on a spread).
    let fields: String = (0..5)
        .map(|index| format!("f{index}: version {}", "@include(if: true) ".repeat(10)))
        .collect();
    let at_limit = format!("{{ {fields} }}");
    assert_eq!(single(&at_limit).0.directives, 50);
    assert_eq!(check_default(&at_limit), Ok(()));
    let over = format!("{{ {fields} ...F @include(if: true) }} fragment F on Query {{ tags }}");
    assert_eq!(single(&over).0.directives, 51);
    assert_eq!(
        check_default(&over),
        breach("query has 51 directives, which exceeds the limit of 50")
    );
}

#[test]
fn directives_are_counted_on_every_kind_of_node() {
    let query = "query Q($v: Int @d1) @d2 { version @d3 ...F @d4 ... on Query @d5 { tags @d6 } } fragment F on Query @d7 { node @d8 { id } }";
    let measured = measure_with(query, &Variables::default(), 20);
    assert_eq!(measured.directives, 8);
    assert_eq!(measured.busiest_field, Some(("version".to_string(), 1)));
}

// ----- introspection cycles -----

#[test]
fn circular_introspection_is_refused() {
    let message = "introspection path passes through `fields`, `inputFields`, `interfaces` or `possibleTypes` 2 times, which exceeds the limit of 1";
    assert_eq!(
        check_default("{ __schema { types { fields { type { fields { name } } } } } }"),
        breach(message)
    );
    assert_eq!(
        check_default("{ __type(name: \"Item\") { interfaces { possibleTypes { name } } } }"),
        breach(message)
    );
    assert_eq!(
        check_default(
            "{ __schema { types { ...T } } } fragment T on __Type { inputFields { type { ...U } } } fragment U on __Type { interfaces { name } }"
        ),
        breach(message)
    );
    let (_, operation) = single(
        "{ __schema { types { fields { type { fields { type { possibleTypes { name } } } } } } } }",
    );
    assert_eq!(operation.introspection_passes, 3);
}

#[test]
fn each_cycle_field_once_per_path_passes() {
    let query = "{ __schema { types { fields { name } inputFields { name } interfaces { name } possibleTypes { name } } } }";
    let (_, operation) = single(query);
    assert_eq!(operation.introspection_passes, 1);
    assert_eq!(check_default(query), Ok(()));
    // Outside introspection those names are ordinary (here unknown) fields.
    let (_, operation) = single("{ fields { fields { interfaces { name } } } }");
    assert_eq!(operation.introspection_passes, 0);
    assert_eq!(
        check_default("{ fields { fields { interfaces { name } } } }"),
        Ok(())
    );
}

// ----- several operations -----

#[test]
fn every_operation_is_checked() {
    let query = "query Small { version } query Deep { people { bestFriend { bestFriend { bestFriend { name } } } } }";
    let limits = QueryLimits {
        max_depth: 4,
        ..QueryLimits::default()
    };
    assert_eq!(
        check_with(query, &limits),
        breach("query depth 5 exceeds the limit of 4")
    );
    let measured = measure_with(query, &Variables::default(), 20);
    let depths: Vec<usize> = measured
        .operations
        .iter()
        .map(|operation| operation.depth)
        .collect();
    assert_eq!(depths, vec![1, 5]);
}

#[test]
fn document_counts_are_reported_before_per_operation_limits() {
    // Too many aliases and too deep: the alias count is reported.
    let mut query = aliased(31);
    query.insert_str(query.len() - 1, "deep: people { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { name } } } } } } } } } } } } } } } } ");
    assert_eq!(
        check_default(&query),
        breach("query has 32 aliases, which exceeds the limit of 30")
    );
}

// ----- end to end, through the gate and then the schema -----

/// What the server does with a request: the gate admits it, or its refusal is the
/// whole answer; an admitted document runs without being parsed again.
fn execute(gated: &Gated, request: impl Into<Request>) -> Response {
    let mut request = request.into();
    match gated.gate.admit(&request.query, &request.variables) {
        Ok(document) => {
            request.set_parsed_query(document);
            block_on(gated.schema.execute(request))
        }
        Err(refusal) => Response::from_errors(vec![refusal.into_server_error()]),
    }
}

fn assert_refused(response: &Response, message: &str) {
    assert_eq!(response.errors.len(), 1, "{:?}", response.errors);
    let error = &response.errors[0];
    assert_eq!(error.message, message);
    assert_eq!(code_of(error), Some(&Value::from("QUERY_TOO_COMPLEX")));
    assert_eq!(response.data, Value::Null);
}

#[test]
fn too_deep_request_gets_one_coded_error_and_runs_no_resolver() {
    let calls = Calls::default();
    let schema = schema(&calls, QueryLimits::default());
    let deep = "{ people { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { bestFriend { name } } } } } } } } } } } } } } } } }";
    let response = execute(&schema, deep);
    assert_refused(&response, "query depth 17 exceeds the limit of 15");
    assert_eq!(calls.get(), 0);

    // The same schema serves a query within the limits.
    let response = execute(&schema, "{ people { bestFriend { name } } version }");
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    assert_eq!(
        response.data,
        value!({ "people": [{ "bestFriend": { "name": "person" } }], "version": 1 })
    );
    assert_eq!(calls.get(), 2);
}

#[test]
fn too_complex_request_through_a_variable_runs_no_resolver() {
    let calls = Calls::default();
    let schema = schema(&calls, QueryLimits::default());
    let request =
        Request::new("query($n: Int) { items(first: $n) { related(first: $n) { id name } } }")
            .variables(Variables::from_value(value!({ "n": 100 })));
    let response = execute(&schema, request);
    assert_refused(
        &response,
        "query complexity 30100 exceeds the limit of 5000",
    );
    assert_eq!(calls.get(), 0);

    let request = Request::new("query($n: Int) { items(first: $n) { id name } }")
        .variables(Variables::from_value(value!({ "n": 10 })));
    let response = execute(&schema, request);
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    assert_eq!(
        response.data,
        value!({ "items": [{ "id": 1, "name": "item" }] })
    );
    assert_eq!(calls.get(), 1);
}

#[test]
fn other_breaches_are_refused_before_validation() {
    let calls = Calls::default();
    let schema = schema(&calls, QueryLimits::default());
    // Misspelled fields would fail validation; the limit is reported instead,
    // which shows the check runs first.
    let circular = "{ __schema { types { fields { type { fields { nameTypo } } } } } }";
    assert_refused(
        &execute(&schema, circular),
        "introspection path passes through `fields`, `inputFields`, `interfaces` or `possibleTypes` 2 times, which exceeds the limit of 1",
    );
    let too_many = format!("{{ {}}}", "unknownField ".repeat(201));
    assert_refused(
        &execute(&schema, too_many),
        "query has 201 field selections, which exceeds the limit of 200",
    );
    assert_eq!(calls.get(), 0);
}

#[test]
fn fragment_fan_out_is_refused_before_async_graphql_expands_it() {
    // Each fragment spreads the next one 8 times, 11 levels deep (about 700
    // bytes). async-graphql's parse step would walk 8^10 spreads; the early
    // check refuses the document first.
    let levels = 11;
    let mut query = String::from("{ ...F0 }\n");
    for index in 0..levels {
        if index + 1 < levels {
            let spreads = format!("...F{} ", index + 1).repeat(8);
            query.push_str(&format!("fragment F{index} on Query {{ {spreads}}}\n"));
        } else {
            query.push_str(&format!("fragment F{index} on Query {{ version }}\n"));
        }
    }
    let calls = Calls::default();
    let schema = schema(&calls, QueryLimits::default());
    let started = Instant::now();
    let response = execute(&schema, query.as_str());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert_refused(
        &response,
        "query complexity 1073741824 exceeds the limit of 5000",
    );
    assert_eq!(calls.get(), 0);
}

#[test]
fn syntax_errors_keep_the_parsers_message_and_location_with_a_code() {
    let calls = Calls::default();
    let schema = schema(&calls, QueryLimits::default());
    let response = execute(&schema, "{ version ");
    assert_eq!(response.errors.len(), 1, "{:?}", response.errors);
    let error = &response.errors[0];
    assert!(error.message.starts_with(" --> 1:11"), "{}", error.message);
    assert_eq!(error.locations.len(), 1);
    assert_eq!(code_of(error), Some(&Value::from("BAD_USER_INPUT")));
    assert_eq!(response.data, Value::Null);
    assert_eq!(calls.get(), 0);
}

#[test]
fn introspection_queries_pass_the_gate() {
    let calls = Calls::default();
    let schema = schema(&calls, QueryLimits::default());
    for query in [STANDARD_INTROSPECTION_QUERY, FULL_INTROSPECTION_QUERY] {
        let response = execute(&schema, query);
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        let Value::Object(data) = &response.data else {
            panic!("no data: {:?}", response.data);
        };
        assert!(data.contains_key("__schema"));
    }
}

#[test]
fn configured_limits_are_the_ones_applied() {
    let calls = Calls::default();
    let schema = schema(
        &calls,
        QueryLimits {
            max_depth: 2,
            ..QueryLimits::default()
        },
    );
    assert_refused(
        &execute(&schema, "{ node { owner { name } } }"),
        "query depth 3 exceeds the limit of 2",
    );
    assert_eq!(calls.get(), 0);
    let response = execute(&schema, "{ node { id } }");
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    assert_eq!(calls.get(), 1);
}

#[test]
fn a_text_sent_again_is_parsed_once_and_measured_every_time() {
    let gate = Gate::new::<Query, Mutation, EmptySubscription>(QueryLimits {
        max_complexity: 100,
        ..QueryLimits::default()
    });
    let kept = || gate.parsed.0.lock().map(|d| d.len()).unwrap_or(usize::MAX);
    let query = "query($n: Int) { items(first: $n) { id name owner { name } } }";
    let small = vars(value!({ "n": 5 }));
    let large = vars(value!({ "n": 50 }));

    let first = gate.admit(query, &small).expect("a small page is admitted");
    assert_eq!(kept(), 1);
    let again = gate.admit(query, &small).expect("and admitted again");
    assert_eq!(format!("{again:?}"), format!("{first:?}"));
    // The same text, kept parsed, is measured against these variables.
    match gate.admit(query, &large) {
        Err(Refusal::Limit(breach)) => {
            assert!(breach.message.starts_with("query complexity"), "{breach:?}")
        }
        other => panic!("a page of 50 is refused, not {other:?}"),
    }
    assert!(gate.admit(query, &small).is_ok());
    assert_eq!(kept(), 1);

    // Nothing is kept of text that does not parse, nor of long texts.
    assert!(matches!(
        gate.admit("{ items {", &Variables::default()),
        Err(Refusal::Syntax(_))
    ));
    let long = format!("# {}\n{{ version }}", "x".repeat(Parsed::LONGEST));
    assert!(gate.admit(&long, &Variables::default()).is_ok());
    assert_eq!(kept(), 1);

    // Texts sent once each never keep more than the bound.
    for n in 0..Parsed::DOCUMENTS + 10 {
        let text = format!("{{ v{n}: version }}");
        assert!(gate.admit(&text, &Variables::default()).is_ok());
        assert!(kept() <= Parsed::DOCUMENTS);
    }
}
