//! Query limits, checked on the parsed document before validation and before any
//! resolver runs.
//!
//! [`Gate::admit`] runs on every request before async-graphql sees it, over HTTP and
//! on the socket: it bounds the nesting of the query text and of the variables
//! ([`nesting`]) before anything recursive reads them, parses the text once, and
//! measures the [`ExecutableDocument`] with [`check`]; the parsed document is then
//! handed to async-graphql. A breach is answered with exactly one error whose
//! message names the limit and whose `extensions.code` is `QUERY_TOO_COMPLEX`;
//! validation and execution never start. It is not an async-graphql extension: an
//! extension is dispatched on every resolved field once one is registered, and
//! these checks have nothing to do after parsing.
//!
//! The policy (every number is configurable through [`QueryLimits`]):
//!
//! - **Depth** (15): the longest chain of nested fields, with fragment spreads and
//!   inline fragments expanded (a spread or an inline fragment adds no level). The
//!   standard introspection query that GraphiQL and code generators send is exactly
//!   15 deep. A fragment that spreads itself, directly or through others, makes the
//!   depth unbounded and is refused as a depth breach (validation has not run yet, so
//!   such documents reach us).
//! - **Complexity** (5,000): a field costs `1 + the sum of its children's costs`,
//!   times a factor when it returns many items: its `first`/`last` argument when one
//!   is given (a literal or a variable), 20 (the default page size) when it accepts
//!   `first`/`last` and none is given, and `list_estimate` (10; the unpaginated
//!   lists here are short, like a commune's twinnings) for a list that is not
//!   paginated. The lists of a connection (`edges`, `nodes`) are not multiplied a
//!   second time: the page size was already charged on the connection field.
//!   Field types come from the schema registry; fields the registry does not know
//!   (typos that validation will reject, or fields selected on a union without a
//!   type condition) cost 1 each. A list field that takes `ids` (`nodes`) costs
//!   one item per ID given, like a page of that size. Everything under
//!   `__schema`/`__type` costs 1 per field, without multipliers
//!   (`Mode::Introspection` explains why).
//! - **Aliases** (30), **field selections** (200): counted as written, over every
//!   operation and every fragment definition once (a fragment counts where it is
//!   defined, however often it is spread; duplicated selections count).
//! - **Directives**: at most 10 on one field and 50 in the whole document.
//! - **Introspection cycles**: under `__schema`/`__type`, one path may pass through
//!   `fields`, `inputFields`, `interfaces` or `possibleTypes` at most once in total.
//!   That refuses circular introspection (types → fields → type → fields → …), whose
//!   result grows with every turn, and nothing a real client sends.
//! - **One schema per operation**: an operation selects `__schema` under at most one
//!   response key. Each `__schema` selection can answer with the whole schema, a
//!   few hundred kilobytes for a few bytes of query, so thirty aliased copies made
//!   a 1 KB request answer megabytes; no client asks for the schema twice at once.
//!
//! Depth, complexity and the introspection rule are checked for every operation in
//! the document, not only the one that will run: a document whose other operations
//! are abusive is not worth serving.
//!
//! Measuring is linear in the size of the document: fragments are summarised once
//! each, in dependency order, so a fragment spread many times (or a chain of
//! fragments that each spread the next one many times) is not walked again per
//! spread, and a cycle is found without recursing into it.
//!
//! # Why not async-graphql's own depth, complexity and directive limits
//!
//! async-graphql measures depth and complexity in validation with visitors that
//! walk every fragment spread into the fragment again (`VisitMode::Inline`), and
//! its parse step checks recursion depth and directives the same way. That is
//! exponential in the document: with fragments that each spread the next one
//! eight times, `limit_depth(15).limit_complexity(5000)` took 13 ms for a document
//! of 408 bytes (6 levels), 158 ms for 481 bytes (7) and 1.13 s for 554 bytes (8),
//! each level eight times the last, before refusing it; this module took 0.2 ms for
//! each (release build, this project's 2-core machine, 2026-11-30). Its complexity
//! attributes are also computed through a `VisitorContext` that only async-graphql
//! can build. So the gate does not hand the text to async-graphql's parse step at
//! all, and depth, complexity and per-field directives are measured here, once per
//! fragment. What async-graphql does well stays with it: validation of the
//! document against the schema runs unchanged after the gate.

