//! `duty-search`: the command line, a thin shell over the library.

use std::future::Future;
use std::io::IsTerminal;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use duty_search::error::Error;
use duty_search::eval::{evaluate, learn_folds, load_judgments, Report};
use duty_search::feedback::{
    judged_queries, review, write_judgments, Decision, FeedbackStore, Learning,
};
use duty_search::index::build;
use duty_search::search::{Engine, Explanation, LiveIndex, SearchRequest};
use duty_search::server::{
    raise_open_file_limit, AdminToken, AppState, CorsPolicy, FeedbackIntake, Limits, LiveEngine,
    QueryLog, QueryLogLimits, ZeroHitReport,
};

/// The allocator of the binary: a search makes many small short-lived allocations on both
/// cores at once, which mimalloc's per-thread heaps serve without the lock contention and
/// fragmentation of the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay`: its place in `mi_option_e` of mimalloc 3's `mimalloc.h`
/// (the version libmimalloc-sys 0.1.49 builds; the binding names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Has freed memory go back to the system after 50 ms rather than mimalloc's default second,
/// unless the environment sets `MIMALLOC_PURGE_DELAY`. A reindex allocates a hundred megabytes
/// or so on a blocking thread that then sleeps; with the default delay nothing purged that
/// thread's pages and the server stayed some 70 MB larger after every reindex. With 50 ms the
/// resident size stays flat (scripts/soak.sh), at no cost measurable in throughput.
fn tune_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mi_option_set only stores an option value; any thread may call it.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 50) };
    }
}