pub mod nesting;

use std::{
    collections::{BTreeSet, HashMap},
    fmt,
    sync::{Arc, Mutex},
};

use async_graphql::{
    ErrorExtensionValues, Name, ObjectType, ServerError, SubscriptionType, Value, Variables,
    parser::types::{ExecutableDocument, Field, OperationType, Selection, SelectionSet},
    registry::{MetaField, MetaType, MetaTypeName, Registry},
};

/// The `extensions.code` of the error a breach produces.
const ERROR_CODE: &str = "QUERY_TOO_COMPLEX";

/// The page size a paginated field serves when neither `first` nor `last` is given.
/// It mirrors the API's pagination default; a copy keeps this module self-contained.
const DEFAULT_PAGE_SIZE: usize = 20;

/// The largest page a paginated field serves. A larger `first`/`last` is refused by
/// the resolver as BAD_USER_INPUT; charging it at this size lets that clearer error,
/// not this one, reach the client.
const MAX_PAGE_SIZE: usize = 100;

/// The arguments that bound how many items a paginated field returns.
const PAGE_ARGUMENTS: [&str; 2] = ["first", "last"];

/// The introspection entry points on the query root.
const INTROSPECTION_ROOTS: [&str; 2] = ["__schema", "__type"];

/// The introspection fields that lead from a type back to (lists of) types, so that
/// nesting them lets a small query ask for the whole schema again at every turn.
const INTROSPECTION_CYCLE_FIELDS: [&str; 4] =
    ["fields", "inputFields", "interfaces", "possibleTypes"];

/// How often one introspection path may pass through [`INTROSPECTION_CYCLE_FIELDS`].
const MAX_INTROSPECTION_CYCLE_PASSES: usize = 1;

/// How many response keys one operation may select `__schema` under.
const MAX_SCHEMA_SELECTIONS: usize = 1;

/// The argument of a list field that names the items it returns, one per ID.
const IDS_ARGUMENT: &str = "ids";

/// The configurable limits. Missing keys in a configuration take their defaults.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, PartialEq)]
#[serde(default)]
pub struct QueryLimits {
    /// Longest chain of nested fields, fragments expanded.
    pub max_depth: usize,
    /// Highest estimated cost of one operation.
    pub max_complexity: usize,
    /// Most aliased fields in the document.
    pub max_aliases: usize,
    /// Most field selections in the document, as written.
    pub max_fields: usize,
    /// Most directives on one field.
    pub max_directives_per_field: usize,
    /// Most directives in the whole document.
    pub max_directives: usize,
    /// The multiplier for a list field that takes no `first`/`last`.
    pub list_estimate: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits {
            max_depth: 15,
            max_complexity: 5000,
            max_aliases: 30,
            max_fields: 200,
            max_directives_per_field: 10,
            max_directives: 50,
            list_estimate: 10,
        }
    }
}

/// A breached limit; `message` says which one, with the measured value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitExceeded {
    pub message: String,
}

impl LimitExceeded {
    fn new(message: String) -> Self {
        LimitExceeded { message }
    }
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LimitExceeded {}

impl From<LimitExceeded> for ServerError {
    fn from(breach: LimitExceeded) -> Self {
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", ERROR_CODE);
        let mut error = ServerError::new(breach.message, None);
        error.extensions = Some(extensions);
        error
    }
}

/// Why a request was refused before it ran.
#[derive(Debug, Clone)]
pub enum Refusal {
    /// Text or variables nested too deep to be read at all.
    Nesting(LimitExceeded),
    /// A query limit breached.
    Limit(LimitExceeded),
    /// Not a GraphQL document.
    Syntax(ServerError),
}

impl Refusal {
    /// The one error the client gets: QUERY_TOO_COMPLEX for a limit, BAD_USER_INPUT
    /// for a syntax error.
    pub fn into_server_error(self) -> ServerError {
        match self {
            Refusal::Nesting(breach) | Refusal::Limit(breach) => breach.into(),
            Refusal::Syntax(mut error) => {
                error
                    .extensions
                    .get_or_insert_with(Default::default)
                    .set("code", "BAD_USER_INPUT");
                error
            }
        }
    }
}

/// The limits with the schema's types: every request passes here, once, before
/// it runs (over HTTP and on the socket alike).
pub struct Gate {
    registry: Registry,
    limits: QueryLimits,
    parsed: Parsed,
}

impl Gate {
    /// The gate of a schema of these root types.
    pub fn new<Q: ObjectType, M: ObjectType, S: SubscriptionType>(limits: QueryLimits) -> Gate {
        let mut registry = Registry {
            query_type: Q::type_name().into_owned(),
            mutation_type: (!M::is_empty()).then(|| M::type_name().into_owned()),
            subscription_type: (!S::is_empty()).then(|| S::type_name().into_owned()),
            ..Registry::default()
        };
        Q::create_type_info(&mut registry);
        if !M::is_empty() {
            M::create_type_info(&mut registry);
        }
        if !S::is_empty() {
            S::create_type_info(&mut registry);
        }
        Gate {
            registry,
            limits,
            parsed: Parsed::default(),
        }
    }

    pub fn limits(&self) -> &QueryLimits {
        &self.limits
    }

    /// The schema's types.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Bounds the nesting of the text and the variables, then parses the text, once
    /// (a text seen recently is taken parsed from [`Parsed`]), and measures the
    /// document against the variables. The document is then handed to async-graphql
    /// already parsed (`Request::set_parsed_query`): its own parse step would check
    /// recursion depth by walking every fragment spread afresh, which a few hundred
    /// bytes of fragments spreading each other can make last seconds.
    pub fn admit(&self, query: &str, variables: &Variables) -> Result<ExecutableDocument, Refusal> {
        nesting::check_variables(variables, self.limits.max_depth).map_err(Refusal::Nesting)?;
        let document = match self.parsed.get(query) {
            Some(document) => document,
            None => {
                nesting::check_query(query, self.limits.max_depth).map_err(Refusal::Nesting)?;
                let document = async_graphql::parser::parse_query(query)
                    .map_err(|error| Refusal::Syntax(error.into()))?;
                self.parsed.keep(query, &document);
                document
            }
        };
        check(&document, &self.registry, variables, &self.limits).map_err(Refusal::Limit)?;
        Ok(document)
    }

    /// The largest recursion async-graphql may meet in a document this gate
    /// admitted: selection sets, inline fragments and fragment spreads, each at
    /// most one per level of field depth, with room to spare. Its own check then
    /// never refuses what the gate measured and admitted.
    pub fn recursion_bound(&self) -> usize {
        self.limits.max_depth.saturating_mul(4).saturating_add(8)
    }
}

/// Documents parsed recently, by their text. Clients send the same few queries
/// again and again; parsing one (pest) cost more than the rest of the gate and
/// async-graphql's validation together (issue 11's callgrind profile of Q1), a
/// copy of the parsed document a small fraction of it. Only the parse is kept:
/// the limits, which depend on the variables, are measured on every request.
/// Bounded: short texts only, and emptied when full, so texts sent once each
/// cannot make it grow. Shared, so that a request's own copy is made after the
/// lock is released.
#[derive(Default)]
struct Parsed(Mutex<HashMap<Box<str>, Arc<ExecutableDocument>>>);

impl Parsed {
    /// At most this many documents are kept.
    const DOCUMENTS: usize = 256;
    /// Texts longer than this are parsed every time.
    const LONGEST: usize = 8 * 1024;