/// Environment variable holding the admin token itself (the alternative to a token file).
const ADMIN_TOKEN_ENV: &str = "DUTY_SEARCH_ADMIN_TOKEN";
/// Environment variable holding the metrics token itself (the alternative to a token file).
const METRICS_TOKEN_ENV: &str = "DUTY_SEARCH_METRICS_TOKEN";
/// How long `serve` waits for the requests in flight once told to stop.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Search a township's duty lists (乡镇履行职责事项清单).
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Directory holding `lists/*.txt` and `lexicon/`.
    #[arg(
        long,
        global = true,
        env = "DUTY_SEARCH_CORPUS",
        default_value = "corpus"
    )]
    corpus: PathBuf,
    /// Directory of the built index.
    #[arg(
        long,
        global = true,
        env = "DUTY_SEARCH_INDEX",
        default_value = "index"
    )]
    index: PathBuf,
    /// Directory of the service's own data: the staff confirmations' database.
    #[arg(long, global = true, env = "DUTY_SEARCH_DATA", default_value = "data")]
    data: PathBuf,
    /// Learn a phrasing that staff confirmed this many times for the same item without waiting
    /// for an administrator to accept it. Default: only accepted confirmations are learnt.
    #[arg(
        long,
        global = true,
        env = "DUTY_SEARCH_LEARN_CONFIRMATIONS",
        value_name = "N",
        value_parser = positive
    )]
    learn_confirmations: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    /// Where builds take the items' example phrasings from.
    fn learning(&self) -> Learning {
        Learning {
            store: FeedbackStore::new(&self.data),
            confirmations: self.learn_confirmations,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Build the index from the corpus.
    Index,
    /// Serve the HTTP API, building the index first when it is missing or older than the corpus
    /// (and rebuilding it when it cannot be opened). SIGHUP reindexes; SIGTERM stops gracefully.
    Serve(ServeArgs),
    /// Print ranked results for a query.
    Search {
        /// The query: a keyword, a complaint, pinyin.
        query: String,
        /// Number of hits.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Also print the analysed query (concepts and their alternatives) as JSON.
        #[arg(long)]
        explain: bool,
    },
    /// Evaluate relevance on judged query files (JSONL).
    Eval {
        /// The judgments files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also list every query whose first relevant hit is not at rank 1 (with --learn-folds:
        /// every query whose first relevant hit moved with learning).
        #[arg(long)]
        verbose: bool,
        /// Cross-validate learning instead: split each file into this many folds, learn the
        /// complaints and messages of all folds but one as confirmed, answer the one left out;
        /// prints MRR@10, Success@5 and the abstain rate with and without learning.
        #[arg(long, value_name = "FOLDS", value_parser = positive)]
        learn_folds: Option<usize>,
    },
    /// Review the confirmations staff sent from the search page.
    #[command(subcommand)]
    Feedback(FeedbackCommand),
    /// List the queries that most often matched nothing, from the query log of `serve`.
    Stats {
        /// The query log `serve --query-log` wrote.
        #[arg(long, env = "DUTY_SEARCH_QUERY_LOG", value_name = "FILE")]
        query_log: PathBuf,
        /// How many queries to list.
        #[arg(long, default_value_t = 20)]
        top: usize,
    },
}

/// What an administrator does with confirmations.
#[derive(Subcommand)]
enum FeedbackCommand {
    /// List the pending confirmations grouped by item, the most confirmed first.
    List,
    /// Accept confirmations: their queries become example phrasings at the next reindex.
    Accept {
        /// Confirmation ids, as `list` shows them.
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Reject confirmations: they are never learnt.
    Reject {
        /// Confirmation ids, as `list` shows them.
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Write the accepted confirmations as judged queries (JSONL) for `eval`.
    Export {
        /// The file to write.
        file: PathBuf,
    },
}

/// The options of `serve`.
#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DUTY_SEARCH_BIND", default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Port to listen on.
    #[arg(long, env = "DUTY_SEARCH_PORT", default_value_t = 8080)]
    port: u16,
    /// An origin (http://portal.example:8000, or * for any) whose pages may call the API,
    /// e.g. an intranet portal using /widget.js; repeatable, or comma-separated. Default:
    /// none, same origin only.
    #[arg(
        long = "cors-origin",
        value_name = "ORIGIN",
        env = "DUTY_SEARCH_CORS_ORIGINS"
    )]
    cors_origins: Vec<CorsPolicy>,
    /// File holding the admin token POST /admin/reindex requires (or put the token itself in
    /// DUTY_SEARCH_ADMIN_TOKEN). Default: none, reindexing over HTTP is off.
    #[arg(long, env = "DUTY_SEARCH_ADMIN_TOKEN_FILE", value_name = "FILE")]
    admin_token_file: Option<PathBuf>,
    /// File holding a token GET /metrics then requires as Authorization: Bearer TOKEN (or put
    /// the token itself in DUTY_SEARCH_METRICS_TOKEN). Default: none, /metrics is open.
    #[arg(long, env = "DUTY_SEARCH_METRICS_TOKEN_FILE", value_name = "FILE")]
    metrics_token_file: Option<PathBuf>,
    /// Append each answered search (time, query, hit counts; nothing about the client) to
    /// this file as a JSON line, for `duty-search stats`. Default: off.
    #[arg(long, env = "DUTY_SEARCH_QUERY_LOG", value_name = "FILE")]
    query_log: Option<PathBuf>,
    /// Largest size of the query log file in bytes; an entry that would take it over moves it
    /// to FILE.1 (FILE.1 to FILE.2…) first. It is also rotated at the first entry of a new day.
    #[arg(
        long,
        env = "DUTY_SEARCH_QUERY_LOG_MAX_BYTES",
        default_value_t = QueryLogLimits::DEFAULT_MAX_BYTES,
        value_parser = positive_bytes
    )]
    query_log_max_bytes: u64,
    /// Rotated query log files kept (FILE.1 … FILE.N); 0 keeps none.
    #[arg(
        long,
        env = "DUTY_SEARCH_QUERY_LOG_KEEP",
        default_value_t = QueryLogLimits::DEFAULT_KEEP
    )]
    query_log_keep: usize,
    /// Days a rotated query log file is kept after its last entry; 0 keeps them (up to
    /// --query-log-keep).
    #[arg(
        long,
        env = "DUTY_SEARCH_QUERY_LOG_RETENTION_DAYS",
        default_value_t = QueryLogLimits::DEFAULT_RETENTION_DAYS
    )]
    query_log_retention_days: u64,
    /// Longest request target (path and query string) in bytes; longer gets 414.
    #[arg(
        long,
        env = "DUTY_SEARCH_MAX_URI_BYTES",
        default_value_t = Limits::DEFAULT_MAX_URI_BYTES,
        value_parser = positive
    )]
    max_uri_bytes: usize,
    /// Largest request body in bytes; larger gets 413.
    #[arg(
        long,
        env = "DUTY_SEARCH_MAX_BODY_BYTES",
        default_value_t = Limits::DEFAULT_MAX_BODY_BYTES,
        value_parser = positive
    )]
    max_body_bytes: usize,
    /// Longest time a request may take (10s, 500ms); slower gets 503. A reindex is not bound.
    #[arg(
        long,
        env = "DUTY_SEARCH_REQUEST_TIMEOUT",
        default_value = "10s",
        value_parser = humantime::parse_duration
    )]
    request_timeout: Duration,
    /// Most requests answered at once; one more gets 503 at once.
    #[arg(
        long,
        env = "DUTY_SEARCH_MAX_CONCURRENT_REQUESTS",
        default_value_t = Limits::DEFAULT_MAX_CONCURRENT_REQUESTS,
        value_parser = positive
    )]
    max_concurrent_requests: usize,
    /// Longest time a client may take to send a request head (10s, 500ms), or to start its
    /// next request on a kept-alive connection; slower is disconnected.
    #[arg(
        long,
        env = "DUTY_SEARCH_HEADER_READ_TIMEOUT",
        default_value = "10s",
        value_parser = positive_duration
    )]
    header_read_timeout: Duration,
    /// Most client connections open at once; one more is closed at once (logged, and counted
    /// in duty_search_connections_refused_total).
    #[arg(
        long,
        env = "DUTY_SEARCH_MAX_CONNECTIONS",
        default_value_t = Limits::DEFAULT_MAX_CONNECTIONS,
        value_parser = positive
    )]
    max_connections: usize,
    /// Most confirmations (POST /api/feedback) stored a minute, by all clients together; more
    /// get 429.
    #[arg(
        long,
        env = "DUTY_SEARCH_FEEDBACK_PER_MINUTE",
        default_value_t = FeedbackIntake::DEFAULT_PER_MINUTE,
        value_parser = positive_count
    )]
    feedback_per_minute: u32,
}