    fn get(&self, query: &str) -> Option<ExecutableDocument> {
        let document = self.0.lock().ok()?.get(query).cloned()?;
        Some(ExecutableDocument::clone(&document))
    }

    fn keep(&self, query: &str, document: &ExecutableDocument) {
        if query.len() > Self::LONGEST {
            return;
        }
        if let Ok(mut documents) = self.0.lock() {
            if documents.len() >= Self::DOCUMENTS {
                documents.clear();
            }
            documents.insert(query.into(), Arc::new(document.clone()));
        }
    }
}

/// Measures `doc` against `limits`; the first breach found is returned.
///
/// Document-wide counts are checked first (field selections, aliases, directives on
/// one field, directives in all), then fragment cycles, then, operation by
/// operation in document order, depth, introspection cycles and complexity.
/// `registry` gives field types for the complexity estimate and `variables` the
/// values of `first`/`last` passed as variables.
pub fn check(
    doc: &ExecutableDocument,
    registry: &Registry,
    variables: &Variables,
    limits: &QueryLimits,
) -> Result<(), LimitExceeded> {
    let measured = measure(doc, registry, variables, limits.list_estimate);

    if measured.field_selections > limits.max_fields {
        return Err(LimitExceeded::new(format!(
            "query has {} field selections, which exceeds the limit of {}",
            measured.field_selections, limits.max_fields
        )));
    }
    if measured.aliases > limits.max_aliases {
        return Err(LimitExceeded::new(format!(
            "query has {} aliases, which exceeds the limit of {}",
            measured.aliases, limits.max_aliases
        )));
    }
    if let Some((field, count)) = &measured.busiest_field
        && *count > limits.max_directives_per_field
    {
        return Err(LimitExceeded::new(format!(
            "field `{field}` has {count} directives, which exceeds the limit of {} per field",
            limits.max_directives_per_field
        )));
    }
    if measured.directives > limits.max_directives {
        return Err(LimitExceeded::new(format!(
            "query has {} directives, which exceeds the limit of {}",
            measured.directives, limits.max_directives
        )));
    }
    if let Some(fragment) = &measured.fragment_cycle {
        return Err(LimitExceeded::new(format!(
            "query depth is unbounded because fragment `{fragment}` spreads itself, which exceeds the limit of {}",
            limits.max_depth
        )));
    }
    for operation in &measured.operations {
        if operation.depth > limits.max_depth {
            return Err(LimitExceeded::new(format!(
                "query depth {} exceeds the limit of {}",
                operation.depth, limits.max_depth
            )));
        }
        if operation.introspection_passes > MAX_INTROSPECTION_CYCLE_PASSES {
            return Err(LimitExceeded::new(format!(
                "introspection path passes through `fields`, `inputFields`, `interfaces` or `possibleTypes` {} times, which exceeds the limit of {}",
                operation.introspection_passes, MAX_INTROSPECTION_CYCLE_PASSES
            )));
        }
        if operation.complexity > limits.max_complexity {
            return Err(LimitExceeded::new(format!(
                "query complexity {} exceeds the limit of {}",
                operation.complexity, limits.max_complexity
            )));
        }
    }
    if let Some(most) = measured.schema_selections.iter().copied().max()
        && most > MAX_SCHEMA_SELECTIONS
    {
        return Err(LimitExceeded::new(format!(
            "an operation selects `__schema` {most} times, which exceeds the limit of {MAX_SCHEMA_SELECTIONS}"
        )));
    }
    Ok(())
}

/// Everything [`check`] compares with the limits.
#[derive(Debug, Default)]
struct Measurements {
    /// Field nodes as written, over all operations and fragment definitions.
    field_selections: usize,
    /// Aliased field nodes as written.
    aliases: usize,
    /// Directive nodes as written, wherever they stand.
    directives: usize,
    /// The first field carrying the most directives, and how many it carries.
    busiest_field: Option<(String, usize)>,
    /// A fragment found spreading itself; when set, `operations` is empty, because
    /// expanding the fragments would not terminate.
    fragment_cycle: Option<String>,
    /// One summary per operation, in document order.
    operations: Vec<Summary>,
    /// Per operation, the response keys it selects `__schema` under.
    schema_selections: Vec<usize>,
}

/// What a selection set (or a field, or a fragment) amounts to once expanded.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Summary {
    /// Longest chain of nested fields.
    depth: usize,
    /// Estimated cost; saturates rather than overflowing.
    complexity: usize,
    /// Most passes through [`INTROSPECTION_CYCLE_FIELDS`] on one introspection path.
    introspection_passes: usize,
}

impl Summary {
    /// Folds a sibling into this summary: costs add up, the rest takes the maximum.
    fn absorb(&mut self, sibling: Summary) {
        self.depth = self.depth.max(sibling.depth);
        self.complexity = self.complexity.saturating_add(sibling.complexity);
        self.introspection_passes = self.introspection_passes.max(sibling.introspection_passes);
    }
}

/// The context a selection set is costed in. A fragment's summary depends on it, so
/// each fragment is summarised once per mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// An ordinary selection set.
    Plain,
    /// The selection set of a paginated field that returns a single object (a
    /// connection): its list fields hold one page, which the paginated field was
    /// already multiplied by, so they are not multiplied again.
    PageBody,
    /// Under `__schema` or `__type`: every field costs 1, without multipliers.
    ///
    /// With the list estimate applied, the standard introspection query alone would
    /// cost far more than the limit (`types` × `fields` × `args` is already
    /// 20 × 20 × 20 = 8,000 before their children), yet every tool sends it and its
    /// real cost is bounded by the size of our own schema, not by the client. What
    /// keeps introspection in check instead is the depth limit, the field-selection
    /// limit, and the rule that a path passes through `fields`, `inputFields`,
    /// `interfaces` or `possibleTypes` only once. Counting each expanded field still
    /// bounds documents that spread fragments many times.
    Introspection,
}

impl Mode {
    const ALL: [Mode; 3] = [Mode::Plain, Mode::PageBody, Mode::Introspection];

    fn index(self) -> usize {
        match self {
            Mode::Plain => 0,
            Mode::PageBody => 1,
            Mode::Introspection => 2,
        }
    }
}

fn measure(
    doc: &ExecutableDocument,
    registry: &Registry,
    variables: &Variables,
    list_estimate: usize,
) -> Measurements {
    let mut measured = Measurements::default();

    // Document order keeps the reported breach (and the field or fragment it names)
    // stable: the parser stores operations and fragments in hash maps.
    let mut operations: Vec<_> = doc
        .operations
        .iter()
        .map(|(_, operation)| operation)
        .collect();
    operations.sort_by_key(|operation| (operation.pos.line, operation.pos.column));
    let mut fragments: Vec<_> = doc.fragments.iter().collect();
    fragments.sort_by_key(|(_, fragment)| (fragment.pos.line, fragment.pos.column));

    for operation in &operations {
        let operation = &operation.node;
        measured.directives += operation.directives.len();
        for variable in &operation.variable_definitions {
            measured.directives += variable.node.directives.len();
        }
        count_selection_set(&operation.selection_set.node, &mut measured);
    }
    for (_, fragment) in &fragments {
        measured.directives += fragment.node.directives.len();
        count_selection_set(&fragment.node.selection_set.node, &mut measured);
    }

    let names: Vec<&str> = fragments.iter().map(|(name, _)| name.as_str()).collect();
    let order = match fragment_order(doc, &names) {
        Ok(order) => order,
        Err(fragment) => {
            measured.fragment_cycle = Some(fragment.to_string());
            return measured;
        }
    };

    let mut analyzer = Analyzer {
        registry,
        variables,
        defaults: variable_defaults(doc),
        list_estimate,
        fragments: HashMap::new(),
    };
    for &name in &order {
        let Some(fragment) = doc.fragments.get(name) else {
            continue;
        };
        let fragment = &fragment.node;
        let on = registry
            .types
            .get(fragment.type_condition.node.on.node.as_str());
        let summaries =
            Mode::ALL.map(|mode| analyzer.selection_set(&fragment.selection_set.node, on, mode));
        analyzer.fragments.insert(name, summaries);
    }

    let mut schema_keys: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for name in &order {
        if let Some(fragment) = doc.fragments.get(*name) {
            let keys = top_level_schema_keys(&fragment.node.selection_set.node, &schema_keys);
            schema_keys.insert(name, keys);
        }
    }
    measured.schema_selections = operations
        .iter()
        .map(|operation| {
            top_level_schema_keys(&operation.node.selection_set.node, &schema_keys).len()
        })
        .collect();

    for operation in &operations {
        let operation = &operation.node;
        let root = match operation.ty {
            OperationType::Query => Some(registry.query_type.as_str()),
            OperationType::Mutation => registry.mutation_type.as_deref(),
            OperationType::Subscription => registry.subscription_type.as_deref(),
        }
        .and_then(|name| registry.types.get(name));
        measured.operations.push(analyzer.selection_set(
            &operation.selection_set.node,
            root,
            Mode::Plain,
        ));
    }
    measured
}