/// Parses a whole number of at least 1 that fits 32 bits.
fn positive_count(text: &str) -> Result<u32, String> {
    positive(text).and_then(|n| u32::try_from(n).map_err(|e| format!("{text:?}: {e}")))
}

/// Parses a whole number of at least 1.
fn positive(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(number) if number > 0 => Ok(number),
        _ => Err(format!(
            "expected a whole number of at least 1, got {text:?}"
        )),
    }
}

/// Parses a number of bytes of at least 1.
fn positive_bytes(text: &str) -> Result<u64, String> {
    positive(text).map(|bytes| bytes as u64)
}

/// Parses a duration (10s, 500ms) longer than zero.
fn positive_duration(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text.trim()) {
        Ok(duration) if !duration.is_zero() => Ok(duration),
        Ok(_) => Err("expected a duration longer than zero".to_string()),
        Err(error) => Err(format!("expected a duration such as 10s or 500ms: {error}")),
    }
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
enum Failure {
    /// The library refused or failed.
    #[error(transparent)]
    Engine(#[from] Error),
    /// The configuration is unusable; the message says how.
    #[error("{0}")]
    Config(String),
}

/// What a command ends with.
type Outcome<T = ()> = Result<T, Failure>;

fn main() -> ExitCode {
    tune_allocator();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tantivy=warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Outcome {
    let learning = cli.learning();
    let open_engine = || open_engine(&cli.corpus, &cli.index, &learning);
    match cli.command {
        Command::Index => {
            check_corpus(&cli.corpus)?;
            let info = build(&cli.corpus, &cli.index, &learning.examples()?)?;
            println!(
                "indexed {} items of {} into {}",
                info.items,
                info.towns.join("、"),
                cli.index.display()
            );
        }
        Command::Serve(args) => {
            let admin_token = token(
                args.admin_token_file.as_deref(),
                ADMIN_TOKEN_ENV,
                "admin-token-file",
                "admin",
            )?;
            let metrics_token = token(
                args.metrics_token_file.as_deref(),
                METRICS_TOKEN_ENV,
                "metrics-token-file",
                "metrics",
            )?;
            let query_log_limits = QueryLogLimits {
                max_bytes: args.query_log_max_bytes,
                keep: args.query_log_keep,
                retention_days: Some(args.query_log_retention_days).filter(|days| *days > 0),
            };
            let query_log = args
                .query_log
                .as_deref()
                .map(|path| QueryLog::open(path, query_log_limits))
                .transpose()?;
            check_corpus(&cli.corpus)?;
            let state = AppState {
                engine: LiveEngine::new(LiveIndex::open(
                    &cli.corpus,
                    &cli.index,
                    Some(learning.clone()),
                )?),
                cors: CorsPolicy::merge(args.cors_origins),
                limits: Limits {
                    max_uri_bytes: args.max_uri_bytes,
                    max_body_bytes: args.max_body_bytes,
                    request_timeout: args.request_timeout,
                    max_concurrent_requests: args.max_concurrent_requests,
                    header_read_timeout: args.header_read_timeout,
                    max_connections: args.max_connections,
                },
                admin_token,
                metrics_token,
                query_log,
                feedback: Some(FeedbackIntake::new(
                    FeedbackStore::new(&cli.data),
                    args.feedback_per_minute,
                )),
                metrics: Arc::default(),
            };
            serve(state, args.bind, args.port)?;
        }
        Command::Search {
            query,
            limit,
            explain,
        } => {
            let engine = open_engine()?;
            if explain {
                let plan = serde_json::to_string_pretty(&engine.analyze(&query))
                    .expect("a query plan serializes");
                println!("{plan}");
            }
            let mut request = SearchRequest::new(&query)?;
            request.limit = limit;
            request.explain = explain;
            request.validate()?;
            let response = engine.search(&request)?;
            print_response(&response);
        }
        Command::Eval {
            files,
            verbose,
            learn_folds: Some(folds),
        } => {
            check_corpus(&cli.corpus)?;
            println!("| file | kind | queries | MRR@10 plain | MRR@10 learned | Success@5 plain | Success@5 learned | abstain plain | abstain learned |");
            println!("|---|---|---|---|---|---|---|---|---|");
            for file in &files {
                let scratch = cli
                    .index
                    .with_extension(format!("folds-{}", std::process::id()));
                let report = learn_folds(&cli.corpus, &scratch, &load_judgments(file)?, folds)?;
                print_fold_rows(file, &report.plain, &report.learned);
                if verbose {
                    print_changes(&report.plain, &report.learned);
                }
            }
        }
        Command::Eval { files, verbose, .. } => {
            let engine = open_engine()?;
            for file in &files {
                if files.len() > 1 {
                    println!("\n{}\n", file.display());
                }
                let report = evaluate(&engine, &load_judgments(file)?)?;
                print!("{report}");
                if verbose {
                    print_misses(&report);
                }
            }
        }
        Command::Feedback(command) => feedback(command, &learning.store, open_engine)?,
        Command::Stats { query_log, top } => {
            let mut report = ZeroHitReport::read(&query_log)?;
            report.queries.truncate(top);
            print!("{report}");
        }
    }
    Ok(())
}

/// Refuses a corpus directory that does not exist, before anything else is done.
fn check_corpus(corpus: &Path) -> Outcome {
    if corpus.is_dir() {
        return Ok(());
    }
    Err(Failure::Config(format!(
        "corpus directory {} not found: give the directory holding lists/ and lexicon/ with \
         --corpus or DUTY_SEARCH_CORPUS",
        corpus.display()
    )))
}

/// Opens the engine on the live index, building or rebuilding it from the corpus (and the
/// examples learnt) when needed.
fn open_engine(corpus: &Path, index: &Path, learning: &Learning) -> Outcome<Engine> {
    check_corpus(corpus)?;
    Ok(Engine::open_or_build(corpus, index, &learning.examples()?)?)
}

/// Lists the queries whose first relevant hit is not first (for an out-of-scope query: that
/// it was answered).
fn print_misses(report: &Report) {
    for outcome in report.outcomes.iter().filter(|o| {
        if o.out_of_scope {
            !o.returned.is_empty()
        } else {
            o.first_relevant != Some(1)
        }
    }) {
        println!(
            "{} [{}] {} → first relevant {:?}; got {:?}",
            outcome.qid,
            outcome.kind,
            outcome.query,
            outcome.first_relevant,
            outcome.returned.iter().take(5).collect::<Vec<_>>()
        );
    }
}

/// The queries whose first relevant hit moved with learning (for an out-of-scope query: that
/// its answer changed between none and some), each with both ranks.
fn print_changes(plain: &Report, learned: &Report) {
    for (before, after) in plain.outcomes.iter().zip(&learned.outcomes) {
        let answered = |o: &duty_search::eval::QueryOutcome| !o.returned.is_empty();
        if before.first_relevant != after.first_relevant
            || (before.out_of_scope && answered(before) != answered(after))
        {
            println!(
                "  {} [{}] {:?} → {:?}: {}; plain {:?}, learned {:?}",
                before.qid,
                before.kind,
                before.first_relevant,
                after.first_relevant,
                before.query,
                before.returned.iter().take(3).collect::<Vec<_>>(),
                after.returned.iter().take(3).collect::<Vec<_>>()
            );
        }
    }
}

/// The rows of one file of a cross-validation: each kind learnt from or keywords, and `all`.
fn print_fold_rows(file: &Path, plain: &Report, learned: &Report) {
    let name = file.file_stem().unwrap_or_default().to_string_lossy();
    let kinds = plain
        .by_kind
        .iter()
        .filter(|(kind, _)| ["complaint", "message", "keyword"].contains(&kind.as_str()))
        .map(|(kind, metrics)| (kind.as_str(), metrics, &learned.by_kind[kind]));
    for (kind, plain, learned) in kinds.chain([("all", &plain.overall, &learned.overall)]) {
        let abstain = |m: &duty_search::eval::Metrics| {
            if m.out_of_scope == 0 {
                "–".to_string()
            } else {
                format!("{:.3}", m.abstain_rate)
            }
        };
        println!(
            "| {name} | {kind} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {} | {} |",
            plain.queries,
            plain.mrr,
            learned.mrr,
            plain.success_at_5,
            learned.success_at_5,
            abstain(plain),
            abstain(learned)
        );
    }
}

/// `duty-search feedback …`: the administrator's review of the confirmations of `store`;
/// `open_engine` opens the engine whose items a list names.
fn feedback(
    command: FeedbackCommand,
    store: &FeedbackStore,
    open_engine: impl Fn() -> Outcome<Engine>,
) -> Outcome {
    match command {
        FeedbackCommand::List => {
            let reviews = review(store, &open_engine()?)?;
            if reviews.is_empty() {
                println!("no pending confirmations in {}", store.path().display());
            }
            for item in reviews {
                let id = item.item_id.as_deref().unwrap_or("none fits");
                let title: String = item.title.unwrap_or_default().chars().take(40).collect();
                println!("{id} ({} pending) {title}", item.count);
                for confirmation in item.confirmations {
                    let query: String = confirmation.query.chars().take(60).collect();
                    println!("  #{} {query}", confirmation.id);
                }
            }
        }
        FeedbackCommand::Accept { ids } => decide(store, &ids, Decision::Accept)?,
        FeedbackCommand::Reject { ids } => decide(store, &ids, Decision::Reject)?,
        FeedbackCommand::Export { file } => {
            let judged = judged_queries(store)?;
            write_judgments(&file, &judged)?;
            println!(
                "wrote {} judged queries to {}",
                judged.len(),
                file.display()
            );
        }
    }
    Ok(())
}

/// Records `decision` on each confirmation of `ids`.
fn decide(store: &FeedbackStore, ids: &[i64], decision: Decision) -> Outcome {
    for id in ids {
        store.decide(*id, decision)?;
        println!("#{id} {}", decision.status());
    }
    if decision == Decision::Accept {
        println!("reindex (duty-search index, POST /admin/reindex or SIGHUP) to learn them");
    }
    Ok(())
}

/// The `what` token (`admin`, `metrics`) of `--{flag}` (a file) or of the environment variable
/// `env` (an empty value is no token); giving both is refused.
fn token(file: Option<&Path>, env: &str, flag: &str, what: &str) -> Outcome<Option<AdminToken>> {
    let from_env = std::env::var(env).ok().filter(|token| !token.is_empty());
    match (file, from_env) {
        (Some(_), Some(_)) => Err(Failure::Config(format!(
            "give the {what} token once: {env} and --{flag} are both set"
        ))),
        (Some(file), None) => AdminToken::from_file(file)
            .map(Some)
            .map_err(Failure::Config),
        (None, Some(token)) => AdminToken::new(&token)
            .map(Some)
            .map_err(|e| Failure::Config(format!("{env}: {e}"))),
        (None, None) => Ok(None),
    }
}

fn print_response(response: &duty_search::search::SearchResponse) {
    let interpretation = &response.interpretation;
    println!("terms: {}", interpretation.terms.join(" "));
    for expansion in &interpretation.expansions {
        println!("  {} → {}", expansion.from, expansion.to.join("、"));
    }
    if response.hits.is_empty() {
        println!("no duty covers this query");
        if !response.suggestions.is_empty() {
            println!("nearest duties: {}", response.suggestions.join(" / "));
        }
        return;
    }
    println!("{} matching duties", response.total);
    for (rank, hit) in response.hits.iter().enumerate() {
        let title: String = hit.title.chars().take(40).collect();
        println!(
            "{:>2}. {:<14} [{}] {}\n    {} (confidence {})",
            rank + 1,
            hit.id,
            hit.list_label,
            title,
            hit.owner_statement,
            serde_json::to_value(hit.confidence)
                .expect("a confidence serializes")
                .as_str()
                .unwrap_or_default()
        );
        if let Some(explanation) = &hit.explanation {
            print_explanation(explanation);
        }
    }
}

/// A hit's explanation, one line for the formula and one per concept.
fn print_explanation(explanation: &Explanation) {
    println!(
        "    score {} = raw {} (proximity {}) × coverage {}² × intent {} + examples {}; evidence {}; {} of the best{}{}",
        explanation.score,
        explanation.raw,
        explanation.proximity,
        explanation.coverage,
        explanation.intent_weight,
        explanation.examples,
        explanation.evidence,
        explanation.share_of_best,
        if explanation.weak_answer {
            " (a weak answer: at most medium)"
        } else {
            ""
        },
        explanation
            .note
            .map_or_else(String::new, |note| format!(" ({note})"))
    );
    for concept in &explanation.concepts {
        match &concept.matched {
            Some(matched) => println!(
                "      {} (weight {}): {} via {} in {} → {} (evidence {})",
                concept.concept,
                concept.weight,
                matched.term,
                matched.via.name(),
                matched.fields.join(", "),
                matched.score,
                matched.evidence
            ),
            None => println!(
                "      {} (weight {}): not matched",
                concept.concept, concept.weight
            ),
        }
    }
}

#[tokio::main]
async fn serve(state: AppState, bind: IpAddr, port: u16) -> Outcome {
    let address = std::net::SocketAddr::new(bind, port);
    // The signal handlers come first: a signal sent once the server answers must find them.
    let stop = stop_signal().map_err(|e| Error::io("signal handlers", e))?;
    reindex_on_hangup(&state).map_err(|e| Error::io("signal handlers", e))?;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| Error::io(address.to_string(), e))?;
    let address = listener
        .local_addr()
        .map_err(|e| Error::io(address.to_string(), e))?;
    let origins: Vec<String> = state.cors.origins().iter().map(|o| o.to_string()).collect();
    let query_log = state
        .query_log
        .as_ref()
        .map_or_else(|| "off".to_string(), |log| log.path().display().to_string());
    let feedback = state.feedback.as_ref().map_or_else(
        || "off".to_string(),
        |intake| intake.store.path().display().to_string(),
    );
    let limits = state.limits;
    let open_files = match raise_open_file_limit() {
        Ok(limit) => limit.to_string(),
        Err(error) => {
            tracing::warn!(%error, "cannot raise the open-file limit");
            "unknown".to_string()
        }
    };
    tracing::info!(
        %address,
        items = state.engine.current().num_items(),
        cors_origins = %origins.join(","),
        admin = if state.admin_token.is_some() { "on" } else { "off" },
        metrics_token = if state.metrics_token.is_some() { "on" } else { "off" },
        %query_log,
        %feedback,
        max_uri_bytes = limits.max_uri_bytes,
        max_body_bytes = limits.max_body_bytes,
        request_timeout = %humantime::format_duration(limits.request_timeout),
        max_concurrent_requests = limits.max_concurrent_requests,
        header_read_timeout = %humantime::format_duration(limits.header_read_timeout),
        max_connections = limits.max_connections,
        %open_files,
        "serving; search page at http://{address}/"
    );
    let (stopping, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        stop.await;
        let _ = stopping.send(true);
    });
    let server = duty_search::server::serve(listener, state, signalled(stopped.clone()));
    let grace = async {
        signalled(stopped).await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        () = server => {}
        () = grace => tracing::warn!(
            "requests still in flight {} after the signal; stopping anyway",
            humantime::format_duration(SHUTDOWN_GRACE)
        ),
    }
    tracing::info!("stopped");
    Ok(())
}