/// The response keys `set` selects `__schema` under, at its top level (the only
/// place the field exists), through inline fragments and the fragments it spreads,
/// whose keys were gathered before it.
fn top_level_schema_keys<'a>(
    set: &'a SelectionSet,
    fragments: &HashMap<&str, BTreeSet<&'a str>>,
) -> BTreeSet<&'a str> {
    let mut keys = BTreeSet::new();
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) if field.node.name.node.as_str() == "__schema" => {
                keys.insert(field.node.response_key().node.as_str());
            }
            Selection::Field(_) => {}
            Selection::InlineFragment(inline) => {
                keys.extend(top_level_schema_keys(
                    &inline.node.selection_set.node,
                    fragments,
                ));
            }
            Selection::FragmentSpread(spread) => {
                if let Some(found) = fragments.get(spread.node.fragment_name.node.as_str()) {
                    keys.extend(found.iter().copied());
                }
            }
        }
    }
    keys
}

/// Adds up the document-wide counts of one selection set as written. Fragment
/// spreads are not followed: each fragment definition is counted once, on its own.
fn count_selection_set(set: &SelectionSet, measured: &mut Measurements) {
    for selection in &set.items {
        measured.directives += selection.node.directives().len();
        match &selection.node {
            Selection::Field(field) => {
                let field = &field.node;
                measured.field_selections += 1;
                if field.alias.is_some() {
                    measured.aliases += 1;
                }
                let directives = field.directives.len();
                let busier = measured
                    .busiest_field
                    .as_ref()
                    .is_none_or(|(_, most)| directives > *most);
                if busier {
                    measured.busiest_field =
                        Some((field.response_key().node.to_string(), directives));
                }
                count_selection_set(&field.selection_set.node, measured);
            }
            Selection::FragmentSpread(_) => {}
            Selection::InlineFragment(inline) => {
                count_selection_set(&inline.node.selection_set.node, measured)
            }
        }
    }
}

/// The fragments spread directly in `set` (at any nesting, not through other
/// fragments).
fn collect_spreads<'a>(set: &'a SelectionSet, spreads: &mut Vec<&'a str>) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => collect_spreads(&field.node.selection_set.node, spreads),
            Selection::FragmentSpread(spread) => {
                spreads.push(spread.node.fragment_name.node.as_str())
            }
            Selection::InlineFragment(inline) => {
                collect_spreads(&inline.node.selection_set.node, spreads)
            }
        }
    }
}

/// Orders the fragments so that every fragment comes after the fragments it spreads,
/// or returns the name of a fragment that spreads itself (directly or not).
///
/// The walk uses an explicit stack: a long chain of fragments must not be able to
/// overflow the thread's stack before any limit is checked.
fn fragment_order<'a>(
    doc: &'a ExecutableDocument,
    names: &[&'a str],
) -> Result<Vec<&'a str>, &'a str> {
    // Spreads of undefined fragments are left out; validation reports them.
    let spreads: HashMap<&str, Vec<&str>> = doc
        .fragments
        .iter()
        .map(|(name, fragment)| {
            let mut found = Vec::new();
            collect_spreads(&fragment.node.selection_set.node, &mut found);
            found.retain(|spread| doc.fragments.contains_key(*spread));
            (name.as_str(), found)
        })
        .collect();

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Mark {
        OnPath,
        Done,
    }
    let mut marks: HashMap<&str, Mark> = HashMap::with_capacity(names.len());
    let mut order = Vec::with_capacity(names.len());
    for &start in names {
        if marks.contains_key(start) {
            continue;
        }
        marks.insert(start, Mark::OnPath);
        let mut path: Vec<(&str, usize)> = vec![(start, 0)];
        while let Some((name, next)) = path.last().copied() {
            let children = spreads.get(name).map(Vec::as_slice).unwrap_or_default();
            match children.get(next) {
                Some(&child) => {
                    if let Some(top) = path.last_mut() {
                        top.1 += 1;
                    }
                    match marks.get(child) {
                        Some(Mark::OnPath) => return Err(child),
                        Some(Mark::Done) => {}
                        None => {
                            marks.insert(child, Mark::OnPath);
                            path.push((child, 0));
                        }
                    }
                }
                None => {
                    marks.insert(name, Mark::Done);
                    order.push(name);
                    path.pop();
                }
            }
        }
    }
    Ok(order)
}

/// The Int default of each variable, for variables the request leaves out. Defaults
/// are per operation, but fragments are summarised once for the whole document, so
/// the largest default of a name across operations stands for all of them: that
/// can only overestimate.
fn variable_defaults(doc: &ExecutableDocument) -> HashMap<&str, i64> {
    let mut defaults: HashMap<&str, i64> = HashMap::new();
    for (_, operation) in doc.operations.iter() {
        for variable in &operation.node.variable_definitions {
            let variable = &variable.node;
            let Some(default) = variable
                .default_value
                .as_ref()
                .and_then(|value| int_value(&value.node))
            else {
                continue;
            };
            let entry = defaults
                .entry(variable.name.node.as_str())
                .or_insert(default);
            *entry = (*entry).max(default);
        }
    }
    defaults
}

/// An Int value; numbers beyond `i64` saturate (validation rejects them later).
fn int_value(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number
            .as_i64()
            .or_else(|| number.as_u64().map(|_| i64::MAX)),
        _ => None,
    }
}

/// Costs selection sets against the registry, with fragment summaries memoised.
struct Analyzer<'a> {
    registry: &'a Registry,
    variables: &'a Variables,
    defaults: HashMap<&'a str, i64>,
    list_estimate: usize,
    /// Summaries of the fragments done so far, indexed by [`Mode::index`].
    fragments: HashMap<&'a str, [Summary; 3]>,
}