/// Resolves once `stopped` says the server is to stop.
async fn signalled(mut stopped: tokio::sync::watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}

/// Resolves on the first SIGTERM or Ctrl-C (SIGINT); the handlers are installed at once.
#[cfg(unix)]
fn stop_signal() -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = interrupt.recv() => "SIGINT",
        };
        tracing::info!(
            signal = name,
            "shutting down: finishing the requests in flight"
        );
    })
}

/// Resolves on the first Ctrl-C.
#[cfg(not(unix))]
fn stop_signal() -> std::io::Result<impl Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing the requests in flight");
    })
}

/// Reopens the query log and reindexes from the corpus on every SIGHUP, as `POST
/// /admin/reindex` does.
#[cfg(unix)]
fn reindex_on_hangup(state: &AppState) -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangups = signal(SignalKind::hangup())?;
    let state = state.clone();
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            if let Some(log) = &state.query_log {
                match log.reopen() {
                    Ok(()) => {
                        tracing::info!(path = %log.path().display(), "SIGHUP: query log reopened")
                    }
                    Err(error) => {
                        tracing::error!(%error, "SIGHUP: cannot reopen the query log; writing on to the file it had")
                    }
                }
            }
            tracing::info!("SIGHUP: reindexing from the corpus");
            // `reindex` logs and counts its outcome; the previous index serves on a failure.
            let _ = state.reindex().await;
        }
    });
    Ok(())
}

/// Without SIGHUP, reindexing is done over HTTP only.
#[cfg(not(unix))]
fn reindex_on_hangup(_state: &AppState) -> std::io::Result<()> {
    Ok(())
}