impl<'a> Analyzer<'a> {
    /// `on` is the type the selection set applies to, when the registry knows it.
    fn selection_set(&self, set: &SelectionSet, on: Option<&'a MetaType>, mode: Mode) -> Summary {
        let mut total = Summary::default();
        for selection in &set.items {
            let summary = match &selection.node {
                Selection::Field(field) => self.field(&field.node, on, mode),
                // Fragments were summarised before anything that spreads them; a
                // missing one is undefined and left to validation.
                Selection::FragmentSpread(spread) => self
                    .fragments
                    .get(spread.node.fragment_name.node.as_str())
                    .map(|summaries| summaries[mode.index()])
                    .unwrap_or_default(),
                Selection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    let on = match &inline.type_condition {
                        Some(condition) => self.registry.types.get(condition.node.on.node.as_str()),
                        None => on,
                    };
                    self.selection_set(&inline.selection_set.node, on, mode)
                }
            };
            total.absorb(summary);
        }
        total
    }

    fn field(&self, field: &Field, parent: Option<&'a MetaType>, mode: Mode) -> Summary {
        let name = field.name.node.as_str();
        // Unknown on an interface or a union, or simply misspelled: no definition,
        // so the field costs 1 and its children are costed without types.
        let definition = parent.and_then(|parent| parent.field_by_name(name));
        let child_type =
            definition.and_then(|definition| self.registry.concrete_type_by_name(&definition.ty));

        if mode == Mode::Introspection || INTROSPECTION_ROOTS.contains(&name) {
            let children =
                self.selection_set(&field.selection_set.node, child_type, Mode::Introspection);
            let passes = usize::from(
                mode == Mode::Introspection && INTROSPECTION_CYCLE_FIELDS.contains(&name),
            );
            return Summary {
                depth: children.depth.saturating_add(1),
                complexity: children.complexity.saturating_add(1),
                introspection_passes: children.introspection_passes.saturating_add(passes),
            };
        }

        let page = self.page_size(field, definition);
        let returns_list =
            definition.is_some_and(|definition| MetaTypeName::create(&definition.ty).is_list());
        let factor = match (page, self.ids_given(field)) {
            (Some(size), _) => size,
            (None, Some(ids)) if returns_list => ids.max(1),
            (None, _) if returns_list && mode != Mode::PageBody => self.list_estimate,
            (None, _) => 1,
        };
        let child_mode = if page.is_some() && !returns_list {
            Mode::PageBody
        } else {
            Mode::Plain
        };
        let children = self.selection_set(&field.selection_set.node, child_type, child_mode);
        Summary {
            depth: children.depth.saturating_add(1),
            complexity: children.complexity.saturating_add(1).saturating_mul(factor),
            introspection_passes: children.introspection_passes,
        }
    }

    /// How many items a paginated field returns: the larger of `first`/`last` when
    /// given, the default page size when the field takes them and none is given,
    /// `None` when the field is not paginated.
    fn page_size(&self, field: &Field, definition: Option<&MetaField>) -> Option<usize> {
        let given = PAGE_ARGUMENTS
            .iter()
            .filter_map(|argument| field.get_argument(argument))
            .filter_map(|value| {
                value
                    .node
                    .clone()
                    .into_const_with(|variable| self.variable(&variable).ok_or(()))
                    .ok()
            })
            .filter_map(|value| int_value(&value))
            .max();
        match given {
            // A page of 0 (or a negative size, which the resolver refuses) still
            // resolves the field itself once: charge at least that.
            Some(size) if size < 1 => Some(1),
            Some(size) => Some(
                usize::try_from(size)
                    .unwrap_or(usize::MAX)
                    .min(MAX_PAGE_SIZE),
            ),
            None => {
                let paginated = definition.is_some_and(|definition| {
                    PAGE_ARGUMENTS
                        .iter()
                        .any(|argument| definition.args.contains_key(*argument))
                });
                paginated.then_some(DEFAULT_PAGE_SIZE)
            }
        }
    }

    /// How many IDs an `ids` argument names (a list literal or a list variable).
    fn ids_given(&self, field: &Field) -> Option<usize> {
        let value = field
            .get_argument(IDS_ARGUMENT)?
            .node
            .clone()
            .into_const_with(|variable| self.variable(&variable).ok_or(()))
            .ok()?;
        match value {
            Value::List(items) => Some(items.len()),
            // A single ID is coerced to a list of one.
            Value::Null => None,
            _ => Some(1),
        }
    }

    /// A variable's value from the request, else its default in the document. An
    /// explicit null stays null: the resolver then serves its default page.
    fn variable(&self, name: &Name) -> Option<Value> {
        if let Some(value) = self.variables.get(name) {
            return Some(value.clone());
        }
        self.defaults
            .get(name.as_str())
            .map(|default| Value::Number((*default).into()))
    }
}

#[cfg(test)]
mod tests;
